"""The tiles memory-alloc weighs at a memory: one operand's tile for each
prefix of its remaining loops, in bits.

A search allocates many orders of the same loops, and the nodes of its
order tree resume from the same allocated loops: the tile those loops make,
each whole operand's tile and every tile by its extents are kept, not
recounted. What is kept is the float a count from scratch gives
(tensor_elements of the same extents), so ties between prefixes go the same
way.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsec.cost.levels import LoopList, fractional_dims
from dsec.cost.workload import OperandView, tensor_elements
from dsec.dialect.accelerator import Memory


@dataclass(frozen=True, slots=True)
class TileError:
    """The smallest tile (`needed` bits) does not fit the memory."""

    needed: float


class KeptElements:
    """tensor_elements of one operand, kept by extents: with sliding windows
    or fractional extents a tile is counted from scratch, which takes a few
    times longer than the lookup."""

    def __init__(self, operand: OperandView) -> None:
        self.operand = operand
        self.dims = tuple(sorted(operand.depends))
        self.known: dict[tuple, float] = {}

    def elements(self, extents: dict[str, float]) -> float:
        key = tuple([extents.get(dim, 1) for dim in self.dims])
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = tensor_elements(self.operand, extents)
        return found


def extents_of(loops: list[tuple[str, float]] | tuple) -> dict[str, float]:
    """Each dim's extent under `loops`, multiplied in their order."""
    extents: dict[str, float] = {}
    for dim, factor in loops:
        extents[dim] = extents.get(dim, 1) * factor
    return extents


def tile_bits(operand: OperandView, loops: list[tuple[str, float]], precision: int) -> float:
    return tensor_elements(operand, extents_of(loops)) * precision


def tile_precision(operand: OperandView, is_output: bool, *remaining: list[tuple[str, float]]) -> int:
    """An output tile holds partial sums while a reduction loop of the
    `remaining` ones (those outside it) is left."""
    if is_output and not any(dim not in operand.depends and factor > 1 for loops in remaining for dim, factor in loops):
        return operand.final_precision
    return operand.precision


class OperandTiles:
    """Tile sizes of one operand for allocations of orders of one multiset
    of temporal loops under one unrolling (`spatial_per_level`: the
    operand's spatial loops per arch level)."""

    def __init__(self, operand: OperandView, is_output: bool, spatial_per_level: list[LoopList]) -> None:
        self.operand = operand
        self.is_output = is_output
        self.kept = KeptElements(operand)
        # Per arch level: whether a spatial loop above it keeps an output's partial sums.
        self.partial_above = [is_output and any(dim not in operand.depends and factor > 1
                                                for lvl in spatial_per_level[level:] for dim, factor in lvl)
                              for level in range(len(spatial_per_level) + 1)]
        # With whole spatial extents every product is exact, so a tile is the
        # same float whatever order its loops were multiplied in.
        self.any_order = not fractional_dims(spatial_per_level) & operand.depends
        self._starts: dict[tuple, tuple[dict[str, float], float, bool]] = {}
        self._wholes: dict[tuple[int, int], float] = {}

    def precision(self, level: int, unallocated: list[tuple[str, float]]) -> int:
        """tile_precision of a tile at arch `level` (1: the lowest memory)
        under the `unallocated` loops and the spatial ones above it."""
        if self.partial_above[level]:
            return self.operand.precision
        return tile_precision(self.operand, self.is_output, unallocated)

    def whole(self, level: int, allocated: list, unallocated: list, precision: int) -> float:
        """The bits of the operand's whole tile at `level` (every loop under it)."""
        if not self.any_order:
            return tile_bits(self.operand, allocated + unallocated, precision)
        key = (level, precision)
        found = self._wholes.get(key)
        if found is None:
            found = self._wholes[key] = tile_bits(self.operand, allocated + unallocated, precision)
        return found

    def _start(self, allocated: list) -> tuple[dict[str, float], float, bool]:
        """The extents and elements of the tile of the `allocated` loops, and
        whether one more loop multiplies it by its factor (no windows, whole
        extents): then it is grown by multiplying, exactly."""
        key = tuple(allocated)
        found = self._starts.get(key)
        if found is None:
            extents = extents_of(allocated)
            elements = self.kept.elements(extents)
            multiplies = not self.operand.windows and all(extent == int(extent) for extent in extents.values())
            found = self._starts[key] = (extents, elements, multiplies)
        return found

    def sizes(self, level: int, allocated: list, unallocated: list, memory: Memory, top: bool
              ) -> list[float] | TileError:
        """Bits of the tile for each prefix of the `unallocated` loops that
        fits `memory` at arch `level` (double for a double-buffered memory
        while loops remain above). `top`: the operand's top memory, which
        takes everything left."""
        operand = self.operand
        precision = self.precision(level, unallocated)
        # A double-buffered memory compares each tile with the whole operand.
        double = memory.force_double_buffering
        whole = self.whole(level, allocated, unallocated, precision) if top or double else 0.0
        if top and not double and whole <= memory.size:
            # Tiles only grow with the prefix: when the whole operand fits, every
            # prefix does, and only the whole one is read for a top memory.
            return [whole] * (len(unallocated) + 1)
        start, count, multiplies = self._start(allocated)
        extents = dict(start)
        elements = self.kept.elements
        depends = operand.depends
        capacity = memory.size
        tile = count * precision
        last = len(unallocated)
        sizes = []
        for i in range(last + 1):
            if i:  # one more loop in the tile than the last prefix
                dim, factor = unallocated[i - 1]
                if dim in depends:  # else the tile is the same data
                    extents[dim] = extents.get(dim, 1) * factor
                    count = count * factor if multiplies else elements(extents)
                    tile = count * precision
            size = tile * 2 if double and i < last and tile < whole else tile
            if size > capacity:
                if i == 0:
                    return TileError(size)
                break
            sizes.append(size)
        return sizes
