"""The IR verifier: structural rules every module must satisfy, run after
parsing and after every pass. Returns diagnostics instead of raising, so a
user sees every problem of a file at once."""

from __future__ import annotations

from math import ceil, prod

from dsec.compiler.diagnostics import Diagnostic
from dsec.compiler.location import Loc
from dsec.cost.allocation import placed_tile_bits
from dsec.cost.levels import effective_unrolling
from dsec.cost.workload import layer_view
from dsec.cost.locality import layer_accelerator, memory_instances
from dsec.dialect.accelerator import DIRECTIONS, MEMORY_OPERANDS, PORT_TYPES, Accelerator
from dsec.dialect.attributes import Locality, Nest, Spatial
from dsec.dialect.fusion import verify_fusion
from dsec.dialect.graph import tensor_reads
from dsec.dialect.ops import LayerOp, Module, MoveOp, operand_shapes, operands_of, results_of
from dsec.imc.rules import macro_violations


def verify_module(module: Module) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    out += verify_accelerator(module.accelerator)
    out += _verify_graph(module)
    if not out:
        out += _verify_kept_tensors(module)
    if not out:
        out += verify_fusion(module)
    shapes = module.value_shapes()
    for layer in module.layers():
        out += verify_layer(layer, module.accelerator, operand_shapes(layer, shapes))
    return out


def _err(message: str, loc: Loc | None) -> Diagnostic:
    return Diagnostic("error", message, loc)


# ---- accelerator -------------------------------------------------------------


def verify_accelerator(acc: Accelerator) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if not acc.array:
        out.append(_err("the operational array has no dimensions", acc.loc))
    array_dims = set(acc.array_sizes)
    for dim in acc.systolic_dimensions:
        if dim not in array_dims:
            out.append(_err(f"systolic dimension '{dim}' is not an array dimension ({', '.join(array_dims)})",
                            acc.loc))
    if acc.imc is not None:
        out += [_err(message, loc or acc.loc) for message, loc in macro_violations(acc)]
    seen: set[str] = set()
    for mem in acc.memories:
        if mem.name in seen:
            out.append(_err(f"memory @{mem.name} is defined twice", mem.loc))
        seen.add(mem.name)
        for operand in mem.operands:
            if operand not in MEMORY_OPERANDS:
                out.append(_err(f"memory @{mem.name} holds unknown memory operand '{operand}'; "
                                f"expected one of: {', '.join(MEMORY_OPERANDS)}", mem.loc))
        for dim in mem.served_dimensions:
            if dim not in array_dims:
                out.append(_err(f"memory @{mem.name} serves '{dim}', which is not an array dimension "
                                f"({', '.join(array_dims)})", mem.loc))
        for port in mem.ports:
            if port.type not in PORT_TYPES:
                out.append(_err(f"port @{port.name} has type '{port.type}'; expected one of: "
                                f"{', '.join(PORT_TYPES)}", port.loc))
            if port.bandwidth_min > port.bandwidth_max:
                out.append(_err(f"port @{port.name} of @{mem.name} has bandwidth_min {port.bandwidth_min} "
                                f"> bandwidth_max {port.bandwidth_max}", port.loc))
            for operand, direction in port.allocation:
                if operand not in mem.operands:
                    out.append(_err(f"port @{port.name} serves operand '{operand}', which memory "
                                    f"@{mem.name} does not hold", port.loc))
                if direction not in DIRECTIONS:
                    out.append(_err(f"port @{port.name} has direction '{direction}'; expected one of: "
                                    f"{', '.join(DIRECTIONS)}", port.loc))
    return out


# ---- graph -------------------------------------------------------------------


def _verify_graph(module: Module) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    defined: set[str] = set()
    symbols: set[str] = set()
    for op in module.ops:
        for value in operands_of(op):
            if value not in defined:
                out.append(_err(f"use of undefined value %{value}", op.loc))
        for value in results_of(op):
            if value.name in defined:
                out.append(_err(f"value %{value.name} is defined twice", op.loc))
            defined.add(value.name)
        if isinstance(op, (LayerOp, MoveOp)):
            if op.symbol in symbols:
                out.append(_err(f"symbol @{op.symbol} is defined twice", op.loc))
            symbols.add(op.symbol)
    return out


