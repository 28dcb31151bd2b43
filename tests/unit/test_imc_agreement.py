"""dsec's IMC cost of fixed mappings against zigzag-dse 3.9.1's numbers
(tests/zigzag/imc_reference.json, from tools/zigzag_imc_reference.py): energy
within 0.1% per term (each macro component, each memory and operand), latency exact."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "zigzag"))

from imc_agreement import ARCH, imc_cost, load_reference  # noqa: E402
from imc_reference_cases import CASES  # noqa: E402

from dsec.frontend.arch_loader import load_accelerator_file  # noqa: E402
from dsec.imc.macro import area, macro_of, tclk  # noqa: E402

REFERENCE = load_reference()
CASES_BY_NAME = {c["name"]: c for c in CASES}
MEMORY_OPERAND = {"W": "I2", "I": "I1", "O": "O"}


def test_reference_covers_both_macros_precharge_banks_and_diagonals():
    names = [e["name"] for e in REFERENCE["cases"]]
    assert set(names) == set(CASES_BY_NAME), "imc_reference.json is stale: rerun tools/zigzag_imc_reference.py"
    assert all("zigzag" in e for e in REFERENCE["cases"])
    by_name = {e["name"]: e["zigzag"] for e in REFERENCE["cases"]}
    assert by_name["aimc_precharge"]["mac_energy_breakdown"]["local_bl_precharging"] > 0
    archs = {CASES_BY_NAME[n]["arch"] for n in names}
    assert {"aimc", "dimc", "aimc_banks", "dimc_banks", "aimc_precharge"} <= archs
    assert sum("OX" in dict(CASES_BY_NAME[n]["spatial"]["D1"]) for n in names) >= 2


@pytest.mark.parametrize("entry", REFERENCE["cases"], ids=lambda e: e["name"])
def test_imc_energy_and_latency_match_zigzag(entry):
    zz = entry["zigzag"]
    case = CASES_BY_NAME[entry["name"]]
    cost = imc_cost(case, zz["order"])
    accelerator = load_accelerator_file(str(ARCH / f"{case['arch']}.yaml")).accelerator
    for part, value in zz["mac_energy_breakdown"].items():
        assert cost["macro"][part] == pytest.approx(value, rel=1e-3, abs=0.01), part
    for operand, levels in zz["memory_energy_pj"].items():
        memories = [m.name for m in accelerator.hierarchy(MEMORY_OPERAND[operand])]
        assert [cost["energy"][m][operand] for m in memories] == pytest.approx(levels, rel=1e-3, abs=0.01), operand
    assert cost["energy_pj"] == pytest.approx(zz["energy_pj"], rel=1e-3)
    assert cost["latency_cycles"] == zz["latency_cycles"]
    assert cost["latency"]["temporal"] == zz["ideal_temporal_cycles"]
    assert cost["latency"]["stall"] == zz["stall_cycles"]
    assert cost["latency"]["onloading"] == zz["onloading_cycles"]
    assert cost["latency"]["offloading"] == zz["offloading_cycles"]
    macro = macro_of(accelerator)
    assert tclk(macro) == pytest.approx(zz["tclk_ns"], rel=1e-12)
    assert area(macro) == pytest.approx(zz["area_mm2"], rel=1e-12)  # memory areas are 0 in these files
