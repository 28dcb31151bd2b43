"""Memory allocation: which temporal loops each memory level holds, per operand.

ZigZag's policy, so that numbers are comparable: memories are filled bottom-up;
at each memory every operand it holds takes a prefix of its remaining loops
(innermost first), the combination of prefixes that fits the capacity together
and leaves the fewest accesses to the level above wins (ties go to the larger
tiles). An operand's top memory takes everything left.
"""

from __future__ import annotations

from dataclasses import dataclass
from bisect import bisect_right
from itertools import product as combinations
from math import prod

from dsec.cost.levels import LoopList, spatial_levels
from dsec.cost.tile_growth import TileGrowth, tile_growth
from dsec.cost.tile_sizes import OperandTiles, TileError, tile_bits, tile_precision
from dsec.cost.workload import LayerView, OperandView
from dsec.dialect.accelerator import Accelerator, Memory


@dataclass(frozen=True, slots=True)
class AllocationError:
    """Why a placement is impossible: the tile of `operand` needs `needed` bits in `memory`."""

    operand: str
    memory: str
    needed: float
    available: int
    reason: str


def _moved_above(sizes: list[float], loops: list[tuple[str, int]]) -> list[float]:
    """For each prefix's tile in `sizes`: the tile times the factors of the
    loops left above it (the words it moves). Temporal factors are whole:
    their product and each quotient are exact."""
    above = prod([factor for _, factor in loops])
    moved = []
    for i, size in enumerate(sizes):
        if i:
            above /= loops[i - 1][1]
        moved.append(above * size)
    return moved


@dataclass(frozen=True)
class AllocationSetup:
    """What `allocate` derives from the layer, the accelerator and the
    unrolling alone: computed once per search, not once per order."""

    operands: dict[str, OperandView]  # by memory operand
    output: str
    spatial_per_level: dict[str, list[LoopList]]
    tops: dict[str, str]
    growth: dict[str, TileGrowth]
    tiles: dict[str, OperandTiles]  # kept tile sizes: one setup serves orders of one set of loops
    names: dict[str, str]
    # Each memory with the memory operands of the layer it holds (memories holding none left out).
    memories: tuple[tuple[Memory, tuple[str, ...]], ...]
    # Per memory: whether every holder's whole tile wins (tile_growth), and
    # whether exactly one holder has a memory above it.
    whole_wins: tuple[bool, ...]
    one_open: tuple[bool, ...]
    # Per memory, with the loops known: whether its holders all take everything
    # (what they hold there, all loops and the spatial ones below, is the same
    # for every order).
    takes_all: tuple[bool, ...] | None = None


def allocation_setup(view: LayerView, accelerator: Accelerator, spatial: list[tuple[str, LoopList]],
                     loops: tuple[tuple[str, int], ...] | None = None) -> AllocationSetup:
    """`loops`: the temporal loops of every order allocated with it, when
    known (what a tile can hold is then known too: tile_growth)."""
    operands = {op.memory_operand: op for op in view.operands}
    spatial_per_level = {m: spatial_levels(spatial, accelerator.hierarchy(m)) for m in operands}
    memories = tuple((memory, held) for memory in accelerator.memories
                     if (held := tuple(m for m in memory.operands if m in operands)))
    growth = {m: tile_growth(op, spatial_per_level[m], loops) for m, op in operands.items()}
    takes_all = None
    if loops is not None:
        def below(memory: Memory, held: tuple[str, ...]) -> dict[str, list]:
            return {m: [loop for lvl in spatial_per_level[m][:accelerator.level(m, memory.name) + 1] for loop in lvl]
                    for m in held}
        # A margin: the sum is formed in another order than each allocation's.
        takes_all = tuple(all(growth[m].whole_wins for m in held) and
                          _holds_all(memory, held, operands, below(memory, held), {m: list(loops) for m in held},
                                     1e-9)
                          for memory, held in memories)
    tops = {m: accelerator.hierarchy(m)[-1].name for m in operands}
    return AllocationSetup(operands, view.output.memory_operand, spatial_per_level, tops, growth,
                           {m: OperandTiles(op, m == view.output.memory_operand, spatial_per_level[m])
                            for m, op in operands.items()},
                           {m: op.name for m, op in operands.items()}, memories,
                           tuple(all(growth[m].whole_wins for m in held) for _, held in memories),
                           tuple(sum(memory.name != tops[m] for m in held) == 1 for memory, held in memories),
                           takes_all)


