"""The pruned temporal search (mapper/order_tree.py) finds the same best
cost as scoring every order, on every fixture architecture and objective,
while scoring fewer orders; the placement it hands with each order is the
allocator's."""

from __future__ import annotations

import os
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import onnx
import pytest

import dsec
from dsec.compiler.lower import LowerOptions
from dsec.cost.allocation import AllocationError, Undecided, allocate
from dsec.cost.levels import effective_unrolling
from dsec.cost.workload import layer_view
from dsec.dialect.attributes import Loop, Spatial, SpatialUnroll
from dsec.dialect.ops import operand_shapes
from dsec.mapper.factors import loop_prime_factors
from dsec.mapper.order_tree import decided_orders
import dsec.mapper.temporal as temporal
from dsec.mapper.temporal import TemporalOptions, search_temporal, temporal_sizes

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
CASES = [
    (ROOT / "examples/models/conv3x3.onnx", FIXTURES / "arch" / f"{arch}.yaml", None)
    for arch in ("tpu_like", "edge_tpu_like", "eyeriss_like", "gemm_l1")
] + [(FIXTURES / "seed-lowmem/BasicNetwork.onnx", FIXTURES / "seed-lowmem/accelerator.yaml",
      FIXTURES / "seed-lowmem/mapping.yaml")] + [
    # One memory per PE for W, I and O together, a few kbit (benchmarks/suite_inputs.py).
    (Path(f"suite:{model}"), ROOT / "benchmarks/suite/arch" / f"{arch}.yaml", ROOT / "benchmarks/suite/mapping.yaml")
    for arch, model in (("pe6x5_mem2k", "attention"), ("mesh13x11_rf1", "depthwise_separable"))]


def model_path(model: Path) -> Path:
    """`suite:NAME`: benchmarks/suite_inputs.py's model NAME, written once to a temporary file."""
    if not str(model).startswith("suite:"):
        return model
    name = str(model).removeprefix("suite:")
    path = Path(tempfile.gettempdir()) / f"dsec-test-suite-{os.getpid()}-{name}.onnx"
    if not path.exists():
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from suite_inputs import MODELS
        onnx.save(MODELS[name](), str(path))
    return path


def unrolled_layers(model: Path, arch: Path, mapping: Path | None):
    found = dsec.lower(str(model_path(model)), str(arch), str(mapping) if mapping else None,
                       LowerOptions(pipeline="spatial-unroll{candidates=2}"))
    module = found.module
    for layer in module.layers():
        if layer.spatial is not None:
            yield module, layer


def resnet_layer(arch: str, mapping: str, name: str):
    """ResNet-18's layer `name` on examples/arch/`arch`.yaml, unrolled by spatial-unroll."""
    return next((m, lay) for m, lay in unrolled_layers(ROOT / "examples/models/resnet18.onnx",
                                                       ROOT / f"examples/arch/{arch}.yaml",
                                                       ROOT / f"examples/mapping/{mapping}.yaml")
                if lay.name == name)


def random_layer(rng: random.Random, arch: str):
    """A conv of random shape on fixture `arch`, unrolled at random (non-dividing factors included)."""
    module, layer = next(unrolled_layers(ROOT / "examples/models/conv3x3.onnx", FIXTURES / "arch" / f"{arch}.yaml",
                                         None))
    dims = {"B": 1, "K": rng.choice([6, 16, 40, 96]), "OX": rng.choice([7, 14, 28]),
            "OY": rng.choice([7, 14, 28]), "C": rng.choice([3, 8, 24, 64]), "FX": rng.choice([1, 3]),
            "FY": rng.choice([1, 3])}
    unrolls = tuple(SpatialUnroll(array_dim, (Loop(dim, rng.randint(2, size)),))
                    for (array_dim, size), dim in zip(module.accelerator.array, rng.sample(["K", "C", "OX", "OY"], 4)))
    return module, replace(layer, dims=dims, spatial=Spatial(unrolls))


@pytest.mark.parametrize("objective", ["energy", "latency"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0].stem}-{c[1].stem}")
def test_pruned_search_finds_the_exhaustive_optimum(case, objective):
    layers = 0
    for module, layer in unrolled_layers(*case):
        view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
        sizes = temporal_sizes(view.dims, layer.spatial)
        found = {search: search_temporal(view, module.accelerator, layer.spatial, [], sizes,
                                         TemporalOptions(objective, 5, search, 0))
                 for search in ("pruned", "exhaustive")}
        pruned, exhaustive = found["pruned"], found["exhaustive"]
        assert (pruned.best is None) == (exhaustive.best is None), layer.name
        if exhaustive.best is not None:
            assert pruned.best.score == exhaustive.best.score, layer.name
        assert pruned.evaluated <= exhaustive.evaluated
        layers += 1
    assert layers > 0


