"""When a subtree of the order tree cannot beat the best order found so
far: its lower bounds (energy_bound.py, latency_bound.py) against the best
score. Only a subtree whose every order scores worse is cut (the search
keeps the first of equals, so equal orders found later change nothing).
Against another spatial candidate's score that wins ties (`ties_lose`: it
comes first), a subtree whose every order scores no better is cut too;
objective energy then weighs the latency bound for the tie-break."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod

from dsec.cost.allocation import Undecided
from dsec.cost.evaluate import drain_cycles
from dsec.cost.levels import LoopList, effective_unrolling
from dsec.cost.workload import LayerView
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Spatial
from dsec.imc.cost import cycles_per_op, macro_energy_floor
from dsec.mapper.energy_bound import EnergyBound
from dsec.mapper.latency_bound import LatencyBound
from dsec.mapper.objective import Objective
from dsec.mapper.orders import Factor

# Bounds and costs add the same terms in other orders: float rounding must not cut a tie.
_SLACK = 1e-9
# Own energy bounds below a tie that must cut nothing in a row before most are skipped.
_PROBE = 16


def surely_above(bound: float, value: float) -> bool:
    """Whether a lower bound on the objective rules out `value` and every
    score equal to it (beyond float rounding): the first test `beaten` makes."""
    return bound > value * (1 + _SLACK)


@dataclass
class Cutoff:
    objective: Objective
    energy: EnergyBound
    latency: LatencyBound | None  # None for objective energy until a tie needs it
    make_latency: Callable[[], LatencyBound] | None = None  # builds it then
    # Objective energy: the decided prefixes (order[:known]) whose whole energy
    # bound tied the best's energy, with that bound (what their subtrees keep).
    _ties: dict[tuple, float] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Own energy bounds asked below a tie in a row that cut nothing, and all asked.
    _idle: int = field(default=0, init=False, repr=False, compare=False)
    _asked: int = field(default=0, init=False, repr=False, compare=False)

    def _latency(self) -> LatencyBound:
        if self.latency is None:
            self.latency = self.make_latency()
        return self.latency

    def dominated(self, placed: Undecided | dict[str, list[LoopList]], order: list[Factor], known: int,
                  front: list[tuple[float, float]]) -> bool:
        """Objective pareto: whether a kept (energy, latency) point is at least
        as good as every order beginning with order[:known] on both: less energy
        than the subtree's energy bound (beyond float rounding) and no more
        latency than its latency bound. A subtree that may hold a point no kept
        one covers is never cut."""
        if not front:
            return False
        energy = self.energy.of(placed, order, known)
        candidates = [latency for e, latency in front if energy > e * (1 + _SLACK)]
        return bool(candidates) and self.latency.of(placed, order, known) >= min(candidates)

    def _tied(self, order: list[Factor], known: int, value: float) -> float | None:
        """An ancestor's energy bound (valid for every order below it) that
        ties `value`: below it the orders tie the best's energy or lose (a
        decided placement fixes the energy; a max pool's orders all cost the
        same): the latency decides, and the node's own energy bound, with its
        costly fit terms, is asked only while such bounds cut (_asks_own)."""
        if not self._ties:
            return None  # most searches meet no tie: no prefix to look up
        for end in range(known - 1, -1, -1):
            energy = self._ties.get(tuple(order[:end]))
            if energy is not None:
                return energy if value <= energy <= value * (1 + _SLACK) else None
        return None

    def _asks_own(self) -> bool:
        """Whether a node below a tie asks its own energy bound: while those
        cut something (they cut nothing where every order costs the same
        energy), else one in _PROBE, to notice when they would again."""
        self._asked += 1
        return self._idle < _PROBE or self._asked % _PROBE == 0

    def beaten(self, placed: Undecided | dict[str, list[LoopList]], order: list[Factor], known: int,
               best: tuple[float, float], ties_lose: bool = False) -> bool:
        """Whether every order beginning with order[:known] scores worse than
        `best` (`ties_lose`: or equal). A bound at or above a rounded score
        rounds to no less than it (scores keep 12 digits, far above float noise)."""
        value, tie_break = best
        if self.objective == "energy":
            tied = self._tied(order, known, value)
            if tied is None or self._asks_own():
                energy = self.energy.of(placed, order, known, value * (1 + _SLACK))
                if tied is not None:
                    self._idle = 0 if energy > value * (1 + _SLACK) else self._idle + 1
                if energy > value * (1 + _SLACK):
                    return True
                if energy < value and tied is None:
                    return False
                self._ties[tuple(order[:known])] = energy if tied is None else max(energy, tied)
            # Every order's energy rounds to the best's or above: the latency
            # breaks the tie, and one above the best's loses it (the first of
            # equal scores wins: an equal one loses only where ties lose).
            latency = self._latency().of(placed, order, known)
            return latency > tie_break or (ties_lose and latency >= tie_break)
        latency = self.latency.of(placed, order, known)
        if self.objective == "latency":
            if latency > value * (1 + _SLACK):
                return True
            if latency < value:
                return False
            energy = self.energy.of(placed, order, known, tie_break * (1 + _SLACK))
            return energy > tie_break * (1 + _SLACK) or (ties_lose and energy >= tie_break)
        energy = self.energy.of(placed, order, known, value * (1 + _SLACK) / latency if latency > 0 else float("inf"))
        return energy * latency > value * (1 + _SLACK) or \
            (energy * latency >= value and (energy > tie_break * (1 + _SLACK) or (ties_lose and energy >= tie_break)))


def subtree_cutoff(view: LayerView, accelerator: Accelerator, spatial: Spatial, unrolling: list,
                   loops: tuple[Factor, ...], objective: Objective) -> Cutoff:
    """The bounds a search on `objective` cuts subtrees with (`unrolling`: the fractional one)."""
    energy = EnergyBound(view, accelerator, unrolling, loops, macro_energy_floor(view, accelerator, spatial))

    def latency() -> LatencyBound:
        whole = effective_unrolling(spatial, view.dims, accelerator.array_sizes, fractional=False)
        per_op = int(cycles_per_op(accelerator, view))  # Pa / B: powers of two, whole
        fixed = prod(f for _, f in loops) * per_op + drain_cycles(view, accelerator, spatial)
        return LatencyBound(view, accelerator, whole, loops, fixed, unrolling, per_op)
    if objective == "energy":
        return Cutoff(objective, energy, None, latency)
    return Cutoff(objective, energy, latency())
