"""One layer's search: every spatial candidate scored by its best temporal
order; infeasible candidates are kept aside with the reason and the best
feasible one wins (a candidate that is the OX <-> OY image of an earlier
one takes that one's result renamed, and one that is its image under a swap
of array dims the accelerator treats alike takes it as it is:
mapper/symmetry.py). A mapping file's
spatial mapping that collapses on the layer (dims absent or of size 1 there)
is a candidate too: the part that applies, first, so that it wins ties.
Results are cached per distinct layer and options, so repeated layers
(ResNet's blocks) and the passes after spatial-unroll that ask again are free;
with a search store (search_store.py, a sweep's) temporal searches are also
kept on disk."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace
from heapq import heapify, heappop, heappush

from dsec.cost.allocation import AllocationError
from dsec.cost.workload import LayerView
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Constraints, Spatial
from dsec.mapper import search_store
from dsec.mapper.cutoff import surely_above
from dsec.mapper.factors import factor_spaces
from dsec.mapper.orders import count_orders
from dsec.mapper.pareto import non_dominated, point
from dsec.mapper.spatial import (SpatialCandidate, applicable_part, given_spatial, spatial_candidates,
                                 wholly_applies)
from dsec.mapper.symmetry import Swap, array_image, array_swaps, renamed_factors, renamed_spatial, view_swaps
from dsec.mapper.temporal import (Floors, Incumbent, Scored, TemporalOptions, TemporalResult, fixed_prefix,
                                  root_bound, search_temporal, temporal_sizes)


@dataclass(frozen=True)
class SpatialOptions:
    candidates: int = 3
    mixed: bool = False


@dataclass(frozen=True)
class Tried:
    candidate: SpatialCandidate
    best: Scored | None  # None when beaten
    evaluated: int  # orders scored for this candidate (none when it mirrors another)
    mirror_of: Spatial | None = None  # the earlier candidate whose result it took, renamed
    stopped: bool = False  # the time limit stopped its search: the best order found so far
    front: tuple[Scored, ...] = ()  # objective pareto: its orders no other beats on energy and latency
    # Searched against `beaten_by`'s score, which no order of it beats (worse
    # on the objective; objective energy: more energy): it has no exact score.
    beaten_by: SpatialCandidate | None = None
    incumbent: Incumbent | None = None  # the score its search was given to beat, if any
    floors: Floors = ()  # the floors its search was given (an image's spaces), if any


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


def temporal_key(view: LayerView, accelerator: Accelerator, spatial: Spatial, order, options: TemporalOptions,
                 incumbent: Incumbent | None = None, floors: Floors = ()) -> tuple:
    """A temporal search's identity; a search given an incumbent to beat, or
    floors to skip spaces with, is another search."""
    key = (_view_key(view), accelerator, spatial, order, options)
    if floors:
        return key + (incumbent, floors)
    return key if incumbent is None else key + (incumbent,)


def temporal_search(view: LayerView, accelerator: Accelerator, spatial: Spatial, order, options: TemporalOptions,
                    incumbent: Incumbent | None = None, floors: Floors = ()) -> TemporalResult | str:
    """The best temporal order under `spatial` (a string says what is wrong
    with a partial `order`); with an `incumbent` score, `beaten` when no order
    beats it; `floors`: spaces of loop factors a dim-swapped image searched,
    skipped where they cannot win (search_temporal)."""
    key = temporal_key(view, accelerator, spatial, order, options, incumbent, floors)
    if key in _TEMPORAL_CACHE:
        return _TEMPORAL_CACHE[key]
    stored = search_store.load(key, view, accelerator, spatial, options)
    if stored is None:
        # Another process searching the same problem finishes first; then it is stored.
        with search_store.searching(key, options):
            stored = search_store.load(key, view, accelerator, spatial, options)
            if stored is None:
                stored = _search(view, accelerator, spatial, order, options, incumbent, floors)
                search_store.save(key, stored, options)
    remember_temporal((view, accelerator, spatial, order, options, incumbent, floors), stored)
    return stored


def _search(view: LayerView, accelerator: Accelerator, spatial: Spatial, order, options: TemporalOptions,
            incumbent: Incumbent | None, floors: Floors) -> TemporalResult | str:
    fixed = fixed_prefix(order or (), temporal_sizes(view.dims, spatial))
    return fixed if isinstance(fixed, str) else search_temporal(view, accelerator, spatial, *fixed, options,
                                                                incumbent, floors)


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
    are renamed alike and no part of the order is fixed), and maybe the array
    dims swapped too (array_image; a swap of array dims alone: an empty
    rename, the result as it is, whatever the order fixes). Kept per layer:
    the rounds of a layer's search (pending_searches) ask again."""
    key = layer_key(view, accelerator, constraints, spatial_options, temporal_options)
    if key not in _PLANS:
        _PLANS[key] = _new_plan(view, accelerator, constraints, spatial_options, temporal_options)
    return _PLANS[key]


