"""Print a Module as text that `parse_module` reads back unchanged.

One printer for every stage: a layer shows only the parts the passes have
filled in, and a mapped layer reads like a loop-nest printout.
"""

from __future__ import annotations

import json
import math

from dsec.dialect.accelerator import Accelerator, Memory
from dsec.dialect.multicore import MultiCore
from dsec.dialect.attributes import Constraints, Nest, Spatial
from dsec.dialect.ops import ConstOp, InputOp, LayerOp, Module, MoveOp, Op, ReturnOp

INDENT = "  "


def format_value(value: object) -> str:
    """A generic attribute value: numbers, strings, booleans, lists, dicts."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot print non-finite number {value}")
        return repr(value)  # shortest text that reads back to the same float
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return format_dict(value)
    raise TypeError(f"cannot print attribute value {value!r}")


def format_key(key: str) -> str:
    return key if key.isidentifier() and key.isascii() else json.dumps(key, ensure_ascii=False)


def format_dict(d: dict) -> str:
    return "{" + ", ".join(f"{format_key(k)} = {format_value(v)}" for k, v in d.items()) + "}"


def print_module(module: Module) -> str:
    lines = [f"dsec.module @{module.name} {{"]
    lines += _accelerator_lines(module.accelerator, 1)
    if module.multicore is not None:
        lines += _multicore_lines(module.multicore, module.accelerator)
    lines.append(f"{INDENT}options {format_dict(module.options)}")
    for op in module.ops:
        lines += _op_lines(op, 1)
    if module.schedule is not None:
        lines += _schedule_lines(module.schedule)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _accelerator_lines(acc: Accelerator, depth: int) -> list[str]:
    pad = INDENT * depth
    array = ", ".join(f"{d} = {s}" for d, s in acc.array)
    fields: dict[str, object] = {"unit_energy": acc.unit_energy, "unit_area": acc.unit_area}
    if acc.systolic_dimensions:
        fields["systolic_dimensions"] = acc.systolic_dimensions
    if acc.imc is not None:
        fields["imc"] = {"type": acc.imc.imc_type,
                         "input_precision": [acc.imc.activation_precision, acc.imc.weight_precision],
                         "bit_serial_precision": acc.imc.bit_serial_precision,
                         "adc_resolution": acc.imc.adc_resolution}
    lines = [f"{pad}accelerator @{acc.name} {{", f"{pad}{INDENT}array [{array}] {format_dict(fields)}"]
    for memory in acc.memories:
        lines += _memory_lines(memory, depth + 1)
    lines.append(f"{pad}}}")
    return lines


def _multicore_lines(hardware: MultiCore, main: Accelerator) -> list[str]:
    """The cores' accelerators other than the module's, once each, then cores and connections."""
    pad = INDENT * 2
    lines = [f"{INDENT}multicore @{hardware.name} {format_dict({'offchip': hardware.offchip})} {{"]
    declared = {main.name: main}
    for core in hardware.cores:
        if core.accelerator.name not in declared:
            declared[core.accelerator.name] = core.accelerator
            lines += _accelerator_lines(core.accelerator, 2)
    for core in hardware.cores:
        fields: dict[str, object] = {}
        if core.kind != "compute":
            fields["kind"] = core.kind
        if core.operator_types:
            fields["operator_types"] = core.operator_types
        if core.input_bits is not None:
            fields["input_bits"] = core.input_bits
        if core.accumulator_bits is not None:
            fields["accumulator_bits"] = core.accumulator_bits
        lines.append(f"{pad}core {core.id} @{core.accelerator.name} {format_dict(fields)}")
    for connection in hardware.connections:
        cores = ", ".join(str(c) for c in connection.cores)
        fields = {"bandwidth": connection.bandwidth, "unit_energy": connection.unit_energy}
        lines.append(f"{pad}{connection.kind} @{connection.name} [{cores}] {format_dict(fields)}")
    lines.append(f"{INDENT}}}")
    return lines


def _schedule_lines(schedule: dict) -> list[str]:
    summary = {k: v for k, v in schedule.items() if k not in ("transfers", "occupancy")}
    lines = [f"{INDENT}schedule {format_dict(summary)} {{"]
    for transfer in schedule.get("transfers", ()):
        fields = {k: v for k, v in transfer.items() if k != "tensor"}
        lines.append(f"{INDENT * 2}transfer {json.dumps(transfer['tensor'])} {format_dict(fields)}")
    for held in schedule.get("occupancy", ()):
        fields = {k: v for k, v in held.items() if k != "core"}
        lines.append(f"{INDENT * 2}occupancy {json.dumps(held['core'])} {format_dict(fields)}")
    lines.append(f"{INDENT}}}")
    return lines


def _memory_lines(mem: Memory, depth: int) -> list[str]:
    pad = INDENT * depth
    fields: dict[str, object] = {"size": mem.size, "r_cost": mem.r_cost, "w_cost": mem.w_cost, "area": mem.area,
                                 "latency": mem.latency}
    if mem.force_double_buffering:
        fields["force_double_buffering"] = True
    lines = [f"{pad}memory @{mem.name} operands [{', '.join(mem.operands)}] "
             f"served [{', '.join(mem.served_dimensions)}] {format_dict(fields)} {{"]
    for port in mem.ports:
        bandwidth = format_dict({"bandwidth_min": port.bandwidth_min, "bandwidth_max": port.bandwidth_max})
        allocation = ", ".join(f"{op}.{direction}" for op, direction in port.allocation)
        lines.append(f"{pad}{INDENT}port @{port.name} {port.type} {bandwidth} [{allocation}]")
    lines.append(f"{pad}}}")
    return lines


def _op_lines(op: Op, depth: int) -> list[str]:
    pad = INDENT * depth
    if isinstance(op, InputOp):
        return [f"{pad}%{op.result.name} = dsec.input {json.dumps(op.name)} : {op.result.type}"]
    if isinstance(op, ConstOp):
        return [f"{pad}%{op.result.name} = dsec.const {json.dumps(op.name)} : {op.result.type}"]
    if isinstance(op, MoveOp):
        kind = "dsec.opaque" if op.opaque else "dsec.move"
        results = ", ".join(f"%{v.name}" for v in op.results)
        types = ", ".join(str(v.type) for v in op.results)
        operands = ", ".join(f"%{v}" for v in op.operands)
        return [f"{pad}{results} = {kind} @{op.symbol} {json.dumps(op.op_type)}({operands}) : {types} "
                f"{format_dict(op.attrs)}"]
    if isinstance(op, ReturnOp):
        values = ", ".join(f"%{v}" for v in op.operands)
        return [f"{pad}dsec.return {values}".rstrip()]
    return _layer_lines(op, depth)


def _layer_lines(layer: LayerOp, depth: int) -> list[str]:
    pad = INDENT * depth
    inner = pad + INDENT
    operands = ", ".join(f"{role}: %{value}" for role, value in layer.operands)
    lines = [f"{pad}%{layer.result.name} = dsec.layer @{layer.symbol} {json.dumps(layer.op_type)}"
             f"({operands}) : {layer.result.type} {{"]
    if layer.name:
        lines.append(f"{inner}name {json.dumps(layer.name, ensure_ascii=False)}")
    lines.append(f"{inner}dims {format_dict(layer.dims)}")
    lines.append(f"{inner}{layer.compute}")
    lines.append(f"{inner}precision {format_dict(layer.precision)}")
    lines.append(f"{inner}links {{{', '.join(f'{k} = {v}' for k, v in layer.links.items())}}}")
    if layer.fuses:
        lines.append(f"{inner}fuses [{', '.join('@' + symbol for symbol in layer.fuses)}]")
    if layer.fused_into is not None:
        lines.append(f"{inner}fused into @{layer.fused_into}")
    if layer.constraints is not None:
        lines += _constraint_lines(layer.constraints, inner)
    if layer.locality is not None:
        lines.append(f"{inner}{layer.locality}")
    if layer.nest is None and layer.spatial is not None:
        lines.append(f"{inner}{_spatial_text(layer.spatial)}")
    if layer.search is not None:
        lines += _search_lines(layer.search, inner)
    if layer.nest is not None:
        lines += _nest_lines(layer.nest, layer.spatial, depth + 1)
    if layer.cost is not None:
        lines.append(f"{inner}cost {format_dict(layer.cost)}")
    if layer.tiling is not None:
        lines.append(f"{inner}tiling {format_dict(layer.tiling)}")
    lines += [f"{inner}cn {cn['id']} {format_dict({k: v for k, v in cn.items() if k != 'id'})}" for cn in layer.cns]
    lines.append(f"{pad}}}")
    return lines


def _search_lines(search: dict, pad: str) -> list[str]:
    """One line per entry, and one per list item, so a search remark stays readable."""
    lines = [f"{pad}search {{"]
    entries = list(search.items())
    for index, (key, value) in enumerate(entries):
        comma = "," if index < len(entries) - 1 else ""
        if isinstance(value, (list, tuple)) and value:
            lines.append(f"{pad}{INDENT}{format_key(key)} = [")
            lines += [f"{pad}{INDENT * 2}{format_value(item)}{',' if i < len(value) - 1 else ''}"
                      for i, item in enumerate(value)]
            lines.append(f"{pad}{INDENT}]{comma}")
        else:
            lines.append(f"{pad}{INDENT}{format_key(key)} = {format_value(value)}{comma}")
    lines.append(f"{pad}}}")
    return lines


def _spatial_text(spatial: Spatial) -> str:
    return f"spatial {spatial}".rstrip()


def _constraint_lines(c: Constraints, pad: str) -> list[str]:
    lines = []
    if c.spatial is not None:
        lines.append(f"{pad}require spatial {c.spatial}".rstrip())
    if c.hint is not None:
        hints = " ".join(f"{array_dim}[{', '.join(dims)}]" for array_dim, dims in c.hint)
        lines.append(f"{pad}require hint {hints}".rstrip())
    if c.order is not None:
        lines.append(f"{pad}require order [{', '.join(str(loop) for loop in c.order)}]")
    return lines


def _nest_lines(nest: Nest, spatial: Spatial | None, depth: int) -> list[str]:
    """Loops outermost first; each buffer line sits just above the loops its
    memory's tile spans."""
    lines = [f"{INDENT * depth}nest {{"]
    buffers_at: dict[int, list] = {}
    for buffer in nest.buffers:
        buffers_at.setdefault(buffer.position, []).append(buffer)
    level = depth + 1
    for position in range(len(nest.loops), -1, -1):
        pad = INDENT * level
        for buffer in buffers_at.get(position, []):
            lines.append(f"{pad}buffer @{buffer.memory} [{', '.join(buffer.operands)}]")
        if position > 0:
            lines.append(f"{pad}for {nest.loops[position - 1]} {{")
            level += 1
    if spatial is not None:
        lines.append(f"{INDENT * level}{_spatial_text(spatial)}")
    for close in range(level - 1, depth, -1):
        lines.append(f"{INDENT * close}}}")
    lines.append(f"{INDENT * depth}}}")
    return lines
