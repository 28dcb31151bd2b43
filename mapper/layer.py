"""One layer's search: every spatial candidate scored by its best temporal
order; infeasible candidates are kept aside with the reason and the best
feasible one wins. Results are cached per distinct layer and options, so
repeated layers (ResNet's blocks) and the passes after spatial-unroll that
ask again are free."""

from __future__ import annotations

from dataclasses import dataclass

from dsec.cost.allocation import AllocationError
from dsec.cost.workload import LayerView
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Constraints, Spatial
from dsec.mapper.spatial import SpatialCandidate, given_spatial, spatial_candidates
from dsec.mapper.temporal import (Scored, TemporalOptions, TemporalResult, fixed_prefix, search_temporal,
                                  temporal_sizes)


@dataclass(frozen=True)
class SpatialOptions:
    candidates: int = 3
    mixed: bool = False


@dataclass(frozen=True)
class Tried:
    candidate: SpatialCandidate
    best: Scored
    evaluated: int


@dataclass(frozen=True)
class Discarded:
    candidate: SpatialCandidate
    reason: AllocationError | str


@dataclass(frozen=True)
class LayerSearch:
    tried: tuple[Tried, ...]  # feasible candidates, best first
    discarded: tuple[Discarded, ...]

    @property
    def best(self) -> Tried | None:
        return self.tried[0] if self.tried else None


_TEMPORAL_CACHE: dict[tuple, TemporalResult | str] = {}
_LAYER_CACHE: dict[tuple, LayerSearch] = {}


def _view_key(view: LayerView) -> tuple:
    return tuple(sorted(view.dims.items())), view.operands


def temporal_key(view: LayerView, accelerator: Accelerator, spatial: Spatial, order, options: TemporalOptions
                 ) -> tuple:
    return _view_key(view), accelerator, spatial, order, options


def temporal_search(view: LayerView, accelerator: Accelerator, spatial: Spatial, order, options: TemporalOptions
                    ) -> TemporalResult | str:
    """The best temporal order under `spatial` (a string says what is wrong with a partial `order`)."""
    key = temporal_key(view, accelerator, spatial, order, options)
    if key not in _TEMPORAL_CACHE:
        sizes = temporal_sizes(view.dims, spatial)
        fixed = fixed_prefix(order or (), sizes)
        if isinstance(fixed, str):
            _TEMPORAL_CACHE[key] = fixed
        else:
            _TEMPORAL_CACHE[key] = search_temporal(view, accelerator, spatial, *fixed, options)
    return _TEMPORAL_CACHE[key]


def layer_key(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
              spatial_options: SpatialOptions, temporal_options: TemporalOptions) -> tuple:
    """Equal for layers whose search is the same (same shape, operands, constraints, options)."""
    hint = constraints.hint if constraints else None
    order = constraints.order if constraints else None
    return _view_key(view), accelerator, hint, order, spatial_options, temporal_options


def search_layer(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
                 spatial_options: SpatialOptions, temporal_options: TemporalOptions) -> LayerSearch:
    key = layer_key(view, accelerator, constraints, spatial_options, temporal_options)
    if key in _LAYER_CACHE:
        return _LAYER_CACHE[key]
    hint = constraints.hint if constraints else None
    order = constraints.order if constraints else None
    tried: list[Tried] = []
    discarded: list[Discarded] = []
    for candidate in spatial_candidates(view, accelerator, hint, spatial_options.mixed,
                                        spatial_options.candidates):
        result = temporal_search(view, accelerator, candidate.spatial, order, temporal_options)
        if isinstance(result, str):
            discarded.append(Discarded(candidate, result))
        elif result.best is None:
            discarded.append(Discarded(candidate, result.shortfall))
        else:
            tried.append(Tried(candidate, result.best, result.evaluated))
    tried.sort(key=lambda t: t.best.score)  # stable: ties keep the candidates' rank
    found = LayerSearch(tuple(tried), tuple(discarded))
    _LAYER_CACHE[key] = found
    return found


def mapping_exists(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
                   spatial_options: SpatialOptions, temporal_options: TemporalOptions) -> bool:
    """Whether spatial-unroll and temporal-tile find a mapping that fits
    (searched as they search, so their later searches are cache hits)."""
    given = constraints.spatial if constraints else None
    if given is None:
        return search_layer(view, accelerator, constraints, spatial_options, temporal_options).best is not None
    if any(u.array_dim not in accelerator.array_sizes for u in given.unrolls):
        return False
    spatial, _ = given_spatial(view, accelerator, given)
    result = temporal_search(view, accelerator, spatial, constraints.order, temporal_options)
    return not isinstance(result, str) and result.best is not None


def remember(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
             spatial_options: SpatialOptions, temporal_options: TemporalOptions, found: LayerSearch) -> None:
    """Keep a result computed in a worker process (`jobs`), as if searched here."""
    order = constraints.order if constraints else None
    _LAYER_CACHE[layer_key(view, accelerator, constraints, spatial_options, temporal_options)] = found
    for tried in found.tried:
        key = temporal_key(view, accelerator, tried.candidate.spatial, order, temporal_options)
        _TEMPORAL_CACHE.setdefault(key, TemporalResult(tried.best, tried.evaluated))


def remember_temporal(task: tuple, result: TemporalResult | str) -> None:
    """Keep a temporal search computed in a worker process."""
    _TEMPORAL_CACHE[temporal_key(*task)] = result