def _verify_kept_tensors(module: Module) -> list[Diagnostic]:
    """A tensor kept on chip is written and read in the same memory: the
    producer's and every reading layer's locality agree (the top memory when
    absent). Other readers (the graph's return, ops dsec does not map) are
    not costed, so they may read it wherever it is."""
    out: list[Diagnostic] = []
    reads = tensor_reads(module)
    for producer in module.layers():
        kept = _kept(producer, producer.compute.output.operand, module.accelerator)
        for read in reads.get(producer.result.name, []):
            if not isinstance(read.op, LayerOp):
                continue
            read_from = _kept(read.op, read.role, module.accelerator)
            if read_from != kept:
                out.append(_err(f"layer @{read.op.symbol}: reads {read.role} from {_where(read_from)}, but its "
                                f"producer @{producer.symbol} leaves %{producer.result.name} in {_where(kept)}; "
                                f"give both the same locality", (read.op.locality or read.op).loc))
    return out


def _kept(layer: LayerOp, role: str, acc: Accelerator) -> str | None:
    """Where the locality keeps `role`, None for the top memory (as without)."""
    kept = dict(layer.locality.keep).get(role) if layer.locality else None
    hierarchy = acc.hierarchy(layer.links.get(role, ""))
    return None if hierarchy and hierarchy[-1].name == kept else kept


def _where(memory: str | None) -> str:
    return f"@{memory}" if memory else "the top memory"


# ---- layers ------------------------------------------------------------------


def verify_layer(layer: LayerOp, acc: Accelerator, shapes: dict | None = None) -> list[Diagnostic]:
    out = _verify_body(layer, acc)
    if layer.locality is not None and not out:
        out += _verify_locality(layer, layer.locality, acc)
    if out:  # mapping rules assume a well-formed body
        return out
    acc = layer_accelerator(layer, acc)  # the mapping rules hold on the hierarchy as locality cuts it
    if layer.constraints is not None and layer.constraints.spatial is not None:
        out += _verify_spatial(layer, layer.constraints.spatial, acc, "required spatial mapping", required=True)
    if layer.spatial is not None:
        out += _verify_spatial(layer, layer.spatial, acc, "spatial mapping", required=False)
    if layer.nest is not None and not out:
        out += _verify_nest(layer, layer.nest, acc, shapes or {})
    return out


def _verify_locality(layer: LayerOp, locality: Locality, acc: Accelerator) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    where = f"layer @{layer.symbol}: locality"
    for role, name in locality.keep:
        memory = acc.memory(name)
        if role not in layer.links:
            out.append(_err(f"{where} keeps operand {role}, which the layer does not have (it has "
                            f"{', '.join(layer.links)})", locality.loc))
        elif memory is None:
            out.append(_err(f"{where} keeps {role} in unknown memory @{name}; memories are "
                            f"{', '.join('@' + m.name for m in acc.memories)}", locality.loc))
        elif layer.links[role] not in memory.operands:
            holders = ", ".join("@" + m.name for m in acc.hierarchy(layer.links[role]))
            out.append(_err(f"{where} keeps {role} in @{name}, which does not hold its memory operand "
                            f"{layer.links[role]} (held by {holders})", locality.loc))
    for name, bits in locality.live:
        memory = acc.memory(name)
        if memory is None:
            out.append(_err(f"{where}: live bits in unknown memory @{name}", locality.loc))
        elif bits > memory.size * memory_instances(acc, memory):
            out.append(_err(f"{where}: {bits} live bits do not fit in @{name} "
                            f"({memory.size * memory_instances(acc, memory)} bits in all its copies)", locality.loc))
    return out


