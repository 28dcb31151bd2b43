"""A mapping seen from one operand, level by level (ZigZag's view).

Arch level 0 is the MAC array; arch level m+1 is the operand's memory level m.
Spatial loops sit at the arch level of the lowest memory that serves their
array dimension (loops on dimensions no memory serves go on top). Temporal
loops sit at the memory level whose tile they belong to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import takewhile
from math import ceil, prod

from dsec.cost.workload import LayerView, OperandView, tensor_elements
from dsec.dialect.accelerator import Accelerator, Memory
from dsec.dialect.attributes import Nest, Spatial

LoopList = tuple[tuple[str, float], ...]


def effective_unrolling(spatial: Spatial, dims: dict[str, int], array: dict[str, int], fractional: bool
                        ) -> list[tuple[str, LoopList]]:
    """The unrolling per array dimension as the cost model uses it.

    A factor is capped by the array and by the layer. A factor that does not
    divide its dim is spread over the ceil(dim / factor) temporal iterations
    (K = 70 on 32 PEs runs 3 iterations of 70/3 PEs); `fractional=False` gives
    the whole PEs that are busy (23), which latency uses. Only the first array
    dimension with the largest factor of a dim is adjusted, as ZigZag does.
    """
    result: list[tuple[str, LoopList]] = []
    done: dict[str, float] = {}
    for unroll in spatial.unrolls:
        loops: list[tuple[str, float]] = []
        for loop in unroll.loops:
            if loop.dim not in dims:
                continue
            factor = min(loop.factor or 1, array.get(unroll.array_dim, loop.factor or 1), dims[loop.dim])
            if _adjusts(spatial, unroll.array_dim, loop.dim):
                before = done.get(loop.dim, 1)
                iterations = ceil(dims[loop.dim] / (factor * before))
                exact = dims[loop.dim] / iterations / before
                factor = exact if fractional else int(exact)
            done[loop.dim] = done.get(loop.dim, 1) * factor
            loops.append((loop.dim, factor))
        if loops:
            result.append((unroll.array_dim, tuple(loops)))
    return result


def fractional_dims(levels: Iterable[LoopList]) -> set[str]:
    """The dims some of the spatial loop lists unroll by a fraction (K = 12.8):
    an effective unrolling's, one per array dimension, or an operand's, one per level."""
    return {dim for loops in levels for dim, factor in loops if not float(factor).is_integer()}


def _adjusts(spatial: Spatial, array_dim: str, dim: str) -> bool:
    sizes = [(u.array_dim, next((lp.factor or 1 for lp in u.loops if lp.dim == dim), 0)) for u in spatial.unrolls]
    largest = max(size for _, size in sizes)
    return next(a for a, size in sizes if size == largest) == array_dim


def spatial_levels(unrolling: list[tuple[str, LoopList]], memories: list[Memory]) -> list[LoopList]:
    """Spatial loops per arch level of one operand, len(memories) + 1 levels."""
    remaining = dict(unrolling)
    levels: list[LoopList] = []
    for memory in memories:
        merged: dict[str, float] = {}
        for array_dim in memory.served_dimensions:
            for dim, factor in remaining.pop(array_dim, ()):
                merged[dim] = merged.get(dim, 1) * factor
        levels.append(tuple(merged.items()))
    top: dict[str, float] = {}
    for loops in remaining.values():
        for dim, factor in loops:
            top[dim] = top.get(dim, 1) * factor
    levels.append(tuple(top.items()))
    return levels


def temporal_levels(nest: Nest, memories: list[Memory], operand: str) -> list[LoopList]:
    """The nest's temporal loops per memory level of one operand (innermost first)."""
    positions = {b.memory: b.position for b in nest.buffers if operand in b.operands}
    levels: list[LoopList] = []
    start = 0
    for memory in memories:
        end = positions.get(memory.name, start)
        # Loops of one iteration change nothing; ZigZag drops them too.
        levels.append(tuple((loop.dim, loop.factor) for loop in nest.loops[start:end] if (loop.factor or 1) > 1))
        start = end
    return levels


def level_signature(loops: LoopList, operand: OperandView, outer: bool = True) -> tuple:
    """A level's temporal loops as the cost model sees them: as a set, the
    innermost run the operand does not depend on (merged down by
    merge_stationary_loops) and the outermost relevant and irrelevant runs
    (top_loop_products), which matter unless `outer` is False. Levels with
    equal signatures cost the same."""
    irrelevant = lambda loop: not operand.depends_on(loop[0])  # noqa: E731
    relevant = lambda loop: loop[0] in operand.relevant  # noqa: E731
    if not outer:
        return tuple(sorted(loops)), tuple(sorted(takewhile(irrelevant, loops)))
    return (tuple(sorted(loops)), tuple(sorted(takewhile(irrelevant, loops))),
            tuple(sorted(takewhile(relevant, reversed(loops)))), tuple(sorted(takewhile(irrelevant, reversed(loops)))))


