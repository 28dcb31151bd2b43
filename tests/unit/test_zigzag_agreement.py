"""dsec's cost of fixed mappings against zigzag-dse 3.9.1's numbers.

The reference numbers come from tools/zigzag_reference.py (run in a separate
environment with zigzag-dse); this test needs only dsec.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "zigzag"))

from agreement import dsec_cost, load_reference  # noqa: E402
from reference_cases import CASES  # noqa: E402

REFERENCE = load_reference()
CASES_BY_NAME = {c["name"]: c for c in CASES}


def test_reference_covers_the_agreed_ground():
    names = [c["name"] for c in REFERENCE["cases"]]
    assert len(names) >= 20
    assert len({CASES_BY_NAME[n]["arch"] for n in names}) >= 3
    assert any(CASES_BY_NAME[n]["arch"] == "gemm_l1" for n in names)
    assert set(names) == set(CASES_BY_NAME), "reference.json is stale: rerun tools/zigzag_reference.py"


@pytest.mark.parametrize("entry", REFERENCE["cases"], ids=lambda e: e["name"])
def test_energy_and_latency_match_zigzag(entry):
    zz = entry["zigzag"]
    cost = dsec_cost(CASES_BY_NAME[entry["name"]], zz["order"])
    assert cost["energy_pj"] == pytest.approx(zz["energy_pj"], rel=0.01)
    assert cost["latency_cycles"] == pytest.approx(zz["latency_cycles"], rel=0.05)
    # The breakdown agrees too: MAC energy and each latency part.
    assert cost["energy"]["mac"] == pytest.approx(zz["mac_energy_pj"], rel=1e-6)
    assert cost["latency"]["temporal"] == pytest.approx(zz["ideal_temporal_cycles"])
    assert cost["latency"]["stall"] == pytest.approx(zz["stall_cycles"], abs=1)
    assert cost["latency"]["onloading"] == pytest.approx(zz["onloading_cycles"], abs=1)
    assert cost["latency"]["offloading"] == pytest.approx(zz["offloading_cycles"], abs=1)
