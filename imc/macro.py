"""An IMC macro's shape and its fixed figures: area, clock period (tclk) and
peak performance (ZigZag-IMC's ImcArray, as small functions).

The first array dimension (by name) is the wordline: columns, one output
each. The second is the bitline: rows summed into one column. Further
dimensions are banks, copies of the whole macro. Analog macros sum a
column's rows on the bitline and convert each weight bit's sum with an ADC;
digital macros multiply bit-wise and sum with adder trees. Both then add the
weight bits by place value and, when the activation enters in several
bit-serial slices, accumulate the slices.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import log2, prod

from dsec.dialect.accelerator import CELLS, Accelerator, ImcArray
from dsec.imc import components, gates


@dataclass(frozen=True, slots=True)
class Macro:
    imc: ImcArray
    wordline_dim: str
    bitline_dim: str
    columns: int  # wordline size
    rows: int  # bitline size
    banks: int
    cells_bits: int  # bits of one cell group (the `cells` memory's size)
    cells_area: float  # mm² of one cell group

    @property
    def units(self) -> int:
        return self.columns * self.rows * self.banks

    @property
    def group_depth(self) -> float:
        """Weights one cell group holds."""
        return self.cells_bits / self.imc.weight_precision


def macro_of(accelerator: Accelerator) -> Macro:
    imc = accelerator.imc
    assert imc is not None, "not an IMC accelerator"
    dims = sorted(accelerator.array)
    cells = accelerator.memory(CELLS)
    assert cells is not None, "the loader requires a cells memory"
    return Macro(imc, dims[0][0], dims[1][0], dims[0][1], dims[1][1], prod(size for _, size in dims[2:]),
                 cells.size, cells.area)


# -- precisions of the adder chain --------------------------------------------


def regular_tree_output_precision(macro: Macro) -> int:
    """Digital: a column's adder tree sums `rows` weight-bit products."""
    return macro.imc.weight_precision + components.tree_depth(macro.rows)


def place_value_tree(macro: Macro) -> tuple[int, int]:
    """(inputs, input precision) of the place-value tree: the weight bits'
    ADC outputs (analog) or the bit-serial slices' tree outputs (digital)."""
    if macro.imc.is_analog:
        return macro.imc.weight_precision, macro.imc.adc_resolution
    return macro.imc.bit_serial_precision, regular_tree_output_precision(macro)


def accumulates(macro: Macro) -> bool:
    """Slices of the activation are accumulated unless it enters whole."""
    return macro.imc.bit_serial_precision != macro.imc.activation_precision


def accumulator_precision(macro: Macro) -> float:
    imc = macro.imc
    if imc.is_analog:
        return imc.activation_precision + imc.adc_resolution + imc.weight_precision
    return imc.activation_precision + log2(macro.rows) + imc.weight_precision


def multipliers(macro: Macro) -> int:
    """1-bit multipliers: one per weight bit per cell (analog), times B (digital)."""
    per_cell = macro.imc.weight_precision * (1 if macro.imc.is_analog else macro.imc.bit_serial_precision)
    return per_cell * macro.units


# -- area -----------------------------------------------------------------------


def area_breakdown(macro: Macro) -> dict[str, float]:
    """mm² per component; input and output registers are memories, not counted here."""
    imc = macro.imc
    per_bank_columns = macro.columns * macro.banks
    if imc.is_analog:
        adcs = components.adc_area(imc.adc_resolution) * imc.weight_precision * per_bank_columns
        regular = 0.0
    else:
        adcs = 0.0
        trees = imc.bit_serial_precision * per_bank_columns
        regular = gates.adder_area() * components.regular_tree_adders(imc.weight_precision, macro.rows) * trees
    inputs, precision = place_value_tree(macro)
    place_value = gates.adder_area() * components.place_value_tree_adders(precision, inputs) * per_bank_columns
    accumulators = 0.0
    if accumulates(macro):
        bits = accumulator_precision(macro) * per_bank_columns
        accumulators = (gates.adder_area() + gates.register_area()) * bits
    return {"cells": macro.units * macro.cells_area, "dacs": 0.0, "adcs": adcs,
            "mults": gates.multiplier_area() * multipliers(macro), "adders_regular": regular,
            "adders_pv": place_value, "accumulators": accumulators}


# -- clock period ------------------------------------------------------------------


def tclk_breakdown(macro: Macro) -> dict[str, float]:
    """ns per stage of the worst path: DAC -> multiplier -> ADC -> adder trees -> accumulator."""
    imc = macro.imc
    adcs = components.adc_delay(imc.adc_resolution, macro.rows) if imc.is_analog else 0.0
    regular = 0.0
    if not imc.is_analog:
        depth = components.tree_depth(macro.rows)
        regular = components.tree_delay(depth, regular_tree_output_precision(macro) - 2)
    inputs, precision = place_value_tree(macro)
    place_value, out = 0.0, precision
    if inputs > 1:
        out = inputs + precision
        place_value = components.tree_delay(components.tree_depth(inputs), out - precision - 1)
    accumulators = 0.0
    if accumulates(macro):
        accumulators = (gates.adder_delay_in_to_carry()
                        + (accumulator_precision(macro) - out - 1) * gates.adder_delay_carry_to_carry())
    return {"cells": 0.0, "dacs": 0.0, "adcs": adcs, "mults": gates.multiplier_delay(), "adders_regular": regular,
            "adders_pv": place_value, "accumulators": accumulators}


def tclk(macro: Macro) -> float:
    return sum(tclk_breakdown(macro).values())


def area(macro: Macro) -> float:
    return sum(area_breakdown(macro).values())


# -- peak performance -------------------------------------------------------------------


def peak_energy_per_cycle(macro: Macro) -> dict[str, float]:
    """pJ of one cycle with every cell busy and no weight written."""
    imc = macro.imc
    columns = macro.columns * macro.banks
    analog = imc.is_analog
    regular = 0.0
    if not analog:
        trees = imc.bit_serial_precision * columns
        regular = gates.adder_energy() * components.regular_tree_adders(imc.weight_precision, macro.rows) * trees
    inputs, precision = place_value_tree(macro)
    accumulators = 0.0
    if accumulates(macro):
        accumulators = (gates.adder_energy() + gates.register_energy()) * accumulator_precision(macro) * columns
    return {
        "local_bl_precharging": 0.0,
        "dacs": components.dac_energy(imc.bit_serial_precision) * macro.rows * macro.banks if analog else 0.0,
        "adcs": components.adc_energy(imc.adc_resolution) * imc.weight_precision * columns if analog else 0.0,
        "mults": gates.multiplier_energy() * multipliers(macro),
        "analog_bl_addition": gates.switching_energy(gates.BL_CAP) * imc.weight_precision * macro.units if analog
        else 0.0,
        "adders_regular": regular,
        "adders_pv": gates.adder_energy() * components.place_value_tree_adders(precision, inputs) * columns,
        "accumulators": accumulators,
    }


@dataclass(frozen=True, slots=True)
class Peak:
    macs_per_cycle: float
    tops: float
    tops_per_watt: float
    tops_per_mm2: float


def peak(macro: Macro) -> Peak:
    """Peak throughput and efficiency (2 ops per MAC), the macro alone."""
    macs = macro.units / macro.imc.cycles_per_op
    tops = macs * 2 / tclk(macro) / 1000
    return Peak(macs, tops, macs * 2 / sum(peak_energy_per_cycle(macro).values()), tops / area(macro))
