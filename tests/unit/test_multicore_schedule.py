"""The list scheduler against schedules computed by hand: two layers (A then B), two cores
joined by one link (8 bits/cycle, 0.5 pJ/bit), a bus of 4 bits/cycle to DRAM, whose port
moves 8 bits/cycle. SRAM: 0.125 pJ/bit read, 0.25 written; DRAM: 10 pJ/bit either way.
Every schedule is also run through the schedule checker."""

from __future__ import annotations

import os

import pytest

from dsec.multicore.checker import check_schedule
from dsec.multicore.cn_cost import CNCost
from dsec.multicore.hardware_loader import load_multicore_file
from dsec.multicore.plan import FUSED, LAYER_BY_LAYER, cn_priority
from dsec.multicore.scheduler import list_schedule
from dsec.multicore.tiling import CN, CNGraph, Tensor

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "multicore")


@pytest.fixture(scope="module")
def hardware():
    return load_multicore_file(os.path.join(FIXTURES, "two_core.yaml"))[0]


def _cn(cn_id, layer, tile, layer_index, inputs, output):
    return CN(cn_id, layer, 0, tile, 0, layer_index, (), tuple(inputs), output)


def _checked(hardware, graph, allocation, costs, order):
    schedule = list_schedule(hardware, graph, allocation, costs, cn_priority(graph, order))
    assert check_schedule(schedule, hardware, graph, allocation, costs) == []
    return schedule


def _transfers(schedule):
    return [(t.tensor, t.source, t.target, t.start, t.end, t.resources) for t in schedule.transfers]


def test_layer_by_layer_by_hand(hardware):
    tensors = {"wA": Tensor("wA", 64, None), "wB": Tensor("wB", 32, None),
               "A": Tensor("A", 128, 0), "B": Tensor("B", 64, 1)}
    graph = CNGraph((_cn(0, "A", 0, 0, ["wA"], "A"), _cn(1, "B", 0, 1, ["A", "wB"], "B")), tensors,
                    ((0, 1, "A"),), frozenset({1}))
    costs = {0: CNCost(100, 1000.0), 1: CNCost(50, 500.0)}
    schedule = _checked(hardware, graph, {0: 0, 1: 1}, costs, LAYER_BY_LAYER)
    # wA: DRAM -> core 0 over the bus at 4 bits/cycle: 16 cycles. A on core 0 then.
    # A: 128 bits to core 1; the link (16 cycles) beats the bus (32). wB: the bus is free after 16.
    # B waits for A; its output goes to DRAM over the bus: 64 / 4 = 16 cycles.
    assert [(s.cn, s.core, s.start, s.end) for s in schedule.slots] == [(0, 0, 16, 116), (1, 1, 132, 182)]
    assert _transfers(schedule) == [
        ("wA", 2, 0, 0, 16, ("bus1", "core2.port")),
        ("A", 0, 1, 116, 132, ("link0",)),
        ("wB", 2, 1, 16, 24, ("bus1", "core2.port")),
        ("B", 1, 2, 182, 198, ("bus1", "core2.port")),
    ]
    assert schedule.latency == 198
    # CNs 1500; link 128 * 0.5; SRAM ends: wA 64*0.25, A 128*(0.125+0.25), wB 32*0.25, B 64*0.125;
    # DRAM: reads 64*10 + 32*10, write 64*10.
    assert schedule.energy() == {"cn": 1500.0, "links": 64.0, "memory_ends": 80.0, "offchip": 1600.0,
                                 "total": 3244.0}


def test_fused_by_hand(hardware):
    tensors = {"wA": Tensor("wA", 64, None), "wB": Tensor("wB", 32, None),
               "A0": Tensor("A0", 64, 0), "A1": Tensor("A1", 64, 1),
               "B0": Tensor("B0", 32, 2), "B1": Tensor("B1", 32, 3)}
    cns = (_cn(0, "A", 0, 0, ["wA"], "A0"), _cn(1, "A", 1, 0, ["wA"], "A1"),
           _cn(2, "B", 0, 1, ["A0", "wB"], "B0"), _cn(3, "B", 1, 1, ["A0", "A1", "wB"], "B1"))
    graph = CNGraph(cns, tensors, ((0, 2, "A0"), (0, 3, "A0"), (1, 3, "A1")), frozenset({2, 3}))
    costs = {0: CNCost(50, 400.0), 1: CNCost(50, 400.0), 2: CNCost(25, 200.0), 3: CNCost(25, 200.0)}
    schedule = _checked(hardware, graph, {0: 0, 1: 0, 2: 1, 3: 1}, costs, FUSED)
    # Fused order: A tile 0, B tile 0, A tile 1, B tile 1. B tile 1 reads A0 (its halo) again: it
    # is still on core 1. wA stays on core 0 for A's second tile.
    assert [(s.cn, s.core, s.start, s.end) for s in schedule.slots] == [
        (0, 0, 16, 66), (2, 1, 74, 99), (1, 0, 66, 116), (3, 1, 124, 149)]
    assert _transfers(schedule) == [
        ("wA", 2, 0, 0, 16, ("bus1", "core2.port")),
        ("A0", 0, 1, 66, 74, ("link0",)),
        ("wB", 2, 1, 16, 24, ("bus1", "core2.port")),
        ("B0", 1, 2, 99, 107, ("bus1", "core2.port")),
        ("A1", 0, 1, 116, 124, ("link0",)),
        ("B1", 1, 2, 149, 157, ("bus1", "core2.port")),
    ]
    assert schedule.latency == 157
    assert schedule.energy() == {"cn": 1200.0, "links": 64.0, "memory_ends": 80.0, "offchip": 1600.0,
                                 "total": 2944.0}


