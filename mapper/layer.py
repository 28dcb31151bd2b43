"""One layer's search: every spatial candidate scored by its best temporal
order; infeasible candidates are kept aside with the reason and the best
feasible one wins (a candidate that is the OX <-> OY image of an earlier
one takes that one's result renamed: mapper/symmetry.py). A mapping file's
spatial mapping that collapses on the layer (dims absent or of size 1 there)
is a candidate too: the part that applies, first, so that it wins ties.
Results are cached per distinct layer and options, so repeated layers
(ResNet's blocks) and the passes after spatial-unroll that ask again are free;
with a search store (search_store.py, a sweep's) temporal searches are also
kept on disk."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from dsec.cost.allocation import AllocationError
from dsec.cost.workload import LayerView
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Constraints, Spatial
from dsec.mapper import search_store
from dsec.mapper.factors import factor_spaces
from dsec.mapper.orders import count_orders
from dsec.mapper.pareto import non_dominated, point
from dsec.mapper.spatial import (SpatialCandidate, applicable_part, given_spatial, spatial_candidates,
                                 wholly_applies)
from dsec.mapper.symmetry import Swap, renamed_factors, renamed_spatial, view_swaps
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
    evaluated: int  # orders scored for this candidate (none when it mirrors another)
    mirror_of: Spatial | None = None  # the earlier candidate whose result it took, renamed
    stopped: bool = False  # the time limit stopped its search: the best order found so far
    front: tuple[Scored, ...] = ()  # objective pareto: its orders no other beats on energy and latency


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

    def front(self) -> list[tuple[Tried, Scored]]:
        """Objective pareto: the layer's mappings no other beats on both energy
        and latency (each candidate's set merged; of equal points the first in
        `tried` order), least energy first. The best candidate's `best` is
        the point of least EDP among them."""
        return non_dominated(((t, scored) for t in self.tried for scored in t.front),
                             lambda item: point(item[1].cost))


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
    if key in _TEMPORAL_CACHE:
        return _TEMPORAL_CACHE[key]
    stored = search_store.load(key, view, accelerator, spatial, options)
    if stored is None:
        # Another process searching the same problem finishes first; then it is stored.
        with search_store.searching(key, options):
            stored = search_store.load(key, view, accelerator, spatial, options)
            if stored is None:
                stored = _search(view, accelerator, spatial, order, options)
                search_store.save(key, stored, options)
    _TEMPORAL_CACHE[key] = stored
    return stored


def _search(view: LayerView, accelerator: Accelerator, spatial: Spatial, order, options: TemporalOptions
            ) -> TemporalResult | str:
    fixed = fixed_prefix(order or (), temporal_sizes(view.dims, spatial))
    return fixed if isinstance(fixed, str) else search_temporal(view, accelerator, spatial, *fixed, options)


def layer_key(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
              spatial_options: SpatialOptions, temporal_options: TemporalOptions) -> tuple:
    """Equal for layers whose search is the same (same shape, operands, constraints, options)."""
    hint = constraints.hint if constraints else None
    order = constraints.order if constraints else None
    given = constraints.spatial if constraints else None
    return _view_key(view), accelerator, given, hint, order, spatial_options, temporal_options


def given_candidate(view: LayerView, accelerator: Accelerator, constraints: Constraints | None
                    ) -> SpatialCandidate | None:
    """The candidate a spatial mapping that collapses on the layer leaves: its
    applicable part (none: one PE), capped as a given mapping is."""
    given = constraints.spatial if constraints else None
    if given is None or wholly_applies(given, view.dims):
        return None
    spatial, _ = given_spatial(view, accelerator, applicable_part(given, view.dims))
    return SpatialCandidate(spatial, given=True)


def candidates_of(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
                  spatial_options: SpatialOptions) -> list[SpatialCandidate]:
    """The generated candidates, after the collapsed given one if any (a
    generated candidate equal to it is left out)."""
    hint = constraints.hint if constraints else None
    generated = spatial_candidates(view, accelerator, hint, spatial_options.mixed, spatial_options.candidates)
    given = given_candidate(view, accelerator, constraints)
    if given is None:
        return generated
    return [given] + [c for c in generated if c.spatial != given.spatial]


def _candidate_plan(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
                    spatial_options: SpatialOptions, temporal_options: TemporalOptions
                    ) -> list[tuple[SpatialCandidate, tuple[int, Swap] | None]]:
    """The layer's spatial candidates, each with (index, swap) when it is the
    dim-swapped image of an earlier one whose search it can take renamed
    (the layer is symmetric under the swap, the loop factors left to order
    are renamed alike and no part of the order is fixed)."""
    order = constraints.order if constraints else None
    candidates = candidates_of(view, accelerator, constraints, spatial_options)
    swaps = view_swaps(view) if not order else []
    factors = [[Counter(space) for space in factor_spaces(temporal_sizes(view.dims, c.spatial),
                                                          temporal_options.lpf_limit)] for c in candidates]
    plan: list[tuple[SpatialCandidate, tuple[int, Swap] | None]] = []
    for candidate, own in zip(candidates, factors):
        source = None
        for index, (earlier, earlier_source) in enumerate(plan):
            if earlier_source is not None:
                continue  # mirror only searched candidates
            swap = next((swap for swap in swaps if renamed_spatial(earlier.spatial, swap) == candidate.spatial
                         and [Counter(renamed_factors(space.elements(), swap)) for space in factors[index]] == own),
                        None)
            if swap is not None:
                source = (index, swap)
                break
        plan.append((candidate, source))
    return plan


def _renamed_result(result: TemporalResult | str, swap: Swap) -> TemporalResult | str:
    """A search's result for the dim-swapped unrolling: the same costs, the order renamed."""
    if isinstance(result, str) or result.best is None:
        return result
    def renamed(scored: Scored) -> Scored:
        return replace(scored, order=tuple(renamed_factors(scored.order, swap)))
    front = tuple(renamed(scored) for scored in result.front)
    # The best stays a member of the set (objective pareto), as in the result it renames.
    best = next((new for old, new in zip(result.front, front) if old is result.best), None)
    return replace(result, best=best or renamed(result.best), front=front)


