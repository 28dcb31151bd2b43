"""Read a ZigZag accelerator YAML (zigzag-dse 3.9 schema) into an Accelerator.

Every problem is reported with file, line and key, all at once. The
in-memory-computing keys are checked in imc_arch.py; `auto_cost_extraction: true`
takes a memory's costs and area from CACTI (frontend/cacti.py). The schema is the one of the
zigzag-dse 3.9.1 release on PyPI, which has `systolic_dimensions` and
`force_double_buffering`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dsec.compiler.diagnostics import Diagnostic
from dsec.compiler.location import Loc
from dsec.frontend.yaml_source import Checker, YNode, load_yaml, read_text_file
from dsec.dialect.accelerator import CELLS, DIRECTIONS, MEMORY_OPERANDS, PORT_TYPES, Accelerator, Memory, Port
from dsec.frontend.imc_arch import check_cells, imc_array, with_cacti_cells

TOP_KEYS = ["name", "memories", "operational_array"]
TOP_UNSUPPORTED = {"dataflows": "give the spatial mapping in the mapping file (spatial_mapping) instead"}
ARRAY_KEYS = ["dimensions", "sizes"]
ARRAY_OPTIONAL = ["unit_energy", "unit_area", "input_precision", "is_imc", "systolic_dimensions"]
IMC_KEYS = ["imc_type", "adc_resolution", "bit_serial_precision"]
MEMORY_KEYS = ["size", "latency", "operands", "ports", "served_dimensions"]
MEMORY_OPTIONAL = ["r_cost", "w_cost", "area", "mem_type", "auto_cost_extraction", "force_double_buffering",
                   "min_r_granularity", "min_w_granularity", "technology"]
PORT_KEYS = ["name", "type", "bandwidth_min", "bandwidth_max", "allocation"]
ALLOCATION = re.compile(r"^\s*(\w+)\s*,\s*(\w+)\s*$")

# Directions a level must be able to serve: inputs are read toward the array
# and, below the top, written from above; outputs are written from below and,
# below the top, read back up.
REQUIRED_DIRECTIONS = {"I1": ("tl", "fh"), "I2": ("tl", "fh"), "O": ("fl", "th")}
TOP_LEVEL_NOT_NEEDED = {"fh", "th"}


@dataclass
class ArchSpec:
    accelerator: Accelerator
    # ZigZag's operational_array.input_precision: [activation bits, weight bits],
    # used as the default I and W precisions.
    input_precision: tuple[int, int] | None = None
    warnings: list[Diagnostic] = field(default_factory=list)


def load_accelerator_file(path: str) -> ArchSpec:
    """Read and validate an accelerator YAML. Raises DiagnosticError."""
    return load_accelerator(read_text_file(path, "accelerator file"), path)


def load_accelerator(text: str, filename: str) -> ArchSpec:
    root, warnings = load_yaml(text, filename)
    return accelerator_from_yaml(root, warnings, filename)


def accelerator_from_yaml(root: YNode | None, warnings: list[Diagnostic], filename: str,
                          extra_keys: tuple[str, ...] = ()) -> ArchSpec:
    """An accelerator from parsed YAML; `extra_keys` are top-level keys the caller reads itself
    (Stream's core files add `type`, `operator_types`, `operand_precision`)."""
    check = Checker(warnings)
    if root is None:
        check.fail("the accelerator file is empty", Loc(filename, 1, 1))
    if root.is_map():
        for key, advice in TOP_UNSUPPORTED.items():
            if key in root.value:
                check.error(f"'{key}' is not supported yet; {advice}", root.key_locs[key])
    if not check.keys(root, "the accelerator", TOP_KEYS, list(TOP_UNSUPPORTED) + list(extra_keys), Loc(filename, 1, 1)):
        check.raise_if_errors()
    name = check.typed(root, "name", str, "the accelerator", "accelerator")
    array_node, array_loc = root.value["operational_array"], root.key_locs["operational_array"]
    array, unit_energy, unit_area, systolic, precision, imc = _operational_array(array_node, array_loc, check)
    array_dims = [d for d, _ in array]
    memories = _memories(root.value["memories"], array_dims, check, imc is not None)
    if imc is not None:
        check_cells(memories, imc, array_loc, check)
        if not any(d.severity == "error" for d in check.diagnostics):
            memories = with_cacti_cells(memories, array, imc, root.value["memories"], check)
    check.raise_if_errors()
    accelerator = Accelerator(
        name=_symbol(name), array=tuple(array), unit_energy=unit_energy, unit_area=unit_area,
        memories=tuple(memories), systolic_dimensions=systolic, loc=root.key_locs["name"] if "name" in root.key_locs else root.loc,
        imc=imc)
    return ArchSpec(accelerator, precision, [d for d in check.diagnostics if d.severity != "error"])


def _symbol(name: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9_.$-]", "_", name)
    return clean if re.match(r"[A-Za-z_]", clean) else f"acc_{clean}"


def _operational_array(node: YNode, key_loc: Loc, check: Checker):
    where = "operational_array"
    if not check.keys(node, where, ARRAY_KEYS, ARRAY_OPTIONAL + IMC_KEYS, key_loc):
        return [], 0.0, 0.0, (), None, None
    is_imc = check.typed(node, "is_imc", bool, where, False)
    if not is_imc:
        for key in IMC_KEYS:
            if key in node.value and node.value[key].value not in (None, 0):
                check.error(f"'{key}' is an in-memory-computing key; set 'is_imc: true' or remove it",
                            node.key_locs[key])
    dims = _string_list(node, "dimensions", where, check)
    sizes_node = node.value["sizes"]
    sizes = []
    if not sizes_node.is_list():
        check.error("'sizes' of operational_array must be a list of integers", sizes_node.loc)
    else:
        for item in sizes_node.value:
            if not isinstance(item.value, int) or isinstance(item.value, bool) or item.value < 1:
                check.error(f"array sizes must be positive integers, got {item.value!r}", item.loc)
            sizes.append(item.value)
    if len(dims) != len(sizes) and sizes_node.is_list():
        check.error(f"operational_array has {len(dims)} dimensions but {len(sizes)} sizes", sizes_node.loc)
    if len(set(dims)) != len(dims):
        check.error("operational_array lists a dimension twice", node.value["dimensions"].loc)
    if "unit_energy" not in node.value and not is_imc:
        check.error("operational_array is missing 'unit_energy' (pJ per MAC), which the cost model needs",
                    key_loc)
    unit_energy = check.typed(node, "unit_energy", float, where, 0.0)
    unit_area = check.typed(node, "unit_area", float, where, 0.0)
    precision = None
    if "input_precision" in node.value:
        item = node.value["input_precision"]
        values = [v.value for v in item.value] if item.is_list() else []
        if len(values) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values):
            check.error("'input_precision' must be [activation bits, weight bits], e.g. [8, 8]", item.loc)
        else:
            precision = (values[0], values[1])
    systolic = tuple(_string_list(node, "systolic_dimensions", where, check)) if "systolic_dimensions" in node.value else ()
    for dim in systolic:
        if dim not in dims:
            check.error(f"systolic dimension '{dim}' is not one of the array dimensions ({', '.join(dims)})",
                        node.value["systolic_dimensions"].loc)
    imc = imc_array(node, key_loc, list(zip(dims, sizes)), check) if is_imc else None
    return list(zip(dims, sizes)), unit_energy, unit_area, systolic, precision, imc


