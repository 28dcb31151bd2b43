"""How far a spatial unrolling can go before the innermost memories stop it.

The lowest memories feed the array: a memory shared along an array dimension
sends one word per PE per cycle, so unrolling a dim its operand depends on is
capped by the port width in elements; and it must hold the elements the PEs it
serves work on, so the unrolling is capped by its capacity (the largest factor
shrinks first). ZigZag applies the same caps to a user's spatial mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from dsec.cost.energy import port_for
from dsec.cost.workload import LayerView
from dsec.dialect.accelerator import Accelerator, Memory


@dataclass(frozen=True, slots=True)
class Limit:
    array_dim: str
    dim: str
    factor: int
    limited_to: int
    memory: str
    reason: str  # "bandwidth" or "capacity"


def innermost_memories(accelerator: Accelerator) -> list[Memory]:
    """Memories that are the lowest level of every operand they hold."""
    return [m for m in accelerator.memories
            if all(accelerator.hierarchy(op)[0].name == m.name for op in m.operands)]


def limit_unrolling(view: LayerView, accelerator: Accelerator, unrolling: list[tuple[str, list[tuple[str, int]]]]
                    ) -> tuple[list[tuple[str, list[tuple[str, int]]]], list[Limit]]:
    """The unrolling (array dim -> [(dim, factor)]) within bandwidth and capacity
    of the innermost memories, and the limits that applied."""
    factors = {(a, d): f for a, loops in unrolling for d, f in loops}
    limits: list[Limit] = []
    by_memory_operand = {op.memory_operand: op for op in view.operands}
    inner = innermost_memories(accelerator)
    for memory in inner:
        for memory_operand in memory.operands:
            operand = by_memory_operand.get(memory_operand)
            if operand is None:
                continue
            port = port_for(memory, memory_operand, "fl" if operand is view.output else "tl")
            if port is None or operand.precision <= 0:
                continue
            most = port.bandwidth_max // operand.precision
            for (array_dim, dim), factor in factors.items():
                if array_dim in memory.served_dimensions and operand.depends_on(dim) and factor > most:
                    limits.append(Limit(array_dim, dim, factor, most, memory.name, "bandwidth"))
                    factors[(array_dim, dim)] = most
    for memory in inner:
        for memory_operand in memory.operands:
            operand = by_memory_operand.get(memory_operand)
            if operand is None or operand.precision <= 0:
                continue
            keys = [k for k in factors if k[0] in memory.served_dimensions and operand.depends_on(k[1])]
            most = memory.size / operand.precision
            values = [factors[k] for k in keys]
            if prod(values) <= most:
                continue
            while prod(values) > most and any(v > 1 for v in values):
                values[values.index(max(values))] -= 1
            for key, value in zip(keys, values):
                if value != factors[key]:
                    limits.append(Limit(key[0], key[1], factors[key], value, memory.name, "capacity"))
                    factors[key] = value
    result = [(a, [(d, factors[(a, d)]) for d, _ in loops]) for a, loops in unrolling]
    return result, limits