@dataclass(frozen=True, slots=True)
class Resume:
    """allocate's state before memory `memory` (an index into
    AllocationSetup.memories) while every choice made so far took decided
    loops only: the same for any order that begins with those loops, so an
    allocation of a longer decided part can go on from here. Per memory
    operand: how many loops of the order it has placed, its allocated loops
    and level; per operand name, its levels so far."""

    memory: int
    consumed: dict[str, int]
    allocated: dict[str, tuple]
    level: dict[str, int]
    levels: dict[str, tuple[LoopList, ...]]


@dataclass(frozen=True, slots=True)
class Undecided:
    """The placement depends on the order of loops not yet decided. Per
    operand: the levels already decided, where its undecided loops start in
    the order, and whether only the set of those loops matters so far (its
    next level is a memory it alone fills, so it ends at the first tile that
    outgrows it). `resume`: where an allocation of a longer decided part may
    start (allocate's `resume`)."""

    levels: dict[str, list[LoopList]]
    starts: dict[str, int]
    set_only: dict[str, bool]
    resume: Resume | None = None
    # The first undecided memory, with the fewest words its holders' decided
    # prefixes that fit together move above it.
    cap: WordsCap | None = None


class WordsCap:
    """The fewest words moved above `memory` by its holders' prefixes within
    the decided loops that fit together (_decided_words; inf: none fit):
    every order of the loops after them chooses prefixes moving no more.
    Counted when first asked (the bounds ask only where cheaper terms do not cut)."""

    __slots__ = ("memory", "_arguments", "_words")

    def __init__(self, memory: str, *arguments) -> None:
        self.memory = memory
        self._arguments = arguments
        self._words: float | None = None

    def words(self) -> float:
        if self._words is None:
            self._words = _decided_words(*self._arguments)
        return self._words

    def least(self) -> float:
        """A lower bound of words() without its fit test, from each holder's
        fewest words alone (summed as words() sums them: float sums never
        fall as a term grows): usually equal, and several times cheaper."""
        held, sizes, unallocated, memory, tops, known, total = self._arguments
        words = 0.0
        for m in held:
            if memory.name != tops[m]:
                loops = unallocated[m]
                words += min(_moved_above(sizes[m][:max(0, known - (total - len(loops))) + 1], loops))
        return words


