"""--time-limit: a layer's search stops once past its seconds and keeps the
best mapping found so far, marked as such in the IR remark, the report and a
warning; without a limit nothing changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import dsec
from dsec.compiler import cli
from dsec.compiler.lower import LowerOptions
from dsec.cost.workload import layer_view
from dsec.dialect.ops import operand_shapes
from dsec.mapper.layer import SpatialOptions, pending_searches, remember_temporal, temporal_search
from dsec.mapper.temporal import TemporalOptions, search_temporal, temporal_sizes

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests/fixtures/seed-lowmem"
CONV = ROOT / "examples/models/conv3x3.onnx"
EYERISS = ROOT / "tests/fixtures/arch/eyeriss_like.yaml"
TINY = 1e-9  # past before the first order is scored: each search stops at its first order


def first_unrolled_layer():
    found = dsec.lower(str(CONV), str(EYERISS), None, LowerOptions(pipeline="spatial-unroll"))
    module = found.module
    layer = next(layer for layer in module.layers() if layer.spatial is not None)
    return module, layer, layer_view(layer, operand_shapes(layer, module.value_shapes()))


def test_a_stopped_search_keeps_the_best_order_found_so_far():
    module, layer, view = first_unrolled_layer()
    sizes = temporal_sizes(view.dims, layer.spatial)
    search = lambda limit: search_temporal(view, module.accelerator, layer.spatial, [], sizes,  # noqa: E731
                                           TemporalOptions("energy", 6, time_limit=limit))
    whole, stopped = search(0), search(TINY)
    assert not whole.stopped and stopped.stopped
    assert stopped.best is not None and stopped.evaluated == 1 < whole.evaluated
    assert stopped.best.score > whole.best.score  # the first order is not this layer's best
    assert search(3600).best == whole.best and not search(3600).stopped


def test_a_layers_candidates_share_its_limit():
    module, layer, view = first_unrolled_layer()
    searches = []  # one at a time: each is given the best score before it to beat
    while batch := pending_searches(view, module.accelerator, None, SpatialOptions(4), TemporalOptions(time_limit=2.0)):
        assert len(batch) == 1
        remember_temporal(batch[0], temporal_search(*batch[0]))
        searches += batch
    assert len(searches) > 1  # candidates that mirror another are not searched and take no share
    assert {options.seconds for _, _, _, _, options, _ in searches} == {2.0 / len(searches)}
    # The share is not part of the options' identity: temporal-tile's search is spatial-unroll's.
    assert searches[0][4] == TemporalOptions(time_limit=2.0)
    assert TemporalOptions().seconds is None


def test_lower_marks_the_layers_it_stopped():
    found = dsec.lower(str(SEED / "BasicNetwork.onnx"), str(SEED / "accelerator.yaml"), str(SEED / "mapping.yaml"),
                       LowerOptions(time_limit=TINY))
    assert found.ok
    # A search with one order (the ReLUs') ends before the clock is asked.
    convs = [row for row in found.report["layers"] if row["op"] == "Conv"]
    assert len(convs) == 2 and all(row["search"]["temporal"].get("time_limit_hit") for row in convs)
    # Each candidate was stopped, or proven unable to beat another's mapping before the clock was asked.
    assert all(t.get("time_limit_hit") or "beaten_by" in t for row in convs for t in row["search"]["tried"])
    assert all(row["search"]["tried"][0].get("time_limit_hit") for row in convs)
    warnings = [d.message for d in found.diagnostics if d.severity == "warning" and "time limit" in d.message]
    assert warnings and "not proven the best" in warnings[0]
    unlimited = dsec.lower(str(SEED / "BasicNetwork.onnx"), str(SEED / "accelerator.yaml"),
                           str(SEED / "mapping.yaml"), LowerOptions())
    assert not any("time_limit_hit" in str(row["search"]) for row in unlimited.report["layers"])
    with pytest.raises(ValueError, match="time_limit"):
        LowerOptions(time_limit=-1.0)


def test_cli_time_limit_is_said_in_the_report():
    args = ["lower", str(SEED / "BasicNetwork.onnx"), "--arch", str(SEED / "accelerator.yaml"),
            "--mapping", str(SEED / "mapping.yaml"), "--time-limit", "0.000000001"]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    assert "time limit: the search of 5 layers stopped at it" in result.output
    assert "@node_conv2d, @node_max_pool2d, @node_conv2d_1" in result.output
    result = CliRunner().invoke(cli.main, args[:-2] + ["--time-limit", "-1"])
    assert result.exit_code == 1 and "dsec: error: --time-limit: -1.0 is not in the range x>=0" in result.output
