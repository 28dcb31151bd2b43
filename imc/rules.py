"""The structural rules of an IMC array, on the accelerator as the IR holds it
(the YAML loader reports its keys' own lines in frontend/imc_arch.py; these
are shared by it and by the IR verifier, for hand-written or edited IR)."""

from __future__ import annotations

from dsec.compiler.location import Loc
from dsec.dialect.accelerator import CELLS, Accelerator, ImcArray, Memory


def is_power_of_two(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


def cells_violations(memories: tuple[Memory, ...] | list[Memory], imc: ImcArray) -> list[tuple[str, Loc | None]]:
    """The `cells` memory holds the weights inside the macro: operand I2 only,
    one copy per cell (served by no dimension), whole weights, lowest I2 level."""
    cells = next((m for m in memories if m.name == CELLS), None)
    if cells is None:
        return [(f"an IMC array keeps its weights in a memory named '{CELLS}'; add it (operands [I2], "
                 f"served_dimensions [], size a multiple of the weight precision)", None)]
    found = []
    if cells.operands != ("I2",):
        found.append((f"memory '{CELLS}' of an IMC array holds only the weights: set operands to [I2]", cells.loc))
    if cells.served_dimensions:
        found.append((f"memory '{CELLS}' of an IMC array is one per cell: set served_dimensions to []", cells.loc))
    if cells.size % imc.weight_precision:
        found.append((f"size of memory '{CELLS}' ({cells.size} bits) must be a multiple of the weight precision "
                      f"({imc.weight_precision} bits)", cells.loc))
    lowest = next((m for m in memories if "I2" in m.operands), None)
    if lowest is not None and lowest is not cells and "I2" in cells.operands:
        found.append((f"memory '{CELLS}' must be the lowest level of I2 (list it before '{lowest.name}')",
                      cells.loc))
    return found


def macro_violations(accelerator: Accelerator) -> list[tuple[str, Loc | None]]:
    """Every rule the macro model relies on, for an accelerator with `imc` set."""
    imc = accelerator.imc
    assert imc is not None
    found: list[tuple[str, Loc | None]] = []
    if imc.imc_type not in ("analog", "digital"):
        found.append((f"IMC type must be analog or digital, got {imc.imc_type!r}", None))
    for what, bits in (("activation", imc.activation_precision), ("weight", imc.weight_precision),
                       ("bit-serial", imc.bit_serial_precision)):
        if not is_power_of_two(bits):
            found.append((f"the {what} precision of an IMC array ({bits}) must be a power of two", None))
    if imc.bit_serial_precision > imc.activation_precision:
        found.append((f"the bit-serial precision ({imc.bit_serial_precision}) is larger than the activation "
                      f"precision ({imc.activation_precision})", None))
    if imc.imc_type == "analog" and imc.adc_resolution < 1:
        found.append(("an analog IMC array needs an ADC resolution of at least 1 bit", None))
    if imc.imc_type == "digital" and imc.adc_resolution:
        found.append(("a digital IMC array has no ADC: its adc_resolution must be 0", None))
    dims = sorted(accelerator.array)
    if len(dims) < 2:
        found.append(("an IMC array needs at least two dimensions: the wordline and the bitline", None))
    elif imc.imc_type == "digital" and not is_power_of_two(dims[1][1]):
        found.append((f"the bitline dimension {dims[1][0]} of a digital IMC array feeds an adder tree, so its size "
                      f"must be a power of two, got {dims[1][1]}", None))
    return found + cells_violations(accelerator.memories, imc)
