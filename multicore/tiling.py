"""Computation nodes (CNs): a layer cut by outer loops into parts (inter-core splits, one core
each) and tiles (intra-core tiling of a fused group), and the tensors they read and write.

A CN's output is one tensor; a CN depends on every CN of its producer whose output ranges
overlap the ranges it reads (loop-range overlap through the affine accesses). Weights and
graph inputs start in DRAM, one tensor per distinct slice a CN reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import product
from math import prod

from dsec.compiler.diagnostics import error
from dsec.dialect.attributes import AffineExpr
from dsec.dialect.ops import ConstOp, InputOp, LayerOp, Module, ReturnOp

Ranges = tuple[tuple[int, int], ...]  # per tensor axis: [lo, hi)


@dataclass(frozen=True)
class LayerTiling:
    """How one layer is cut: `splits` across cores (dim, parts), `tile` within a core (dim, tiles)."""

    splits: tuple[tuple[str, int], ...] = ()
    tile: tuple[str, int] | None = None
    group: int = 0  # fused group: CNs of one group interleave when scheduled fused


@dataclass(frozen=True)
class Tensor:
    name: str
    bits: int
    producer: int | None  # CN id; None: in DRAM from the start (weights, graph inputs)


@dataclass(frozen=True)
class CN:
    id: int
    layer: str  # layer symbol
    part: int  # inter-core part (which core of the layer's allocation)
    tile: int  # intra-core tile, in loop order
    group: int
    layer_index: int  # position of the layer in the model
    loops: tuple[tuple[str, int, int], ...]  # the layer's dims: (dim, lo, hi)
    inputs: tuple[str, ...]  # tensor names
    output: str

    @property
    def dims(self) -> dict[str, int]:
        return {dim: hi - lo for dim, lo, hi in self.loops}


@dataclass(frozen=True)
class CNGraph:
    cns: tuple[CN, ...]
    tensors: dict[str, Tensor]
    edges: tuple[tuple[int, int, str], ...]  # (producer CN, consumer CN, tensor)
    sinks: frozenset[int]  # CNs whose output leaves the model (goes to DRAM)

    def predecessors(self, cn: int) -> list[int]:
        return list(self._producers.get(cn, ()))

    def consumers(self, tensor: str) -> list[int]:
        return list(self._readers.get(tensor, ()))

    @cached_property
    def _producers(self) -> dict[int, list[int]]:
        """consumer CN -> its producers, one per edge in edge order (asked per CN: one pass over the edges)."""
        producers: dict[int, list[int]] = {}
        for producer, consumer, _ in self.edges:
            producers.setdefault(consumer, []).append(producer)
        return producers

    @cached_property
    def _readers(self) -> dict[str, list[int]]:
        """tensor -> the CNs that read it, in CN order."""
        readers: dict[str, list[int]] = {}
        for cn in self.cns:
            for tensor in dict.fromkeys(cn.inputs):
                readers.setdefault(tensor, []).append(cn.id)
        return readers


def cut(size: int, parts: int) -> list[tuple[int, int]]:
    """`size` iterations in `parts` contiguous ranges that differ by at most one."""
    base, extra = divmod(size, parts)
    ranges, lo = [], 0
    for index in range(parts):
        hi = lo + base + (1 if index < extra else 0)
        ranges.append((lo, hi))
        lo = hi
    return ranges


def index_range(index: AffineExpr, loops: dict[str, tuple[int, int]], extent: int | None) -> tuple[int, int]:
    """[lo, hi) of an affine index over the loops' ranges, cut to the tensor's extent (padding)."""
    lo = hi = index.constant
    for dim, coeff in index.terms:
        first, last = loops[dim][0], loops[dim][1] - 1
        lo += min(coeff * first, coeff * last)
        hi += max(coeff * first, coeff * last)
    if extent is not None:
        lo, hi = max(lo, 0), min(hi, extent - 1)
    return lo, hi + 1


def overlaps(a: Ranges, b: Ranges) -> bool:
    return all(lo_a < hi_b and lo_b < hi_a for (lo_a, hi_a), (lo_b, hi_b) in zip(a, b))


def _elements(ranges: Ranges) -> int:
    return prod(max(0, hi - lo) for lo, hi in ranges)


def _layer_parts(layer: LayerOp, tiling: LayerTiling) -> list[tuple[int, int, dict[str, tuple[int, int]]]]:
    """(part, tile, loop ranges) of every CN of a layer, parts outermost, tiles in order."""
    output_dims = {d for index in layer.compute.output.indices for d in index.dims()}
    cuts = list(tiling.splits) + ([tiling.tile] if tiling.tile else [])
    for dim, count in cuts:
        if dim not in layer.dims:
            raise error(f"layer @{layer.symbol} has no dim {dim} to cut (dims: {', '.join(layer.dims)})", layer.loc)
        if dim not in output_dims:
            raise error(f"layer @{layer.symbol}: cutting {dim}, a reduction dim, is not supported (its parts would "
                        f"exchange partial sums); cut an output dim instead", layer.loc)
        if count > layer.dims[dim]:
            raise error(f"layer @{layer.symbol}: {dim} = {layer.dims[dim]} cannot be cut into {count} parts",
                        layer.loc)
    split_ranges = [cut(layer.dims[dim], count) for dim, count in tiling.splits]
    nodes = []
    for part, chosen in enumerate(product(*split_ranges)):
        loops = {dim: (0, size) for dim, size in layer.dims.items()}
        loops.update({dim: r for (dim, _), r in zip(tiling.splits, chosen)})
        tiles = [loops]
        if tiling.tile:
            dim, count = tiling.tile
            lo, hi = loops[dim]
            tiles = [{**loops, dim: (lo + a, lo + b)} for a, b in cut(hi - lo, min(count, hi - lo))]
        nodes += [(part, index, tile) for index, tile in enumerate(tiles)]
    return nodes


def _grid(reads: list[Ranges]) -> list[list[tuple[int, int]]]:
    """Per axis, the cells between every boundary some read has: overlapping reads share cells."""
    cells = []
    for axis in range(len(reads[0])):
        bounds = sorted({b for ranges in reads for b in ranges[axis]})
        cells.append(list(zip(bounds, bounds[1:])))
    return cells


def _pieces(value: str, ranges: Ranges, grid: list[list[tuple[int, int]]]) -> list[tuple[str, Ranges]]:
    """The cells of a DRAM tensor a read covers, with their names."""
    inside = [[cell for cell in axis if lo <= cell[0] and cell[1] <= hi] for axis, (lo, hi) in zip(grid, ranges)]
    return [(f"{value}[{','.join(f'{lo}:{hi}' for lo, hi in cell)}]", cell) for cell in product(*inside)]


def _read_ranges(layer: LayerOp, access, loops: dict[str, tuple[int, int]], shape: tuple) -> Ranges:
    return tuple(index_range(index, loops, shape[axis] if axis < len(shape) else None)
                 for axis, index in enumerate(access.indices))


def tile_layers(module: Module, tilings: dict[str, LayerTiling]) -> CNGraph:
    """The CNs of every layer (symbol -> tiling; a missing layer is one CN) and their edges.
    Weights and graph inputs are cut into the cells between the boundaries of the slices CNs
    read, so a halo two tiles share moves once."""
    defs = {op.result.name: op for op in module.ops if isinstance(op, (InputOp, ConstOp, LayerOp))}
    shapes = module.value_shapes()
    parts = {layer.symbol: _layer_parts(layer, tilings.get(layer.symbol, LayerTiling())) for layer in module.layers()}
    dram_reads: dict[str, list[Ranges]] = {}
    for layer in module.layers():
        roles = dict(layer.operands)
        for access in layer.compute.inputs:
            value = roles[access.operand]
            if isinstance(defs.get(value), (InputOp, ConstOp)):
                dram_reads.setdefault(value, []).extend(
                    _read_ranges(layer, access, loops, shapes.get(value) or ()) for _, _, loops in parts[layer.symbol])
    grids = {value: _grid(reads) for value, reads in dram_reads.items()}
    cns: list[CN] = []
    tensors: dict[str, Tensor] = {}
    outputs: dict[str, list[tuple[int, Ranges]]] = {}  # SSA value -> (CN, output ranges)
    edges: list[tuple[int, int, str]] = []
    for layer_index, layer in enumerate(module.layers()):
        tiling = tilings.get(layer.symbol, LayerTiling())
        roles = dict(layer.operands)
        for part, tile, loops in parts[layer.symbol]:
            cn_id = len(cns)
            inputs: list[str] = []
            for access in layer.compute.inputs:
                value = roles[access.operand]
                ranges = _read_ranges(layer, access, loops, shapes.get(value) or ())
                producer = defs.get(value)
                if isinstance(producer, LayerOp):
                    for source, produced in outputs[value]:
                        if overlaps(produced, ranges):
                            name = cns[source].output
                            if name not in inputs:
                                inputs.append(name)
                                edges.append((source, cn_id, name))
                elif producer is not None:
                    for name, cell in _pieces(value, ranges, grids[value]):
                        tensors.setdefault(name, Tensor(name, _elements(cell) * layer.precision.get(access.operand, 8),
                                                        None))
                        inputs.append(name)
                else:
                    raise error(f"layer @{layer.symbol} reads %{value}, which a data-movement op makes; multi-core "
                                f"scheduling supports graphs of compute layers only", layer.loc)
            out_ranges = tuple(index_range(index, loops, None) for index in layer.compute.output.indices)
            name = f"{layer.symbol}#{part}.{tile}"
            bits = _elements(out_ranges) * layer.precision.get("O_final", layer.precision.get("O", 8))
            tensors[name] = Tensor(name, bits, cn_id)
            outputs.setdefault(layer.result.name, []).append((cn_id, out_ranges))
            cns.append(CN(cn_id, layer.symbol, part, tile, tiling.group, layer_index,
                          tuple((d, lo, hi) for d, (lo, hi) in loops.items()), tuple(inputs), name))
    read = {name for cn in cns for name in cn.inputs}
    returned = {value for op in module.ops if isinstance(op, ReturnOp) for value in op.operands}
    symbols = {layer.symbol for layer in module.layers() if layer.result.name in returned}
    sinks = frozenset(cn.id for cn in cns if cn.output not in read or cn.layer in symbols)
    return CNGraph(tuple(cns), tensors, tuple(edges), sinks)