def _string_list(node: YNode, key: str, where: str, check: Checker) -> list[str]:
    item = node.value[key]
    if not item.is_list() or not all(isinstance(v.value, str) for v in item.value):
        check.error(f"'{key}' of {where} must be a list of names", item.loc)
        return []
    return [v.value for v in item.value]


def _memories(node: YNode, array_dims: list[str], check: Checker, imc: bool = False) -> list[Memory]:
    if not node.is_map() or not node.value:
        check.error("'memories' must map each memory's name to its description", node.loc)
        return []
    # An IMC array's cells get their CACTI costs as a cell array (with_cacti_cells), not as a memory of their own.
    memories = [_memory(name, mem, node.key_locs[name], array_dims, check, cacti=not (imc and name == CELLS))
                for name, mem in node.value.items()]
    memories = [m for m in memories if m is not None]
    _check_top_levels_and_directions(memories, check)
    return memories


def _memory(name: str, node: YNode, key_loc: Loc, array_dims: list[str], check: Checker,
            cacti: bool = True) -> Memory | None:
    where = f"memory '{name}'"
    if not check.keys(node, where, MEMORY_KEYS, MEMORY_OPTIONAL, key_loc):
        return None
    auto_cost = check.typed(node, "auto_cost_extraction", bool, where, False)
    for key in ("min_r_granularity", "min_w_granularity"):
        if key in node.value:
            check.error(f"'{key}' of {where} is not supported yet", node.key_locs[key])
    for key in ("r_cost", "w_cost"):
        if not auto_cost and (key not in node.value or node.value[key].value is None):
            check.error(f"{where} is missing '{key}' (pJ per access of one bandwidth_max word)", key_loc)
    size = check.typed(node, "size", int, where, 0)
    if size <= 0 and isinstance(size, int) and "size" in node.value:
        check.error(f"'size' of {where} must be positive (bits)", node.value["size"].loc)
    latency = check.typed(node, "latency", int, where, 1)
    check.typed(node, "mem_type", str, where)
    operands = _string_list(node, "operands", where, check)
    for operand in operands:
        if operand not in MEMORY_OPERANDS:
            check.error(f"{where} holds unknown memory operand '{operand}'; expected I1, I2 or O",
                        node.value["operands"].loc)
    served = _string_list(node, "served_dimensions", where, check)
    for dim in served:
        if dim not in array_dims:
            check.error(f"{where} serves '{dim}', which is not an array dimension ({', '.join(array_dims)})",
                        node.value["served_dimensions"].loc)
    ports_node = node.value["ports"]
    ports: list[Port] = []
    if not ports_node.is_list():
        check.error(f"'ports' of {where} must be a list of ports", ports_node.loc)
    else:
        for port in ports_node.value:
            built = _port(port, where, operands, check)
            if built is not None:
                ports.append(built)
    area = node.value.get("area")
    r_cost = check.typed(node, "r_cost", float, where, 0.0) or 0.0
    w_cost = check.typed(node, "w_cost", float, where, 0.0) or 0.0
    area = check.typed(node, "area", float, where, 0.0) if area is not None and area.value is not None else 0.0
    if auto_cost and size > 0 and cacti:
        r_cost, w_cost, area = _cacti_costs(node, where, size, ports, check)
    return Memory(
        name=_symbol(name), size=size, r_cost=r_cost, w_cost=w_cost, area=area,
        latency=latency, operands=tuple(operands), served_dimensions=tuple(served), ports=tuple(ports),
        force_double_buffering=bool(check.typed(node, "force_double_buffering", bool, where, False)), loc=key_loc)