def allocate(view: LayerView, accelerator: Accelerator, spatial: list[tuple[str, LoopList]],
             order: list[tuple[str, int]], known: int | None = None, setup: AllocationSetup | None = None,
             resume: Resume | None = None) -> dict[str, list[LoopList]] | AllocationError | Undecided:
    """Temporal loops per memory level of each operand (innermost first), for
    the loop `order` (innermost first) under the unrolling `spatial`
    (`setup`: allocation_setup of the same three, when the caller keeps it).

    With `known`, only the first `known` loops of `order` are decided and the
    rest may come in any order: the placement is returned when it is the same
    for every such order (each level's loops end inside the decided part, or
    the level takes everything left), an error when every such order fails
    with it, else what is decided so far. With `resume` (an Undecided's, for
    an order that begins with the loops decided then), the allocation goes
    on from there: the same answer, without redoing the memories below."""
    setup = setup or allocation_setup(view, accelerator, spatial)
    operands, output, tops, growth = setup.operands, setup.output, setup.tops, setup.growth
    spatial_per_level = setup.spatial_per_level
    if resume is None:
        resume = Resume(0, {m: 0 for m in operands}, {m: tuple(spatial_per_level[m][0]) for m in operands},
                        {m: 1 for m in operands}, {op.name: () for op in view.operands})
    unallocated = {m: list(order[count:]) for m, count in resume.consumed.items()}
    allocated = {m: list(loops) for m, loops in resume.allocated.items()}
    level = dict(resume.level)
    result: dict[str, list[LoopList]] = {name: list(levels) for name, levels in resume.levels.items()}
    blocked: dict[str, bool] = {}  # memory operand -> only its set of undecided loops matters
    cap: WordsCap | None = None

    for index in range(resume.memory, len(setup.memories)):
        memory, held = setup.memories[index]
        if known is not None and known < len(order) and not blocked and index > resume.memory and \
                all(len(order) - len(unallocated[m]) <= known for m in operands):
            resume = Resume(index, {m: len(order) - len(rest) for m, rest in unallocated.items()},
                            {m: tuple(loops) for m, loops in allocated.items()}, dict(level),
                            {name: tuple(levels) for name, levels in result.items()})
        if setup.takes_all is not None:
            takes_all = setup.takes_all[index]
        else:
            takes_all = all(growth[m].whole_wins for m in held) and \
                _holds_all(memory, held, operands, allocated, unallocated)
        if blocked and not takes_all and any(m in blocked for m in held):
            blocked.update({m: False for m in held if m not in blocked})
            continue
        if takes_all:
            # Every holder takes everything it has left here (the whole tile moves
            # fewest words), wherever the lower levels of a blocked one end.
            for m in held:
                if m not in blocked:
                    result[operands[m].name].append(tuple(unallocated[m]))
                    allocated[m] += unallocated[m] + list(spatial_per_level[m][level[m]])
                    unallocated[m] = []
                    level[m] += 1
            continue
        sizes: dict[str, list[float]] = {}
        for m in held:
            found = setup.tiles[m].sizes(level[m], allocated[m], unallocated[m], memory, memory.name == tops[m])
            if isinstance(found, TileError):
                if blocked:
                    return _undecided(result, unallocated, operands, order, blocked, resume, cap)
                return AllocationError(operands[m].name, memory.name, found.needed, memory.size,
                                       "the tiles placed below it do not fit")
            sizes[m] = found
        if known is not None and not _decided(held, sizes, unallocated, memory, tops, known, len(order),
                                              setup.whole_wins[index], operands):
            if not blocked:
                cap = WordsCap(memory.name, held, sizes, {m: unallocated[m][:] for m in held}, memory, tops, known,
                               len(order))
            # One holder whose longest fitting prefix wins: only the set of its loops counts.
            alone = setup.one_open[index]
            blocked.update({m: alone and memory.name != tops[m] and growth[m].longest_fitting_wins for m in held})
            continue
        choice = _best_prefixes(held, sizes, unallocated, memory, tops, setup.names)
        if isinstance(choice, AllocationError):
            return choice if not blocked else _undecided(result, unallocated, operands, order, blocked, resume, cap)
        for m, count in zip(held, choice):
            loops = unallocated[m][:count]
            del unallocated[m][:count]
            allocated[m] += loops
            result[operands[m].name].append(tuple(loops))
            allocated[m] += spatial_per_level[m][level[m]]
            if memory.name == tops[m] and unallocated[m]:
                if blocked:
                    return _undecided(result, unallocated, operands, order, blocked, resume, cap)
                rest = tile_bits(operands[m], allocated[m] + unallocated[m], operands[m].precision)
                return AllocationError(operands[m].name, memory.name, rest, memory.size,
                                       "the top memory cannot hold the whole operand")
            level[m] += 1
    return _undecided(result, unallocated, operands, order, blocked, resume, cap) if blocked else result


def _undecided(result: dict[str, list[LoopList]], unallocated: dict[str, list], operands: dict,
               order: list, blocked: dict[str, bool], resume: Resume, cap: WordsCap | None) -> Undecided:
    return Undecided(result, {operands[m].name: len(order) - len(rest) for m, rest in unallocated.items()},
                     {operands[m].name: blocked.get(m, False) for m in operands}, resume, cap)


def _decided_words(held: tuple[str, ...], sizes: dict[str, list[float]], unallocated: dict[str, list],
                   memory: Memory, tops: dict[str, str], known: int, total: int) -> float:
    """The fewest words moved above `memory` by prefixes within the first
    `known` loops of the order (of `total`) that fit together, as
    _best_prefixes sums them (inf: none fit). Those prefixes are among the
    choices of every order of the loops after them, with the same floats, so
    the choice made has at most these words."""
    decided = {m: sizes[m] if memory.name == tops[m] else
               sizes[m][:max(0, known - (total - len(unallocated[m]))) + 1] for m in held}
    choice = _best_prefixes(held, decided, unallocated, memory, tops, {m: m for m in held})
    if isinstance(choice, AllocationError) or not choice:
        return float("inf")
    words = 0.0
    for m, index in zip(held, choice):
        if memory.name != tops[m]:
            words += _moved_above(decided[m], unallocated[m])[index]
    return words