def candidate_searches(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
                       spatial_options: SpatialOptions, temporal_options: TemporalOptions) -> list[tuple]:
    """The temporal searches (temporal_search's arguments) search_layer runs
    for the layer, one per spatial candidate that is not an earlier one's
    image: to run them in parallel first."""
    order = constraints.order if constraints else None
    searched = [candidate for candidate, source in _candidate_plan(view, accelerator, constraints, spatial_options,
                                                                   temporal_options) if source is None]
    options = _shared_limit(temporal_options, len(searched))
    return [(view, accelerator, candidate.spatial, order, options) for candidate in searched]


def _shared_limit(options: TemporalOptions, searches: int) -> TemporalOptions:
    """The options of each of a layer's `searches` candidate searches: the
    layer's time limit split evenly among them."""
    if options.time_limit <= 0 or searches <= 1:
        return options
    return replace(options, share=options.time_limit / searches)


def search_weight(view: LayerView, accelerator: Accelerator, spatial: Spatial, order, options: TemporalOptions
                  ) -> int:
    """A rough cost of temporal_search(...): the orders of its loop factors (to start long searches first)."""
    return sum(count_orders(space) for space in factor_spaces(temporal_sizes(view.dims, spatial), options.lpf_limit))


def search_layer(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
                 spatial_options: SpatialOptions, temporal_options: TemporalOptions) -> LayerSearch:
    key = layer_key(view, accelerator, constraints, spatial_options, temporal_options)
    if key in _LAYER_CACHE:
        return _LAYER_CACHE[key]
    order = constraints.order if constraints else None
    tried: list[Tried] = []
    discarded: list[Discarded] = []
    results: list[TemporalResult | str] = []
    plan = _candidate_plan(view, accelerator, constraints, spatial_options, temporal_options)
    options = _shared_limit(temporal_options, sum(source is None for _, source in plan))
    for candidate, source in plan:
        if source is None:
            result = temporal_search(view, accelerator, candidate.spatial, order, options)
        else:
            result = _renamed_result(results[source[0]], source[1])
        results.append(result)
        if isinstance(result, str):
            discarded.append(Discarded(candidate, result))
        elif result.best is None:
            discarded.append(Discarded(candidate, result.shortfall))
        else:
            if source is None:
                tried.append(Tried(candidate, result.best, result.evaluated, stopped=result.stopped,
                                   front=result.front))
            else:
                tried.append(Tried(candidate, result.best, 0, plan[source[0]][0].spatial, result.stopped,
                                   result.front))
    tried.sort(key=lambda t: t.best.score)  # stable: ties keep the candidates' rank
    found = LayerSearch(tuple(tried), tuple(discarded))
    _LAYER_CACHE[key] = found
    return found


def best_score(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
               spatial_options: SpatialOptions, temporal_options: TemporalOptions) -> tuple[float, float] | None:
    """The score (objective, tie-breaker) of the mapping spatial-unroll and
    temporal-tile would choose, None when no mapping fits (searched as they
    search, so their later searches are cache hits)."""
    given = constraints.spatial if constraints else None
    if given is not None and any(u.array_dim not in accelerator.array_sizes for u in given.unrolls):
        return None
    if given is None or not wholly_applies(given, view.dims):
        found = search_layer(view, accelerator, constraints, spatial_options, temporal_options).best
        return found.best.score if found is not None else None
    spatial, _ = given_spatial(view, accelerator, given)
    result = temporal_search(view, accelerator, spatial, constraints.order, temporal_options)
    return None if isinstance(result, str) or result.best is None else result.best.score


def remember(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
             spatial_options: SpatialOptions, temporal_options: TemporalOptions, found: LayerSearch) -> None:
    """Keep a result computed in a worker process (`jobs`), as if searched here."""
    order = constraints.order if constraints else None
    _LAYER_CACHE[layer_key(view, accelerator, constraints, spatial_options, temporal_options)] = found
    for tried in found.tried:
        if tried.mirror_of is not None:
            continue  # not searched: a renamed copy of another candidate's result
        key = temporal_key(view, accelerator, tried.candidate.spatial, order, temporal_options)
        _TEMPORAL_CACHE.setdefault(key, TemporalResult(tried.best, tried.evaluated, stopped=tried.stopped,
                                                       front=tried.front))


def remember_temporal(task: tuple, result: TemporalResult | str) -> None:
    """Keep a temporal search computed in a worker process."""
    _TEMPORAL_CACHE[temporal_key(*task)] = result