def test_full_memory_evicts_to_dram_by_hand(hardware):
    """One core of 4096 bits. A's two tiles write X and Y (2048 bits each); B reads Y first, X
    last. Y does not fit beside X and A's weights: X, still needed, is written to DRAM (2048 / 4
    = 512 cycles on the bus) and read back when B's second tile needs it, once Y and B's first
    output have left."""
    tensors = {"wA": Tensor("wA", 64, None), "X": Tensor("X", 2048, 0), "Y": Tensor("Y", 2048, 1),
               "Z": Tensor("Z", 8, 2), "W": Tensor("W", 8, 3)}
    cns = (_cn(0, "A", 0, 0, ["wA"], "X"), _cn(1, "A", 1, 0, ["wA"], "Y"),
           _cn(2, "B", 0, 1, ["Y"], "Z"), _cn(3, "B", 1, 1, ["X"], "W"))
    graph = CNGraph(cns, tensors, ((1, 2, "Y"), (0, 3, "X")), frozenset({2, 3}))
    costs = {cn: CNCost(10, 0.0) for cn in range(4)}
    schedule = _checked(hardware, graph, {cn: 0 for cn in range(4)}, costs, LAYER_BY_LAYER)
    assert [(s.cn, s.start, s.end) for s in schedule.slots] == [(0, 16, 26), (1, 538, 548), (2, 548, 558),
                                                                (3, 1072, 1082)]
    assert [(t.tensor, t.source, t.target, t.start, t.end, t.why) for t in schedule.transfers] == [
        ("wA", 2, 0, 0, 16, "input"), ("X", 0, 2, 26, 538, "evict"), ("Z", 0, 2, 558, 560, "sink"),
        ("X", 2, 0, 560, 1072, "input"), ("W", 0, 2, 1082, 1084, "sink")]
    assert schedule.latency == 1084
    assert max(sum(r.bits for r in schedule.residencies if r.start <= t < r.end) for t in range(1084)) <= 4096


def test_checker_finds_broken_schedules(hardware):
    """The checker is not a rubber stamp: overlapping CNs, a too-fast transfer, a CN before its
    input, and a full memory are each reported."""
    import dataclasses

    tensors = {"wA": Tensor("wA", 64, None), "wB": Tensor("wB", 32, None),
               "A": Tensor("A", 128, 0), "B": Tensor("B", 64, 1)}
    graph = CNGraph((_cn(0, "A", 0, 0, ["wA"], "A"), _cn(1, "B", 0, 1, ["A", "wB"], "B")), tensors,
                    ((0, 1, "A"),), frozenset({1}))
    costs = {0: CNCost(100, 0.0), 1: CNCost(50, 0.0)}
    allocation = {0: 0, 1: 1}
    good = _checked(hardware, graph, allocation, costs, LAYER_BY_LAYER)
    early = dataclasses.replace(good, slots=(good.slots[0], dataclasses.replace(good.slots[1], start=100, end=150)))
    assert any("before CN 0 ends" in p for p in check_schedule(early, hardware, graph, allocation, costs))
    fast = dataclasses.replace(good, transfers=(dataclasses.replace(good.transfers[0], end=4),) + good.transfers[1:])
    assert any("faster than" in p for p in check_schedule(fast, hardware, graph, allocation, costs))
    same_core = {0: 0, 1: 0}
    clash = dataclasses.replace(good, slots=(good.slots[0], dataclasses.replace(good.slots[1], core=0, start=50,
                                                                                  end=100)))
    assert any("overlaps" in p for p in check_schedule(clash, hardware, graph, same_core, costs))
    full = dataclasses.replace(good, capacities={0: 100, 1: 4096})
    assert any("more than its 100" in p for p in check_schedule(full, hardware, graph, allocation, costs))
