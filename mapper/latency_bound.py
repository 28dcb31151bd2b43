"""A lower bound on the latency of every order below a node of the order
tree (branch and bound for objective latency, with energy_bound.py for the
tie-break).

Latency is the temporal cycles (the same for every order), the systolic
drain (the same), the stall of the worst port, and the first loads and the
last stores (cost/latency.py). Per memory-level boundary (boundaries.py) a
transfer moves one tile, which only grows with the loops under the
boundary, so the tile of the loops surely under it bounds each transfer's
cycles from below. A port stalls at least (cycles - period) x (refills - 1)
per transfer: memory-alloc's merges can only lengthen the period and cut
the refills, so the bound assumes every loop that may merge does. Once a
loop the output does not depend on surely stays above a boundary, partial
sums cross it both ways, all at their precision; elsewhere only transfers
that happen with or without partial sums count, at the narrower precision.
A port also stalls at least the cycles all its transfers take beyond the
temporal cycles (each minus one transfer: its windows together cover at
most the temporal cycles). Below a boundary not decided yet, the data
crossing it over the layer is at least the tile of all loops, and one
transfer at most what the memory under it holds (memory-alloc fits every
tile), so all but one of its transfers take at least the difference: what
makes a layer whose operand outgrows its buffers wait for the slow memory
above, whatever the order. Loads and stores go through the cost model's own
formulas, which only grow with each transfer's cycles; spare bandwidth
shortens a first load only on a port whose surely repeated transfers leave
some. Where a port's one-time transfers are all decided, the spare
bandwidth shortens them as the cost model does, longest first, within what
the compute cycles lend; a longer stall lends more but costs its own
cycles, and the bound takes the worst such trade. Where the tiles under a
decided boundary surely leave their memory no room for a second one, a
transfer into it has only its window (the period over the level's
outermost loops the operand does not depend on), not its whole period.
On a bit-serial IMC macro (`per_op` cycles per MAC, a whole number) every
period, window and the compute cycles stretch by `per_op`, transfers do not:
the same bounds with those scaled.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import product
from math import ceil, floor, prod

from dsec.cost.allocation import Undecided
from dsec.cost.latency import offloading_cycles, onloading_cycles, port_uses, reduce_ordered
from dsec.cost.levels import LoopList, bandwidth_boost, loop_extents, top_loop_products, unrolled_levels
from dsec.cost.workload import LayerView, OperandView, tensor_elements
from dsec.dialect.accelerator import Accelerator
from dsec.mapper.boundaries import Boundary, operand_boundaries
from dsec.mapper.orders import Factor


@dataclass(frozen=True, slots=True)
class _Crossing:
    """What a transfer is at least: `elements` per transfer, and when the
    boundary is decided, the longest `period` and fewest `refills` it can
    have; when not (boundaries above the lowest memory), the fewest elements
    all its transfers move (`moved`) and the most one of them can (`largest`)."""

    elements: int
    period: float | None = None
    refills: int | None = None
    moved: float | None = None
    largest: float | None = None
    precision: int | None = None  # bits per element, when known: partial sums of the output
    partial: bool = False  # partial sums read back or written down: stall the port, no load


@dataclass(frozen=True)
class _Lender:
    """A port with spare bandwidth whose one-time transfers (key, cycles,
    least cycles; in the cost model's order) are known exactly."""

    fraction: float  # of its bandwidth it may have spare, at most
    once: tuple[tuple[tuple[str, int, str], float, int], ...]
    shared: bool

    def loads(self, compute: float) -> list[float]:
        """Each transfer's cycles once the spare bandwidth of `compute` cycles shortened them."""
        return reduce_ordered([cycles for _, cycles, _ in self.once], [least for _, _, least in self.once],
                              self.fraction * compute)

    def kinks(self) -> list[float]:
        """The compute cycles at which one more transfer is shortened to its least."""
        ordered = sorted(self.once, key=lambda item: item[1], reverse=True)
        points, lent = [], 0.0
        for _, cycles, least in ordered:
            lent += max(0.0, cycles - least)
            points.append(lent / self.fraction)
        return points


@dataclass
class LatencyBound:
    """Lower bounds of one search. `unrolling`: the whole-PE effective
    unrolling, as latency uses; `fixed`: the temporal cycles plus the drain;
    `fitted`: the fractional unrolling memory-alloc fits tiles with."""

    view: LayerView
    accelerator: Accelerator
    unrolling: list[tuple[str, LoopList]]
    loops: tuple[Factor, ...]
    fixed: float
    fitted: list[tuple[str, LoopList]] | None = None
    per_op: int = 1  # cycles one MAC takes (IMC: Pa / B); `fixed` already counts it
    _tiles: dict[tuple, int] = field(default_factory=dict)
    _crossing_cache: dict[tuple, tuple] = field(default_factory=dict)  # boundary key -> (boundary, crossings)
    # All boundaries' keys -> the bound, or the memories that may leave windows (_maybe_full).
    _bounds: dict[tuple, float | frozenset[str]] = field(default_factory=dict)
    _windowed: dict[tuple, float] = field(default_factory=dict)  # (keys, windows) -> the bound
    _fills: dict[tuple, float] = field(default_factory=dict)  # (operand, level, loops) -> tile bits

    def __post_init__(self) -> None:
        self._temporal = prod(f for _, f in self.loops)
        self._compute = self._temporal * self.per_op  # the compute cycles
        output, operands = self.view.output, self.view.operands
        self._memories = {op.name: len(self.accelerator.hierarchy(op.memory_operand)) for op in operands}
        self._hierarchies = [self.accelerator.hierarchy(op.memory_operand) for op in operands]
        levels = {op.name: unrolled_levels(op, self.accelerator.hierarchy(op.memory_operand), self.unrolling)
                  for op in operands}
        self._spatial = {name: level.spatial for name, level in levels.items()}
        self._boost = {name: bandwidth_boost(level.unique_units()) for name, level in levels.items()}
        # Transfers are counted at the narrower of the output's two precisions.
        self._precision = {op.name: min(op.precision, op.final_precision) if op is output else op.precision
                           for op in operands}
        self._inputs = [op.name for op in self.view.inputs]
        self._reductions = sum(1 for dim, _ in self.loops if not output.depends_on(dim))
        # Per operand and boundary j >= 0: the tile of all loops under it and
        # the largest tile of some of the loops that memory j can hold.
        self._whole, self._largest, self._fitted = {}, {}, {}
        for op in operands:
            memories = self.accelerator.hierarchy(op.memory_operand)
            spatial = self._spatial[op.name]
            fitted = self._fitted[op.name] = unrolled_levels(op, memories, self.fitted or self.unrolling).spatial
            self._whole[op.name] = tuple(tensor_elements(op, loop_extents((*spatial[:j + 1], self.loops)))
                                         for j in range(len(memories) - 1))
            self._largest[op.name] = tuple(
                _largest_fitting_tile(op, spatial[:j + 1], fitted[:j + 1], self.loops,
                                      memory.size / self._precision[op.name])
                for j, memory in enumerate(memories[:-1]))
        self._uses = port_uses(self.accelerator, tuple(sorted((op.memory_operand, op.name)
                                                              for op in self.view.operands)))
        self._bandwidths = {key: use.port.bandwidth_max for use in self._uses for key in use.served}

    def of(self, placed: Undecided | dict[str, list[LoopList]], order: list[Factor], known: int) -> float:
        """The lowest latency any order beginning with order[:known] can have."""
        keys, boundaries = self._keys(placed, order, known)
        # The bound is a function of the boundaries alone where no memory may
        # be too full to double-buffer (nodes of the tree share them often),
        # else of the boundaries and the windows they leave.
        plain = tuple(keys)
        found = self._bounds.get(plain)
        if found is None:
            full = self._maybe_full(keys)
            found = self._bounds[plain] = full if full else self._of_boundaries(keys, {})
        if not isinstance(found, frozenset):
            return found
        windowed = (plain, self._windows(keys, _own_loops(boundaries), found))
        bound = self._windowed.get(windowed)
        if bound is None:
            bound = self._windowed[windowed] = self._of_boundaries(keys, dict(windowed[1]))
        return bound

    def _keys(self, placed: Undecided | dict[str, list[LoopList]], order: list[Factor], known: int
              ) -> tuple[list[tuple], list[Boundary]]:
        """Each operand's boundaries under the node, -1 up, as `_of_boundaries`
        reads them, and the boundaries themselves."""
        decided = placed.levels if isinstance(placed, Undecided) else placed
        order = tuple(order)
        sorted_below: dict[int, tuple[Factor, ...]] = {}  # operands share most boundaries' loops
        cache = self._crossing_cache
        keys, boundaries = [], []
        for index, operand in enumerate(self.view.operands):
            memories = self._memories[operand.name]
            for boundary in operand_boundaries(operand, decided[operand.name], memories, order, known):
                end = len(boundary.below)
                below = sorted_below.get(end)
                if below is None:
                    below = sorted_below[end] = tuple(sorted(boundary.below))
                key = (index, boundary.level, boundary.decided, below, tuple(sorted(boundary.merging)))
                if key not in cache:  # the search meets the same boundaries often
                    cache[key] = (boundary, self._crossings(index, operand, boundary, memories))
                keys.append(key)
                boundaries.append(boundary)
        return keys, boundaries

    def _of_boundaries(self, keys: list[tuple], windows: dict[tuple[str, int, str], int]) -> float:
        """`of` for the boundaries of `keys` (each operand's, -1 up, in order)
        with the transfers of `windows` allowed that many cycles each."""
        crossings: dict[tuple[str, int, str], _Crossing] = {}
        lowest_tiles: dict[str, int] = {}  # per operand: its lowest memory's tile, at least
        exact_tiles: set[str] = set()  # operands whose lowest tile is known exactly
        for key in keys:
            boundary, crossed = self._crossing_cache[key]
            crossings.update(crossed)
            index = key[0]
            if boundary.level == 0 and self._memories[self.view.operands[index].name] > 1:
                lowest_tiles[self.view.operands[index].name] = self._tile(index, boundary)
                if boundary.decided:
                    exact_tiles.add(self.view.operands[index].name)
        stall, loads, saturated = 0.0, {}, []
        lenders: list[_Lender] = []  # ports whose one-time transfers are known exactly
        for use in self._uses:
            bandwidth = use.port.bandwidth_max
            # Per transfer: what it takes beyond its period, each refill; and all
            # transfers together: what they take beyond the temporal cycles.
            at_least = together = refilled = 0.0
            busy = 0  # bits per cycle the port's surely repeated transfers need on average, at least
            maybe_once = []
            # Boundaries not decided yet: (transfer, cycles of all of them, of one at most).
            open_crossings: list[tuple[tuple[str, int, str], float, int]] = []
            repeated: list[tuple[tuple[str, int, str], float, int]] = []  # those surely refilled
            for key in use.served:
                crossing = crossings.get(key)
                if crossing is None:
                    continue
                precision = crossing.precision or self._precision[key[0]]
                cycles = ceil(crossing.elements * precision / bandwidth)
                if crossing.period is not None and crossing.refills > 1:
                    at_least += max(0.0, cycles - windows.get(key, crossing.period) * self.per_op) \
                        * (crossing.refills - 1)
                    together += cycles * (crossing.refills - 1)
                    if not crossing.partial:
                        busy += int(crossing.elements * precision / (crossing.period * self.per_op))
                        loads[key] = (cycles, use.shared_by_inputs)
                    continue
                if crossing.moved is not None:
                    every = crossing.moved * precision / bandwidth
                    most = ceil(crossing.largest * precision / bandwidth)
                    open_crossings.append((key, every, most))
                    if crossing.moved > crossing.largest:
                        # Refilled: all but the one transfer that may be the largest.
                        refilled += max(0.0, every - most)
                        busy += int(crossing.moved * precision / self._compute)
                        repeated.append((key, every, most))
                maybe_once.append((key, cycles))
            once = []
            for key, cycles in maybe_once:
                # Maybe the layer's one transfer: the port's spare bandwidth, if any,
                # shortens it, not below the lowest tile. A refilled one is not
                # shortened (the cost model's loads shorten one-time transfers only).
                shortest = ceil(lowest_tiles[key[0]] * self._precision[key[0]] / bandwidth) \
                    if key[0] in lowest_tiles else 0
                loads[key] = (cycles if busy >= bandwidth or any(key == k for k, _, _ in repeated)
                              else min(cycles, shortest), use.shared_by_inputs)
                if not (key[0] == self.view.output.name and key[2] in ("tl", "fh")):  # partial sums: no load
                    once.append((key, cycles, shortest))
            if busy < bandwidth and once and all(self._known_exactly(key, crossings[key], exact_tiles)
                                                 for key, _, _ in once):
                lenders.append(_Lender((bandwidth - busy) / bandwidth, tuple(once), use.shared_by_inputs))
            stall = max(stall, at_least, together + refilled - self._compute)
            if busy >= bandwidth and open_crossings:
                saturated.append((together + sum(every - most for _, every, most in open_crossings),
                                  open_crossings, use.shared_by_inputs))
            elif repeated:
                saturated.append((together + refilled, repeated, use.shared_by_inputs))
        result = self.fixed + stall + max(self._loading(loads), self._lent_loading(loads, lenders, stall))
        for together, open_crossings, shared in saturated:
            # On a port with no bandwidth to spare, an open crossing's transfers
            # take all their cycles either as stall (all but one) or as its
            # load (the one): at least every cycle it moves. So do those of a
            # crossing surely refilled on any port (its load, a repeated
            # transfer's, is not shortened). The load formulas grow by at most
            # a cycle per cycle of one load, so the longest one transfer can
            # take gives the least.
            longest = dict(loads)
            for key, _, most in open_crossings:
                longest[key] = (most, shared)
            result = max(result, self.fixed + together - self._compute + self._loading(longest))
        return result

    def _maybe_full(self, keys: list[tuple]) -> frozenset[str]:
        """The memories whose decided tiles, as large as they can be counted
        (a level's outermost relevant loops, refreshed apart, can only shrink
        them), may leave no room to double-buffer one whose refills may
        outlast their window (at least the cycles of the loops under the
        level: _window): most memories are surely roomy or fast enough."""
        slow: set[str] = set()
        under = 1  # the cycles of the loops under the boundary below
        for key in keys:
            index, j, decided, below, _ = key
            if decided and j >= 0 and self._outlasts(key, under):
                slow.add(self._hierarchies[index][j].name)
            under = 1 if j < 0 else prod(f for _, f in below)
        return frozenset(name for name, (size, parts) in self._decided_tiles(keys, slow).items()
                         if any(_cannot_double_buffer(bits / size, sum(b for b, _ in parts) / size)
                                for bits, _ in parts))

    def _decided_tiles(self, keys: list[tuple], memories: set[str] | frozenset[str]
                       ) -> dict[str, tuple[int, list[tuple[float, int]]]]:
        """Per memory of `memories`: its size and, for each decided boundary
        above it, the bits of its tile at least and the key's position."""
        tiles: dict[str, tuple[int, list[tuple[float, int]]]] = {}
        for position, (index, j, decided, below, _) in enumerate(keys):
            if decided and j >= 0 and self._hierarchies[index][j].name in memories:
                memory = self._hierarchies[index][j]
                tiles.setdefault(memory.name, (memory.size, []))[1].append((self._tile_bits(index, j, below), position))
        return tiles

    def _outlasts(self, key: tuple, cycles: int) -> bool:
        """Whether a transfer across the boundary of `key` may take more than
        `cycles` and happens more than once."""
        for (name, level, direction), crossing in self._crossing_cache[key][1].items():
            bandwidth = self._bandwidths.get((name, level, direction))  # None: no port moves it
            if bandwidth and crossing.refills is not None and crossing.refills > 1:
                precision = crossing.precision or self._precision[name]
                if ceil(crossing.elements * precision / bandwidth) > cycles:
                    return True
        return False

    def _windows(self, keys: list[tuple], owns: list[tuple[Factor, ...]], full: frozenset[str]) -> tuple:
        """(transfer, cycles) for each transfer that may take less than its
        period without stalling: across a decided boundary whose memory
        below (one of `full`) surely cannot double-buffer (cost/latency.py's
        double_buffered), the window before the data is needed (_window)."""
        found = []
        for size, parts in self._decided_tiles(keys, full).values():
            shapes = {position: _level_shape(self.view.operands[keys[position][0]], owns[position])
                      for _, position in parts}
            fills = [(bits // shapes[position][2] / size, position) for bits, position in parts]
            shared = sum(fill for fill, _ in fills)
            for fill, position in fills:
                index, j, _, below, _ = keys[position]
                window = _window(below, shapes[position], j == 0)
                if window is None or not _cannot_double_buffer(fill, shared):
                    continue
                operand = self.view.operands[index].name
                output = index == 0  # its partial sums cross both ways
                found += [((operand, j + 1, way), window) for way in (("tl", "fl") if output else ("tl",))]
                found += [((operand, j, way), window) for way in (("fh", "th") if output else ("fh",))]
        return tuple(sorted(found))

    def _tile_bits(self, index: int, j: int, below: tuple[Factor, ...]) -> float:
        """The bits of memory j's tile at least, as double_buffered counts
        them before dividing by the outermost relevant loops (refreshed
        apart): the tile under the fractional unrolling, at the narrower
        precision."""
        key = (index, j, below)
        if key not in self._fills:
            operand = self.view.operands[index]
            elements = tensor_elements(operand, loop_extents((*self._fitted[operand.name][:j + 1], below)))
            # The cost model multiplies the same extents in another order: a
            # half that could round either way is rounded down.
            tile = floor(elements) if abs(elements - floor(elements) - 0.5) < 1e-6 else round(elements)
            self._fills[key] = tile * self._precision[operand.name]
        return self._fills[key]

    def _known_exactly(self, key: tuple[str, int, str], crossing: _Crossing, exact_tiles: set[str]) -> bool:
        """Whether a one-time transfer's cycles and the least its load can
        shrink to are the cost model's own: its boundary and the operand's
        lowest tile are decided, and its precision is the one it moves at."""
        output = self.view.output
        return crossing.period is not None and key[0] in exact_tiles and \
            (key[0] != output.name or output.precision == output.final_precision)

    def _lent_loading(self, loads: dict[tuple[str, int, str], tuple[float, bool]], lenders: list[_Lender],
                      stall: float) -> float:
        """The first loads and last stores when each port in `lenders`
        shortens its one-time transfers as the cost model does (longest
        first, from its spare bandwidth over the compute cycles: cost/
        latency.py's loading_cycles) with a stall of `stall`, less what a
        longer stall could save: it lends more, but costs its own cycles."""
        if not lenders:
            return 0.0
        lent = dict(loads)
        shortened = [lender.loads(self._compute + stall) for lender in lenders]
        for lender, cycles in zip(lenders, shortened):
            for (key, _, _), each in zip(lender.once, cycles):
                lent[key] = (each, lender.shared)

        def saved(extra: float) -> float:
            """Load cycles a stall `extra` cycles longer may save, at most (each cycle of a load, one)."""
            return sum(before - after for lender, cycles in zip(lenders, shortened)
                       for before, after in zip(cycles, lender.loads(self._compute + stall + extra)))

        # Each port's savings grow linearly between the stalls where a transfer
        # reaches its least: the trade is worst at one of them.
        kinks = [point - self._compute - stall for lender in lenders for point in lender.kinks()]
        trade = min([0.0] + [extra - saved(extra) for extra in kinks if extra > 0])
        return self._loading(lent) + trade

    def _loading(self, loads: dict[tuple[str, int, str], tuple[float, bool]]) -> float:
        """The first loads and the last stores, by the cost model's formulas."""
        output = self.view.output.name
        return (onloading_cycles(loads, self._inputs, self._memories)
                + offloading_cycles(loads, output, self._memories[output]))

    def _tile(self, index: int, boundary: Boundary) -> int:
        """Elements of the operand's tile under `boundary` (at least, when undecided)."""
        key = (index, boundary.level, tuple(sorted(boundary.below)))
        if key not in self._tiles:
            operand = self.view.operands[index]
            if boundary.level < 0:
                self._tiles[key] = 1
            else:
                extents = loop_extents((*self._spatial[operand.name][:boundary.level + 1], boundary.below))
                self._tiles[key] = round(tensor_elements(operand, extents))
        return self._tiles[key]

    def _crossings(self, index: int, operand: OperandView, boundary: Boundary, memories: int
                   ) -> dict[tuple[str, int, str], _Crossing]:
        """The transfers across `boundary`: the read of the level above towards
        it and the write of the level below from it; for the output, the
        partial sums both ways too once a loop it does not depend on surely
        stays above the boundary."""
        j, is_output = boundary.level, index == 0
        tile = self._tile(index, boundary)
        boost = self._boost[operand.name][j + 1]
        if boundary.decided:
            merged = boundary.below + boundary.merging
            period = 1.0 if is_output and j < 0 else float(prod(f for _, f in merged))
            upper = lower = _Crossing(tile, period, int(self._temporal // period))
        elif j >= 0:
            moved = self._whole[operand.name][j]
            largest = self._largest[operand.name][j]
            upper = _Crossing(tile, moved=moved, largest=largest)
            lower = _Crossing(tile, moved=moved * boost, largest=largest * boost)
        else:
            upper = lower = _Crossing(tile)
        result = {(operand.name, j + 1, "fl" if is_output else "tl"):
                  replace(lower, elements=int(tile * boost) if is_output else tile * boost)}
        if 0 <= j < memories - 1:  # the top memory has no level above
            result[(operand.name, j, "th" if is_output else "fh")] = upper
        # The output's loops merged under its lowest memory stay in that
        # level (no register below holds a partial sum): there any reduction
        # loop keeps partial sums crossing into the array.
        if is_output and boundary.decided and self._reductions > \
                (0 if j < 0 else sum(1 for dim, _ in merged if not operand.depends_on(dim))):
            # Partial sums cross: both ways, all at the partial sums' precision.
            for (name, level, direction), crossing in list(result.items()):
                result[(name, level, direction)] = replace(crossing, precision=operand.precision)
                back = "tl" if direction == "fl" else "fh"
                result[(name, level, back)] = replace(crossing, precision=operand.precision, partial=True)
        return result


def _own_loops(boundaries: list[Boundary]) -> list[tuple[Factor, ...]]:
    """For each boundary (each operand's, -1 up), the loops of the level under it."""
    result, under = [], 0
    for boundary in boundaries:
        under = 0 if boundary.level < 0 else under
        result.append(boundary.below[under:])
        under = len(boundary.below)
    return result


def _level_shape(operand: OperandView, loops: tuple[Factor, ...]) -> tuple[bool, int, int]:
    """What the cost model reads of a decided level's own loops (before the
    loops merging down from above join it at its outer end): whether one of
    them is a loop the operand depends on (else they all merge down), the
    product of its outermost loops the operand does not depend on, and of
    its outermost relevant ones (top_loop_products of the level alone: with
    loops merged in, the latter can only shrink)."""
    outer_relevant, outer_irrelevant = top_loop_products([loops], operand)
    return any(operand.depends_on(dim) for dim, _ in loops), outer_irrelevant[1], outer_relevant[1]


def _window(below: tuple[Factor, ...], level: tuple[bool, int, int], lowest: bool) -> int | None:
    """The cycles a transfer across a decided boundary may take when the
    memory under it cannot double-buffer (the refill period over the
    outermost loops of the level under it that the operand does not depend
    on, traffic.py's window), whatever loops merge down from above: they
    join that outermost run. None when the level's own loops all merge
    further down (it is not the `lowest` level and is left empty: the
    window is the whole period)."""
    depends, outer_irrelevant, _ = level
    return int(prod(f for _, f in below) // outer_irrelevant) if depends or lowest else None


def _cannot_double_buffer(fill: float, shared: float) -> bool:
    """Whether double_buffered (cost/latency.py) surely refuses a second tile
    to an operand filling `fill` of a memory whose sharers, it included,
    fill `shared` together (both at least): whatever it granted the sharers
    before, there is no room for another such tile (and the memory is then
    more than half full)."""
    return fill > 1 - shared


def _largest_fitting_tile(operand: OperandView, spatial: tuple[LoopList, ...], fitted: tuple[LoopList, ...],
                          loops: tuple[Factor, ...], capacity: float) -> int:
    """The most elements of `operand` (under the `spatial` loops) one tile of
    some of the temporal `loops` can have when a memory holding `capacity`
    elements takes it: memory-alloc checks the fit under the `fitted`
    loops, the fractional unrolling (the loops the operand does not depend
    on change nothing)."""
    relevant = Counter(loop for loop in loops if operand.depends_on(loop[0]))
    items = sorted(relevant)
    largest = 0
    for counts in product(*(range(relevant[item] + 1) for item in items)):
        chosen = tuple(item for item, count in zip(items, counts) for _ in range(count))
        # A tile exactly at the capacity fits whatever the float rounding.
        if tensor_elements(operand, loop_extents((*fitted, chosen))) <= capacity * (1 + 1e-9):
            largest = max(largest, round(tensor_elements(operand, loop_extents((*spatial, chosen)))))
    return largest