def _holds_all(memory: Memory, held: tuple[str, ...], operands: dict, allocated: dict, unallocated: dict,
               margin: float = 0.0) -> bool:
    """Whether all holders' whole tiles fit together (at the wider of their
    precisions, with `margin` of the memory to spare): then each takes
    everything it has left, the whole tile moving fewest words. A
    double-buffered memory could still fail on the doubled tiles below, so
    it is never assumed to."""
    if memory.force_double_buffering:
        return False
    whole = sum(tile_bits(operands[m], allocated[m] + unallocated[m], max(operands[m].precision,
                                                                      operands[m].final_precision))
                for m in held)
    return whole <= memory.size * (1 - margin)


def _decided(held: tuple[str, ...], sizes: dict[str, list[float]], unallocated: dict[str, list], memory: Memory,
             tops: dict[str, str], known: int, total: int, whole_wins: bool, operands: dict[str, OperandView]
             ) -> bool:
    """Whether the prefixes `memory` takes are the same for every order of
    the loops after the first `known` of the `total`: each holder's tiles
    outgrow the memory inside the decided loops, or all its loops are
    decided, or its undecided loops are all ones it does not depend on (its
    tile no longer grows: a prefix ending among them holds what the whole
    one holds and moves more, so the choice is a decided prefix or the whole
    one, whose sizes and words moved are the same for every order); or all
    holders' whole remaining tiles fit together (then each takes everything:
    the whole tile moves fewest words, when `whole_wins`)."""
    known_all, fits_whole, whole = True, True, 0.0
    for m in held:
        count = len(unallocated[m])
        decided = max(0, known - (total - count))
        if len(sizes[m]) <= count:  # a prefix outgrew the memory
            if len(sizes[m]) > decided:
                return False
            fits_whole = False
        else:
            whole += sizes[m][-1]
            if known_all and count > decided and memory.name != tops[m]:
                depends = operands[m].depends
                known_all = all(dim not in depends for dim, _ in unallocated[m][decided:])
    return known_all or (whole_wins and fits_whole and whole <= memory.size)


def _best_prefixes(held: tuple[str, ...], sizes: dict[str, list[float]], unallocated: dict[str, list],
                   memory: Memory, tops: dict[str, str], names: dict[str, str]) -> list[int] | AllocationError:
    if len(held) == 1:
        return [_best_prefix(sizes[held[0]], unallocated[held[0]], memory.name == tops[held[0]])]
    # Per holder (in `held` order): the prefixes it may take, the words each
    # moves above, and the index of its first. A top memory takes the whole
    # tile, which moves nothing further up.
    options, traffic, offsets = [], [], []
    for m in held:
        if memory.name == tops[m]:
            options.append([sizes[m][-1]])
            traffic.append([0.0])
            offsets.append(len(sizes[m]) - 1)
        else:
            options.append(sizes[m])
            traffic.append(_moved_above(sizes[m], unallocated[m]))
            offsets.append(0)
    if len(held) == 2:
        return _best_pair(held, options, traffic, offsets, memory, names)
    first = sum(option[0] for option in options)
    if first > memory.size:
        return AllocationError("+".join(names[m] for m in held), memory.name, first, memory.size,
                               "the operands' tiles placed below it do not fit together")
    best = _best_with_last(options, traffic, memory.size)
    return [i + offset for i, offset in zip(best, offsets)]


