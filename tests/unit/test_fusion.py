"""fuse-elementwise through `dsec lower`: an activation costs its compute energy
only (one operation per element at unit_energy, computed by hand below), the
producer's cost is what it is without fusion, the report marks the fused row,
and --no-fuse-elementwise costs activations as layers of their own again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dsec.compiler.lower import LowerOptions, default_pipeline, lower
from dsec.cost.report import FORMATS

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "tests" / "fixtures" / "seed-lowmem" / "BasicNetwork.onnx"
ARCH = ROOT / "tests" / "fixtures" / "arch" / "tpu_like.yaml"  # unit_energy 0.04 pJ


@pytest.fixture(scope="module")
def both():
    fused = lower(MODEL, ARCH).report
    apart = lower(MODEL, ARCH, options=LowerOptions(fuse_elementwise=False)).report
    return {row["symbol"]: row for row in fused["layers"]}, {row["symbol"]: row for row in apart["layers"]}, fused


def test_a_fused_relu_costs_one_operation_per_element_and_no_traffic_or_cycles(both):
    fused, _, _ = both
    # conv1's output is 1 x 16 x 78 x 87 = 108576 elements (the Relu's dims); 108576 x 0.04 pJ.
    relu = fused["node_relu"]
    assert (relu["fused_into"], relu["macs"], relu["energy_pj"]) == ("node_conv2d", 108576, 4343.04)
    assert relu["latency_cycles"] == 0 and relu["accesses"] == {} and relu["energy_breakdown_pj"] == {"mac": 4343.04}
    assert relu["spatial"] == "" and relu["status"] == "ok"
    # conv2's: 1 x 16 x 36 x 111 = 63936 elements.
    assert (fused["node_relu_1"]["fused_into"], fused["node_relu_1"]["energy_pj"]) == ("node_conv2d_1", 2557.44)


def test_producers_cost_what_they_cost_without_fusion(both):
    fused, apart, _ = both
    keys = ("energy_pj", "latency_cycles", "spatial", "temporal", "energy_breakdown_pj", "accesses")
    for symbol, row in apart.items():
        if row["op"] != "Relu":
            assert {k: fused[symbol][k] for k in keys} == {k: row[k] for k in keys}, symbol
    assert apart["node_relu"]["fused_into"] is None and apart["node_relu"]["energy_pj"] > 1e7  # streamed through DRAM


def test_the_report_lists_the_fused_row_marked_and_counts_it_in_the_totals(both):
    fused, _, report = both
    assert report["totals"]["mapped"] == report["totals"]["layers"] == 8
    assert report["totals"]["energy_pj"] == pytest.approx(sum(row["energy_pj"] for row in fused.values()), abs=0.01)
    line = next(line for line in FORMATS["text"](report).splitlines() if line.startswith("node_relu "))
    assert "fused @node_conv2d" in line


def test_the_default_pipeline_fuses_first_and_the_option_turns_it_off():
    assert default_pipeline(LowerOptions()).startswith("fuse-elementwise,spatial-unroll{")
    assert default_pipeline(LowerOptions(data_locality=True)).startswith("layer-locality{")
    assert ",fuse-elementwise,spatial-unroll{" in default_pipeline(LowerOptions(data_locality=True))
    assert "fuse-elementwise" not in default_pipeline(LowerOptions(fuse_elementwise=False))
    with pytest.raises(ValueError, match="fuse_elementwise: 'no' is not True or False"):
        LowerOptions(fuse_elementwise="no")


def test_no_fuse_elementwise_on_the_command_line():
    run = subprocess.run([sys.executable, "-m", "dsec", "lower", str(MODEL), "--arch", str(ARCH),
                          "--no-fuse-elementwise", "--emit", "json"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert '"fused_into": "node_conv2d"' not in run.stdout and '"fused_into": null' in run.stdout