def _verify_body(layer: LayerOp, acc: Accelerator) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    compute = layer.compute
    loc = compute.loc or layer.loc
    operands = [a.operand for a in compute.accesses()]
    if len(set(operands)) != len(operands):
        out.append(_err(f"layer @{layer.symbol}: an operand appears twice in the body", loc))
    for access in compute.accesses():
        unknown = sorted(access.dims() - set(layer.dims))
        if unknown:
            out.append(_err(f"layer @{layer.symbol}: access {access.operand}[...] uses unknown dim "
                            f"{', '.join(unknown)}; dims are {', '.join(layer.dims)}", loc))
    bound = dict(layer.operands)
    for access in compute.inputs:
        if access.operand not in bound:
            out.append(_err(f"layer @{layer.symbol}: operand {access.operand} is not bound to a value "
                            f"in the op's operand list", layer.loc))
    if compute.output.operand in bound:
        out.append(_err(f"layer @{layer.symbol}: the output {compute.output.operand} cannot be an input",
                        layer.loc))
    output = compute.output.operand
    for operand in operands:
        if operand not in layer.precision:
            out.append(_err(f"layer @{layer.symbol}: no precision for operand {operand}", layer.loc))
    for key in layer.precision:
        if key not in operands and key != f"{output}_final":
            out.append(_err(f"layer @{layer.symbol}: precision for unknown operand '{key}'", layer.loc))
    memory_operands = {op for mem in acc.memories for op in mem.operands}
    for operand in operands:
        if operand not in layer.links:
            out.append(_err(f"layer @{layer.symbol}: no memory operand link for operand {operand}", layer.loc))
    for operand, memory_operand in layer.links.items():
        if operand not in operands:
            out.append(_err(f"layer @{layer.symbol}: link for unknown operand '{operand}'", layer.loc))
        elif memory_operand not in memory_operands:
            out.append(_err(f"layer @{layer.symbol}: operand {operand} is linked to memory operand "
                            f"'{memory_operand}', which no memory holds", layer.loc))
    known = {op: m for op, m in layer.links.items() if op in operands}
    for memory_operand in sorted(set(known.values())):
        sharing = [op for op, m in known.items() if m == memory_operand]
        if len(sharing) < 2:
            continue
        out.append(_err(f"layer @{layer.symbol}: operands {' and '.join(sharing)} are both linked to memory operand "
                        f"{memory_operand}; each operand needs its own (memory_operand_links are one to one, as in "
                        f"ZigZag)", layer.loc))
    return out


def _verify_spatial(layer: LayerOp, spatial: Spatial, acc: Accelerator, what: str, required: bool) -> list[Diagnostic]:
    """`required` is the user's request: dims the layer lacks and factors wider
    than a dim are allowed there (spatial-unroll clamps them, as ZigZag does)."""
    out: list[Diagnostic] = []
    sizes = acc.array_sizes
    seen: set[str] = set()
    for unroll in spatial.unrolls:
        loc = unroll.loc or spatial.loc
        if unroll.array_dim not in sizes:
            out.append(_err(f"layer @{layer.symbol}: {what} uses '{unroll.array_dim}', which is not an "
                            f"array dimension ({', '.join(sizes)})", loc))
            continue
        if unroll.array_dim in seen:
            out.append(_err(f"layer @{layer.symbol}: {what} lists {unroll.array_dim} twice", loc))
        seen.add(unroll.array_dim)
        for loop in unroll.loops:
            if loop.dim not in layer.dims and not required:
                out.append(_err(f"layer @{layer.symbol}: {what} unrolls unknown dim {loop.dim}", loop.loc or loc))
        used = prod(loop.factor or 1 for loop in unroll.loops)
        # A single requested factor wider than the array is clamped by spatial-unroll (ZigZag reduces it too).
        if used > sizes[unroll.array_dim] and not (required and len(unroll.loops) == 1):
            out.append(_err(f"layer @{layer.symbol}: {what} puts {used} iterations on {unroll.array_dim}, "
                            f"which has {sizes[unroll.array_dim]} PEs", loc))
    if required:
        return out
    for dim, factor in spatial.factors().items():
        if dim in layer.dims and factor > layer.dims[dim]:
            out.append(_err(f"layer @{layer.symbol}: {what} unrolls {dim} {factor} ways but {dim} = "
                            f"{layer.dims[dim]}", spatial.loc))
    return out


