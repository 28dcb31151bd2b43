"""The lower bounds the order tree cuts subtrees with (mapper/energy_bound.py,
mapper/latency_bound.py): with every loop decided the energy bound is the
energy itself (the split by operand and level boundary loses nothing), and
with any part decided neither bound exceeds the energy or latency of an
order that begins that way, on every fixture architecture and on random
layers and unrollings (non-dividing ones included), and no window the
latency bound allows a transfer is shorter than the cost model's. The
search that cuts with them finds what the exhaustive one finds
(test_order_tree.py)."""

from __future__ import annotations

import random
import re
import sys
from dataclasses import replace
from itertools import product
from math import prod
from pathlib import Path
from types import SimpleNamespace

import onnx
import pytest

from dsec.cost.allocation import AllocationError, Undecided, allocate
from dsec.cost.evaluate import _operand_parts, evaluate_mapping
from dsec.cost.latency import allowed_cycles, double_buffered
from dsec.cost.levels import effective_unrolling, merge_stationary_loops, top_loop_products
from dsec.cost.workload import OperandView, WindowIndex, layer_view
from dsec.dialect.accelerator import Memory
from dsec.dialect.attributes import Loop, Spatial, SpatialUnroll
from dsec.dialect.ops import operand_shapes
from dsec.frontend.importer import import_model
from dsec.mapper.cutoff import subtree_cutoff
from dsec.mapper.energy_bound import EnergyBound
from dsec.mapper.factors import loop_prime_factors
from dsec.mapper.fit_bound import _least_together
from dsec.mapper.latency_bound import _cannot_double_buffer, _level_shape, _own_loops, _window
from dsec.mapper.orders import loop_orders
from dsec.mapper.temporal import TemporalOptions, search_temporal, temporal_sizes
from test_order_tree import CASES, ROOT, random_layer, resnet_layer, unrolled_layers

ARCHS = ("tpu_like", "edge_tpu_like", "eyeriss_like", "gemm_l1")


def check_layer(module, layer, lpf: int, sample: int, rng: random.Random) -> int:
    """Every prefix of `sample` random orders: bounds <= energy and latency;
    whole orders: energy bound == energy. Returns how many prefixes were checked."""
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    accelerator = module.accelerator
    unrolling = effective_unrolling(layer.spatial, view.dims, accelerator.array_sizes, True)
    factors = loop_prime_factors(temporal_sizes(view.dims, layer.spatial), lpf)
    bound = EnergyBound(view, accelerator, unrolling, tuple(factors))
    latency_bound = subtree_cutoff(view, accelerator, layer.spatial, unrolling, tuple(factors), "latency").latency
    orders = list(loop_orders(factors))
    checked = 0
    for order in rng.sample(orders, min(sample, len(orders))):
        order = list(order)
        placed = allocate(view, accelerator, unrolling, order)
        if isinstance(placed, AllocationError):
            continue
        cost = evaluate_mapping(view, accelerator, layer.spatial, placed)
        energy, latency = cost.energy, cost.latency.total
        windows = model_windows(view, accelerator, layer.spatial, placed)
        assert bound.of(placed, order, len(order)) == pytest.approx(energy, rel=1e-9), (layer.name, order)
        for known in range(len(order) + 1):
            partial = allocate(view, accelerator, unrolling, order, known=known)
            if isinstance(partial, AllocationError):
                continue
            assert bound.of(partial, order, known) <= energy * (1 + 1e-9), (layer.name, order, known)
            if isinstance(partial, Undecided) and partial.cap is not None:
                # The cap's cheap lower bound lets the fit bound skip counting the cap.
                assert partial.cap.least() <= partial.cap.words(), (layer.name, order, known)
            assert latency_bound.of(partial, order, known) <= latency, (layer.name, order, known)
            # Each window the bound allows a transfer is at least the cost model's.
            keys, boundaries = latency_bound._keys(partial, order, known)
            for key, window in latency_bound._windows(keys, _own_loops(boundaries), latency_bound._maybe_full(keys)):
                assert window >= windows.get(key, 0), (layer.name, order, known, key)
            checked += 1
    return checked


def model_windows(view, accelerator, spatial, placed) -> dict:
    """The cycles the cost model lets each transfer of a placement take
    without stalling (its period, or its window when the memory receiving
    it cannot double-buffer)."""
    fractional = _operand_parts(view, spatial, placed, accelerator, True, None, None)
    whole = _operand_parts(view, spatial, placed, accelerator, False, None, None)
    flags = double_buffered({name: parts.traffic for name, parts in fractional.items()},
                            [op.name for op in view.operands])
    return {(name, m, direction): allowed_cycles(parts.traffic, m, direction, flags[name])
            for name, parts in whole.items() for m, transfers in enumerate(parts.traffic.transfers)
            for direction, transfer in transfers.items() if transfer.count}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0].stem}-{c[1].stem}")
