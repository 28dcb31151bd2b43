"""The energy an IMC macro spends on one layer (ZigZag-IMC's
get_energy_for_a_layer), from the layer's spatial unrolling and, for the
precharge, the weights' loops inside the cells.

Every term is per macro activation (one bit-serial slice on the used rows
and columns of one bank) times the slices per MAC (Pa / B) times the
activations (MACs / MACs per activation). Units: pJ.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, prod

from dsec.cost.levels import LoopList
from dsec.cost.workload import LayerView, OperandView
from dsec.imc import components, gates
from dsec.imc.macro import Macro, accumulates, accumulator_precision, place_value_tree, regular_tree_output_precision

Unrolling = dict[str, tuple[tuple[str, float], ...]]  # array dim -> ((layer dim, factor), ...)


@dataclass(frozen=True, slots=True)
class MappedArray:
    rows: int  # rows the activations drive (with the diagonal's extra rows)
    adder_rows: int  # rows that carry products into a column's sum
    columns: float
    activations: float  # macro activations over the layer, as if on one bank


def unrolling_of(spatial_unrolls, dims: dict[str, int], array: dict[str, int]) -> Unrolling:
    """Each array dim's (layer dim, factor) as the mapping gives them, capped by the array and the layer."""
    result: Unrolling = {}
    for unroll in spatial_unrolls:
        loops = tuple((lp.dim, min(lp.factor or 1, array.get(unroll.array_dim, 1), dims[lp.dim]))
                      for lp in unroll.loops if lp.dim in dims)
        if loops:
            result[unroll.array_dim] = loops
    return result


def mapped_array(macro: Macro, view: LayerView, weight: OperandView, activation: OperandView,
                 unrolling: Unrolling) -> MappedArray:
    """Used rows and columns of one bank. When an output pixel dim the weight
    does not depend on (OX) is unrolled on the columns, each column sees the
    activations shifted by one: the kernel dim it slides with (FX) on the rows
    is laid out diagonally and drives FXu + OXu - 1 rows."""
    on_columns = unrolling.get(macro.wordline_dim, ())
    on_rows = unrolling.get(macro.bitline_dim, ())
    columns = prod(f for _, f in on_columns) if on_columns else 1
    in_macro = columns * (prod(f for _, f in on_rows) if on_rows else 1)
    activations = view.macs / in_macro
    if not on_rows:
        return MappedArray(1, 1, columns, activations)
    row_total = ceil(prod(f for _, f in on_rows))
    diagonal = any(not weight.depends_on(d) for d, _ in on_columns)
    if not diagonal or row_total == 1:
        return MappedArray(row_total, row_total, columns, activations)
    # the kernel dim paired with each column-unrolled output dim in the activation's windows
    shift: dict[str, float] = {}
    for window in activation.windows:
        for out_dim, kernel_dim in ((window.dim_a, window.dim_b), (window.dim_b, window.dim_a)):
            if not weight.depends_on(out_dim) and weight.depends_on(kernel_dim):
                shift[kernel_dim] = prod(f for d, f in on_columns if d == out_dim)
    rows = ceil(prod(f + shift.get(d, 1) - 1 for d, f in on_rows))
    return MappedArray(rows, ceil(prod(f for _, f in on_rows)), columns, activations)


def precharge_interval(cell_loops: LoopList, weight: OperandView) -> float:
    """Cycles between precharges of a cell group's local bitline: the loops
    innermost in the cells that reuse the same weight."""
    interval = 1
    for dim, factor in cell_loops:
        if weight.depends_on(dim):
            break
        interval *= factor
    return interval


def precharge_energy(macro: Macro, cell_loops: LoopList, weight: OperandView, weight_reads: float) -> float:
    """Cell groups of more than one weight share a local bitline, precharged
    before each new weight is read (`weight_reads`: weights the cells send to
    the multipliers over the layer)."""
    if macro.group_depth <= 1:
        return 0.0
    per_cell = (gates.switching_energy(gates.WL_CAP) + gates.switching_energy(gates.BL_CAP) * macro.group_depth) \
        * macro.imc.weight_precision
    return per_cell * weight_reads / precharge_interval(cell_loops, weight)


def layer_energy(macro: Macro, mapped: MappedArray, precharge: float = 0.0) -> dict[str, float]:
    """pJ per component over the layer (ZigZag-IMC's names)."""
    imc = macro.imc
    slices = imc.cycles_per_op * mapped.activations  # macro cycles over the layer
    analog = imc.is_analog
    if analog:
        multipliers = imc.weight_precision * macro.columns * mapped.rows
    else:
        multipliers = imc.bit_serial_precision * imc.weight_precision * macro.columns * macro.rows
    regular = 0.0
    if not analog:
        tree = components.regular_tree_energy(imc.weight_precision, mapped.rows, macro.rows)
        regular = tree * imc.bit_serial_precision * mapped.columns * slices
    inputs, precision = place_value_tree(macro)
    accumulators = 0.0
    if accumulates(macro):
        accumulators = (gates.adder_energy() + gates.register_energy()) * accumulator_precision(macro) \
            * mapped.columns * slices
    return {
        "local_bl_precharging": precharge,
        "dacs": components.dac_energy(imc.bit_serial_precision) * mapped.rows * slices if analog else 0.0,
        "adcs": components.adc_energy(imc.adc_resolution) * imc.weight_precision * mapped.columns * slices
        if analog else 0.0,
        "mults": gates.multiplier_energy() * multipliers * slices,
        "analog_bl_addition": gates.switching_energy(gates.BL_CAP) * imc.weight_precision * mapped.columns
        * macro.rows * slices if analog else 0.0,
        "adders_regular": regular,
        "adders_pv": gates.adder_energy() * components.place_value_tree_adders(precision, inputs) * mapped.columns
        * slices,
        "accumulators": accumulators,
    }
