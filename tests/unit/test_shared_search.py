"""A layer's spatial candidates share the best score found so far
(mapper/layer.py): each is searched against it as an incumbent, and one that
cannot beat it is cut short and kept as beaten. The chosen mapping (candidate,
order, cost) must be what searching every candidate on its own chooses, the
scores listed must be exact, and a beaten candidate's own best must really
be no better than the score it was given."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsec.cost.locality import layer_accelerator
from dsec.cost.workload import layer_view
from dsec.dialect.ops import operand_shapes
from dsec.frontend.importer import import_model
from dsec.mapper.layer import SpatialOptions, candidates_of, search_layer, temporal_search
from dsec.mapper.temporal import Incumbent, TemporalOptions, TemporalResult, root_bound, temporal_sizes

from test_order_tree import FIXTURES, ROOT, model_path

# (model, accelerator, mapping, spatial candidates, lpf limit): small enough to search every candidate alone.
CASES = [(ROOT / "examples/models/conv3x3.onnx", FIXTURES / "arch" / f"{arch}.yaml", None, candidates, 8)
         for arch, candidates in (("tpu_like", 6), ("edge_tpu_like", 6), ("eyeriss_like", 4), ("gemm_l1", 6))] + [
    (FIXTURES / "seed-lowmem/BasicNetwork.onnx", FIXTURES / "seed-lowmem/accelerator.yaml",
     FIXTURES / "seed-lowmem/mapping.yaml", 6, 6),
    # One memory per PE for W, I and O together, a few kbit (benchmarks/suite_inputs.py).
    (Path("suite:attention"), ROOT / "benchmarks/suite/arch/pe6x5_mem2k.yaml", ROOT / "benchmarks/suite/mapping.yaml",
     4, 8)]


def searched_layers(model: Path, arch: Path, mapping: Path | None):
    module = import_model(str(model_path(model)), str(arch), str(mapping) if mapping else None).module
    shapes = module.value_shapes()
    for layer in module.layers():
        if layer.constraints is None or layer.constraints.spatial is None:
            yield layer, layer_view(layer, operand_shapes(layer, shapes)), layer_accelerator(layer, module.accelerator)


@pytest.mark.parametrize("objective", ["energy", "latency", "edp"])
@pytest.mark.parametrize("model,arch,mapping,candidates,lpf", CASES, ids=lambda v: getattr(v, "stem", str(v)))
def test_sharing_chooses_what_searching_each_candidate_alone_chooses(model, arch, mapping, candidates, lpf, objective):
    spatial_options, options = SpatialOptions(candidates), TemporalOptions(objective, lpf)
    beaten = 0
    for layer, view, accelerator in searched_layers(model, arch, mapping):
        constraints = layer.constraints
        order = constraints.order if constraints else None
        found = search_layer(view, accelerator, constraints, spatial_options, options)
        alone = {}
        for candidate in candidates_of(view, accelerator, constraints, spatial_options):
            result = temporal_search(view, accelerator, candidate.spatial, order, options)  # no incumbent
            if isinstance(result, TemporalResult) and result.best is not None:
                alone[candidate] = result.best
        if not alone:
            assert found.best is None
            continue
        # Ties: the first generated wins (dicts keep insertion order, min the first of equals).
        winner = min(alone, key=lambda candidate: alone[candidate].score)
        assert found.best.candidate == winner, layer.name
        assert found.best.best.order == alone[winner].order and found.best.best.cost == alone[winner].cost, layer.name
        for tried in found.tried:
            own = alone[tried.candidate]
            if tried.best is not None:
                assert tried.best.score == own.score, (layer.name, str(tried.candidate.spatial))
                continue
            beaten += 1
            by = tried.incumbent
            assert tried.beaten_by in alone and alone[tried.beaten_by].score == by.score
            if by.wins_ties:  # beaten_by comes first: an equal score does not beat it
                assert own.score >= by.score, (layer.name, str(tried.candidate.spatial))
            else:
                assert own.score > by.score, (layer.name, str(tried.candidate.spatial))
    if candidates > 4:
        assert beaten > 0  # sharing did cut something on these cases


def test_candidates_go_in_order_of_their_full_root_bound_unless_cut_at_their_root():
    # The seed's second conv at 10 candidates: with nothing to beat, the
    # candidates come out least full root bound first (the cheap bound without
    # fit terms only defers the full one); given a score to beat, each whose
    # cheap bound is above it comes out when that bound's turn comes, its full
    # bound never computed.
    from dsec.mapper import layer as mapper_layer
    seed = FIXTURES / "seed-lowmem"
    convs = [found for found in searched_layers(seed / "BasicNetwork.onnx", seed / "accelerator.yaml",
                                                seed / "mapping.yaml") if found[0].op_type == "Conv"]
    layer, view, accelerator = convs[1]
    options = TemporalOptions("energy", 8)
    plan = mapper_layer._candidate_plan(view, accelerator, layer.constraints, SpatialOptions(10), options)
    indices = [index for index, (_, source) in enumerate(plan) if source is None]

    def bound(index: int, fit: bool) -> tuple[float, float]:
        spatial = plan[index][0].spatial
        return root_bound(view, accelerator, spatial, [], temporal_sizes(view.dims, spatial), options, fit)
    full = {index: bound(index, True) for index in indices}
    cheap = {index: bound(index, False) for index in indices}
    assert all(cheap[index][0] <= full[index][0] for index in indices)
    assert any(cheap[index][0] < full[index][0] for index in indices)  # the fit terms tell them apart
    mapper_layer._ROOT_BOUNDS.clear()
    alone = list(mapper_layer._by_root_bound(view, accelerator, plan, None, options, indices, lambda index: None))
    assert alone == sorted(indices, key=lambda index: (full[index], index))
    limit = sorted(cheap.values())[len(cheap) // 2][0]
    mapper_layer._ROOT_BOUNDS.clear()
    given = list(mapper_layer._by_root_bound(view, accelerator, plan, None, options, indices,
                                             lambda index: Incumbent((limit, 0.0), True)))
    above = [index for index in indices if cheap[index][0] > limit * (1 + 1e-9)]
    assert above and sorted(given) == sorted(indices)
    # Those cut at their root by their cheap bound, the rest by their full one.
    assert [index for index in given if index in above] == sorted(above, key=lambda index: (cheap[index], index))
    assert [index for index in given if index not in above] == \
        sorted(set(indices) - set(above), key=lambda index: (full[index], index))
    computed = {key[:-1] for key in mapper_layer._ROOT_BOUNDS if key[-1]}
    assert all(mapper_layer.temporal_key(view, accelerator, plan[index][0].spatial, None, options) not in computed
               for index in above)


def test_a_search_under_a_cap_is_not_kept_as_the_plain_search():
    # layer-locality's cap (within.py) cuts what the plain search scores: a
    # layer searched after it reports the plain search's counts, not the cap's.
    import dsec.mapper.layer as layer_module
    import dsec.mapper.within as within_module
    from dsec.mapper.within import best_score_within
    from test_symmetry import conv

    def searched(cap: bool) -> list:
        for cache in (layer_module._TEMPORAL_CACHE, layer_module._LAYER_CACHE, layer_module._PLANS,
                      layer_module._ROOT_BOUNDS, within_module._WITHIN):
            cache.clear()
        module, _, view = conv("edge_tpu_like", {"B": 1, "K": 16, "C": 16, "OX": 28, "OY": 28, "FX": 3, "FY": 3},
                               ("K", "C"))
        options = (SpatialOptions(3), TemporalOptions("energy", 6))
        if cap:
            best = searched(False)[0][1]
            for cache in (layer_module._TEMPORAL_CACHE, layer_module._LAYER_CACHE):
                cache.clear()
            best_score_within(view, module.accelerator, None, *options, best[0] * (1 + 1e-7))
        found = search_layer(view, module.accelerator, None, *options)
        return [(str(t.candidate.spatial), t.best and t.best.score, t.evaluated) for t in found.tried]
    assert searched(True) == searched(False)
