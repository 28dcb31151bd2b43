"""The accelerator as one layer sees it once tensors stay on chip between
layers (a layer's `locality`, decided by the layer-locality pass).

An operand kept in memory M has M as its top memory for the layer: the
memories above M no longer hold that memory operand, so the mapping passes
and the cost model charge no traffic above M for it and require its whole
tensor to fit in M (ZigZag's exploit_data_locality removes the same levels).
Tensors kept in M for later layers (`live`) take their share of M's capacity.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from math import ceil, prod

from dsec.dialect.accelerator import Accelerator, Memory
from dsec.dialect.attributes import Locality
from dsec.dialect.ops import LayerOp


def memory_instances(accelerator: Accelerator, memory: Memory) -> int:
    """Copies of a memory: one per PE along the array dims it does not serve."""
    return prod(size for dim, size in accelerator.array if dim not in memory.served_dimensions)


def layer_accelerator(layer: LayerOp, accelerator: Accelerator) -> Accelerator:
    """The accelerator `layer` is mapped and costed on."""
    if layer.locality is None:
        return accelerator
    return cut_accelerator(accelerator, memory_operand_tops(layer.links, layer.locality), layer.locality.live)


def memory_operand_tops(links: dict[str, str], locality: Locality) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The top memory of each memory operand whose every role is kept. Roles
    sharing a memory operand share its hierarchy, so it ends at the highest
    of their memories; a role not kept keeps the whole hierarchy."""
    keep = dict(locality.keep)
    roles: dict[str, list[str]] = {}
    for role, memory_operand in links.items():
        roles.setdefault(memory_operand, []).append(role)
    tops = []
    for memory_operand, linked in roles.items():
        if all(role in keep for role in linked):
            tops.append((memory_operand, tuple(keep[role] for role in linked)))
    return tuple(tops)


@lru_cache(maxsize=512)
def cut_accelerator(accelerator: Accelerator, tops: tuple[tuple[str, tuple[str, ...]], ...],
                    live: tuple[tuple[str, int], ...]) -> Accelerator:
    """`accelerator` with each memory operand removed from the memories above
    its top (the highest of the given memories), and each memory's capacity
    less the live bits it holds for other layers (spread over its copies)."""
    above: dict[str, set[str]] = {}  # memory -> memory operands it no longer holds
    for memory_operand, memories in tops:
        hierarchy = [m.name for m in accelerator.hierarchy(memory_operand)]
        level = max(hierarchy.index(name) for name in memories)
        for name in hierarchy[level + 1:]:
            above.setdefault(name, set()).add(memory_operand)
    reserved = dict(live)
    memories = []
    for memory in accelerator.memories:
        dropped = above.get(memory.name, set())
        operands = tuple(op for op in memory.operands if op not in dropped)
        if not operands:
            continue
        ports = tuple(replace(port, allocation=tuple(a for a in port.allocation if a[0] not in dropped))
                      for port in memory.ports)
        size = memory.size - ceil(reserved.get(memory.name, 0) / memory_instances(accelerator, memory))
        memories.append(replace(memory, operands=operands, ports=tuple(p for p in ports if p.allocation),
                                size=max(size, 0)))
    return replace(accelerator, memories=tuple(memories))