_PLANS: dict[tuple, list[tuple[SpatialCandidate, tuple[int, Swap] | None]]] = {}


def _same_or_array_image(view: LayerView, accelerator: Accelerator, arrays: list[Swap], earlier: Spatial,
                         candidate: Spatial) -> bool:
    """The same unrolling, or its image under a swap of array dims alike (`arrays`: array_swaps)."""
    return earlier == candidate or any(array_image(view, accelerator, earlier, candidate, swap) for swap in arrays)


def _new_plan(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
              spatial_options: SpatialOptions, temporal_options: TemporalOptions
              ) -> list[tuple[SpatialCandidate, tuple[int, Swap] | None]]:
    order = constraints.order if constraints else None
    candidates = candidates_of(view, accelerator, constraints, spatial_options)
    swaps = view_swaps(view) if not order else []
    arrays = array_swaps(accelerator)
    factors = [[Counter(space) for space in factor_spaces(temporal_sizes(view.dims, c.spatial),
                                                          temporal_options.lpf_limit)] for c in candidates]

    def image(earlier: Spatial, candidate: Spatial) -> bool:
        return _same_or_array_image(view, accelerator, arrays, earlier, candidate)
    plan: list[tuple[SpatialCandidate, tuple[int, Swap] | None]] = []
    for candidate, own in zip(candidates, factors):
        source = None
        for index, (earlier, earlier_source) in enumerate(plan):
            if earlier_source is not None:
                continue  # mirror only searched candidates
            if image(earlier.spatial, candidate.spatial):
                source = (index, {})  # the same search: its result as it is
                break
            swap = next((swap for swap in swaps if image(renamed_spatial(earlier.spatial, swap), candidate.spatial)
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


def _shared_limit(options: TemporalOptions, searches: int) -> TemporalOptions:
    """The options of each of a layer's `searches` candidate searches: the
    layer's time limit split evenly among them."""
    if options.time_limit <= 0 or searches <= 1:
        return options
    return replace(options, share=options.time_limit / searches)


def search_weight(view: LayerView, accelerator: Accelerator, spatial: Spatial, order, options: TemporalOptions,
                  incumbent: Incumbent | None = None, floors: Floors = ()) -> int:
    """A rough cost of temporal_search(...): the orders of its loop factors (to start long searches first)."""
    return sum(count_orders(space) for space in factor_spaces(temporal_sizes(view.dims, spatial), options.lpf_limit))


def _searches(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
              spatial_options: SpatialOptions, temporal_options: TemporalOptions, cap: Incumbent | None = None
              ) -> Generator[list[tuple], list[TemporalResult | str], LayerSearch]:
    """The layer's search as batches of temporal searches (temporal_search's
    arguments, independent within a batch: to run in parallel): yields each
    batch, is sent its results, returns the LayerSearch.

    The candidates are searched one at a time, least root bound first
    (root_bound: likely the best first), each given the best score found so
    far as an incumbent to beat: a candidate that cannot beat it is cut short
    and kept as beaten (by the candidate that scored it). Which candidate is
    searched with which incumbent depends only on the results before it,
    never on timing or on how searches are spread over processes. Objective
    pareto keeps every candidate's set: its candidates are one batch, with no
    incumbent. `cap` (mapper/within.py): a score to beat from the start, used
    while it is tighter than the best so far (beaten_by None)."""
    order = constraints.order if constraints else None
    plan = _candidate_plan(view, accelerator, constraints, spatial_options, temporal_options)
    searched = [index for index, (_, source) in enumerate(plan) if source is None]
    options = _shared_limit(temporal_options, len(searched))
    results: dict[int, TemporalResult | str] = {}
    given: dict[int, tuple[int | None, Incumbent]] = {}  # searched candidate -> (whose score, the incumbent)
    given_floors: dict[int, Floors] = {}
    if temporal_options.objective == "pareto":
        found = yield [(view, accelerator, plan[index][0].spatial, order, options) for index in searched]
        results.update(zip(searched, found))
    else:
        lead = None  # the best candidate so far (ties: the first generated)

        def incumbent_for(index: int) -> Incumbent | None:
            incumbent = Incumbent(results[lead].best.score, lead < index) if lead is not None else None
            if cap is not None and (incumbent is None or cap.score[0] < incumbent.score[0]):
                incumbent = cap
            return incumbent
        images = _partial_images(view, accelerator, plan, order, temporal_options)
        for index in _by_root_bound(view, accelerator, plan, order, options, searched, incumbent_for):
            spatial = plan[index][0].spatial
            incumbent = incumbent_for(index)
            floors = _floors_from(images.get(index, ()), results)
            # temporal_search's arguments, floors only where there are some.
            task = (view, accelerator, spatial, order, options, incumbent) + ((floors,) if floors else ())
            (results[index],) = yield [task]
            given_floors[index] = floors
            if incumbent is not None:
                given[index] = (lead if incumbent is not cap else None, incumbent)
            result = results[index]
            if isinstance(result, TemporalResult) and result.best is not None and \
                    (lead is None or (result.best.score, index) < (results[lead].best.score, lead)):
                lead = index
    tried: list[Tried] = []
    discarded: list[Discarded] = []
    for index, (candidate, source) in enumerate(plan):
        searched_as = index if source is None else source[0]
        result = results[index] if source is None else _renamed_result(results[searched_as], source[1])
        mirror_of = None if source is None else plan[searched_as][0].spatial
        beater, incumbent = given.get(searched_as, (None, None))
        evaluated = 0 if source is not None else result.evaluated if isinstance(result, TemporalResult) else 0
        if isinstance(result, str):
            discarded.append(Discarded(candidate, result))
        elif result.beaten:
            tried.append(Tried(candidate, None, evaluated, mirror_of, result.stopped,
                               beaten_by=plan[beater][0] if beater is not None else None, incumbent=incumbent,
                               floors=given_floors.get(searched_as, ())))
        elif result.best is None:
            discarded.append(Discarded(candidate, result.shortfall))
        else:
            tried.append(Tried(candidate, result.best, evaluated, mirror_of, result.stopped, result.front,
                               incumbent=incumbent, floors=given_floors.get(searched_as, ())))
    # Stable: ties keep the candidates' rank; the beaten ones (no exact score) last.
    tried.sort(key=lambda t: (0, t.best.score) if t.best is not None else (1,))
    return LayerSearch(tuple(tried), tuple(discarded))


def _partial_images(view: LayerView, accelerator: Accelerator, plan: list, order, options: TemporalOptions
                    ) -> dict[int, list[tuple[int, Swap]]]:
    """Per searched candidate: the other searched candidates (index, swap)
    it is the dim-swapped image of (maybe with array dims swapped too),
    though not space for space (LOMA merges factors by dim name, so only
    some of their spaces of loop factors are images: those share floors)."""
    if order or options.objective == "pareto":
        return {}
    swaps = view_swaps(view)
    arrays = array_swaps(accelerator)
    searched = [(index, candidate.spatial) for index, (candidate, source) in enumerate(plan) if source is None]
    found: dict[int, list[tuple[int, Swap]]] = {}
    for index, spatial in searched:
        for other, theirs in searched:
            if other == index:
                continue
            for swap in swaps:
                if _same_or_array_image(view, accelerator, arrays, renamed_spatial(theirs, swap), spatial):
                    found.setdefault(index, []).append((other, swap))
    return found


def _floors_from(images: list[tuple[int, Swap]], results: dict[int, TemporalResult | str]) -> Floors:
    """The floors of the spaces searched so far by the candidates this one
    is the image of, renamed (the tightest where several have one)."""
    floors: dict[tuple, tuple[float, float]] = {}
    for other, swap in images:
        result = results.get(other)
        if not isinstance(result, TemporalResult):
            continue
        for space, floor in result.floors:
            mine = tuple(sorted(renamed_factors(space, swap)))
            floors[mine] = max(floor, floors.get(mine, floor))
    return tuple(sorted(floors.items()))


_ROOT_BOUNDS: dict[tuple, tuple[float, float] | None] = {}


def _by_root_bound(view: LayerView, accelerator: Accelerator, plan: list, order, options: TemporalOptions,
                   indices: list[int], incumbent_for: Callable[[int], Incumbent | None]) -> Iterator[int]:
    """`indices` (of the candidates in `plan`) by the lower bound of their
    orders' scores, least first (ties: in turn; no order fits: last), as the
    search takes them. The bound with its fit terms is computed only for a
    candidate that comes first by the cheap bound without them (a lower bound
    of it); a candidate whose cheap bound is above the score it would be given
    to beat when that bound's turn comes (`incumbent_for`) is cut at its root
    wherever it goes, so it goes then, without its fit terms (only its remark's
    `beaten_by` may differ)."""
    def bound(index: int, fit: bool) -> tuple:
        spatial = plan[index][0].spatial
        key = temporal_key(view, accelerator, spatial, order, options) + (fit,)
        if key not in _ROOT_BOUNDS:
            fixed = fixed_prefix(order or (), temporal_sizes(view.dims, spatial))
            _ROOT_BOUNDS[key] = None if isinstance(fixed, str) else \
                root_bound(view, accelerator, spatial, *fixed, options, fit)
        found = _ROOT_BOUNDS[key]
        return (0, found) if found is not None else (1,)
    heap = [(bound(index, False), index, False) for index in indices]
    heapify(heap)
    while heap:
        key, index, exact = heappop(heap)
        incumbent = incumbent_for(index)
        if not exact and not (key[0] == 0 and incumbent is not None and surely_above(key[1][0], incumbent.score[0])):
            heappush(heap, (bound(index, True), index, True))
            continue
        yield index


def pending_searches(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
                     spatial_options: SpatialOptions, temporal_options: TemporalOptions) -> list[tuple]:
    """The temporal searches (temporal_search's arguments) search_layer needs
    next that are not cached yet: to run them in parallel first (and again
    until none is left)."""
    if layer_key(view, accelerator, constraints, spatial_options, temporal_options) in _LAYER_CACHE:
        return []
    walk = _searches(view, accelerator, constraints, spatial_options, temporal_options)
    batch = next(walk)
    while True:
        missing = [task for task in batch if temporal_key(*task) not in _TEMPORAL_CACHE]
        if missing:
            return missing
        try:
            batch = walk.send([_TEMPORAL_CACHE[temporal_key(*task)] for task in batch])
        except StopIteration:
            return []


def search_layer(view: LayerView, accelerator: Accelerator, constraints: Constraints | None,
                 spatial_options: SpatialOptions, temporal_options: TemporalOptions) -> LayerSearch:
    key = layer_key(view, accelerator, constraints, spatial_options, temporal_options)
    if key in _LAYER_CACHE:
        return _LAYER_CACHE[key]
    found = _LAYER_CACHE[key] = run_searches(_searches(view, accelerator, constraints, spatial_options,
                                                       temporal_options))
    return found


def run_searches(walk: Generator[list[tuple], list[TemporalResult | str], LayerSearch]) -> LayerSearch:
    """A layer's search (_searches) run here, batch after batch."""
    try:
        batch = next(walk)
        while True:
            batch = walk.send([temporal_search(*task) for task in batch])
    except StopIteration as done:
        return done.value


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
        task = (view, accelerator, tried.candidate.spatial, order, temporal_options, tried.incumbent, tried.floors)
        if temporal_key(*task) not in _TEMPORAL_CACHE:
            remember_temporal(task, TemporalResult(tried.best, tried.evaluated, stopped=tried.stopped,
                                                   front=tried.front, beaten=tried.best is None))


def remember_temporal(task: tuple, result: TemporalResult | str) -> None:
    """Keep a temporal search's result (`task`: temporal_search's
    arguments), here or from a worker process. One given an incumbent that
    ran to the end and was not beaten is the plain search's answer too
    (search_temporal): kept as that, temporal-tile's search of the chosen
    candidate finds it instead of searching again."""
    _TEMPORAL_CACHE[temporal_key(*task)] = result
    incumbent = task[5] if len(task) > 5 else None
    floors = task[6] if len(task) > 6 else ()
    if (incumbent is not None or floors) and not (incumbent is not None and incumbent.cap) and \
            isinstance(result, TemporalResult) and result.best is not None and not result.beaten and not result.stopped:
        _TEMPORAL_CACHE.setdefault(temporal_key(*task[:5]), result)
