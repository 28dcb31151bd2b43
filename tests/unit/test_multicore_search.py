"""The seeded allocation search: the same seed gives the same Pareto set and choice; the set
is non-dominated; small spaces are enumerated whole. And fused never loses to layer-by-layer on
ResNet-18's stem with the same allocation."""

from __future__ import annotations

import os

import pytest

from dsec.multicore.allocation_search import Point, pareto_front, search_allocation
from dsec.multicore.checker import check_schedule
from dsec.multicore.evaluate import evaluate
from dsec.multicore.importer import import_multicore
from dsec.multicore.ir import plan_of
from dsec.multicore.plan import FUSED, LAYER_BY_LAYER, Plan, plan_from_mapping
from dsec.multicore.mapping_loader import load_stream_mapping_file

STREAM = os.path.join(os.path.dirname(__file__), "..", "fixtures", "stream")
OWN = os.path.join(os.path.dirname(__file__), "..", "fixtures", "multicore")
TPU_QUAD = os.path.join(STREAM, "hardware", "tpu_like_quad_core.yaml")


def test_pareto_front_by_hand():
    points = [Point(((0,),), 10, 5.0), Point(((1,),), 8, 7.0), Point(((2,),), 12, 6.0), Point(((3,),), 8, 7.0)]
    assert [(p.latency, p.energy) for p in pareto_front(points)] == [(8, 7.0), (10, 5.0)]


@pytest.fixture(scope="module")
def two_conv():
    module, _ = import_multicore(os.path.join(STREAM, "2conv_1_8_32_32_16_32_3.onnx"), TPU_QUAD,
                                 os.path.join(STREAM, "map_fixed_lbl.yaml"))
    from dsec.multicore.tiling import tile_layers
    from dsec.multicore.ir import cn_lines
    from dataclasses import replace
    graph = tile_layers(module, plan_of(module).tilings)
    return replace(module, ops=tuple(replace(op, cns=cn_lines(graph, op.symbol, set())) if op in module.layers()
                                     else op for op in module.ops))


def test_same_seed_same_answer(two_conv):
    # 4 x 4 allocations of the two convs, 2 generations of 3: the genetic search, not enumeration.
    first = search_allocation(two_conv, seed=7, generations=2, population=3, objective="edp")
    again = search_allocation(two_conv, seed=7, generations=2, population=3, objective="edp")
    assert first == again and first.evaluated < 16
    assert first.pareto == tuple(pareto_front(list(first.pareto)))
    chosen = tuple(first.chosen[layer] for layer in first.layers)
    assert chosen in {p.genome for p in first.pareto}


def test_small_space_is_enumerated(two_conv):
    found = search_allocation(two_conv, seed=0, generations=4, population=4, objective="latency")
    assert found.evaluated == 16
    # The chosen point is the fastest of all 16 allocations, each scheduled here on its own.
    hardware = two_conv.multicore
    plan = plan_of(two_conv)
    fastest = min(evaluate(two_conv, hardware, Plan(plan.tilings, {"Conv1": (a,), "Conv2": (b,)}, FUSED))
                  .schedule.latency for a in range(4) for b in range(4))
    chosen = Plan(plan.tilings, found.chosen, FUSED)
    assert evaluate(two_conv, hardware, chosen).schedule.latency == fastest == found.pareto[0].latency


def test_resnet_stem_fused_not_slower_than_layer_by_layer():
    module, _ = import_multicore(os.path.join(STREAM, "resnet18_first3.onnx"), TPU_QUAD, None)
    mapping, _ = load_stream_mapping_file(os.path.join(OWN, "resnet18_first3_fused.yaml"))
    from dsec.multicore.hardware_loader import load_multicore_file
    hardware, _ = load_multicore_file(TPU_QUAD)
    latencies = {}
    for order in (FUSED, LAYER_BY_LAYER):
        plan, _ = plan_from_mapping(module, hardware, mapping, order)
        result = evaluate(module, hardware, plan)
        assert check_schedule(result.schedule, hardware, result.graph, result.allocation, result.costs) == []
        latencies[order] = result.schedule.latency
    assert latencies[FUSED] <= latencies[LAYER_BY_LAYER]
