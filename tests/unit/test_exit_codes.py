"""`dsec lower` exits 0 only when every layer has a cost; a pipeline that maps
nothing is a failure, not an empty success."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "examples" / "models" / "conv3x3.onnx"
ARCH = ROOT / "examples" / "arch" / "tpu_like.yaml"


def lower(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dsec", "lower", str(MODEL), "--arch", str(ARCH), *args],
                          capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("pipeline", ["spatial-unroll,cost-annotate", "memory-alloc", "cost-annotate"])
def test_a_pipeline_that_leaves_layers_without_cost_exits_1(pipeline):
    run = lower("--pipeline", pipeline)
    assert run.returncode == 1, run.stderr
    assert "dsec: error: 1 of 1 layers have no cost (first: 'layer')" in run.stderr
    assert "total: 0/1 layers mapped" in run.stdout  # the report is still written


def test_the_full_pipeline_exits_0():
    run = lower("--pipeline", "spatial-unroll,temporal-tile,memory-alloc,cost-annotate")
    assert run.returncode == 0, run.stderr
    assert "total: 1/1 layers mapped" in run.stdout
