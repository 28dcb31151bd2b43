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


def operand_boundaries(operand: OperandView, levels: list[LoopList], memories: int, order: list[Factor],
                       known: int) -> list[Boundary]:
    """Boundaries -1 .. memories - 2 of one operand under the node whose
    first `known` loops of `order` are decided and whose decided levels
    (allocate's, innermost first) are `levels`."""
    undecided_irrelevant = tuple(loop for loop in order[known:] if not operand.depends_on(loop[0]))
    result = []
    end, decided = 0, True
    for j in range(-1, memories - 1):
        if j >= 0 and decided:
            # A level ending among the undecided loops: where depends on their order.
            decided = j < len(levels) and not known < end + len(levels[j]) < len(order)
            end += len(levels[j]) if decided else 0
        if decided:
            result.append(Boundary(j, tuple(order[:end]), True,
                                   _merging_run(operand, order, end, known, undecided_irrelevant)))
        else:
            result.append(Boundary(j, tuple(order[:end]), False, ()))
    return result


def _merging_run(operand: OperandView, order: list[Factor], start: int, known: int,
                 undecided_irrelevant: tuple[Factor, ...]) -> tuple[Factor, ...]:
    """The loops from `start` up that may merge down to below it: the
    decided ones the operand does not depend on up to the first it does,
    and if that run reaches the undecided loops, every undecided loop it
    does not depend on."""
    run: list[Factor] = []
    for position in range(start, len(order)):
        if position >= known:
            return tuple(run) + undecided_irrelevant
        loop = order[position]
        if operand.depends_on(loop[0]):
            break
        run.append(loop)
    return tuple(run)