def test_allocation_goes_on_from_a_shorter_decided_part():
    # allocate(known=k2, resume=<its answer at k1 < k2>) is allocate(known=k2):
    # the memories decided at k1 are not redone, and nothing else changes.
    rng = random.Random(0)
    layers = [random_layer(rng, arch) for _ in range(3)
              for arch in ("tpu_like", "edge_tpu_like", "eyeriss_like", "gemm_l1")]
    layers.append(resnet_layer("edge_tpu_like", "edge_tpu_like", "/layer4/layer4.0/conv2/Conv"))
    resumed = 0
    for module, layer in layers:
        view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
        unrolling = effective_unrolling(layer.spatial, view.dims, module.accelerator.array_sizes, True)
        factors = loop_prime_factors(temporal_sizes(view.dims, layer.spatial), 6)
        for _ in range(20):
            order = rng.sample(factors, len(factors))
            for shorter in range(len(order)):
                earlier = allocate(view, module.accelerator, unrolling, order, known=shorter)
                if not isinstance(earlier, Undecided):
                    continue
                for longer in range(shorter + 1, len(order) + 1):
                    # Any order that begins with the loops decided then.
                    other = order[:shorter] + rng.sample(order[shorter:], len(order) - shorter)
                    expected = allocate(view, module.accelerator, unrolling, other, known=longer)
                    found = allocate(view, module.accelerator, unrolling, other, known=longer, resume=earlier.resume)
                    if isinstance(expected, Undecided):
                        assert (found.levels, found.starts, found.set_only) == \
                            (expected.levels, expected.starts, expected.set_only), (other, shorter, longer)
                    else:
                        assert found == expected, (other, shorter, longer)
                    resumed += earlier.resume.memory > 0
    assert resumed > 100


@pytest.mark.parametrize("case", CASES[:4] + CASES[-1:], ids=lambda c: c[1].stem)
def test_each_order_comes_with_its_placement(case):
    for module, layer in unrolled_layers(*case):
        view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
        unrolling = effective_unrolling(layer.spatial, view.dims, module.accelerator.array_sizes, True)
        factors = loop_prime_factors(temporal_sizes(view.dims, layer.spatial), 5)
        for item in decided_orders(view, module.accelerator, unrolling, [], factors):
            if isinstance(item, AllocationError):
                continue
            order, placed = item
            expected = allocate(view, module.accelerator, unrolling, list(order))
            assert {k: [tuple(level) for level in v] for k, v in placed.items()} == expected


@pytest.mark.parametrize("name", ["/layer4/layer4.0/conv1/Conv", "/layer3/layer3.0/downsample/downsample.0/Conv"])
def test_placements_under_a_fractionally_unrolled_window(name):
    # OX and OY (7 or 14) on 4 PEs each: input tiles are cut to whole rows.
    # Under the 3x3 kernel no input tile moves fewer words than the whole
    # input, so sram_2MB takes it before the order is known; under the 1x1
    # kernel it may not (tile_growth): each order's placement must still be
    # the allocator's.
    module, layer = resnet_layer("edge_tpu_like", "edge_tpu_like", name)
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    unrolling = effective_unrolling(layer.spatial, view.dims, module.accelerator.array_sizes, True)
    factors = loop_prime_factors(temporal_sizes(view.dims, layer.spatial), 5)
    orders = 0
    for item in decided_orders(view, module.accelerator, unrolling, [], factors):
        order, placed = item
        expected = allocate(view, module.accelerator, unrolling, list(order))
        assert {k: [tuple(level) for level in v] for k, v in placed.items()} == expected, order
        orders += 1
    assert orders > 10


def test_fractional_unrolling_of_a_sliding_window():
    # ResNet-18's layer3 downsample on edge_tpu_like: OX and OY (14) on 4 PEs each run
    # 3.5-wide. Input tiles are cut to whole elements, so a memory that could hold the
    # whole input may be better off with less: ZigZag's best order (10498 cycles) needs
    # the tree to leave that decision open.
    module, layer = resnet_layer("edge_tpu_like", "edge_tpu_like", "/layer3/layer3.0/downsample/downsample.0/Conv")
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    sizes = temporal_sizes(view.dims, layer.spatial)
    found = search_temporal(view, module.accelerator, layer.spatial, [], sizes, TemporalOptions("latency", 6))
    assert found.best.cost.latency.total == 10498


@pytest.mark.parametrize("seed", range(6))
def test_random_layers_and_unrollings(seed):
    # Random conv shapes and unrollings (non-dividing ones included) on every
    # fixture architecture: the pruned search must meet the exhaustive optimum.
    rng = random.Random(seed)
    for arch in ("tpu_like", "edge_tpu_like", "eyeriss_like", "gemm_l1"):
        module, layer = random_layer(rng, arch)
        view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
        sizes = temporal_sizes(view.dims, layer.spatial)
        for objective in ("energy", "latency"):
            found = [search_temporal(view, module.accelerator, layer.spatial, [], sizes,
                                     TemporalOptions(objective, 5, search, 0)) for search in ("pruned", "exhaustive")]
            assert (found[0].best is None) == (found[1].best is None), (arch, layer.dims, layer.spatial)
            if found[1].best is not None:
                assert found[0].best.score == found[1].best.score, (arch, objective, layer.dims, layer.spatial)


