"""Dim swaps the cost model cannot see (mapper/symmetry.py): found on square
layers, refused where the layer, the unrolling or the loop factors tell the
dims apart; the order tree skips swapped images without changing the order
it picks or its cost; a spatial candidate that mirrors an earlier one costs
what its own search would find, as does one that is the image of an earlier
one under a swap of array dims the accelerator treats alike. Loops of interchangeable dims (ReLU's G,
OX and OY) are ordered once per factor, with the same optimum."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

import dsec.mapper.order_tree as order_tree
from dsec.cost.levels import effective_unrolling
from dsec.cost.workload import layer_view
from dsec.dialect.attributes import Loop, Spatial, SpatialUnroll
from dsec.dialect.ops import operand_shapes
from dsec.frontend.importer import import_model
from dsec.mapper.cutoff import Cutoff
from dsec.mapper.factors import factor_spaces, loop_prime_factors
from dsec.mapper.layer import SpatialOptions, search_layer, temporal_search
from dsec.mapper.symmetry import array_image, array_swaps, dim_swaps, interchangeable_dims, renamed_factors
from dsec.mapper.temporal import Incumbent, TemporalOptions, search_temporal, temporal_sizes
from test_order_tree import FIXTURES, ROOT, model_path, unrolled_layers

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
            if tried.best is None:  # beaten: its own search scores no better than what it was given to beat
                assert own.best.score >= tried.incumbent.score, (layer.name, str(tried.candidate.spatial))
            else:
                assert tried.best.score == own.best.score, (layer.name, str(tried.candidate.spatial))
            mirrored += 1
    assert mirrored >= 2


def elementwise(arch: str, op_type: str, dims: dict[str, int], unrolls: tuple[tuple[str, int], ...]):
    """ResNet-18's first `op_type` layer on examples/arch/`arch`.yaml, resized and unrolled as given."""
    module = import_model(str(ROOT / "examples/models/resnet18.onnx"),
                          str(ROOT / f"examples/arch/{arch}.yaml")).module
    layer = next(layer for layer in module.layers() if layer.op_type == op_type)
    spatial = Spatial(tuple(SpatialUnroll(array_dim, (Loop(dim, factor),))
                            for (array_dim, _), (dim, factor) in zip(module.accelerator.array, unrolls)))
    layer = replace(layer, dims=dims, spatial=spatial)
    return module, layer, layer_view(layer, operand_shapes(layer, module.value_shapes()))


def test_interchangeable_dims_play_the_same_part_and_are_unrolled_whole():
    module, layer, view = elementwise("eyeriss_like", "Relu", {"B": 1, "G": 64, "OY": 56, "OX": 56},
                                      (("OY", 14), ("G", 12)))
    unrolling = effective_unrolling(layer.spatial, view.dims, module.accelerator.array_sizes, fractional=True)
    classes = interchangeable_dims(view, unrolling)
    # 64 channels on 12 PEs: 6 iterations of 10.67, a fraction; 56 rows on 14: 4 of 14.
    assert "G" not in classes and classes["OY"] == classes["OX"] == classes["B"]
    _, conv_layer, conv_view = conv("tpu_like", SQUARE, ("K", "C"))
    conv_classes = interchangeable_dims(conv_view, effective_unrolling(
        conv_layer.spatial, conv_view.dims, module.accelerator.array_sizes, fractional=True))
    assert sorted(conv_classes) == ["B", "C", "K"]  # rows, columns and the kernel slide windows
    assert len(set(conv_classes.values())) == 3


def module_array(arch: str) -> tuple[tuple[str, int], ...]:
    return import_model(str(ROOT / "examples/models/conv3x3.onnx"),
                        str(ROOT / f"examples/arch/{arch}.yaml")).module.accelerator.array


def searched_three_ways(module, layer, view, options, monkeypatch):
    """The pruned search, the exhaustive one and the pruned one telling interchangeable dims apart."""
    sizes = temporal_sizes(view.dims, layer.spatial)
    pruned = search_temporal(view, module.accelerator, layer.spatial, [], sizes, options)
    exhaustive = search_temporal(view, module.accelerator, layer.spatial, [], sizes,
                                 replace(options, search="exhaustive"))
    with monkeypatch.context() as patch:
        patch.setattr(order_tree, "interchangeable_dims", lambda *args: {})
        apart = search_temporal(view, module.accelerator, layer.spatial, [], sizes, options)
    return pruned, exhaustive, apart


