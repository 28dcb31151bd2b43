"""The in-memory-computing keys of a ZigZag accelerator YAML (ZigZag-IMC).

Every rule ZigZag's validator checks, and the ones it misses, each reported
with file, line and key: an analog array without `adc_resolution` (ZigZag
accepts it and costs no ADC), a digital array whose bitline dimension is not
a power of two (ZigZag's validator passes it, then an assertion fails), an
`imc_type` left out (ZigZag then builds a digital macro).
"""

from __future__ import annotations

from dataclasses import replace
from math import prod

from dsec.compiler.location import Loc
from dsec.dialect.accelerator import CELLS, ImcArray, Memory
from dsec.frontend.yaml_source import Checker, YNode
from dsec.imc.rules import cells_violations, is_power_of_two

IMC_TYPES = ("analog", "digital")


def imc_array(node: YNode, key_loc: Loc, sizes: list[tuple[str, int]], check: Checker) -> ImcArray | None:
    """The IMC macro of an operational_array with `is_imc: true`, or None after reporting why not."""
    where = "operational_array (is_imc: true)"
    for key in ("unit_energy", "unit_area"):
        if key in node.value:
            check.error(f"'{key}' is not used by an in-memory-computing array (the IMC macro model gives the MAC "
                        f"energy and area); remove it", node.key_locs[key])
    for key in ("imc_type", "input_precision", "bit_serial_precision"):
        if key not in node.value:
            check.error(f"{where} is missing '{key}'", key_loc)
    imc_type = check.typed(node, "imc_type", str, where)
    if imc_type is not None and imc_type not in IMC_TYPES:
        check.error(f"'imc_type' must be analog or digital, got {imc_type!r}", node.value["imc_type"].loc)
    precision = _precision(node, check)
    serial = _positive(node, "bit_serial_precision", check)
    if serial is not None:
        loc = node.value["bit_serial_precision"].loc
        if not is_power_of_two(serial):
            check.error(f"'bit_serial_precision' ({serial}) must be a power of two", loc)
        if precision is not None and serial > precision[0]:
            check.error(f"'bit_serial_precision' ({serial}) is larger than the activation precision "
                        f"({precision[0]}, input_precision[0])", loc)
    adc = 0
    if imc_type == "analog":
        if "adc_resolution" not in node.value or node.value["adc_resolution"].value is None:
            check.error("an analog IMC array needs 'adc_resolution' (bits of its ADCs)", key_loc)
        else:
            adc = _positive(node, "adc_resolution", check)
    elif imc_type == "digital" and "adc_resolution" in node.value and node.value["adc_resolution"].value not in (0, None):
        check.error("a digital IMC array has no ADC; remove 'adc_resolution'", node.key_locs["adc_resolution"])
    if len(sizes) < 2:
        check.error("an IMC array needs at least two dimensions: the wordline (first) and the bitline (second); "
                    "further ones are banks", node.value["dimensions"].loc)
    elif imc_type == "digital":
        bitline_dim, bitline = sorted(sizes)[1]
        if not is_power_of_two(bitline):
            check.error(f"the bitline dimension {bitline_dim} of a digital IMC array feeds an adder tree, so its size "
                        f"must be a power of two, got {bitline}", node.value["sizes"].loc)
    if imc_type not in IMC_TYPES or precision is None or serial is None or adc is None:
        return None
    return ImcArray(imc_type, precision[0], precision[1], serial, adc)


def _precision(node: YNode, check: Checker) -> tuple[int, int] | None:
    item = node.value.get("input_precision")
    if item is None:
        return None
    values = [v.value for v in item.value] if item.is_list() else []
    if len(values) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values):
        return None  # the generic check of input_precision reports it
    for what, value in zip(("activation", "weight"), values):
        if not is_power_of_two(value):
            check.error(f"the {what} precision of an IMC array ({value}, in input_precision) must be a power of two",
                        item.loc)
    return values[0], values[1]


def _positive(node: YNode, key: str, check: Checker) -> int | None:
    item = node.value.get(key)
    if item is None:
        return None
    value = item.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        check.error(f"'{key}' must be a positive whole number of bits, got {item.value!r}", item.loc)
        return None
    return value


def check_cells(memories: list[Memory], imc: ImcArray, array_loc: Loc, check: Checker) -> None:
    for message, loc in cells_violations(memories, imc):
        check.error(message, loc or array_loc)


def with_cacti_cells(memories: list[Memory], array: list[tuple[str, int]], imc: ImcArray, memories_node: YNode,
                     check: Checker) -> list[Memory]:
    """`memories` with the cells' w_cost (per access of their widest port) and
    area (per cell group: the macro counts one per PE) from CACTI when the
    cells memory says `auto_cost_extraction: true` (frontend/imc_cacti.py)."""
    node = memories_node.value.get(CELLS)
    flag = node.value.get("auto_cost_extraction") if node is not None and node.is_map() else None
    if flag is None or flag.value is not True:
        return memories
    from dsec.frontend.cacti import CactiError
    from dsec.frontend.imc_cacti import cell_costs

    cells = next(m for m in memories if m.name == CELLS)
    dims = sorted(array)  # the wordline (columns) dimension first, then the bitline (rows), then banks
    columns, rows, banks = dims[0][1], dims[1][1], prod(size for _, size in dims[2:])
    given = [key for key in ("w_cost", "area") if key in node.value and node.value[key].value is not None]
    if given:
        check.warning(f"memory 'cells' gives {', '.join(given)} and auto_cost_extraction: CACTI's numbers for "
                      f"the cell array are used", flag.loc)
    try:
        costs = cell_costs(columns, rows, banks, cells.size, imc.weight_precision)
    except CactiError as exc:
        check.error(f"auto_cost_extraction of memory 'cells': {exc}", flag.loc)
        return memories
    word = max(port.bandwidth_max for port in cells.ports)
    cacti_cells = replace(cells, w_cost=costs.w_cost * word / imc.weight_precision,
                          area=costs.area / (columns * rows * banks))
    return [cacti_cells if m is cells else m for m in memories]
