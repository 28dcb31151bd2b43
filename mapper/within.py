"""A layer's best score when it is at most a given value, or that it is more.

layer-locality compares what the layers cost with a tensor kept on chip
against what they cost with it at the top. That comparison only needs to
know whether the top's cost is below the kept one: each layer's search at the
top can start with the part of that cost left to it as a cap (an incumbent
no candidate has scored: mapper/layer.py `_searches`) and stop as soon as no
mapping can come in under it. The answer is kept apart from the layer search
cache: a search cut against a cap is not the plain search spatial-unroll
reports."""

from __future__ import annotations

from dsec.cost.workload import LayerView
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Constraints
from dsec.mapper.layer import (SpatialOptions, _LAYER_CACHE, _searches, best_score, layer_key, run_searches,
                               temporal_search)
from dsec.mapper.spatial import given_spatial, wholly_applies
from dsec.mapper.temporal import Incumbent, TemporalOptions

OVER = "over"  # every mapping of the layer scores more than the limit

_WITHIN: dict[tuple, tuple[float, float] | None | str] = {}


def layer_searched(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
                   spatial_options: SpatialOptions, temporal_options: TemporalOptions) -> bool:
    """Whether the layer's plain search is cached (its score costs nothing)."""
    return layer_key(view, accelerator, constraints, spatial_options, temporal_options) in _LAYER_CACHE


def best_score_within(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
                      spatial_options: SpatialOptions, temporal_options: TemporalOptions, limit: float
                      ) -> tuple[float, float] | None | str:
    """best_score's answer (None: no mapping fits), or OVER when every
    mapping surely scores more than `limit` on the objective (the answer is
    then not searched to the end). A score above `limit` may be returned too."""
    key = layer_key(view, accelerator, constraints, spatial_options, temporal_options)
    given = constraints.spatial if constraints else None
    if temporal_options.objective == "pareto" or key in _LAYER_CACHE or \
            (given is not None and any(u.array_dim not in accelerator.array_sizes for u in given.unrolls)):
        return best_score(view, accelerator, constraints, spatial_options, temporal_options)
    if (key, limit) in _WITHIN:
        return _WITHIN[key, limit]
    cap = Incumbent((limit, float("inf")), False, cap=True)  # beaten: more than `limit` on the objective
    if given is not None and wholly_applies(given, view.dims):
        spatial, _ = given_spatial(view, accelerator, given)
        result = temporal_search(view, accelerator, spatial, constraints.order, temporal_options, cap)
        found = None if isinstance(result, str) else OVER if result.beaten else \
            result.best.score if result.best is not None else None
    else:
        search = run_searches(_searches(view, accelerator, constraints, spatial_options, temporal_options, cap))
        exact = [tried.best.score for tried in search.tried if tried.best is not None]
        found = min(exact) if exact else OVER if search.tried else None  # all that fit beaten: over the cap
    _WITHIN[key, limit] = found
    return found
