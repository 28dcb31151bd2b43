"""Temporal search: factor the loops left after the spatial unrolling and
order them, scoring each order with memory-alloc's placement and the cost
model; the best order wins (the first found among equals).

A complete `require order` is taken as given; a partial one fixes the
innermost loops and the search orders the rest above them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil, inf
from time import perf_counter
from typing import Literal

from dsec.cost.allocation import AllocationError, allocate
from dsec.cost.evaluate import LayerCost, energy_only, evaluate_mapping
from dsec.cost.levels import effective_unrolling
from dsec.cost.workload import LayerView
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Loop, Spatial
from dsec.mapper.cutoff import Cutoff, subtree_cutoff
from dsec.mapper.factors import factor_spaces
from dsec.mapper.objective import Objective, score
from dsec.mapper.order_tree import decided_orders, placement_key
from dsec.mapper.pareto import add, point
from dsec.mapper.orders import Factor, loop_orders

Search = Literal["exhaustive", "pruned"]

# Loop prime factors the temporal search orders by default (with LOMA's
# space at ZigZag's default 6 too: factor_spaces): LOMA's lpf_limit 8 space,
# whose mappings beat lpf 7's by 5% on eyeriss_like (benchmarks/vs_zigzag.py,
# README).
DEFAULT_LPF_LIMIT = 8


@dataclass(frozen=True)
class TemporalOptions:
    objective: Objective = "energy"
    lpf_limit: int = DEFAULT_LPF_LIMIT
    search: Search = "pruned"
    seed: int = 0
    # Seconds a layer's search may take (0: no limit); past them the best
    # order found so far wins and the result says it was stopped.
    time_limit: float = 0.0
    # This search's part of the layer's limit (its spatial candidates share
    # it; None: all of it). Not part of the options' identity: spatial-unroll's
    # result for the chosen candidate is temporal-tile's.
    share: float | None = field(default=None, compare=False)

    @property
    def seconds(self) -> float | None:
        """How long this search may run, or None."""
        if self.time_limit <= 0:
            return None
        return self.time_limit if self.share is None else self.share


@dataclass(frozen=True)
class Scored:
    order: tuple[Factor, ...]  # innermost first
    cost: LayerCost
    score: tuple[float, float]  # objective, tie-breaker


# A space of loop factors (sorted) with a lower bound on every one of its orders' scores.
Floors = tuple[tuple[tuple[Factor, ...], tuple[float, float]], ...]


@dataclass(frozen=True)
class TemporalResult:
    best: Scored | None
    evaluated: int
    # The infeasible order whose tile missed its memory by the least, when no order fits.
    shortfall: AllocationError | None = None
    # The time limit stopped the search: `best` is the best found so far, not proven the best.
    stopped: bool = False
    # Objective pareto: the orders no other order beats on both energy and
    # latency, in the order found; `best` is the one of least EDP among them.
    front: tuple[Scored, ...] = ()
    # Searched against an incumbent (another candidate's score) that cut some
    # of its subtrees, and none of its orders beats the incumbent: every order
    # scores worse (on the objective alone for energy), `best` is None and no
    # exact score is known.
    beaten: bool = False
    # Per space of loop factors searched to the end (none when stopped, and
    # none for objective pareto, whose spaces each add to a front): the
    # least score any of its orders can have, for a search of a dim-swapped
    # image of that space (layer.py) to skip it when that cannot win.
    floors: Floors = ()


@dataclass
class Clock:
    """A search's deadline; `stopped` once a subtree was skipped for it. The
    search stops only after it has found an order, so a layer that can be
    mapped always is."""

    deadline: float | None
    stopped: bool = False

    def past(self) -> bool:
        if self.deadline is None or perf_counter() <= self.deadline:
            return False
        self.stopped = True
        return True


def temporal_sizes(dims: dict[str, int], spatial: Spatial) -> dict[str, int]:
    """Iterations each dim needs in time after the unrolling (ceil: a
    non-dividing unrolling adds a partly idle last iteration)."""
    unrolled = spatial.factors()
    sizes = {dim: ceil(size / unrolled.get(dim, 1)) for dim, size in dims.items()}
    return {dim: size for dim, size in sizes.items() if size > 1}


def fixed_prefix(order: tuple[Loop, ...], sizes: dict[str, int]) -> tuple[list[Factor], dict[str, int]] | str:
    """A partial ordering's loops (innermost first, `*` taking what is left of
    its dim) and the iterations left to search, or what is wrong with it."""
    prefix: list[Factor] = []
    left = dict(sizes)
    for loop in order:
        if loop.dim not in left:
            if (loop.factor or 1) > 1:
                return f"{loop.dim} has no temporal iterations left after the spatial unrolling"
            continue
        factor = left[loop.dim] if loop.factor is None else loop.factor
        if left[loop.dim] % factor:
            return f"{loop.dim} = {factor} does not divide the {left[loop.dim]} iterations of {loop.dim} left"
        left[loop.dim] //= factor
        if factor > 1:
            prefix.append((loop.dim, factor))
    return prefix, {dim: size for dim, size in left.items() if size > 1}


# Bounds root_bound built, kept for the search of the same space that follows
# (their tables, e.g. fit_bound's, are the costly part); taken by it.
_KEPT_CUTOFFS: dict[tuple, Cutoff] = {}


def _cutoff(view: LayerView, accelerator: Accelerator, spatial: Spatial, unrolling: list,
            loops: tuple[Factor, ...], objective: Objective, keep: bool = False) -> Cutoff:
    key = (tuple(sorted(view.dims.items())), view.operands, accelerator, spatial, loops, objective)
    found = _KEPT_CUTOFFS.get(key) if keep else _KEPT_CUTOFFS.pop(key, None)
    if found is None:
        found = subtree_cutoff(view, accelerator, spatial, unrolling, loops, objective)
        if keep:
            if len(_KEPT_CUTOFFS) >= 256:
                _KEPT_CUTOFFS.clear()  # bounds of searches that came from a cache: never taken
            _KEPT_CUTOFFS[key] = found
    return found


@dataclass
class Memo:
    """One search's memory (one layer and spatial unrolling): the cost of each
    placement as the cost model sees it (placements that differ only where the
    model does not look cost the same) and each operand's data movement."""

    costs: dict[tuple, LayerCost] = field(default_factory=dict)  # placement_key -> cost
    traffic: dict[tuple, object] = field(default_factory=dict)  # for evaluate_mapping's traffic_cache