@pytest.mark.parametrize("objective", ["energy", "latency"])
def test_loops_of_interchangeable_dims_are_ordered_once(objective, monkeypatch):
    # A 28x28 Relu of 64 channels on eyeriss_like, unrolled D1(OY = 14) D2(G = 12):
    # OY and OX (whole unrollings) share their loops of 2; G (10.67 PEs) does not.
    # Without branch and bound, which could cut the same subtrees and hide what this saves.
    monkeypatch.setattr(Cutoff, "beaten", lambda *args: False)
    module, layer, view = elementwise("eyeriss_like", "Relu", {"B": 1, "G": 64, "OY": 28, "OX": 28},
                                      (("OY", 14), ("G", 12)))
    pruned, exhaustive, apart = searched_three_ways(module, layer, view, TemporalOptions(objective, 6),
                                                    monkeypatch)
    assert pruned.best.score == exhaustive.best.score == apart.best.score
    assert pruned.evaluated < apart.evaluated


@pytest.mark.parametrize("seed", range(4))
def test_interchangeable_dims_keep_the_optimum_on_random_layers(seed, monkeypatch):
    # Random Relu and Add layers, unrolled by whole and fractional numbers of
    # PEs: ordering one loop per (class, factor) finds the exhaustive optimum.
    rng = random.Random(seed)
    for arch in ("tpu_like", "edge_tpu_like", "eyeriss_like"):
        dims = {"B": 1, "G": rng.choice([6, 12, 64]), "OY": rng.choice([7, 14, 28]), "OX": rng.choice([7, 14, 28])}
        unrolled = rng.sample(["G", "OY", "OX"], 2)
        module, layer, view = elementwise(arch, rng.choice(["Relu", "Add"]), dims,
                                          tuple((dim, rng.randint(2, min(size, dims[dim])))
                                                for (_, size), dim in zip(module_array(arch), unrolled)))
        options = TemporalOptions(rng.choice(["energy", "latency"]), 5, "pruned", seed)
        pruned, exhaustive, apart = searched_three_ways(module, layer, view, options, monkeypatch)
        context = (arch, dims, str(layer.spatial), options.objective)
        if exhaustive.best is None:  # the unrolling outgrows the innermost memories
            assert pruned.best is None and apart.best is None, context
            continue
        assert pruned.best.score == exhaustive.best.score == apart.best.score, context
        assert pruned.evaluated <= apart.evaluated, context


def test_array_dims_alike_are_the_ones_every_memory_serves_alike():
    def swaps(arch: Path) -> list[dict[str, str]]:
        return array_swaps(import_model(str(ROOT / "examples/models/conv3x3.onnx"), str(arch)).module.accelerator)
    assert swaps(FIXTURES / "seed-lowmem/accelerator.yaml") == [{"D1": "D2", "D2": "D1"}]
    assert swaps(FIXTURES / "arch/edge_tpu_like.yaml") == [{"D3": "D4", "D4": "D3"}]  # D1, D2: other memories
    assert swaps(ROOT / "benchmarks/suite/arch/row7x5_rf2.yaml") == []  # a row buffer serves D1 only
    assert swaps(ROOT / "examples/arch/aimc.yaml") == []  # an IMC macro: rows and columns


def test_an_array_image_has_the_same_whole_unrollings():
    # The seed's first conv (OX 116, OY 156) on its 160 x 120 array.
    seed = FIXTURES / "seed-lowmem"
    module = import_model(str(seed / "BasicNetwork.onnx"), str(seed / "accelerator.yaml"),
                          str(seed / "mapping.yaml")).module
    layer = module.layers()[0]
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    swap = {"D1": "D2", "D2": "D1"}

    def spatial(*unrolls: tuple[str, tuple[tuple[str, int], ...]]) -> Spatial:
        return Spatial(tuple(SpatialUnroll(a, tuple(Loop(d, f) for d, f in loops)) for a, loops in unrolls))

    def image(first, second) -> bool:
        return array_image(view, module.accelerator, spatial(*first), spatial(*second), swap)
    assert image([("D1", (("OX", 29),)), ("D2", (("OY", 39),))], [("D1", (("OY", 39),)), ("D2", (("OX", 29),))])
    assert not image([("D1", (("OX", 29),)), ("D2", (("OY", 39),))], [("D1", (("OY", 39),)), ("D2", (("OX", 58),))])
    # OX 50 on 116: 3 iterations of 38.67 PEs, a fraction: products could round apart.
    assert not image([("D1", (("OX", 50),)), ("D2", (("OY", 39),))], [("D1", (("OY", 39),)), ("D2", (("OX", 50),))])
    # OY 4 and 4 on 9 (mixed): the first array dim's is cut to 3 (3 iterations), so the
    # swapped labels leave the cut on the other loop list.
    small = replace(view, dims={**view.dims, "OY": 9})
    first = spatial(("D1", (("OY", 4), ("K", 2))), ("D2", (("OY", 4),)))
    second = spatial(("D1", (("OY", 4),)), ("D2", (("OY", 4), ("K", 2))))
    assert not array_image(small, module.accelerator, first, second, swap)