def test_no_worse_than_zigzags_default_space(monkeypatch):
    # LOMA's lpf 7 space does not hold every mapping of its lpf 6 space (a
    # K = 4 loop is placed otherwise than two K = 2 loops): on this layer the
    # lpf 7 space alone finds a slower mapping than the lpf 6 one, and the
    # search at 7, which orders both spaces, finds the lpf 6 one.
    module, layer = resnet_layer("eyeriss_like", "default", "/layer2/layer2.0/downsample/downsample.0/Conv")
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    sizes = temporal_sizes(view.dims, layer.spatial)

    def best(lpf: int) -> float:
        return search_temporal(view, module.accelerator, layer.spatial, [], sizes,
                               TemporalOptions("latency", lpf)).best.score[0]

    at_six, at_seven = best(6), best(7)
    monkeypatch.setattr(temporal, "factor_spaces", lambda left, limit: [loop_prime_factors(left, limit)])
    assert best(7) > at_six >= at_seven


@pytest.mark.parametrize("seed", range(4))
def test_representatives_cover_every_signature(seed):
    # The loops left in one level: one order per signature the cost model can
    # see, and every signature some order of them has. Conv operands, random
    # multisets of loops (some where no order ends an operand's top run) and
    # random choices of which runs matter.
    from itertools import permutations

    from dsec.cost.workload import OperandView, WindowIndex
    from dsec.mapper.order_tree import representatives, signature

    operands = (OperandView("O", "O", ("B", "K", "OX", "OY"), (), 16, 8),
                OperandView("I", "I1", ("B", "C"), (WindowIndex("OY", 1, "FY", 1, None),
                                                    WindowIndex("OX", 1, "FX", 1, None)), 8, 8),
                OperandView("W", "I2", ("C", "FX", "FY", "K"), (), 8, 8))
    rng = random.Random(seed)
    for _ in range(25):
        rest = [(rng.choice(["K", "C", "OX", "OY", "FX", "FY"]), rng.choice([2, 3])) for _ in range(rng.randint(2, 6))]
        inner = tuple(rng.random() < 0.5 for _ in operands)
        outer = tuple(rng.random() < 0.7 for _ in operands)
        every = {signature(order, operands, inner, outer) for order in set(permutations(rest))}
        found = list(representatives(rest, operands, inner, outer))
        assert sorted(map(sorted, found)) == [sorted(rest)] * len(found)
        assert sorted(signature(order, operands, inner, outer) for order in found) == sorted(every), (rest, inner, outer)


def test_energy_ties_are_cut_on_the_latency(tmp_path):
    # A 2x2 max pool on pe6x5_mem2k: every order of its loops has the same
    # energy, so under objective energy the latency breaks the tie. Subtrees
    # whose energy bound is the best's and whose latency bound is no better
    # than its latency are cut (cutoff.Cutoff.beaten): the pruned search
    # finds the exhaustive best score, scoring 1 order of 720 (67 without).
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_inputs import _Builder
    built = _Builder("pool", [1, 16, 16, 16])
    built.node("MaxPool", [built.last], kernel_shape=[2, 2], strides=[2, 2])
    onnx.save(built.model(), str(tmp_path / "pool.onnx"))
    module, layer = next(unrolled_layers(tmp_path / "pool.onnx", ROOT / "benchmarks/suite/arch/pe6x5_mem2k.yaml",
                                         ROOT / "benchmarks/suite/mapping.yaml"))
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    sizes = temporal_sizes(view.dims, layer.spatial)
    found = {search: search_temporal(view, module.accelerator, layer.spatial, [], sizes,
                                     TemporalOptions("energy", 6, search, 0)) for search in ("pruned", "exhaustive")}
    assert found["pruned"].best.score == found["exhaustive"].best.score
    assert found["exhaustive"].evaluated == 720 and found["pruned"].evaluated <= 5


def test_a_candidate_tying_the_incumbent_is_cut_before_its_orders():
    # The seed's first conv: under D1(OX = 58) D2(OY = 40) every order has one
    # placement (all loops at the top), and its best scores exactly what
    # D1(OX = 29) D2(OY = 120)'s does. Searched against that score, which
    # wins ties, it is cut per innermost part that fixes the energy of the
    # orders beginning with it (their energy bound is exact there, their
    # latency bound no better): a few orders scored, not the 1314 of its
    # placement's tail orders.
    seed = FIXTURES / "seed-lowmem"
    module, layer = next(unrolled_layers(seed / "BasicNetwork.onnx", seed / "accelerator.yaml", seed / "mapping.yaml"))
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    options = TemporalOptions("energy", 8)

    def search(ox: int, oy: int, incumbent=None):
        spatial = Spatial((SpatialUnroll("D1", (Loop("OX", ox),)), SpatialUnroll("D2", (Loop("OY", oy),))))
        return search_temporal(view, module.accelerator, spatial, [], temporal_sizes(view.dims, spatial), options,
                               incumbent)
    first, second = search(29, 120), search(58, 40)
    assert first.best.score == second.best.score  # a tie
    cut = search(58, 40, temporal.Incumbent(first.best.score, wins_ties=True))
    assert cut.beaten and cut.evaluated <= 10
    assert first.evaluated < 200 and second.evaluated < 200