def test_bound_never_exceeds_the_energy_on_fixture_layers(case):
    rng = random.Random(0)
    assert sum(check_layer(module, layer, 6, 40, rng) for module, layer in unrolled_layers(*case)) > 0


@pytest.mark.parametrize("seed", range(4))
def test_bound_never_exceeds_the_energy_on_random_layers(seed):
    rng = random.Random(seed)
    for arch in ARCHS:
        module, layer = random_layer(rng, arch)
        check_layer(module, layer, 6, 30, rng)


def test_bound_is_tight_enough_to_cut():
    # On ResNet-18's first 3x3 layer on eyeriss_like the bound with nothing
    # decided is already most of the best energy; a bound that lost its terms
    # would still pass the tests above and cut nothing.
    module, layer = resnet_layer("eyeriss_like", "default", "/layer1/layer1.0/conv1/Conv")
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    unrolling = effective_unrolling(layer.spatial, view.dims, module.accelerator.array_sizes, True)
    factors = loop_prime_factors(temporal_sizes(view.dims, layer.spatial), 6)
    bound = EnergyBound(view, module.accelerator, unrolling, tuple(factors))
    order = sorted(factors)
    root = bound.of(allocate(view, module.accelerator, unrolling, order, known=0), order, 0)
    energies = []
    for candidate in loop_orders(factors):
        placed = allocate(view, module.accelerator, unrolling, list(candidate))
        if not isinstance(placed, AllocationError):
            energies.append(evaluate_mapping(view, module.accelerator, layer.spatial, placed).energy)
    assert 0.5 * min(energies) < root <= min(energies)


def test_bound_sees_what_fits_a_small_shared_memory():
    # pe6x5_mem2k: one 2 kbit memory per PE holds W, I and O, so no operand's
    # whole tile can stay there with the others': the bound with nothing
    # decided charges each the least traffic of a tile that fits beside the
    # others' (the whole tile crossing once would be 0.73 of the best energy).
    module, layer = next(unrolled_layers(Path("suite:attention"), ROOT / "benchmarks/suite/arch/pe6x5_mem2k.yaml",
                                         ROOT / "benchmarks/suite/mapping.yaml"))
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    unrolling = effective_unrolling(layer.spatial, view.dims, module.accelerator.array_sizes, True)
    sizes = temporal_sizes(view.dims, layer.spatial)
    factors = loop_prime_factors(sizes, 6)
    bound = EnergyBound(view, module.accelerator, unrolling, tuple(factors))
    order = sorted(factors)
    root = bound.of(allocate(view, module.accelerator, unrolling, order, known=0), order, 0)
    best = search_temporal(view, module.accelerator, layer.spatial, [], sizes, TemporalOptions("energy", 6,
                                                                                                "exhaustive")).best
    assert 0.9 * best.cost.energy < root <= best.cost.energy


def _search_setup(arch: str, mapping: str, name: str, lpf: int):
    module, layer = resnet_layer(arch, mapping, name)
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    unrolling = effective_unrolling(layer.spatial, view.dims, module.accelerator.array_sizes, True)
    factors = loop_prime_factors(temporal_sizes(view.dims, layer.spatial), lpf)
    bound = subtree_cutoff(view, module.accelerator, layer.spatial, unrolling, tuple(factors), "latency").latency
    return module, layer, view, unrolling, factors, bound


def best_and_root(module, layer, view, unrolling, factors, bound, lpf: int):
    """The searched best order (objective latency) and the bound with nothing decided."""
    best = search_temporal(view, module.accelerator, layer.spatial, [], temporal_sizes(view.dims, layer.spatial),
                           TemporalOptions("latency", lpf)).best
    order = sorted(factors)
    return best, bound.of(allocate(view, module.accelerator, unrolling, order, known=0), order, 0)


def whole_order_ratios(module, layer, view, unrolling, factors, bound, sample: int) -> list[float]:
    """Latency bound / latency of `sample` random whole orders that fit."""
    rng = random.Random(0)
    ratios = []
    for order in rng.sample(list(loop_orders(factors)), sample):
        placed = allocate(view, module.accelerator, unrolling, list(order))
        if not isinstance(placed, AllocationError):
            latency = evaluate_mapping(view, module.accelerator, layer.spatial, placed).latency.total
            ratios.append(bound.of(placed, list(order), len(order)) / latency)
    return ratios


