"""Who reads which tensor: the module's ops as a dataflow graph.

A move with one data input (Reshape, Transpose, Flatten, ...) hands its input's
data on unchanged as far as the cost model is concerned (dsec does not cost
moves), so its result shares its input's storage. Any other move, an opaque
op or the graph's return reads a tensor in a way dsec does not model.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsec.dialect.ops import ConstOp, LayerOp, Module, MoveOp, Op, operands_of


@dataclass(frozen=True, slots=True)
class Read:
    """One read of a stored tensor: by a layer's operand `role`, or by an op
    dsec does not model (role None)."""

    op: Op
    role: str | None


def storage_roots(module: Module) -> dict[str, str]:
    """Each value -> the value whose storage it is (itself unless a move passes it on)."""
    constants = {op.result.name for op in module.ops if isinstance(op, ConstOp)}
    roots: dict[str, str] = {}
    for op in module.ops:
        if isinstance(op, MoveOp):
            data = [value for value in op.operands if value not in constants]
            passes_on = not op.opaque and len(data) == 1 and len(op.results) == 1
            for result in op.results:
                roots[result.name] = roots.get(data[0], data[0]) if passes_on else result.name
        elif isinstance(op, LayerOp):
            roots[op.result.name] = op.result.name
    return roots


def tensor_reads(module: Module) -> dict[str, list[Read]]:
    """Each stored tensor (a root of storage_roots) -> its reads, in op order."""
    roots = storage_roots(module)
    passed_on = {value for value, root in roots.items() if value != root}
    reads: dict[str, list[Read]] = {}
    for op in module.ops:
        if isinstance(op, LayerOp):
            for role, value in op.operands:
                reads.setdefault(roots.get(value, value), []).append(Read(op, role))
        elif not (isinstance(op, MoveOp) and any(r.name in passed_on for r in op.results)):
            for value in operands_of(op):
                reads.setdefault(roots.get(value, value), []).append(Read(op, None))
    return reads
