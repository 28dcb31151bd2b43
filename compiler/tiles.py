"""Tile sizes: how much of an operand a memory holds at a point of the nest.

Shared by the verifier's capacity rule and the memory allocator.
"""

from __future__ import annotations

from math import ceil

from dsec.dialect.accelerator import Accelerator, Memory
from dsec.dialect.attributes import Access, Nest, Spatial
from dsec.dialect.ops import LayerOp


def access_elements(access: Access, extents: dict[str, int]) -> int:
    """Elements an access touches when each dim d runs over extents[d] values.

    An index `s*OY + d*FY + c` spans s*(OY-1) + d*(FY-1) + 1 values: the sliding
    window of a strided, dilated convolution."""
    total = 1
    for index in access.indices:
        total *= sum(abs(coeff) * (extents.get(dim, 1) - 1) for dim, coeff in index.terms) + 1
    return total


def reduction_dims(layer: LayerOp) -> set[str]:
    """Dims the output does not depend on: the loops it accumulates over."""
    return set(layer.dims) - layer.compute.output.dims()


def spatial_factors_served(spatial: Spatial | None, served: tuple[str, ...]) -> dict[str, int]:
    """Spatial factors per loop dim on the array dimensions one memory copy serves."""
    factors: dict[str, int] = {}
    if spatial is None:
        return factors
    for unroll in spatial.unrolls:
        if unroll.array_dim in served:
            for loop in unroll.loops:
                factors[loop.dim] = factors.get(loop.dim, 1) * (loop.factor or 1)
    return factors


def tile_extents(layer: LayerOp, nest: Nest, position: int, memory: Memory) -> dict[str, int]:
    """Extent of each dim inside the `position` innermost loops and the spatial
    unrolling one copy of `memory` serves, never more than the dim itself."""
    extents = spatial_factors_served(layer.spatial, memory.served_dimensions)
    for loop in nest.loops[:position]:
        extents[loop.dim] = extents.get(loop.dim, 1) * (loop.factor or 1)
    return {dim: min(extent, layer.dims.get(dim, extent)) for dim, extent in extents.items()}


def output_is_final(layer: LayerOp, nest: Nest, position: int, memory: Memory) -> bool:
    """True when every reduction is complete inside the tile: no reduction loop
    above it and no reduction unrolled on array dimensions the copy does not serve."""
    reductions = reduction_dims(layer)
    above = any(loop.dim in reductions and (loop.factor or 1) > 1 for loop in nest.loops[position:])
    if above:
        return False
    if layer.spatial is not None:
        for unroll in layer.spatial.unrolls:
            if unroll.array_dim not in memory.served_dimensions:
                if any(loop.dim in reductions and (loop.factor or 1) > 1 for loop in unroll.loops):
                    return False
    return True


def operand_precision(layer: LayerOp, operand: str, final: bool) -> int:
    if operand == layer.compute.output.operand and final:
        return layer.precision.get(f"{operand}_final", layer.precision[operand])
    return layer.precision[operand]


def tile_bits(layer: LayerOp, nest: Nest, operand: str, position: int, memory: Memory) -> int:
    """Bits of `operand` one copy of `memory` holds for the loops below `position`."""
    access = layer.compute.access(operand)
    assert access is not None, f"operand {operand} not in layer {layer.symbol}"
    elements = access_elements(access, tile_extents(layer, nest, position, memory))
    final = operand == layer.compute.output.operand and output_is_final(layer, nest, position, memory)
    return elements * operand_precision(layer, operand, final)


def memory_usage(layer: LayerOp, accelerator: Accelerator) -> dict[str, dict[str, int]]:
    """Bits per memory and operand for a placed nest: {memory: {operand: bits}}."""
    usage: dict[str, dict[str, int]] = {}
    assert layer.nest is not None
    for buffer in layer.nest.buffers:
        memory = accelerator.memory(buffer.memory)
        if memory is None:
            continue
        for operand in buffer.operands:
            usage.setdefault(memory.name, {})[operand] = tile_bits(layer, layer.nest, operand, buffer.position, memory)
    return usage


def temporal_needed(size: int, spatial: int) -> int:
    """Temporal iterations left for a dim of `size` unrolled `spatial` ways;
    a non-dividing unrolling leaves the last iteration partly idle."""
    return ceil(size / spatial)