def operand_signature(levels: list[LoopList], operand: OperandView) -> tuple:
    """One operand's placement as the cost model sees it (its levels' signatures)."""
    return tuple(level_signature(tuple(level), operand) for level in levels)


def merge_stationary_loops(levels: list[LoopList], operand: OperandView) -> tuple[list[LoopList], float]:
    """Move each level's innermost irrelevant loops down to the level below
    (the data stays put while they run), until nothing moves. Returns the new
    levels and the product of the irrelevant loops at the bottom of level 0:
    how many cycles the array reuses one word from the lowest memory."""
    current = [list(level) for level in levels]
    while True:
        moved = [list() for _ in current]
        for index, level in enumerate(current):
            position = 0
            while position < len(level) and not operand.depends_on(level[position][0]):
                position += 1
            target = index - 1 if index > 0 else 0
            if index == 0:
                moved[0].extend(level)
            else:
                moved[target].extend(level[:position])
                moved[index].extend(level[position:])
        if moved == current:
            break
        current = moved
    bottom = 1.0
    for dim, factor in current[0] if current else ():
        if operand.depends_on(dim):
            break
        bottom *= factor
    return [tuple(level) for level in current], bottom


def top_loop_products(levels: list[LoopList], operand: OperandView) -> tuple[list[float], list[float]]:
    """Per arch level, the product of the outermost loops of the memory level
    below it that are relevant (first list) or irrelevant (second list)."""
    top_r = [1.0] * (len(levels) + 1)
    top_ir = [1.0] * (len(levels) + 1)
    for index, level in enumerate(levels):
        for dim, factor in reversed(level):
            if dim not in operand.relevant:
                break
            top_r[index + 1] *= factor
        for dim, factor in reversed(level):
            if operand.depends_on(dim):
                break
            top_ir[index + 1] *= factor
    return top_r, top_ir


@dataclass(frozen=True, slots=True)
class OperandLevels:
    """One operand's mapping: memories, temporal loops (after merging stationary
    loops down) and spatial loops per level, and derived counts."""

    operand: OperandView
    memories: tuple[Memory, ...]
    temporal: tuple[LoopList, ...]  # per memory level
    spatial: tuple[LoopList, ...]  # per arch level (memories + 1)
    stationary_cycles: float  # MAC-level reuse of one word from memory level 0

    def cycles_per_level(self) -> list[float]:
        """Cycles one refill of each memory level covers (its and lower temporal loops)."""
        result, total = [], 1.0
        for level in self.temporal:
            total *= prod(f for _, f in level)
            result.append(total)
        return result

    def unit_counts(self) -> list[int]:
        """Instances of each arch level that run at once (the spatial loops at and above it)."""
        counts = []
        for level in range(len(self.spatial)):
            counts.append(round(round(prod(f for lvl in self.spatial[level:] for _, f in lvl), 3)))
        return counts

    def unique_units(self) -> list[float]:
        """Instances of each arch level that hold different data."""
        total = tensor_elements(self.operand, loop_extents(self.spatial))
        result = []
        for level in range(len(self.spatial)):
            below = tensor_elements(self.operand, loop_extents(self.spatial[:level]))
            result.append(total / below)
        return result


def bandwidth_boost(unique: list[float]) -> list[int]:
    """How many distinct words one access of each memory level feeds to the
    units below it (from the unique units per arch level), with 1 on top."""
    return [round(unique[lv] / unique[lv + 1]) for lv in range(len(unique) - 1)] + [1]


def loop_extents(levels) -> dict[str, float]:
    """How far each dim runs over all the loops of `levels` (lists of (dim, factor))."""
    extents: dict[str, float] = {}
    for level in levels:
        for dim, factor in level:
            extents[dim] = extents.get(dim, 1) * factor
    return extents


def unrolled_levels(operand: OperandView, memories: list[Memory], unrolling: list[tuple[str, LoopList]]
                    ) -> OperandLevels:
    """The operand's levels with its spatial loops only: what the unrolling
    alone decides (fan-out per level, instances)."""
    return OperandLevels(operand, tuple(memories), tuple(() for _ in memories),
                         tuple(spatial_levels(unrolling, memories)), 1)


def operand_levels(view: LayerView, operand: OperandView, accelerator: Accelerator, temporal: list[LoopList],
                   unrolling: list[tuple[str, LoopList]]) -> OperandLevels:
    """`temporal`: the operand's temporal loops per memory level, innermost first."""
    memories = accelerator.hierarchy(operand.memory_operand)
    # Loops of one iteration change nothing; ZigZag drops them too.
    temporal = [tuple(loop for loop in level if loop[1] > 1) for level in temporal]
    temporal, stationary = merge_stationary_loops(temporal, operand)
    return OperandLevels(operand, tuple(memories), tuple(temporal), tuple(spatial_levels(unrolling, memories)),
                         stationary)
