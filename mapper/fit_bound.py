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
from operator import itemgetter

from dsec.cost.levels import LoopList, fractional_dims, loop_extents
from dsec.cost.workload import LayerView, tensor_elements
from dsec.dialect.accelerator import Accelerator
from dsec.mapper.boundaries import Boundary
from dsec.mapper.orders import Factor

_MARGIN = 1e-9  # tiles are floats multiplied in other orders than memory-alloc's
_PJ = itemgetter(2)  # of a (bits, words, pJ) option

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
    _chains: dict[tuple, _Chain] = field(default_factory=dict)  # by (index, j, decided loops)
    _sorted: dict[tuple, tuple] = field(default_factory=dict)  # decided loops -> sorted (one sort per node)

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
        lists = [self.options(k, b, order, known, room, least) for k, b, least in members]
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
        Ascending in bits; those that another beats on all three left out."""
        j = boundary.level
        prefix = order[:known]
        chain = self._chain(index, j, prefix)
        found = self._inside_chain(index, j, chain, order, len(boundary.below), known, limit)
        if chain.past is None:
            depends = self.view.operands[index].depends
            chain.past = self._past_chain(index, j, tuple(loop for loop in self._sorted_loops(prefix)
                                                          if loop[0] in depends))
        table = chain.past
        found += table[:bisect_right(table, (limit, float("inf"), float("inf")))]
        found.sort()
        return _undominated(found, least)

    def _words(self, bits: float, loops: tuple[Factor, ...]) -> float:
        """Words a tile of `bits` under the temporal `loops` moves above them (memory-alloc's measure)."""
        return bits * (self._product // prod(f for _, f in loops))

    def _inside_chain(self, index: int, j: int, chain: _Chain, order: tuple[Factor, ...], start: int, known: int,
                      limit: float) -> list[tuple[float, float, float]]:
        """(bits, words, pJ) of each set when level j ends inside the decided
        loops order[start:known] (`chain`: those of order[:known]): after
        order[:t], with the run the operand does not depend on after it
        merged down (up to the next loop it depends on, or through every
        undecided loop it does not depend on); those of more than `limit`
        bits left out."""
        found = []
        for bits, words, pj in chain.sets[start:]:
            if bits > limit:
                break  # tiles only grow with more loops under them
            if pj is None:
                if chain.open is None:
                    depends = self.view.operands[index].depends
                    chain.open = self.term(index, j, order[:known] + tuple(loop for loop in order[known:]
                                                                            if loop[0] not in depends))
                pj = chain.open
            found.append((bits, words, pj))
        return found

    def _sorted_loops(self, prefix: tuple[Factor, ...]) -> tuple[Factor, ...]:
        """`prefix` sorted, kept: a node and its children ask for it."""
        found = self._sorted.get(prefix)
        if found is None:
            found = self._sorted[prefix] = tuple(sorted(prefix))
        return found

    def _chain(self, index: int, j: int, prefix: tuple[Factor, ...]) -> _Chain:
        """What boundary j of operand `index` can have under it when the
        decided loops are `prefix`. Kept: a child node's prefix is its
        parent's and one loop; and the order being a permutation of the
        search's loops, the prefix fixes the loops after it."""
        key = (index, j, prefix)
        found = self._chains.get(key)
        if found is None:
            if not prefix:
                found = self._chains[key] = _Chain([])
                return found
            shorter = prefix[:-1]
            parent = self._chain(index, j, shorter)
            found = self._chains[key] = _Chain(parent.sets + [(*self._tile(index, j, shorter), None)])
            if prefix[-1][0] in self.view.operands[index].depends:
                # The runs that reached the end of the shorter prefix stop at its last loop.
                pj = self.term(index, j, self._sorted_loops(shorter))  # (a term depends on the multiset only)
                sets, t = found.sets, len(found.sets)
                while t and sets[t - 1][2] is None:
                    t -= 1
                    sets[t] = (*sets[t][:2], pj)
            else:
                found.past = parent.past  # the same decided loops it depends on: the same table
        return found

    def _past_chain(self, index: int, j: int, decided: tuple[Factor, ...]) -> list[tuple[float, float, float]]:
        """When level j takes every `decided` loop and any sub-multiset of
        the others the operand depends on (every other one merged down):
        (bits, words, pJ) of each such set that fits the memory at all, ascending.
        `decided` is sorted; its loops the operand does not depend on may be
        left out, for the same table: they merge down in every set anyway,
        and leave the tile alone (so more nodes share a table)."""
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

class _Chain:
    """What FitBound.options reads of one boundary under one prefix of decided loops."""

    __slots__ = ("sets", "open", "past")

    def __init__(self, sets: list[tuple[float, float, float | None]]) -> None:
        # Per t < len(prefix): (bits, words, pJ) of the set under the boundary
        # when its level ends after prefix[:t], with the run of loops the
        # operand does not depend on after it merged down; pJ None where that
        # run reaches the end of the prefix (it goes on into the loops after).
        self.sets = sets
        self.open: float | None = None  # the pJ of those, with every loop after the prefix it does not depend on
        self.past: list[tuple[float, float, float]] | None = None  # _past_chain's table


def _undominated(options: list[tuple[float, float, float]], least: float) -> list[tuple[float, float, float]]:
    """The (bits, words, pJ) of `options` (ascending), each pJ raised to at
    least `least`, but those that an earlier one matches or beats on all
    three: they give no lesser pJ (at_least) nor lesser sum
    (_least_together: float sums never rise as a term shrinks)."""
    kept: list[tuple[float, float, float]] = []
    for bits, words, pj in options:
        pj = max(pj, least)
        for _, kept_words, kept_pj in kept:
            if kept_words <= words and kept_pj <= pj:
                break
        else:
            kept.append((bits, words, pj))
    return kept


def _least_together(lists: list[list[tuple[float, float, float]]], room: float, cap: float = float("inf"),
                    exact_cap: Callable[[], float] | None = None) -> float:
    """The least sum of pJ taking one (bits, words, pJ) of each list with
    bits summing to at most `room` and words to at most `cap`. With
    `exact_cap`, `cap` is a lower bound and words must sum to at most
    exact_cap(): asked only when a choice whose words exceed `cap` would
    beat every choice within it. Each list ascending in bits.

    Branch and bound, cheapest choices first: sums are formed list by list,
    and a partial choice is dropped once its sum with the least pJ (and
    bits) of every list left cannot do better. Float addition never falls
    as a term grows, so the answer is the float the plain walk over every
    choice gives."""
    if exact_cap is None:
        # A choice moving more than `cap` words alone is in no sum within it (words are never negative).
        lists = [[option for option in options if option[1] <= cap] for options in lists]
    if not all(lists):
        return float("inf")
    least_bits = [options[0][0] for options in lists]
    lists = [sorted(options, key=_PJ) for options in lists]
    *heads, last = lists
    least_pj = [options[0][2] for options in lists]
    best = float("inf")
    above_cap: list[tuple[float, float]] = []  # (pJ, words) of choices that beat `best` but exceed `cap`

    def walk(position: int, bits: float, words: float, pj: float) -> None:
        nonlocal best
        if position == len(heads):
            for last_bits, last_words, last_pj in last:
                if pj + last_pj >= best:
                    break  # and so do the dearer ones after it
                if bits + last_bits > room:
                    continue
                if words + last_words <= cap:
                    best = pj + last_pj
                    break
                if exact_cap is not None:
                    above_cap.append((pj + last_pj, words + last_words))
            return
        for head_bits, head_words, head_pj in heads[position]:
            least_bits_after, least_after = bits + head_bits, pj + head_pj
            for following in range(position + 1, len(lists)):
                least_bits_after += least_bits[following]
                least_after += least_pj[following]
            if least_after >= best:
                break  # and so do the dearer ones after it
            if least_bits_after <= room:
                walk(position + 1, bits + head_bits, words + head_words, pj + head_pj)
    walk(0, 0.0, 0.0, 0.0)
    if any(pj < best for pj, _ in above_cap):
        exact = exact_cap()
        best = min([best] + [pj for pj, words in above_cap if words <= exact])
    return best

