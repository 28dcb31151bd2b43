"""The in-memory-computing keys of a ZigZag accelerator YAML (ZigZag-IMC).

Every rule ZigZag's validator checks, and the ones it misses, each reported
with file, line and key: an analog array without `adc_resolution` (ZigZag
accepts it and costs no ADC), a digital array whose bitline dimension is not
a power of two (ZigZag's validator passes it, then an assertion fails), an
`imc_type` left out (ZigZag then builds a digital macro).
"""

from __future__ import annotations

from dsec.compiler.location import Loc
from dsec.dialect.accelerator import CELLS, ImcArray, Memory
from dsec.frontend.yaml_source import Checker, YNode

IMC_TYPES = ("analog", "digital")


def is_power_of_two(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


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
    """The `cells` memory holds the weights inside the macro: operand I2 only,
    one copy per cell (served by no dimension), whole weights, lowest I2 level."""
    cells = next((m for m in memories if m.name == CELLS), None)
    if cells is None:
        check.error(f"an IMC array keeps its weights in a memory named '{CELLS}'; add it (operands [I2], "
                    f"served_dimensions [], size a multiple of the weight precision)", array_loc)
        return
    if cells.operands != ("I2",):
        check.error(f"memory '{CELLS}' of an IMC array holds only the weights: set operands to [I2]", cells.loc)
    if cells.served_dimensions:
        check.error(f"memory '{CELLS}' of an IMC array is one per cell: set served_dimensions to []", cells.loc)
    if cells.size % imc.weight_precision:
        check.error(f"size of memory '{CELLS}' ({cells.size} bits) must be a multiple of the weight precision "
                    f"({imc.weight_precision} bits)", cells.loc)
    lowest = next((m for m in memories if "I2" in m.operands), None)
    if lowest is not None and lowest is not cells and "I2" in cells.operands:
        check.error(f"memory '{CELLS}' must be the lowest level of I2 (list it before '{lowest.name}')", cells.loc)
