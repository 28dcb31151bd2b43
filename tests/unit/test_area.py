"""The accelerator's area (cost/area.py) against hand computations, and where
the report shows it: JSON, text, CSV and `LowerResult.area`."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import dsec
from dsec.cost.area import accelerator_area
from dsec.frontend.arch_loader import load_accelerator, load_accelerator_file

ROOT = Path(__file__).resolve().parents[2]
TPU_LIKE = ROOT / "examples" / "arch" / "tpu_like.yaml"
CONV = ROOT / "examples" / "models" / "conv3x3.onnx"


def test_tpu_like_area_is_1024_pes_of_unit_area_1():
    # tpu_like: a 32 x 32 array with unit_area 1, every memory's area 0.
    area = accelerator_area(load_accelerator_file(str(TPU_LIKE)).accelerator)
    assert area.total == 32 * 32 * 1
    assert area.component("pe_array").copies == 1024
    assert [c.name for c in area.components] == ["pe_array", "rf_128B", "rf_2B", "sram_2MB", "dram"]
    assert area.unit == "mm2"


def test_memory_area_counts_once_per_copy():
    # rf_128B serves no array dimension: one copy per PE (1024); rf_2B serves D2: one per column (32);
    # sram_2MB and dram serve both: one copy.
    text = TPU_LIKE.read_text()
    text = text.replace("unit_area: 1 # unit", "unit_area: 0.002")
    text = text.replace("area: 0\n    latency: 1\n    operands: [I2]", "area: 0.0005\n    latency: 1\n    operands: [I2]")
    text = text.replace("area: 0\n    latency: 1\n    operands: [O]", "area: 0.0001\n    latency: 1\n    operands: [O]")
    text = text.replace("served_dimensions: []\n\n  sram_2MB", "served_dimensions: [D2]\n\n  sram_2MB")
    text = text.replace("area: 0\n    latency: 1\n    operands: [I1, O]", "area: 3.5\n    latency: 1\n    operands: [I1, O]")
    area = accelerator_area(load_accelerator(text, "t.yaml").accelerator)
    expected = {"pe_array": 1024 * 0.002, "rf_128B": 1024 * 0.0005, "rf_2B": 32 * 0.0001, "sram_2MB": 3.5,
                "dram": 0.0}
    assert {c.name: c.area for c in area.components} == pytest.approx(expected)
    assert area.total == pytest.approx(2.048 + 0.512 + 0.0032 + 3.5)
    assert area.as_dict()["components"]["rf_2B"] == {"unit_area": 0.0001, "copies": 32, "area": pytest.approx(0.0032)}


def _lower(*args):
    return subprocess.run([sys.executable, "-m", "dsec.compiler.cli", "lower", CONV, "--arch", TPU_LIKE, *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_lower_reports_area_in_json_text_csv_and_python():
    run = _lower("--emit", "json")
    assert run.returncode == 0, run.stderr
    area = json.loads(run.stdout)["area"]
    assert area["total"] == 1024.0 and area["unit"] == "mm2"
    assert area["components"]["pe_array"] == {"unit_area": 1.0, "copies": 1024, "area": 1024.0}
    assert area["components"]["sram_2MB"] == {"unit_area": 0.0, "copies": 1, "area": 0.0}

    assert "area: 1024 mm2 = pe_array 1024 x 1\n" in _lower().stdout

    rows = [r for r in csv.DictReader(io.StringIO(_lower("--emit", "csv").stdout)) if r["op"] == "area"]
    assert [(r["name"], float(r["area"])) for r in rows] == [
        ("pe_array", 1024.0), ("rf_128B", 0.0), ("rf_2B", 0.0), ("sram_2MB", 0.0), ("dram", 0.0), ("total", 1024.0)]

    result = dsec.lower(str(CONV), str(TPU_LIKE))
    assert result.area.total == 1024.0 and result.report["area"] == result.area.as_dict()