def test_latency_bound_sees_a_buffer_too_small_for_the_weights():
    # ResNet-18's layer4 3x3 weights (18.9 Mbit) cannot stay in edge_tpu_like's
    # 256 kbit weight buffer: whatever the order, they stream from DRAM at 64
    # bits per cycle for twice the temporal cycles. The bound with nothing
    # decided sees that stall (without it: the temporal cycles, half the best),
    # less the one transfer of the largest tile that fits the buffer (with the
    # buffer's whole capacity instead: 0.992 of the best).
    # With every loop of the best order decided it is that order's latency:
    # the DRAM port has no spare bandwidth to shorten the first input load.
    setup = _search_setup("edge_tpu_like", "edge_tpu_like", "/layer4/layer4.0/conv2/Conv", 6)
    module, layer, view, unrolling, factors, bound = setup
    best, root = best_and_root(*setup, 6)
    assert 0.995 * best.cost.latency.total < root <= best.cost.latency.total
    placed = allocate(view, module.accelerator, unrolling, list(best.order))
    assert bound.of(placed, list(best.order), len(best.order)) == best.cost.latency.total


def test_latency_bound_counts_partial_sums():
    # On eyeriss_like's 7x7 first layer, orders that keep a reduction loop
    # above the output's register file move partial sums every cycle; with
    # every loop decided the bound sees most of that stall.
    module, layer, view, unrolling, factors, bound = _search_setup(
        "eyeriss_like", "default", "/conv1/Conv", 5)
    ratios = whole_order_ratios(module, layer, view, unrolling, factors, bound, 60)
    assert len(ratios) > 20 and min(ratios) > 0.8 and max(ratios) <= 1


def test_latency_bound_fits_tiles_as_memory_alloc_does_under_a_fractional_unrolling():
    # ResNet-18's first ReLU on eyeriss_like: G (64) is unrolled 12.8-wide,
    # so memory-alloc fits its tiles at 12.8 while latency counts the 12
    # whole PEs. Tiles that fit at 12.8 bound each transfer: the bound with
    # nothing decided is 0.93 of the best (without them: the temporal
    # cycles, 6%).
    setup = _search_setup("eyeriss_like", "default", "/relu/Relu", 6)
    unrolling = setup[3]
    assert any(not float(f).is_integer() for _, loops in unrolling for _, f in loops)
    best, root = best_and_root(*setup, 6)
    assert 0.9 * best.cost.latency.total < root <= best.cost.latency.total


def test_latency_bound_lends_spare_bandwidth_as_the_cost_model_does():
    # ResNet-18's max pool on eyeriss_like: the DRAM port's spare bandwidth
    # shortens the first input load (the longest one-time transfer) before
    # the last output store. With every loop decided the bound follows that
    # order and is the latency itself on these orders (treating every
    # one-time transfer as shortened to its least: 0.63 of it).
    module, layer, view, unrolling, factors, bound = _search_setup("eyeriss_like", "default", "/maxpool/MaxPool", 6)
    ratios = whole_order_ratios(module, layer, view, unrolling, factors, bound, 80)
    assert len(ratios) > 40 and min(ratios) > 0.95 and max(ratios) <= 1


def test_latency_bound_sees_the_window_of_a_buffer_that_cannot_double_buffer():
    # ResNet-18's layer3 3x3 conv on eyeriss_like: where the weights' tile
    # fills more than half of the 64-byte register file, it cannot hold a
    # second one, and each refill must fit the window before the weights are
    # needed (the period over the outermost loops they do not depend on).
    # With every loop decided the bound sees that stall: it is the latency
    # itself on these orders (with the whole period allowed: 0.85 of it).
    module, layer, view, unrolling, factors, bound = _search_setup(
        "eyeriss_like", "default", "/layer3/layer3.1/conv1/Conv", 6)
    ratios = whole_order_ratios(module, layer, view, unrolling, factors, bound, 100)
    assert len(ratios) > 50 and min(ratios) > 0.99 and max(ratios) <= 1