def _cacti_costs(node: YNode, where: str, size: int, ports: list[Port], check: Checker) -> tuple[float, float, float]:
    """r_cost, w_cost and area from CACTI (frontend/cacti.py), as ZigZag's auto_cost_extraction does: the bus is
    the first read port's bandwidth_max (else a read_write port's); given costs are replaced."""
    from dsec.frontend.cacti import DEFAULT_TECHNOLOGY, CactiError, memory_costs, query_for

    loc = node.value["auto_cost_extraction"].loc
    read = [p for p in ports if p.type == "read"] or [p for p in ports if p.type == "read_write"]
    if not read:
        check.error(f"auto_cost_extraction of {where} needs a read or read_write port (its width is CACTI's bus)", loc)
        return 0.0, 0.0, 0.0
    given = [key for key in ("r_cost", "w_cost", "area") if key in node.value and node.value[key].value is not None]
    if given:
        check.warning(f"{where} gives {', '.join(given)} and auto_cost_extraction: CACTI's numbers are used", loc)
    try:
        query = query_for(check.typed(node, "mem_type", str, where, "sram") or "sram", size, read[0].bandwidth_max,
                          check.typed(node, "technology", float, where, DEFAULT_TECHNOLOGY))
        costs = memory_costs(query)
    except CactiError as exc:
        check.error(f"auto_cost_extraction of {where}: {exc}", loc)
        return 0.0, 0.0, 0.0
    return costs.r_cost, costs.w_cost, costs.area


