"""Stream's 2-conv case end to end: CNs costed by dsec's mapper on their cores, scheduled, and
every schedule checked. Fused never loses to layer-by-layer on the same allocation."""

from __future__ import annotations

import os

import pytest

from dsec.frontend.arch_loader import ArchSpec
from dsec.frontend.importer import import_for
from dsec.multicore.checker import check_schedule
from dsec.multicore.evaluate import evaluate
from dsec.multicore.hardware_loader import load_multicore_file
from dsec.multicore.mapping_loader import load_stream_mapping_file
from dsec.multicore.plan import FUSED, LAYER_BY_LAYER, plan_from_mapping
from dsec.multicore.tiling import LayerTiling, tile_layers

STREAM = os.path.join(os.path.dirname(__file__), "..", "fixtures", "stream")


@pytest.fixture(scope="module")
def case():
    hardware, _ = load_multicore_file(os.path.join(STREAM, "hardware", "tpu_like_quad_core.yaml"))
    module = import_for(os.path.join(STREAM, "2conv_1_8_32_32_16_32_3.onnx"), ArchSpec(hardware.core(0).accelerator),
                        "tpu_like_quad_core.yaml").module
    return hardware, module


def test_tiles_and_dependencies_from_loop_ranges(case):
    _, module = case
    graph = tile_layers(module, {"Conv1": LayerTiling(tile=("OY", 8)), "Conv2": LayerTiling(tile=("OY", 8))})
    assert len(graph.cns) == 16
    # Conv2's rows 4..8 read Conv1's rows 3..9 (3x3 window, padding 1): Conv1's tiles 0, 1 and 2.
    assert sorted(p for p, c, _ in graph.edges if c == 9) == [0, 1, 2]
    assert sorted(p for p, c, _ in graph.edges if c == 8) == [0, 1]
    assert graph.sinks == frozenset(range(8, 16))
    # The input rows two tiles both read (the halo) are cells of their own, shared.
    first, second = graph.cns[0].inputs, graph.cns[1].inputs
    assert set(first) & set(second) and all(name.startswith(("input[", "weights_1[")) for name in first)


@pytest.mark.parametrize("mapping", ["map_fixed_lbl", "map_fixed_fused_rows4", "map_ksplit4_fused_rows4"])
def test_fused_not_slower_than_layer_by_layer(case, mapping):
    hardware, module = case
    spec, _ = load_stream_mapping_file(os.path.join(STREAM, f"{mapping}.yaml"))
    latencies = {}
    for order in (FUSED, LAYER_BY_LAYER):
        plan, _ = plan_from_mapping(module, hardware, spec, order)
        result = evaluate(module, hardware, plan)
        assert check_schedule(result.schedule, hardware, result.graph, result.allocation, result.costs) == []
        latencies[order] = result.schedule.latency
        energy = result.schedule.energy()
        assert energy["total"] == pytest.approx(sum(v for k, v in energy.items() if k != "total"))
    assert latencies[FUSED] <= latencies[LAYER_BY_LAYER]


def test_cns_of_one_shape_are_mapped_once_and_costed_on_their_own_slices(case, monkeypatch):
    """A border row tile reads fewer (padded) input rows than an inner one: one search, on the
    inner tile's slices (the widest), and a cost per slice shape."""
    from dsec.multicore import cn_cost as cn_cost_module

    hardware, module = case
    conv2 = next(layer for layer in module.layers() if layer.name == "Conv2")
    shapes, core = module.value_shapes(), hardware.core(1)
    loops = {dim: (0, size) for dim, size in conv2.dims.items()}
    border, inner = {**loops, "OY": (0, 4)}, {**loops, "OY": (4, 8)}
    _, border_slices, border_widest = cn_cost_module.cn_problem(conv2, border, shapes, core)
    _, inner_slices, inner_widest = cn_cost_module.cn_problem(conv2, inner, shapes, core)
    assert (border_slices["I"], inner_slices["I"]) == ((1, 16, 5, 32), (1, 16, 6, 32))  # rows 0..4 and 3..9
    assert border_widest == inner_widest == inner_slices
    searched = []
    monkeypatch.setattr(cn_cost_module, "_MAPPED", {})
    monkeypatch.setattr(cn_cost_module, "_CACHE", {})
    real_map = cn_cost_module._map
    monkeypatch.setattr(cn_cost_module, "_map", lambda *args: searched.append(args[1]) or real_map(*args))
    border_cost = cn_cost_module.cn_cost(conv2, border, shapes, core)
    inner_cost = cn_cost_module.cn_cost(conv2, inner, shapes, core)
    assert searched == [inner_slices] and len(cn_cost_module._CACHE) == 2
    assert border_cost.energy <= inner_cost.energy and border_cost.latency <= inner_cost.latency


def test_cn_search_options_shape_each_cns_search(case, monkeypatch):
    """CNSearch reaches the CN's single-core passes: the temporal search runs at its lpf limit,
    spatial-unroll scores its number of candidates, and a narrower search is a mapping problem
    of its own (not answered from the default search's cache)."""
    from dsec.multicore import cn_cost as cn_cost_module

    hardware, module = case
    conv1 = next(layer for layer in module.layers() if layer.name == "Conv1")
    shapes, core = module.value_shapes(), hardware.core(0)
    tile = {**{dim: (0, size) for dim, size in conv1.dims.items()}, "OY": (4, 8)}
    monkeypatch.setattr(cn_cost_module, "_MAPPED", {})
    monkeypatch.setattr(cn_cost_module, "_CACHE", {})
    wide = cn_cost_module.cn_cost(conv1, tile, shapes, core, "energy")
    narrow = cn_cost_module.cn_cost(conv1, tile, shapes, core, "energy", cn_cost_module.CNSearch(1, 6))
    searches = [mapped.layers()[0].search for mapped in cn_cost_module._MAPPED.values()]
    assert [(len(s["tried"]), s["temporal"]["lpf_limit"]) for s in searches] == [(3, 8), (1, 6)]
    # The first candidate alone (Stream's one spatial mapping) is no better on the objective.
    assert narrow.energy >= wide.energy
