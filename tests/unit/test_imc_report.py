"""The report's IMC figures: the macro's area (in the accelerator's area, cells
included once), tclk, peak TOPS, TOPS/W, TOPS/mm², and time = cycles x tclk."""

import json
import sys
import tempfile
from pathlib import Path

import onnx
import pytest

import dsec
from dsec.cost.report import format_markdown, format_text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "zigzag"))

from imc_agreement import load_reference  # noqa: E402
from imc_reference_cases import CASES  # noqa: E402
from reference_cases import build_model, mapping_yaml  # noqa: E402


@pytest.mark.parametrize("name", ["aimc_conv1x1", "dimc_conv3x3"])
def test_report_gives_the_macro_figures(name):
    case = next(c for c in CASES if c["name"] == name)
    zz = next(e["zigzag"] for e in load_reference()["cases"] if e["name"] == name)
    with tempfile.TemporaryDirectory() as tmp:
        model, mapping = Path(tmp) / "m.onnx", Path(tmp) / "m.yaml"
        onnx.save(build_model(case["model"]), model)
        mapping.write_text(mapping_yaml(case, [tuple(x) for x in zz["order"]]))
        report = dsec.lower(str(model), str(ROOT / "tests/fixtures/imc" / f"{case['arch']}.yaml"),
                            str(mapping)).report
    imc = report["imc"]
    assert imc["tclk_ns"] == pytest.approx(zz["tclk_ns"])
    assert imc["area_mm2"] == pytest.approx(zz["area_mm2"])
    assert report["area"]["total"] == pytest.approx(zz["area_mm2"])  # cells counted once, in the macro
    assert "cells" not in report["area"]["components"]
    cycles = report["totals"]["latency_cycles"]
    assert cycles == zz["latency_cycles"]
    assert imc["time_ns"] == pytest.approx(cycles * zz["tclk_ns"])
    assert report["layers"][0]["time_ns"] == pytest.approx(cycles * zz["tclk_ns"])
    # 16384 cells, Pa / B slices per MAC, 2 operations per MAC
    macs_per_cycle = 128 * 128 / (8 / (2 if case["arch"] == "aimc" else 1))
    assert imc["peak_tops"] == pytest.approx(macs_per_cycle * 2 / zz["tclk_ns"] / 1000)
    assert imc["peak_tops_per_mm2"] == pytest.approx(imc["peak_tops"] / zz["area_mm2"])
    assert imc["peak_tops_per_w"] > 0
    assert f"tclk {zz['tclk_ns']:.6g} ns" in format_text(report)
    assert "**IMC macro**" in format_markdown(report)
    json.dumps(report)