def _port(node: YNode, memory: str, operands: list[str], check: Checker) -> Port | None:
    where = f"a port of {memory}"
    if not check.keys(node, where, PORT_KEYS, []):
        return None
    name = check.typed(node, "name", str, where, "port")
    where = f"port '{name}' of {memory}"
    kind = check.typed(node, "type", str, where, "read_write")
    if kind not in PORT_TYPES:
        check.error(f"'type' of {where} must be read, write or read_write, got {kind!r}", node.value["type"].loc)
    bw_min = check.typed(node, "bandwidth_min", int, where, 1)
    bw_max = check.typed(node, "bandwidth_max", int, where, 1)
    if isinstance(bw_min, int) and isinstance(bw_max, int):
        if bw_min <= 0 or bw_max <= 0:
            check.error(f"bandwidths of {where} must be positive (bits per cycle)", node.loc)
        elif bw_min > bw_max:
            check.error(f"bandwidth_min ({bw_min}) of {where} is larger than bandwidth_max ({bw_max})",
                        node.value["bandwidth_min"].loc)
    allocation: list[tuple[str, str]] = []
    alloc_node = node.value["allocation"]
    if not alloc_node.is_list():
        check.error(f"'allocation' of {where} must be a list like ['I1, tl', 'O, fl']", alloc_node.loc)
        return None
    for item in alloc_node.value:
        match = ALLOCATION.match(item.value) if isinstance(item.value, str) else None
        if match is None:
            check.error(f"allocation {item.value!r} of {where} must look like 'I1, tl' "
                        f"(operand, then fh, tl, fl or th)", item.loc)
            continue
        operand, direction = match.groups()
        if operand not in operands:
            check.error(f"{where} serves '{operand}', which {memory} does not hold ({', '.join(operands)})", item.loc)
        if direction not in DIRECTIONS:
            check.error(f"direction '{direction}' of {where} must be fh, tl, fl or th", item.loc)
        if kind == "read" and direction in ("fh", "fl"):
            check.error(f"read port '{name}' cannot serve write direction {operand}, {direction}", item.loc)
        if kind == "write" and direction in ("tl", "th"):
            check.error(f"write port '{name}' cannot serve read direction {operand}, {direction}", item.loc)
        allocation.append((operand, direction))
    return Port(name=_symbol(name), type=kind, bandwidth_min=bw_min, bandwidth_max=bw_max,
                allocation=tuple(allocation), loc=node.loc)


def _check_top_levels_and_directions(memories: list[Memory], check: Checker) -> None:
    """Every memory operand a level holds must have a port for each direction
    data must flow through it."""
    for index, memory in enumerate(memories):
        for operand in memory.operands:
            if operand not in REQUIRED_DIRECTIONS:
                continue
            is_top = not any(operand in higher.operands for higher in memories[index + 1:])
            served = {d for port in memory.ports for op, d in port.allocation if op == operand}
            for direction in REQUIRED_DIRECTIONS[operand]:
                if direction in served or (is_top and direction in TOP_LEVEL_NOT_NEEDED):
                    continue
                check.error(f"memory '{memory.name}' holds {operand} but no port serves '{operand}, {direction}' "
                            f"({_DIRECTION_WORDS[direction]}); add it to a port's allocation", memory.loc)


_DIRECTION_WORDS = {"fh": "writes from the level above", "tl": "reads to the level below",
                    "fl": "writes from the level below", "th": "reads to the level above"}