def test_window_rule_is_the_cost_models_whatever_merges_down():
    # latency_bound._window reads a decided level's own loops; the cost model
    # merges loops the operand does not depend on down (merge_stationary_loops)
    # and divides the refill period by the level's outermost run of them
    # (top_loop_products). On random levels the two agree; a level above the
    # lowest whose own loops all merge down is left empty and its window is
    # the whole period.
    operand = OperandView("I", "I1", ("C",), (WindowIndex("OY", 1, "FY", 1, None),), 8, 8)
    dims = ["C", "K", "OY", "FY", "B"]  # K and B: the input does not depend on them
    rng = random.Random(0)
    seen = set()
    for _ in range(400):
        levels = [tuple((rng.choice(dims), rng.choice([2, 3])) for _ in range(rng.randint(0, 3))) for _ in range(4)]
        merged, _ = merge_stationary_loops(levels, operand)
        _, top_ir = top_loop_products(merged, operand)
        for j in range(len(levels) - 1):
            period = prod(f for level in merged[:j + 1] for _, f in level)
            model = int(period / top_ir[j + 1])
            below = tuple(loop for level in levels[:j + 1] for loop in level)
            window = _window(below, _level_shape(operand, levels[j]), j == 0)
            assert (window if window is not None else period) == model, (levels, j)
            seen.add(window is None)
    assert seen == {True, False}


def test_double_buffer_refusal_is_the_cost_models_whatever_was_granted_before():
    # latency_bound._cannot_double_buffer sees lower bounds of the fills of a
    # memory's sharers; whenever it says no second tile fits, the cost
    # model's double_buffered (which grants sharers in operand order) agrees.
    memory = Memory("buf", 1000, 1, 1, 1, 1, ("I1", "I2", "O"), (), ())
    rng = random.Random(0)
    refused = 0
    for _ in range(2000):
        names = ["O", "I", "W"][:rng.randint(1, 3)]
        bits = {name: rng.randint(0, 900) for name in names}
        traffic = {name: SimpleNamespace(levels=SimpleNamespace(memories=(memory,)), effective_bits=(0, bits[name]))
                   for name in names}
        flags = double_buffered(traffic, names)
        fills = {name: bits[name] * rng.uniform(0.8, 1) / memory.size for name in names}
        for name in names:
            if _cannot_double_buffer(fills[name], sum(fills.values())):
                refused += 1
                assert flags[name] == [False, False], (bits, name)
    assert refused > 100


@pytest.mark.parametrize("arch", ["pe6x5_mem2k", "row7x5_rf2"])
def test_bound_never_exceeds_the_energy_where_operands_share_a_small_memory(arch, tmp_path):
    # The suite's accelerators (benchmarks/suite_inputs.py) under a small 3x3
    # convolution: W, I and O (on row7x5_rf2 W and O) fit one per-PE memory
    # together; the bound charges their undecided boundaries there the least
    # energy of loop sets whose tiles fit it together (fit_bound.together).
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_inputs import _Builder
    built = _Builder("conv", [1, 8, 12, 12])
    built.conv(8, 16, 3)
    onnx.save(built.model(), str(tmp_path / "conv.onnx"))
    rng = random.Random(1)
    pairs = unrolled_layers(tmp_path / "conv.onnx", ROOT / f"benchmarks/suite/arch/{arch}.yaml",
                            ROOT / "benchmarks/suite/mapping.yaml")
    assert sum(check_layer(module, layer, 6, 40, rng) for module, layer in pairs) > 0


def test_least_together_is_the_least_sum_that_fits():
    # Brute force over every choice of one (bits, words, pJ) per list.
    rng = random.Random(0)
    for _ in range(400):
        lists = [sorted((rng.randint(1, 60), rng.randint(0, 90), rng.uniform(0, 100))
                        for _ in range(rng.randint(0, 5))) for _ in range(rng.randint(1, 3))]
        room, cap = rng.randint(0, 120), rng.choice([float("inf"), rng.randint(0, 200)])
        sums = [sum(pj for _, _, pj in combo) for combo in product(*lists)
                if sum(b for b, _, _ in combo) <= room and sum(w for _, w, _ in combo) <= cap]
        assert _least_together(lists, room, cap) == (min(sums) if sums else float("inf"))


def test_least_together_with_a_lower_bound_of_the_cap_asks_the_cap_only_when_it_matters():
    # `cap` a lower bound of the words cap, exact_cap() the cap itself: the
    # same least sum as with the cap; when the cap is not asked, the least
    # sum within the lower bound is the answer.
    rng = random.Random(1)
    for _ in range(400):
        lists = [sorted((rng.randint(1, 60), rng.randint(0, 90), rng.uniform(0, 100))
                        for _ in range(rng.randint(0, 5))) for _ in range(rng.randint(1, 3))]
        room, cap = rng.randint(0, 120), rng.randint(0, 200)
        lower = rng.choice([cap, rng.randint(0, cap)])
        asked = []

        def exact_cap() -> float:
            asked.append(cap)
            return cap

        def least(within: float) -> float:
            return min((sum(pj for _, _, pj in combo) for combo in product(*lists)
                        if sum(b for b, _, _ in combo) <= room and sum(w for _, w, _ in combo) <= within),
                       default=float("inf"))
        found = _least_together(lists, room, lower, exact_cap)
        assert found == least(cap)
        if not asked:
            assert found == least(lower)


