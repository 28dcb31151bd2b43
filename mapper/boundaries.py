"""What a node of the order tree fixes of each memory-level boundary of an
operand, for the bounds that cut subtrees (energy_bound.py, latency_bound.py).

Boundary j lies above the operand's memory level j (j = -1: between the
lowest memory and the array). The cost model sees, per boundary, the
temporal loops under it once memory-alloc's loops are merged down (the
innermost loops of a level the operand does not depend on join the level
below). Under a node, a boundary whose level memory-alloc has decided has
those loops fixed up to the loops that may still merge down; the others
have at least the loops of the decided levels under them.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsec.cost.levels import LoopList
from dsec.cost.workload import OperandView
from dsec.mapper.orders import Factor


@dataclass(frozen=True, slots=True)
class Boundary:
    level: int  # j
    below: tuple[Factor, ...]  # the loops surely under it
    decided: bool  # whether `below` is all that sits under it, up to `merging`
    merging: tuple[Factor, ...]  # loops that may merge down under it (decided boundaries)


def operand_boundaries(operand: OperandView, levels: list[LoopList], memories: int, order: tuple[Factor, ...],
                       known: int) -> list[Boundary]:
    """Boundaries -1 .. memories - 2 of one operand under the node whose
    first `known` loops of `order` are decided and whose decided levels
    (allocate's, innermost first) are `levels`. `order` is a tuple: the
    boundaries hold slices of it."""
    depends = operand.depends
    total = len(order)
    undecided_irrelevant: tuple[Factor, ...] | None = None
    result = []
    end, decided = 0, True
    for j in range(-1, memories - 1):
        if j >= 0 and decided:
            # A level ending among the undecided loops: where depends on their order.
            decided = j < len(levels) and not known < end + len(levels[j]) < total
            end += len(levels[j]) if decided else 0
        if not decided:
            result.append(Boundary(j, order[:end], False, ()))
            continue
        # The loops from `end` up that may merge down under it: the decided
        # ones the operand does not depend on up to the first it does, and if
        # that run reaches the undecided loops, every undecided loop it does
        # not depend on.
        position = end
        while position < known and order[position][0] not in depends:
            position += 1
        merging = order[end:position]
        if position == known < total:
            if undecided_irrelevant is None:
                undecided_irrelevant = tuple(loop for loop in order[known:] if loop[0] not in depends)
            merging += undecided_irrelevant
        result.append(Boundary(j, order[:end], True, merging))
    return result