def score_order(view: LayerView, accelerator: Accelerator, spatial: Spatial, unrolling: list,
                order: tuple[Factor, ...], objective: Objective, memo: Memo | None = None,
                levels: dict | None = None, beat: float | None = None) -> Scored | AllocationError | None:
    """`unrolling`: effective_unrolling(spatial, ..., fractional=True), as memory-alloc places with it.
    `levels`: the order's placement when the caller knows it. With `beat`
    (the best energy so far, objective energy, with a `memo`): None when the
    order's energy alone is clearly worse, before its latency is computed."""
    levels = levels or allocate(view, accelerator, unrolling, list(order))
    if isinstance(levels, AllocationError):
        return levels
    if memo is None:
        cost = evaluate_mapping(view, accelerator, spatial, levels)
        return Scored(order, cost, score(cost, objective))
    key = placement_key(view, levels)
    cost = memo.costs.get(key)
    if cost is None:
        signatures = dict(zip((op.name for op in view.operands), key))
        if beat is not None and objective == "energy" and \
                energy_only(view, accelerator, spatial, levels, memo.traffic, signatures) > beat * (1 + 1e-9):
            return None
        cost = memo.costs[key] = evaluate_mapping(view, accelerator, spatial, levels, memo.traffic, signatures)
    return Scored(order, cost, score(cost, objective))


@dataclass(frozen=True)
class Incumbent:
    """Another spatial candidate's best score, for a search to beat.
    `wins_ties`: that candidate comes first in generation order, so an
    equal score does not beat it either."""

    score: tuple[float, float]
    wins_ties: bool
    # A cap (mapper/within.py), not a candidate's score: a search that beats it
    # is not kept as the plain search (its counts and floors differ).
    cap: bool = False


