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
    # (index, level, loops) -> (bits, words): the search asks the tiles of the same prefixes at node after node
    _tiles: dict[tuple, tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        operands = self.view.operands
        self._hierarchies = tuple(self.accelerator.hierarchy(op.memory_operand) for op in operands)
        self._precision = tuple(min(op.precision, op.final_precision) for op in operands)
        self._product = prod(f for _, f in self.loops)
        # Per operand and memory level: its spatial loops at that level and below.
        self._spatial_below = tuple(tuple(tuple(loop for lvl in levels[:level + 1] for loop in lvl)
                                          for level in range(len(levels))) for levels in self.spatial)
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
        return self._tile(index, level, loops)[0]

    def _tile(self, index: int, level: int, loops: tuple[Factor, ...]) -> tuple[float, float]:
        """(_bits, _words) of the operand's tile at its memory `level` under the temporal `loops`, kept."""
        key = (index, level, loops)
        found = self._tiles.get(key)
        if found is None:
            bits = self._count_bits(index, level, loops)
            found = self._tiles[key] = (bits, self._words(bits, loops))
        return found

    def _count_bits(self, index: int, level: int, loops: tuple[Factor, ...]) -> float:
        # Extents multiplied in the order of the loops: with a fractional
        # unrolling another order could round differently.
        extents = loop_extents((self._spatial_below[index][level], loops))
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
                 boundaries: list[list[Boundary]], cap: float = float("inf"),
                 exact_cap: Callable[[], float] | None = None) -> float:
        """The least energy of the undecided boundaries `members` (operand
        index, boundary, a lower bound of its energy), all at one memory
        that they share, over the loop sets that fit it together beside
        what the other operands surely keep there, and whose tiles times the
        loops above them (the words memory-alloc weighs) sum to at most
        `cap` (inf: none do). Each member's energy is at least its own bound.
        With `exact_cap`, `cap` is a lower bound of the cap and exact_cap()
        the cap, counted only when a sum of words is above `cap`."""
        index, boundary, _ = members[0]
        room = self._room(index, boundary.level, tuple(k for k, _, _ in members), boundaries)
        lists = [_undominated(self.options(k, b, order, known, room, least)) for k, b, least in members]
        exact = None if exact_cap is None else lambda: exact_cap() * (1 + _MARGIN)
        return _least_together(lists, room, cap * (1 + _MARGIN), exact)

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
        found = self._inside_chain(index, j, order, len(below), known, limit)
        table = self._past_chain(index, j, tuple(sorted(order[:known])))
        found += table[:bisect_right(table, (limit, float("inf"), float("inf")))]
        found.sort()
        return [(bits, words, max(pj, least)) for bits, words, pj in found]

    def _words(self, bits: float, loops: tuple[Factor, ...]) -> float:
        """Words a tile of `bits` under the temporal `loops` moves above them (memory-alloc's measure)."""
        return bits * (self._product // prod(f for _, f in loops))

    def _inside_chain(self, index: int, j: int, order: tuple[Factor, ...], start: int, known: int,
                      limit: float) -> list[tuple[float, float, float]]:
        """(bits, words, pJ) of each set when level j ends inside the decided
        loops order[start:known]: after order[:t], with the run the operand
        does not depend on after it merged down (up to the next loop it
        depends on, or through every undecided loop it does not depend on);
        those of more than `limit` bits left out."""
        depends = self.view.operands[index].depends
        found = []
        merged = None  # the loops under the boundary with that run merged: the same along a run
        for t in range(start, known):
            bits, words = self._tile(index, j, order[:t])
            if bits > limit:
                break  # tiles only grow with more loops under them
            if merged is None or order[t - 1][0] in depends:
                position = t
                while position < known and order[position][0] not in depends:
                    position += 1
                merged = order[:position]
                if position == known:
                    merged += tuple(loop for loop in order[known:] if loop[0] not in depends)
                pj = self.term(index, j, merged)
            found.append((bits, words, pj))
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

def _undominated(options: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """The (bits, words, pJ) of `options` (ascending) that no other one beats
    on all three at once: choosing one of the others gives no least sum in
    _least_together (float sums never rise as a term shrinks)."""
    kept: list[tuple[float, float, float]] = []
    for bits, words, pj in options:
        if all(words < w or pj < e for _, w, e in kept):
            kept.append((bits, words, pj))
    return kept


def _least_together(lists: list[list[tuple[float, float, float]]], room: float, cap: float = float("inf"),
                    exact_cap: Callable[[], float] | None = None) -> float:
    """The least sum of pJ taking one (bits, words, pJ) of each list with
    bits summing to at most `room` and words to at most `cap`; each list
    ascending in bits. With `exact_cap`, `cap` is a lower bound and words
    must sum to at most exact_cap(): asked only when a choice whose words
    exceed `cap` would beat every choice within it."""
    # A list's choice moving more than `cap` words alone has no sum within it (words are never negative).
    best = _least_sum([[option for option in options if option[1] <= cap] for options in lists], room, cap)
    if exact_cap is not None:
        best = _least_sum(lists, room, cap, exact_cap, best)
    return best


def _least_sum(lists: list[list[tuple[float, float, float]]], room: float, cap: float,
               exact_cap: Callable[[], float] | None = None, best: float = float("inf")) -> float:
    """_least_together below `best`, or `best`. Sums are formed list by list,
    and a partial choice is dropped once its sum with the least pJ (and
    bits) of every list left cannot do better: float addition never falls
    as a term grows, so the answer is the float the plain walk over every
    choice gives."""
    if not all(lists):
        return best
    *heads, last = lists
    least_pj = [min(pj for _, _, pj in options) for options in lists]
    least_bits = [options[0][0] for options in lists]

    def within_cap(words: float) -> bool:
        return words <= cap or (exact_cap is not None and words <= exact_cap())

    def hopeless(position: int, bits: float, pj: float) -> bool:
        # Whether choices of the lists from `position` on can neither fit nor beat `best`.
        for following in range(position, len(lists)):
            bits += least_bits[following]
            pj += least_pj[following]
        return bits > room or pj >= best

    def walk(position: int, bits: float, words: float, pj: float) -> None:
        nonlocal best
        if position == len(heads):
            for last_bits, last_words, last_pj in last:
                if bits + last_bits > room:
                    break
                if pj + last_pj < best and within_cap(words + last_words):
                    best = pj + last_pj
            return
        for head_bits, head_words, head_pj in heads[position]:
            if bits + head_bits > room:
                break
            if pj + head_pj < best and not hopeless(position + 1, bits + head_bits, pj + head_pj):
                walk(position + 1, bits + head_bits, words + head_words, pj + head_pj)
    if not hopeless(0, 0.0, 0.0):
        walk(0, 0.0, 0.0, 0.0)
    return best