def _verify_nest(layer: LayerOp, nest: Nest, acc: Accelerator, shapes: dict) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for loop in nest.loops:
        if loop.dim not in layer.dims:
            out.append(_err(f"layer @{layer.symbol}: loop over unknown dim {loop.dim}", loop.loc or nest.loc))
    if out:
        return out
    spatial = layer.spatial.factors() if layer.spatial is not None else {}
    temporal = nest.factors()
    for dim, size in layer.dims.items():
        # A non-dividing unrolling leaves the last iteration partly idle.
        need = ceil(size / spatial.get(dim, 1))
        have = temporal.get(dim, 1)
        if have != need:
            how = f"{dim} = {size}" if dim not in spatial else f"{dim} = {size} unrolled {spatial[dim]} ways"
            out.append(_err(f"layer @{layer.symbol}: temporal loops over {dim} multiply to {have}, "
                            f"but {how} needs {need}", nest.loc))
    if nest.buffers:
        out += _verify_buffers(layer, nest, acc, shapes)
    return out


def _verify_buffers(layer: LayerOp, nest: Nest, acc: Accelerator, shapes: dict) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    operands = [a.operand for a in layer.compute.accesses()]
    positions = [b.position for b in nest.buffers]
    if positions != sorted(positions, reverse=True) or not all(0 <= p <= len(nest.loops) for p in positions):
        out.append(_err(f"layer @{layer.symbol}: buffers must be listed outermost first, inside the nest",
                        nest.loc))
        return out
    for buffer in nest.buffers:
        memory = acc.memory(buffer.memory)
        if memory is None:
            out.append(_err(f"layer @{layer.symbol}: unknown memory @{buffer.memory}; memories are "
                            f"{', '.join('@' + m.name for m in acc.memories)}", buffer.loc))
            continue
        for operand in buffer.operands:
            if operand not in operands:
                out.append(_err(f"layer @{layer.symbol}: buffer places unknown operand '{operand}'", buffer.loc))
            elif layer.links.get(operand) not in memory.operands:
                kept = dict(layer.locality.keep).get(operand) if layer.locality else None
                why = f"; the locality line keeps {operand} in @{kept}, below it" if kept else ""
                out.append(_err(f"layer @{layer.symbol}: memory @{memory.name} does not hold operand {operand} "
                                f"(memory operand {layer.links.get(operand)}){why}", buffer.loc))
    if out:
        return out
    for operand in operands:
        expected = [m.name for m in acc.hierarchy(layer.links[operand])]
        placed = [b.memory for b in nest.levels(operand)]
        if placed != expected:
            out.append(_err(f"layer @{layer.symbol}: operand {operand} is placed in "
                            f"[{', '.join('@' + p for p in placed)}] (innermost first) but its memory operand "
                            f"{layer.links[operand]} lives in [{', '.join('@' + e for e in expected)}]", nest.loc))
    if out:
        return out
    for memory_name, per_operand in memory_usage(layer, acc, shapes).items():
        memory = acc.memory(memory_name)
        assert memory is not None
        need = sum(per_operand.values())
        if need > memory.size:
            parts = ", ".join(f"{op}: {bits}" for op, bits in per_operand.items())
            first = next(b for b in nest.buffers if b.memory == memory_name)
            doubled = " (tiles of a double-buffered memory count twice)" if memory.force_double_buffering else ""
            out.append(_err(f"layer @{layer.symbol}: tiles in @{memory_name} need {need} bits ({parts}) "
                            f"but it holds {memory.size}{doubled}", first.loc))
    return out


def memory_usage(layer: LayerOp, acc: Accelerator, shapes: dict) -> dict[str, dict[str, int]]:
    """Bits per memory and operand of a placed nest, counted as memory-alloc
    counts them (distinct inputs of a sliding window, cut at the tensor's edge)."""
    view = layer_view(layer, shapes)
    unrolling = effective_unrolling(layer.spatial or Spatial(()), view.dims, acc.array_sizes, fractional=True)
    order = [(loop.dim, loop.factor or 1) for loop in layer.nest.loops]
    usage: dict[str, dict[str, int]] = {}
    for buffer in layer.nest.buffers:
        memory = acc.memory(buffer.memory)
        for name in buffer.operands:
            bits = placed_tile_bits(view, acc, unrolling, order, view.operand(name), memory, buffer.position)
            usage.setdefault(memory.name, {})[name] = ceil(bits)
    return usage
