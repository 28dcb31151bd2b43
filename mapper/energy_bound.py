"""A lower bound on the energy of every order below a node of the order
tree, so that the search can skip subtrees that cannot beat the best order
found so far (branch and bound).

The cost model's energy splits by operand and by the boundary between two
of its memory levels: the reads of level j+1 towards level j and the writes
of level j from above (for the output, partial sums both ways) depend only
on S_j, the temporal loops at levels <= j once memory-alloc's loops are
merged down (the innermost loops of a level that the operand does not
depend on stay with the level below). Tile, refill count, precision and
partial-sum traffic all come from S_j. Adding to S_j a loop the operand
does not depend on leaves the tile alone and only lowers the refills (and
may end partial sums), so each boundary's energy only falls as more such
loops merge down. Below a node, the levels memory-alloc has decided fix
S_j up to the loops that might still merge (mapper/boundaries.py);
assuming that all of them do gives a lower bound. A boundary not decided
yet moves at least the tile of all loops once (_OpenBoundaries), and costs at
least what the cheapest loop set that can end up under it and fits its memory
costs (fit_bound.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from math import prod

from dsec.cost.allocation import Undecided
from dsec.cost.energy import READS, access_energy, mac_energy, operand_accesses, port_for
from dsec.cost.levels import (LoopList, OperandLevels, bandwidth_boost, fractional_dims, loop_extents, spatial_levels,
                              unrolled_levels)
from dsec.cost.traffic import operand_traffic
from dsec.cost.workload import LayerView, OperandView, tensor_elements
from dsec.dialect.accelerator import Accelerator
from dsec.mapper.boundaries import Boundary, operand_boundaries
from dsec.mapper.fit_bound import FitBound
from dsec.mapper.orders import Factor

_LOWER_SIDE = ("tl", "fl")  # a memory's traffic with the level below it
_UPPER_SIDE = ("fh", "th")  # ... with the level above it


@dataclass
class EnergyBound:
    """Lower bounds of one search (a layer, its unrolling and its temporal
    loops `loops`). `unrolling`: the fractional effective unrolling, as energy uses."""

    view: LayerView
    accelerator: Accelerator
    unrolling: list[tuple[str, LoopList]]
    loops: tuple[Factor, ...]
    # The MAC energy every order pays; None: unit_energy x MACs (an IMC macro's depends on the unrolling)
    mac_energy: float | None = None
    _terms: dict[tuple, float] = field(default_factory=dict)  # by the loops under the boundary, sorted
    _asked: dict[tuple, float] = field(default_factory=dict)  # by them as asked: most recur, and sorting costs

    def __post_init__(self) -> None:
        self._base = mac_energy(self.view.macs, self.accelerator.unit_energy) if self.mac_energy is None \
            else self.mac_energy
        # An output whose finished values are wider than its partial sums would
        # get dearer as partial sums end: no bound for it.
        self._bounded = tuple(not (index == 0 and op.final_precision > op.precision)
                              for index, op in enumerate(self.view.operands))
        self._memories = tuple(len(self.accelerator.hierarchy(op.memory_operand)) for op in self.view.operands)
        self._open = tuple(_open_boundaries(self.view, self.accelerator, self.unrolling, operand, index == 0,
                                            self.loops) if self._bounded[index] else None
                           for index, operand in enumerate(self.view.operands))
        spatial = tuple(tuple(spatial_levels(self.unrolling, self.accelerator.hierarchy(op.memory_operand)))
                        for op in self.view.operands)
        self._fit = FitBound(self.view, self.accelerator, spatial, self.loops, self._term)

    def of(self, placed: Undecided | dict[str, list[LoopList]], order: list[Factor], known: int,
           enough: float = float("inf")) -> float:
        """The lowest energy any order beginning with order[:known] can have.
        `placed`: allocate's answer for `order` (the rest in any order) with `known` decided loops.
        A bound above `enough` may be returned before its dearest terms are added."""
        decided = placed.levels if isinstance(placed, Undecided) else placed
        total = self._base
        order = tuple(order)
        boundaries = [operand_boundaries(operand, decided[operand.name], self._memories[index], order, known)
                      for index, operand in enumerate(self.view.operands)]
        undecided = []
        for index, operand in enumerate(self.view.operands):
            if not self._bounded[index]:
                continue
            for boundary in boundaries[index]:
                if boundary.decided:
                    total += self._term(index, boundary.level, boundary.below + boundary.merging)
                else:
                    opened = self._open[index]
                    least = opened.at_least(boundary.level, boundary.below) if opened is not None else 0.0
                    total += least
                    undecided.append((index, boundary, least))
        # Then what must fit the memories under the undecided boundaries adds:
        # the operands sharing one memory fit it together.
        groups: dict[str, list[tuple[int, Boundary, float]]] = {}
        cap = placed.cap if isinstance(placed, Undecided) else None
        for member in undecided:
            index, boundary, _ = member
            groups.setdefault(self._fit.memory_of(index, boundary.level), []).append(member)
        for members in groups.values():
            if total > enough:
                break
            least = sum(member[2] for member in members)
            index, boundary, _ = members[0]
            if cap is not None and cap.memory == self._fit.memory_of(index, boundary.level):
                fit = self._fit.together(members, order, known, boundaries, cap.least(), cap.words)
            elif len(members) == 1:
                fit = self._fit.at_least(index, boundary, order, known, boundaries)
            else:
                fit = self._fit.together(members, order, known, boundaries)
            total += max(0.0, fit - least)
        return total

    def _term(self, index: int, j: int, below: tuple[Factor, ...]) -> float:
        """Energy at boundary j (above memory level j, -1: below the lowest
        memory) of operand `index` when the loops `below` sit under it."""
        asked = (index, j, below)
        found = self._asked.get(asked)
        if found is None:
            key = (index, j, tuple(sorted(below)))
            found = self._terms.get(key)
            if found is None:
                found = self._terms[key] = self._boundary_energy(self.view.operands[index], index == 0, j, below)
            self._asked[asked] = found
        return found

    def _boundary_energy(self, operand: OperandView, is_output: bool, j: int, below: tuple[Factor, ...]) -> float:
        memories = self.accelerator.hierarchy(operand.memory_operand)
        outside = Counter(self.loops)
        outside.subtract(below)
        above = tuple(sorted(outside.elements()))
        # Every loop of `below` at level j (all at level 0 for j = -1, the
        # innermost ones being the array's stationary reuse), the rest at j + 1.
        temporal: list[LoopList] = [() for _ in memories]
        if j < 0:
            temporal[0] = tuple(below) + above
            stationary = prod(f for _, f in below)
        else:
            temporal[j] = tuple(below)
            temporal[j + 1] = above
            stationary = 1
        levels = OperandLevels(operand, tuple(memories), tuple(temporal),
                               tuple(spatial_levels(self.unrolling, memories)), stationary)
        port = port_for(memories[0], operand.memory_operand, "tl")
        traffic = operand_traffic(self.view, levels, is_output, port.bandwidth_max if port else None)
        accesses = operand_accesses(traffic)
        energy = access_energy(accesses[j + 1], memories[j + 1])
        total = sum(energy[d] for d in _LOWER_SIDE)
        if j >= 0:
            total += sum(access_energy(accesses[j], memories[j])[d] for d in _UPPER_SIDE)
        return total


@dataclass(frozen=True)
class _OpenBoundaries:
    """Lower bounds for boundaries whose loops below are not decided yet.

    Moving a loop below a boundary multiplies the tile by at most its factor
    and divides the refills by it, so the data crossing a boundary is at
    least the tile of all loops, x(all), crossing once. The cost model rounds
    tiles to whole elements: with a fractional unrolling a tile x >= x_min
    rounds down by at most half an element, a factor 1 - 1/(2 x_min) at most
    (x_min: the tile of the loops surely below). Words are counted without
    rounding up, minus one per direction for the truncation of the count;
    for the output only the transfers it makes with or without partial sums,
    at the narrower precision.
    """

    operand: OperandView
    fractional: bool
    spatial_below: tuple[LoopList, ...]  # per boundary j >= 0: the spatial loops under it
    whole: tuple[float, ...]  # per boundary j >= 0: x(all)
    per_element: tuple[float, ...]  # per boundary j >= 0: pJ per element crossing it, unrounded
    truncation: tuple[float, ...]  # per boundary j >= 0: pJ the count truncation can take off
    _known: dict[tuple, float] = field(default_factory=dict)  # at_least's, by (j, below): nodes share prefixes

    def at_least(self, j: int, below: tuple[Factor, ...]) -> float:
        key = (j, below)
        found = self._known.get(key)
        if found is None:
            smallest = tensor_elements(self.operand, loop_extents((self.spatial_below[j], below)))
            kept = 1 - 0.5 / smallest if self.fractional else 1.0
            found = self._known[key] = max(0.0, self.per_element[j] * self.whole[j] * kept - self.truncation[j])
        return found


def _open_boundaries(view: LayerView, accelerator: Accelerator, unrolling: list[tuple[str, LoopList]],
                     operand: OperandView, is_output: bool, loops: tuple[Factor, ...]) -> _OpenBoundaries | None:
    """None when a window dim is unrolled fractionally: its extents are cut
    to whole values and a tile can grow faster than the loops around it."""
    window_dims = {d for w in operand.windows for d in (w.dim_a, w.dim_b)}
    fractional = fractional_dims(loops for _, loops in unrolling)
    if fractional & window_dims:
        return None
    memories = accelerator.hierarchy(operand.memory_operand)
    levels = unrolled_levels(operand, memories, unrolling)
    spatial = levels.spatial
    boost, units = bandwidth_boost(levels.unique_units()), levels.unit_counts()
    precision = min(operand.precision, operand.final_precision) if is_output else operand.precision
    # Per boundary j: (memory, direction, boost, instances) of the transfers counted.
    crossings = [((memories[j + 1], "fl" if is_output else "tl", boost[j + 1], units[j + 2]),
                  (memories[j], "th" if is_output else "fh", 1, units[j + 1])) for j in range(len(memories) - 1)]
    spatial_below, whole, per_element, truncation = [], [], [], []
    for j, transfers in enumerate(crossings):
        below = tuple(loop for level in spatial[:j + 1] for loop in level)
        spatial_below.append(below)
        whole.append(tensor_elements(operand, loop_extents((below, loops))))
        pj = lost = 0.0
        for memory, direction, fan_out, instances in transfers:
            port = port_for(memory, operand.memory_operand, direction)
            if port is None:
                continue
            cost = memory.r_cost if direction in READS else memory.w_cost
            pj += cost * fan_out * precision / port.bandwidth_max * instances
            lost += cost
        per_element.append(pj)
        truncation.append(lost)
    return _OpenBoundaries(operand, bool(fractional), tuple(spatial_below),
                           tuple(whole), tuple(per_element), tuple(truncation))