@pytest.mark.parametrize("objective", ["energy", "latency"])
@pytest.mark.parametrize("case", ["seed", "tpu_like", "gemm_l1"])
def test_a_candidate_taking_an_array_images_result_costs_what_its_own_search_finds(case, objective):
    # Candidates such as D1(OY = 37) D2(OX = 18) after D1(OX = 18) D2(OY = 37)
    # (the seed: no memory serves one of D1, D2 without the other; tpu_like:
    # both systolic; gemm_l1: D1 and D3): the mirror's mapping and cost are,
    # to the last bit, its own search's.
    if case == "seed":
        inputs = (FIXTURES / "seed-lowmem/BasicNetwork.onnx", FIXTURES / "seed-lowmem/accelerator.yaml",
                  FIXTURES / "seed-lowmem/mapping.yaml")
    else:
        inputs = (ROOT / "examples/models/conv3x3.onnx", FIXTURES / f"arch/{case}.yaml", None)
    module = import_model(*(str(path) if path else None for path in inputs)).module
    options = TemporalOptions(objective, 6)
    mirrored = 0
    for layer in module.layers():
        if layer.constraints is not None and layer.constraints.spatial is not None:
            continue
        view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
        found = search_layer(view, module.accelerator, layer.constraints, SpatialOptions(10), options)
        order = layer.constraints.order if layer.constraints else None
        for tried in found.tried:
            if tried.mirror_of is None:
                continue
            own = temporal_search(view, module.accelerator, tried.candidate.spatial, order, options)
            image = any(array_image(view, module.accelerator, tried.mirror_of, tried.candidate.spatial, swap)
                        for swap in array_swaps(module.accelerator))
            if tried.best is None:  # beaten: its own search scores no better than what it was given to beat
                assert own.best.score >= tried.incumbent.score, (layer.name, str(tried.candidate.spatial))
            elif image:  # the same search: the same order
                assert (tried.best.order, tried.best.cost) == (own.best.order, own.best.cost), layer.name
            else:  # renamed (OX <-> OY too): the same score, maybe another order of that score first
                assert tried.best.score == own.best.score, layer.name
            mirrored += image
    assert mirrored >= 2 if case == "seed" else mirrored >= 1


def test_a_candidate_skips_a_space_its_image_searched_only_where_it_cannot_win(monkeypatch):
    # 16 x 16 outputs of a 2 x 2 window, C = 4, unrolled OY = 3, OX = 5 and the
    # image OX = 3, OY = 5: LOMA merges loop factors by dim name, so at lpf 6
    # the two spaces differ (OX = 4 merged in one, OY = 6 in the other) while
    # at lpf 8 the image's space is the renamed one. Its floor (the least score
    # any of its orders can have) lets the image skip that space where it
    # cannot beat the bar, and the answer is the image's own search's.
    import dsec.mapper.temporal as temporal
    swap = {"OX": "OY", "OY": "OX", "FX": "FY", "FY": "FX"}
    module, _, view = conv("eyeriss_like", {"B": 1, "K": 1, "C": 4, "OX": 16, "OY": 16, "FX": 2, "FY": 2},
                           ("K", "C"))
    accelerator = module.accelerator
    (d1, _), (d2, _) = accelerator.array[:2]
    unrolled = [Spatial((SpatialUnroll(d1, (Loop(first, 3),)), SpatialUnroll(d2, (Loop(second, 5),))))
                for first, second in (("OY", "OX"), ("OX", "OY"))]
    source, image = unrolled
    options = TemporalOptions("energy")
    searched = search_temporal(view, accelerator, source, [], temporal_sizes(view.dims, source), options)
    floors = tuple((tuple(sorted(renamed_factors(space, swap))), floor) for space, floor in searched.floors)
    left = temporal_sizes(view.dims, image)
    spaces = [tuple(sorted(space)) for space in factor_spaces(left, options.lpf_limit)]
    assert len(spaces) == 2 and [space in dict(floors) for space in spaces] == [False, True]
    spaces_searched = []
    original = temporal._search_space
    monkeypatch.setattr(temporal, "_search_space",
                        lambda *args: spaces_searched.append(tuple(sorted(args[5]))) or original(*args))
    for incumbent in (None, Incumbent(searched.best.score, True), Incumbent(searched.best.score, False)):
        own = search_temporal(view, accelerator, image, [], left, options, incumbent)
        spaces_searched.clear()
        skipping = search_temporal(view, accelerator, image, [], left, options, incumbent, floors)
        assert (skipping.best and skipping.best.score, skipping.beaten) == (own.best and own.best.score, own.beaten)
        if incumbent is not None:
            # The floor is the incumbent's score: an order of equal score loses
            # only to an incumbent that comes first.
            assert (spaces[1] in spaces_searched) == (not incumbent.wins_ties)
