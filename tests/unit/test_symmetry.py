"""Dim swaps the cost model cannot see (mapper/symmetry.py): found on square
layers, refused where the layer, the unrolling or the loop factors tell the
dims apart; the order tree skips swapped images without changing the order
it picks or its cost; a spatial candidate that mirrors an earlier one costs
what its own search would find."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

import dsec.mapper.order_tree as order_tree
from dsec.cost.workload import layer_view
from dsec.dialect.attributes import Loop, Spatial, SpatialUnroll
from dsec.dialect.ops import operand_shapes
from dsec.compiler.importer import import_model
from dsec.mapper.cutoff import Cutoff
from dsec.mapper.factors import loop_prime_factors
from dsec.mapper.layer import SpatialOptions, search_layer, temporal_search
from dsec.mapper.symmetry import dim_swaps
from dsec.mapper.temporal import TemporalOptions, search_temporal, temporal_sizes
from test_order_tree import FIXTURES, ROOT, unrolled_layers

SQUARE = {"B": 1, "K": 16, "C": 8, "OX": 14, "OY": 14, "FX": 3, "FY": 3}


def conv(arch: str, dims: dict[str, int], unrolled: tuple[str, ...]):
    module, layer = next(unrolled_layers(ROOT / "examples/models/conv3x3.onnx", FIXTURES / "arch" / f"{arch}.yaml",
                                         None))
    unrolls = tuple(SpatialUnroll(array_dim, (Loop(dim, 2),))
                    for (array_dim, _), dim in zip(module.accelerator.array, unrolled))
    layer = replace(layer, dims=dims, spatial=Spatial(unrolls))
    return module, layer, layer_view(layer, operand_shapes(layer, module.value_shapes()))


def swaps_of(dims: dict[str, int], unrolled: tuple[str, ...]) -> list[dict[str, str]]:
    module, layer, view = conv("tpu_like", dims, unrolled)
    factors = loop_prime_factors(temporal_sizes(view.dims, layer.spatial), 6)
    return dim_swaps(view, set(unrolled), factors)


def test_a_square_convolution_swaps_rows_with_columns():
    assert swaps_of(SQUARE, ("K", "C")) == [{"FX": "FY", "FY": "FX", "OX": "OY", "OY": "OX"}]


@pytest.mark.parametrize("dims, unrolled", [
    ({**SQUARE, "OX": 28}, ("K", "C")),  # not square
    ({**SQUARE, "FX": 1}, ("K", "C")),  # a 3x1 kernel
    (SQUARE, ("OX", "C")),  # the unrolling tells OX from OY
], ids=["not-square", "3x1-kernel", "OX-unrolled"])
def test_no_swap_where_the_dims_differ(dims, unrolled):
    assert swaps_of(dims, unrolled) == []


def test_no_swap_when_lomas_merges_split_the_factors_unevenly():
    # 28 = 2*2*7 on both OX and OY; with 7 factors allowed LOMA merges OX's
    # factors down to 28 and OY's to 4*7, so the two dims no longer have the same loops.
    module, layer, view = conv("tpu_like", {**SQUARE, "OX": 28, "OY": 28}, ("K", "C"))
    factors = loop_prime_factors(temporal_sizes(view.dims, layer.spatial), 7)
    assert sorted(f for d, f in factors if d == "OX") != sorted(f for d, f in factors if d == "OY")
    assert dim_swaps(view, {"K", "C"}, factors) == []


@pytest.mark.parametrize("seed", range(4))
def test_the_tree_skips_swapped_images_and_picks_the_same_order(seed, monkeypatch):
    # Without branch and bound, which could cut the same subtrees and hide what the swaps save.
    monkeypatch.setattr(Cutoff, "beaten", lambda *args: False)
    rng = random.Random(seed)
    side = rng.choice([7, 14, 28])
    dims = {"B": 1, "K": rng.choice([6, 16, 40]), "C": rng.choice([3, 8, 24]), "OX": side, "OY": side,
            "FX": 3, "FY": 3}
    for arch in ("tpu_like", "edge_tpu_like", "eyeriss_like"):
        module, layer, view = conv(arch, dims, ("K", "C"))
        sizes = temporal_sizes(view.dims, layer.spatial)
        options = TemporalOptions(rng.choice(["energy", "latency"]), 6, "pruned", seed)
        with_swaps = search_temporal(view, module.accelerator, layer.spatial, [], sizes, options)
        with monkeypatch.context() as patch:
            patch.setattr(order_tree, "dim_swaps", lambda *args: [])
            without = search_temporal(view, module.accelerator, layer.spatial, [], sizes, options)
        exhaustive = search_temporal(view, module.accelerator, layer.spatial, [], sizes,
                                     replace(options, search="exhaustive"))
        assert with_swaps.best.order == without.best.order, (arch, dims)
        assert with_swaps.best.score == without.best.score == exhaustive.best.score, (arch, dims)
        assert with_swaps.evaluated < without.evaluated, (arch, dims)


@pytest.mark.parametrize("objective", ["energy", "latency"])
def test_a_mirrored_candidate_costs_what_its_own_search_finds(objective):
    # ResNet-18's first Relu and MaxPool on eyeriss_like (64 channels on 14 PEs,
    # 112 or 56 pixels on 12: fractional unrollings): D1(G) D2(OX) mirrors D1(G) D2(OY).
    imported = import_model(str(ROOT / "examples/models/resnet18.onnx"), str(ROOT / "examples/arch/eyeriss_like.yaml"))
    module = imported.module
    options = TemporalOptions(objective, 6)
    mirrored = 0
    for layer in module.layers():
        if layer.op_type not in ("Relu", "MaxPool"):
            continue
        view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
        found = search_layer(view, module.accelerator, None, SpatialOptions(3), options)
        for tried in found.tried:
            if tried.mirror_of is None:
                continue
            own = temporal_search(view, module.accelerator, tried.candidate.spatial, None, options)
            assert tried.best.score == own.best.score, (layer.name, str(tried.candidate.spatial))
            mirrored += 1
    assert mirrored >= 2