@dataclass
class Bar:
    """The score a subtree must be able to beat: the best order found so far
    or the `incumbent`, whichever cuts more. `by_incumbent`: something was
    skipped only because of the incumbent (the search is then no longer the
    plain one)."""

    incumbent: Incumbent | None
    by_incumbent: bool = False

    def of(self, best: Scored | None) -> tuple[tuple[float, float] | None, bool, bool]:
        """The score to beat, whether an equal score is beaten too, and
        whether it is the incumbent's (at least as tight as `best`'s)."""
        incumbent = self.incumbent
        # Cuts compare whole scores (objective energy weighs the latency where energies tie: cutoff.py).
        if incumbent is not None and (best is None or incumbent.score < best.score or
                                      (incumbent.wins_ties and incumbent.score == best.score)):
            return incumbent.score, incumbent.wins_ties, True
        # The best so far was found first: an equal score found later loses to it.
        return (best.score if best is not None else None), True, False

    def cuts(self, best: Scored | None, floor: tuple[float, float]) -> bool:
        """Whether no order scoring at least `floor` can beat the bar (noting
        when only the incumbent rules it out)."""
        to_beat, ties_lose, incumbent = self.of(best)
        if to_beat is None or not (floor > to_beat or (ties_lose and floor == to_beat)):
            return False
        self.by_incumbent |= incumbent
        return True

    def floor(self, best: Scored | None) -> tuple[float, float]:
        """A lower bound on the score of every order of a space just searched
        to the end: each was scored (no better than `best`, the best so far)
        or cut for scoring no better than the best then or the incumbent."""
        scores = [score for score in (best and best.score, self.incumbent and self.incumbent.score) if score]
        return min(scores, default=(float("inf"), float("inf")))  # none found, none to beat: no order fits

    def beats(self, best: Scored | None) -> bool:
        """Whether `best` is the plain search's answer: nothing was skipped for
        the incumbent alone, or `best` beats it (what was skipped for it then
        scores worse than `best`)."""
        if not self.by_incumbent:
            return True
        if best is None:
            return False
        mine, theirs = best.score, self.incumbent.score
        return mine < theirs if self.incumbent.wins_ties else mine <= theirs


def search_temporal(view: LayerView, accelerator: Accelerator, spatial: Spatial, prefix: list[Factor],
                    left: dict[str, int], options: TemporalOptions,
                    incumbent: Incumbent | None = None, floors: Floors = ()) -> TemporalResult:
    """The best order of the `left` iterations above the fixed innermost
    `prefix`, over every space of loop factors of factor_spaces (the first
    found among equals: the spaces in turn, the best so far cutting the next).
    With an `incumbent` (objective energy, latency or edp), subtrees that
    cannot beat it are skipped too: the result is the plain search's when
    some order beats the incumbent, else `beaten` (or, when the time limit
    stopped it, the best order found so far). A space with a floor in
    `floors` that cannot beat the best so far or the incumbent is skipped."""
    unrolling = effective_unrolling(spatial, view.dims, accelerator.array_sizes, fractional=True)
    memo = Memo() if options.search == "pruned" else None
    front: list[Scored] | None = [] if options.objective == "pareto" else None
    bar = Bar(incumbent if front is None else None)
    best: Scored | None = None
    shortfall: AllocationError | None = None
    evaluated = 0
    seconds = options.seconds
    clock = Clock(None if seconds is None else perf_counter() + seconds)
    known, searched = dict(floors), []
    for factors in factor_spaces(left, options.lpf_limit):
        if best is not None and clock.past():
            break
        space = tuple(sorted(factors))
        # A floor of no fitting order is not used: that space's own search says why nothing fits.
        if front is None and options.search == "pruned" and known.get(space, (inf, inf)) != (inf, inf) and \
                bar.cuts(best, known[space]):
            searched.append((space, known[space]))
            continue
        best, shortfall, evaluated = _search_space(view, accelerator, spatial, unrolling, prefix, factors, options,
                                                   memo, best, shortfall, evaluated, clock, front, bar)
        searched.append((space, bar.floor(best)))
    floors = () if clock.stopped or front is not None else tuple(searched)
    if front:
        best = min(front, key=lambda scored: scored.score)  # least EDP; the first found of equals
    if not clock.stopped and not bar.beats(best):  # a stopped search proves nothing: its best so far stands
        return TemporalResult(None, evaluated, None, clock.stopped, beaten=True, floors=floors)
    return TemporalResult(best, evaluated, None if best is not None else shortfall, clock.stopped,
                          tuple(front or ()), floors=floors)


