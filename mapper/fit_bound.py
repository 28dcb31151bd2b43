"""A lower bound on the energy of a memory-level boundary that memory-alloc
has not decided yet, from what fits the memory under it.

Boundary j of an operand (above its memory level j) moves, per the cost
model, an amount that depends only on S_j, the loops under it once the
innermost loops of the level above that the operand does not depend on
merge down (energy_bound.py). Under a node of the order tree S_j is not
known, but it is one of few sets: the loops of the decided levels below,
then a prefix of the decided loops after them, and, if that prefix takes
all decided loops, any sub-multiset of the undecided ones. And its tile
must fit memory j beside what the other operands surely keep there. So the
least energy over the sets whose tile fits, each with every loop that could
merge down added (more merged loops never cost more), bounds every order
below the node. Where a small memory holds several operands this is far
above the whole tile crossing once; where nothing fits, no order can.

The operands sharing a memory are bounded together (`together`): one set
each, their tiles fitting the memory together, and at the first memory
memory-alloc has not decided, their words (tile times the loops above it)
summing to no more than its best decided prefixes move (allocation.WordsCap):
memory-alloc takes the prefixes that move the fewest words.

The fit test is loose on purpose (the narrower precision, no double
buffering, a margin for float rounding, the others' smallest tiles): a set
it rejects is one memory-alloc can never choose.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod

from dsec.cost.levels import LoopList, fractional_dims, loop_extents
from dsec.cost.workload import LayerView, tensor_elements
from dsec.dialect.accelerator import Accelerator
from dsec.mapper.boundaries import Boundary
from dsec.mapper.orders import Factor

_MARGIN = 1e-9  # tiles are floats multiplied in other orders than memory-alloc's

Term = Callable[[int, int, tuple[Factor, ...]], float]  # (operand index, j, loops under j) -> pJ


@dataclass
class FitBound:
    """For one search (its layer, unrolling and temporal `loops`). `spatial`:
    per operand, its spatial loops per arch level (levels.spatial_levels);
    `term`: the energy of a boundary for the loops under it (energy_bound)."""

    view: LayerView
    accelerator: Accelerator
    spatial: tuple[tuple[LoopList, ...], ...]
    loops: tuple[Factor, ...]
    term: Term
    _tables: dict[tuple, tuple[list[float], list[float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        operands = self.view.operands
        self._hierarchies = tuple(self.accelerator.hierarchy(op.memory_operand) for op in operands)
        self._precision = tuple(min(op.precision, op.final_precision) for op in operands)
        self._product = prod(f for _, f in self.loops)
        # A window dim unrolled by a fraction is cut to whole values (int()),
        # where float noise could round this count above memory-alloc's: its
        # extent is taken a hair smaller (a row less where it lands on a whole
        # value, never more than memory-alloc's).
        self._cut = tuple({d for w in op.windows for d in (w.dim_a, w.dim_b)} &
                          fractional_dims(level for level in self.spatial[index]) for index, op in enumerate(operands))
        # Per operand and memory level: the other operands holding that memory, at their level of it.
        self._sharers = tuple(
            tuple(tuple((k, names.index(memory.name)) for k, names in enumerate(
                tuple(m.name for m in hierarchy) for hierarchy in self._hierarchies)
                if k != index and memory.name in names) for memory in self._hierarchies[index])
            for index in range(len(operands)))

    def _bits(self, index: int, level: int, loops: tuple[Factor, ...]) -> float:
        """The operand's tile at its memory `level` with the temporal `loops` under it."""
        below = tuple(loop for lvl in self.spatial[index][:level + 1] for loop in lvl)
        extents = loop_extents((below, loops))
        for dim in self._cut[index]:
            if dim in extents:
                extents[dim] *= 1 - _MARGIN
        return tensor_elements(self.view.operands[index], extents) * self._precision[index]

    def smallest(self, index: int, level: int, boundaries: list[Boundary]) -> float:
        """Bits the operand surely keeps at its memory `level` under the node
        whose boundaries are `boundaries` (all of it at its top memory)."""
        if level == len(self._hierarchies[index]) - 1:
            return self._bits(index, level, self.loops)
        return self._bits(index, level, boundaries[level + 1].below)

    def at_least(self, index: int, boundary: Boundary, order: tuple[Factor, ...], known: int,
                 boundaries: list[list[Boundary]]) -> float:
        """The least energy of undecided `boundary` of operand `index` over
        the loop sets that can sit under it and fit (inf: none fits)."""
        options = self.options(index, boundary, order, known, self._room(index, boundary.level, (), boundaries), 0.0)
        return min((pj for _, _, pj in options), default=float("inf"))

    def together(self, members: list[tuple[int, Boundary, float]], order: tuple[Factor, ...], known: int,
                 boundaries: list[list[Boundary]], cap: float = float("inf")) -> float:
        """The least energy of the undecided boundaries `members` (operand
        index, boundary, a lower bound of its energy), all at one memory
        that they share, over the loop sets that fit it together beside
        what the other operands surely keep there, and whose tiles times the
        loops above them (the words memory-alloc weighs) sum to at most
        `cap` (inf: none do). Each member's energy is at least its own bound."""
        index, boundary, _ = members[0]
        room = self._room(index, boundary.level, tuple(k for k, _, _ in members), boundaries)
        lists = [self.options(k, b, order, known, room, least) for k, b, least in members]
        return _least_together(lists, room, cap * (1 + _MARGIN))

    def _room(self, index: int, j: int, members: tuple[int, ...], boundaries: list[list[Boundary]]) -> float:
        """Bits of operand `index`'s memory j left beside what its sharers
        other than `members` surely keep there, with the float margin."""
        memory = self._hierarchies[index][j]
        kept = sum(self.smallest(k, level, boundaries[k]) for k, level in self._sharers[index][j] if k not in members)
        return memory.size - kept + memory.size * _MARGIN

    def memory_of(self, index: int, j: int) -> str:
        return self._hierarchies[index][j].name

    def options(self, index: int, boundary: Boundary, order: tuple[Factor, ...], known: int, limit: float,
                least: float) -> list[tuple[float, float, float]]:
        """(bits, words, pJ) of the loop sets that can sit under undecided
        `boundary` of operand `index` with a tile of at most `limit` bits,
        each pJ at least `least`; words: the tile times the loops above it.
        Ascending in bits."""
        j = boundary.level
        below = boundary.below
        found = self._inside_chain(index, j, below, order[len(below):known], order[known:], limit)
        table = self._past_chain(index, j, tuple(sorted(order[:known])))
        found += table[:bisect_right(table, (limit, float("inf"), float("inf")))]
        found.sort()
        return [(bits, words, max(pj, least)) for bits, words, pj in found]

    def _words(self, bits: float, loops: tuple[Factor, ...]) -> float:
        """Words a tile of `bits` under the temporal `loops` moves above them (memory-alloc's measure)."""
        return bits * (self._product // prod(f for _, f in loops))

    def _inside_chain(self, index: int, j: int, base: tuple[Factor, ...], chain: tuple[Factor, ...],
                      rest: tuple[Factor, ...], limit: float) -> list[tuple[float, float, float]]:
        """(bits, words, pJ) of each set when level j ends inside the decided
        loops after `base`: after chain[:t], with the run the operand does
        not depend on after it merged down; those of more than `limit` bits left out."""
        depends = self.view.operands[index].depends
        found = []
        for t in range(len(chain)):
            below = base + chain[:t]
            bits = self._bits(index, j, below)
            if bits > limit:
                break  # tiles only grow with more loops under them
            position = t
            while position < len(chain) and chain[position][0] not in depends:
                position += 1
            merging = chain[t:position]
            if position == len(chain):
                merging += tuple(loop for loop in rest if loop[0] not in depends)
            found.append((bits, self._words(bits, below), self.term(index, j, below + merging)))
        return found

    def _past_chain(self, index: int, j: int, decided: tuple[Factor, ...]) -> list[tuple[float, float, float]]:
        """When level j takes every `decided` loop and any sub-multiset of
        the others the operand depends on (every other one merged down):
        (bits, words, pJ) of each such set that fits the memory at all, ascending."""
        key = (index, j, decided)
        found = self._tables.get(key)
        if found is not None:
            return found
        depends = self.view.operands[index].depends
        left = Counter(self.loops)
        left.subtract(decided)
        idle = tuple(loop for loop in sorted(left.elements()) if loop[0] not in depends)
        wanted = sorted((loop, count) for loop, count in left.items() if count > 0 and loop[0] in depends)
        limit = self._hierarchies[index][j].size * (1 + _MARGIN)
        found_sets: list[tuple[float, float, float]] = []

        def grow(position: int, under: tuple[Factor, ...], bits: float) -> None:
            # A prefix may also hold any of the loops it does not depend on (the
            # same tile): the fewest words are with all of them.
            found_sets.append((bits, self._words(bits, under + idle), self.term(index, j, under + idle)))
            for next_position in range(position, len(wanted)):
                loop, count = wanted[next_position]
                taken = under
                for _ in range(count):
                    taken = taken + (loop,)
                    size = self._bits(index, j, taken)
                    if size > limit:
                        break
                    grow(next_position + 1, taken, size)

        start = self._bits(index, j, decided)
        if start <= limit:
            grow(0, decided, start)
        found_sets.sort()
        kept: list[tuple[float, float, float]] = []  # those no other beats on bits, words and pJ at once
        for bits, words, pj in found_sets:
            if all(words < w or pj < e for _, w, e in kept):
                kept.append((bits, words, pj))
        self._tables[key] = kept
        return kept

def _least_together(lists: list[list[tuple[float, float, float]]], room: float, cap: float = float("inf")) -> float:
    """The least sum of pJ taking one (bits, words, pJ) of each list with
    bits summing to at most `room` and words to at most `cap`; each list
    ascending in bits."""
    if not all(lists):
        return float("inf")
    *heads, last = lists
    best = float("inf")

    def walk(position: int, bits: float, words: float, pj: float) -> None:
        nonlocal best
        if position == len(heads):
            for last_bits, last_words, last_pj in last:
                if bits + last_bits > room:
                    break
                if words + last_words <= cap and pj + last_pj < best:
                    best = pj + last_pj
            return
        for head_bits, head_words, head_pj in heads[position]:
            if bits + head_bits > room:
                break
            if pj + head_pj < best:
                walk(position + 1, bits + head_bits, words + head_words, pj + head_pj)
    walk(0, 0.0, 0.0, 0.0)
    return best
