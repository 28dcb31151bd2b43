"""layer-locality asks whether the layers with a tensor at the top cost less
than with it kept, searching each only as far as that question needs
(mapper/within.py, passes/layer_locality.py cheaper_at_top): the answers must
be the full searches' answers."""

from __future__ import annotations

import pytest

from dsec.mapper import layer as layer_module
from dsec.mapper.layer import SpatialOptions, best_score
from dsec.mapper.temporal import TemporalOptions
from dsec.mapper.within import OVER, best_score_within
from dsec.passes.layer_locality import cheaper_at_top, total

from test_shared_search import FIXTURES, ROOT, searched_layers

CASES = [(FIXTURES / "seed-lowmem/BasicNetwork.onnx", FIXTURES / "seed-lowmem/accelerator.yaml",
          FIXTURES / "seed-lowmem/mapping.yaml"),
         (ROOT / "examples/models/conv3x3.onnx", FIXTURES / "arch/eyeriss_like.yaml", None)]


def layer_tasks(model, arch, mapping, objective):
    options = (SpatialOptions(4), TemporalOptions(objective, 6))
    return [(layer, (view, accelerator, layer.constraints) + options)
            for layer, view, accelerator in searched_layers(model, arch, mapping)]


@pytest.mark.parametrize("objective", ["energy", "latency"])
@pytest.mark.parametrize("model,arch,mapping", CASES, ids=lambda v: getattr(v, "stem", str(v)))
def test_a_capped_search_says_over_exactly_when_the_layer_scores_more(model, arch, mapping, objective):
    for _, task in layer_tasks(model, arch, mapping, objective):
        best = best_score(*task)  # the plain search
        if best is None:
            continue
        for scale in (0.5, 0.999, 1.001, 2.0):
            layer_module._LAYER_CACHE.clear()  # searched capped, not read from the plain search's cache
            found = best_score_within(*task, best[0] * scale)
            assert found in (OVER, best) if scale < 1 else found == best, scale


def test_cheaper_at_top_decides_as_the_full_searches_do():
    tasks = layer_tasks(*CASES[0], "energy")
    layers = [layer for layer, _ in tasks]
    by_symbol = {layer.symbol: task for layer, task in tasks}
    full = total(best_score(*by_symbol[layer.symbol]) for layer in layers[:2])
    for scale in (0.9, 0.999999, 1.0, 1.000001, 1.1):
        kept = (full[0] * scale, full[1])
        layer_module._LAYER_CACHE.clear()
        decided = cheaper_at_top(kept, layers[:2], lambda layer, limit: best_score_within(*by_symbol[layer.symbol],
                                                                                           limit),
                                 lambda layer: False, {})
        assert decided == (not kept <= full), scale