def _search_space(view: LayerView, accelerator: Accelerator, spatial: Spatial, unrolling: list,
                  prefix: list[Factor], factors: list[Factor], options: TemporalOptions, memo: Memo | None,
                  best: Scored | None, shortfall: AllocationError | None, evaluated: int, clock: Clock,
                  front: list[Scored] | None, bar: Bar) -> tuple[Scored | None, AllocationError | None, int]:
    """search_temporal over the orders of one space of loop factors, going on
    from `best`; once an order is found and the `clock` is past its
    deadline, every subtree left is skipped. With a `front` (objective
    pareto) every order's point is offered to it, and a subtree is cut only
    when a kept point covers all it can hold."""
    if options.search == "pruned":
        cutoff = _cutoff(view, accelerator, spatial, unrolling, tuple(prefix) + tuple(factors), options.objective)
        # The front's points, kept in step with it (it goes on from the previous space of factors).
        points = [point(scored.cost) for scored in front or ()]

        def hopeless(placed, order, known) -> bool:
            if best is not None and clock.past():
                return True
            if front is not None:
                return best is not None and cutoff.dominated(placed, order, known, points)
            to_beat, ties_lose, incumbent = bar.of(best)
            if to_beat is None or not cutoff.beaten(placed, order, known, to_beat, ties_lose):
                return False
            bar.by_incumbent |= incumbent
            return True
        orders = decided_orders(view, accelerator, unrolling, prefix, factors, options.seed, hopeless)
    else:  # every order costed from scratch: the reference the pruned search is tested against
        orders = (tuple(prefix) + rest for rest in loop_orders(factors, options.seed))
    for item in orders:
        if best is not None and clock.past():
            break
        if isinstance(item, AllocationError):
            result = item
        else:
            order, levels = item if options.search == "pruned" else (item, None)
            to_beat, _, incumbent = bar.of(best)
            beat = to_beat[0] if to_beat is not None else None
            result = score_order(view, accelerator, spatial, unrolling, order, options.objective, memo, levels, beat)
        evaluated += 1
        if result is None:
            bar.by_incumbent |= incumbent
            continue  # worse on energy alone
        if isinstance(result, AllocationError):
            if shortfall is None or result.needed - result.available < shortfall.needed - shortfall.available:
                shortfall = result
            continue
        if front is not None and add(front, result, lambda scored: point(scored.cost)) and \
                options.search == "pruned":
            points[:] = [point(scored.cost) for scored in front]
        if best is None or result.score < best.score:
            best = result
    return best, shortfall, evaluated


def root_bound(view: LayerView, accelerator: Accelerator, spatial: Spatial, prefix: list[Factor],
               left: dict[str, int], options: TemporalOptions, fit: bool = True) -> tuple[float, float] | None:
    """A lower bound on the score of every order search_temporal weighs (the
    cutoff's bound at the root of each space of loop factors, the least of
    them, its fit terms included: they cost most, but tell apart unrollings
    whose tiles fit a small memory differently; `fit` False: without them,
    cheap and no more than with them), or None when no order can fit.
    Compares as a score does, objective first: to pick which candidate to
    search first. The bounds are kept for the search that follows."""
    unrolling = effective_unrolling(spatial, view.dims, accelerator.array_sizes, fractional=True)
    bounds = []
    for factors in factor_spaces(left, options.lpf_limit):
        full = list(prefix) + list(factors)
        placed = allocate(view, accelerator, unrolling, full, known=len(prefix))
        if isinstance(placed, AllocationError):
            continue
        cutoff = _cutoff(view, accelerator, spatial, unrolling, tuple(full), options.objective, keep=True)
        energy = cutoff.energy.of(placed, full, len(prefix), float("inf") if fit else 0.0)
        if options.objective == "energy":
            bounds.append((energy, 0.0))
            continue
        latency = cutoff.latency.of(placed, full, len(prefix))
        bounds.append((latency, energy) if options.objective == "latency" else (energy * latency, energy))
    return min(bounds, default=None)
