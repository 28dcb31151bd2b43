"""`memory-alloc`: place each operand's tiles on its memory levels.

Adds the `buffer` lines to each layer's nest with ZigZag's allocation policy
(see dsec.cost.allocation). A layer whose tiles cannot fit is an error for
that layer naming operand, memory, bits needed and bits available; the layer
keeps its nest without buffers and the other layers go on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import ceil

from dsec.compiler.pass_base import Pass, PassContext, rewrite_layers
from dsec.cost.allocation import AllocationError, allocate
from dsec.cost.levels import effective_unrolling
from dsec.cost.locality import layer_accelerator
from dsec.cost.workload import layer_view
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Buffer, Nest
from dsec.dialect.ops import LayerOp, Module, operand_shapes


def buffers_from_levels(levels: dict[str, list[tuple]], accelerator: Accelerator, links: dict[str, str]
                        ) -> tuple[Buffer, ...]:
    """One buffer line per memory and position, outermost first."""
    placed: dict[tuple[str, int], list[str]] = {}
    for operand, per_level in levels.items():
        position = 0
        for memory, loops in zip(accelerator.hierarchy(links[operand]), per_level):
            position += len(loops)
            placed.setdefault((memory.name, position), []).append(operand)
    order = {m.name: i for i, m in enumerate(accelerator.memories)}
    keys = sorted(placed, key=lambda key: (-key[1], -order[key[0]]))
    return tuple(Buffer(memory, tuple(placed[(memory, position)]), position) for memory, position in keys)


def describe(error: AllocationError, layer: LayerOp) -> str:
    return (f"layer @{layer.symbol}: operand {error.operand} does not fit in @{error.memory}: "
            f"needs {ceil(error.needed)} bits, @{error.memory} has {error.available} ({error.reason}); "
            f"reorder the temporal loops, unroll less, or give the memory more capacity")


@dataclass
class MemoryAllocPass(Pass):
    name = "memory-alloc"
    summary = "Place each operand's tiles on its memory levels (ZigZag's bottom-up policy)"

    def run(self, module: Module, ctx: PassContext) -> Module:
        shapes = module.value_shapes()
        return rewrite_layers(module, lambda layer: self._allocate(module, layer, shapes, ctx)
                              if layer.nest is not None and not layer.nest.buffers and layer.spatial is not None
                              else layer)

    def _allocate(self, module: Module, layer: LayerOp, shapes: dict, ctx: PassContext) -> LayerOp:
        accelerator = layer_accelerator(layer, module.accelerator)
        view = layer_view(layer, operand_shapes(layer, shapes))
        unrolling = effective_unrolling(layer.spatial, view.dims, accelerator.array_sizes, fractional=True)
        order = [(loop.dim, loop.factor or 1) for loop in layer.nest.loops]
        levels = allocate(view, accelerator, unrolling, order)
        if isinstance(levels, AllocationError):
            message = describe(levels, layer)
            ctx.diagnostics.layer_error(message, layer.nest.loc or layer.loc)
            return replace(layer, cost={"error": message})
        buffers = buffers_from_levels(levels, accelerator, layer.links)
        return replace(layer, nest=Nest(layer.nest.loops, buffers, layer.nest.loc))