def _best_with_last(options: list[list[float]], traffic: list[list[float]], capacity: float) -> tuple[int, ...]:
    """The last combination (in product order) of the fewest words moved
    among those that fit, for three holders or more: the combinations of all
    holders but the last in turn, and for each only the last holder's best
    prefix looked for (its prefixes that fit are those of the least sizes;
    the fewest words among them come from a running minimum), so the
    product's last factor is not walked. Sums are formed as the plain walk
    forms them (holder by holder), so the same floats are compared."""
    *heads, last = options
    *head_traffic, last_traffic = traffic
    by_size = sorted(range(len(last)), key=last.__getitem__)
    ascending = [last[k] for k in by_size]
    least_traffic, running = [], float("inf")
    for k in by_size:
        running = min(running, last_traffic[k])
        least_traffic.append(running)
    best: tuple[int, ...] = ()
    best_traffic = float("inf")
    count = len(ascending)
    smallest = ascending[0]
    if len(heads) == 2:
        # Three holders (a per-PE memory of W, I and O): the same walk without tuples.
        sizes_a, sizes_b = heads
        moved_a, moved_b = head_traffic
        least_b = min(sizes_b)
        for i, size_a in enumerate(sizes_a):
            if size_a + least_b + smallest > capacity:
                continue  # (size_a + b) + s is monotone in b and s: no pair fits
            words_a = moved_a[i]
            for j, size_b in enumerate(sizes_b):
                size = size_a + size_b
                if size + smallest > capacity:
                    continue
                fit = bisect_right(ascending, capacity - size)
                while fit < count and size + ascending[fit] <= capacity:
                    fit += 1
                while size + ascending[fit - 1] > capacity:
                    fit -= 1
                moved = words_a + moved_b[j]
                least = moved + least_traffic[fit - 1]  # rounding is monotone: the least of moved + t
                if least <= best_traffic:
                    for k in range(len(last) - 1, -1, -1):  # the last prefix that fits and moves the least
                        if size + last[k] <= capacity and moved + last_traffic[k] == least:
                            best, best_traffic = (i, j, k), least
                            break
        return best
    for combo in combinations(*(range(len(option)) for option in heads)):
        size = sum(option[i] for option, i in zip(heads, combo))
        # How many of the last holder's prefixes fit beside (size + s is monotone in s).
        fit = bisect_right(ascending, capacity - size)
        while fit < count and size + ascending[fit] <= capacity:
            fit += 1
        while fit and size + ascending[fit - 1] > capacity:
            fit -= 1
        if not fit:
            continue
        moved = sum(words[i] for words, i in zip(head_traffic, combo))
        least = moved + least_traffic[fit - 1]  # rounding is monotone: the least of moved + t
        if least <= best_traffic:
            for k in range(len(last) - 1, -1, -1):  # the last prefix that fits and moves the least
                if size + last[k] <= capacity and moved + last_traffic[k] == least:
                    best, best_traffic = combo + (k,), least
                    break
    return best


def _best_pair(held: tuple[str, ...], options: list[list[float]], traffic: list[list[float]], offsets: list[int],
               memory: Memory, names: dict[str, str]) -> list[int] | AllocationError:
    """_best_prefixes for two holders (the common case, searched ~10^5 times
    per layer): the same combinations in the same order, without the
    generic loop's tuples."""
    sizes_a, sizes_b = options
    moved_a, moved_b = traffic
    if sizes_a[0] + sizes_b[0] > memory.size:
        return AllocationError(f"{names[held[0]]}+{names[held[1]]}", memory.name, sizes_a[0] + sizes_b[0],
                               memory.size, "the operands' tiles placed below it do not fit together")
    best, best_traffic = (0, 0), float("inf")
    capacity = memory.size
    for i, size_a in enumerate(sizes_a):
        traffic_a = moved_a[i]
        for j, size_b in enumerate(sizes_b):
            if size_a + size_b > capacity:
                continue
            moved = traffic_a + moved_b[j]
            if moved <= best_traffic:
                best, best_traffic = (i, j), moved
    return [best[0] + offsets[0], best[1] + offsets[1]]


def _best_prefix(sizes: list[float], unallocated: list, top: bool) -> int:
    """_best_prefixes for a memory with one holder (every size fits): the
    last prefix that leaves the fewest accesses above."""
    if top:
        return len(sizes) - 1
    best, best_traffic = 0, float("inf")
    for i, moved in enumerate(_moved_above(sizes, unallocated)):
        if moved <= best_traffic:
            best, best_traffic = i, moved
    return best


def placed_tile_bits(view: LayerView, accelerator: Accelerator, spatial: list[tuple[str, LoopList]],
                     order: list[tuple[str, int]], operand: OperandView, memory: Memory, position: int) -> float:
    """Bits `allocate` counts for the tile of `operand` that `memory` holds
    when it takes the `position` innermost loops of `order` (the rule the
    verifier checks placed nests against)."""
    hierarchy = accelerator.hierarchy(operand.memory_operand)
    level = [m.name for m in hierarchy].index(memory.name)
    spatial_per_level = spatial_levels(spatial, hierarchy)
    below = [loop for lvl in spatial_per_level[:level + 1] for loop in lvl]
    above = [loop for lvl in spatial_per_level[level + 1:] for loop in lvl]
    precision = tile_precision(operand, operand is view.output, above, order[position:])
    size = tile_bits(operand, below + list(order[:position]), precision)
    whole = tile_bits(operand, below + list(order), precision)
    if memory.force_double_buffering and position < len(order) and size < whole:
        size *= 2
    return size