def _pool_layer(tmp_path, channels: int, size: int, spatial: str):
    """A 2x2 stride-2 max pool of a 1 x channels x size x size input on
    pe6x5_mem2k (one 2 kbit memory per PE for I and O, a 16 bit/cycle port
    each; no register below it), unrolled as `spatial` ("D1:OY3 D2:OX5")."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_inputs import _Builder
    built = _Builder("pool", [1, channels, size, size])
    built.node("MaxPool", [built.last], kernel_shape=[2, 2], strides=[2, 2])
    onnx.save(built.model(), str(tmp_path / "pool.onnx"))
    module = import_model(str(tmp_path / "pool.onnx"), str(ROOT / "benchmarks/suite/arch/pe6x5_mem2k.yaml"),
                          str(ROOT / "benchmarks/suite/mapping.yaml")).module
    layer = next(iter(module.layers()))
    unrolls = tuple(SpatialUnroll(array_dim, (Loop(dim, int(factor)),))
                    for array_dim, dim, factor in (re.fullmatch(r"(D\d):([A-Z]+)(\d+)", part).groups()
                                                   for part in spatial.split()))
    layer = replace(layer, spatial=Spatial(unrolls))
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    unrolling = effective_unrolling(layer.spatial, view.dims, module.accelerator.array_sizes, True)
    return module, layer, view, unrolling


def test_latency_bound_counts_partial_sums_under_the_lowest_memory(tmp_path):
    # A max pool's output does not depend on FX, FY: with them innermost they
    # merge under pe_mem, but no register below it holds the partial maximum,
    # so it is read back and written at pe_mem on every cycle all the same.
    # By hand: G 4 and OY 4 unrolled leave OX 4 x FY 2 x FX 2 = 16 temporal
    # cycles; each read and write is 8 bits on O's 16 bit/cycle port, one
    # cycle each, so the port needs 2 x (16 - 1) = 30 cycles beyond the first
    # and stalls 30 - 16 = 14. The bound sees that stall with every loop
    # decided, and with none (without it: 34 cycles, the stall unseen).
    module, layer, view, unrolling = _pool_layer(tmp_path, 4, 8, "D1:G4 D2:OY4")
    order = [("FY", 2), ("FX", 2), ("OX", 2), ("OX", 2)]
    bound = subtree_cutoff(view, module.accelerator, layer.spatial, unrolling, tuple(order), "latency").latency
    cost = evaluate_mapping(view, module.accelerator, layer.spatial, allocate(view, module.accelerator, unrolling, order))
    assert (cost.latency.temporal_cycles, cost.latency.stall_cycles) == (16, 14)
    for known in range(len(order) + 1):
        placed = allocate(view, module.accelerator, unrolling, order, known=known)
        assert bound.of(placed, order, known) == cost.latency.total == 40


def test_latency_bound_charges_a_refilled_tile_as_stall_or_as_its_store(tmp_path):
    # The output of a 16-channel 32x32 max pool unrolled OY 3 x OX 5 is 384
    # elements per PE (G 16 x OX 4 x OY 6 left), more than the 2 kbit pe_mem
    # holds: with nothing decided it crosses to the SRAM in tiles of at most
    # 192 elements (the largest that fits), 384 x 8 / 16 = 192 cycles in all,
    # each transfer but the last a stall of O's port (which also reads back
    # and writes a partial sum on each of the 1536 cycles: 2 x 1535), the
    # last one the final store (a refilled tile's is never shortened). So the
    # latency is at least 1536 + (3070 + 192 - 96 - 1536) + 96 = 3262 cycles,
    # whatever the largest transfer is (a cycle less of it is a cycle more
    # of stall); the best order takes 3310. Checked on sampled prefixes too.
    module, layer, view, unrolling = _pool_layer(tmp_path, 16, 32, "D1:OY3 D2:OX5")
    factors = loop_prime_factors(temporal_sizes(view.dims, layer.spatial), 6)
    bound = subtree_cutoff(view, module.accelerator, layer.spatial, unrolling, tuple(factors), "latency").latency
    root = bound.of(allocate(view, module.accelerator, unrolling, factors, known=0), factors, 0)
    best = [("FY", 2), ("FX", 2), ("OX", 2), ("OX", 2), ("G", 16), ("OY", 6)]
    cost = evaluate_mapping(view, module.accelerator, layer.spatial, allocate(view, module.accelerator, unrolling, best))
    assert 3262 <= root <= cost.latency.total == 3310
    assert check_layer(module, layer, 6, 40, random.Random(2)) > 0
