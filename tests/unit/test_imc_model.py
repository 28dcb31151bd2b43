"""The IMC macro model's formulas on tiny cases worked out by hand."""

import pytest

from dsec.cost.workload import LayerView, OperandView, WindowIndex
from dsec.dialect.accelerator import ImcArray
from dsec.imc import components, gates
from dsec.imc.layer_energy import layer_energy, mapped_array, precharge_energy, precharge_interval
from dsec.imc.macro import Macro, area_breakdown, peak, tclk, tclk_breakdown

ADDER = (3 * 0.7e-3 + 2 * 1.05e-3) * 0.81  # 3 NAND2 + 2 XOR2, pJ
HALF_ADDER = 2 * 1.05e-3 * 0.81


def test_gate_energies():
    assert gates.adder_energy() == pytest.approx(3.402e-3)
    assert gates.adder_energy_half_active() == pytest.approx(1.701e-3)
    assert gates.multiplier_energy() == pytest.approx(0.5 * 0.7e-3 * 0.81)


def test_adc_and_dac():
    assert components.adc_energy(1) == pytest.approx((100 + 0.004) * 0.81 / 1000)
    assert components.adc_energy(0) == 0
    assert components.adc_area(1) == 0
    assert components.adc_area(2) == pytest.approx(10 ** 1.1322 * 4e-6)
    assert components.adc_delay(4, 16) == pytest.approx(4 * (0.00653 * 16 + 0.64))
    assert components.dac_energy(1) == 0
    assert components.dac_energy(2) == pytest.approx(0.05 * 2 * 0.81)


def test_regular_adder_tree_full_and_partly_active():
    # 4 inputs of 1 bit: 2 + 2 one-bit adders in the first stage... 4*2 - (1+2+1) = 4 in all
    assert components.regular_tree_adders(1, 4) == 4
    assert components.regular_tree_adders(8, 4) == 4 * 9 - 11
    assert components.regular_tree_energy(1, 4, 4) == pytest.approx(4 * ADDER)
    # 3 of 4 inputs: the lower pair is full (1 adder) and the adder joining the halves takes both
    # inputs (2 more, 1 + depth bits); the upper pair has one input: 1 half-active adder
    assert components.regular_tree_energy(1, 3, 4) == pytest.approx(3 * ADDER + 1 * HALF_ADDER)
    assert components.regular_tree_energy(1, 0, 4) == 0


def test_place_value_tree():
    assert components.place_value_tree_adders(8, 4) == 8 * 3 + 4 * 1.5
    assert components.place_value_tree_adders(8, 1) == 0


SMALL_ANALOG = Macro(ImcArray("analog", 8, 2, 8, 4), "D1", "D2", columns=4, rows=16, banks=1, cells_bits=2,
                     cells_area=1e-6)


def test_tclk_of_a_small_analog_macro():
    parts = tclk_breakdown(SMALL_ANALOG)
    assert parts["adcs"] == pytest.approx(4 * (0.00653 * 16 + 0.64))
    assert parts["mults"] == pytest.approx(0.0478)
    # place-value tree of the 2 weight bits' 4-bit ADC outputs: one stage into a carry, then 6 - 4 - 1 carries
    assert parts["adders_pv"] == pytest.approx(0.0478 * 2.4 + 2 * 0.0478 + 1 * 2 * 0.0478)
    assert parts["accumulators"] == 0  # the activation enters whole (B = Pa)
    assert tclk(SMALL_ANALOG) == pytest.approx(2.97792 + 0.0478 + 0.30592)


def test_area_of_a_small_analog_macro():
    parts = area_breakdown(SMALL_ANALOG)
    assert parts["cells"] == pytest.approx(64 * 1e-6)
    assert parts["mults"] == pytest.approx(2 * 64 * 0.614e-6)  # one per weight bit per cell
    assert parts["adcs"] == pytest.approx(components.adc_area(4) * 2 * 4)  # one per weight bit per column
    adder_area = 3 * 0.614e-6 + 2 * 0.614e-6 * 2.4
    assert parts["adders_pv"] == pytest.approx(adder_area * (4 * 1 + 2 * 0.5) * 4)


def test_peak_counts_slices_per_mac():
    figures = peak(SMALL_ANALOG)
    assert figures.macs_per_cycle == 64 / 1  # B = Pa: one cycle per MAC
    assert figures.tops == pytest.approx(64 * 2 / tclk(SMALL_ANALOG) / 1000)


def _conv_view():
    dims = {"B": 1, "K": 8, "C": 4, "OY": 6, "OX": 6, "FY": 3, "FX": 3}
    output = OperandView("O", "O", ("B", "K", "OX", "OY"), (), 16, 8)
    weight = OperandView("W", "I2", ("C", "FX", "FY", "K"), (), 8, 8)
    activation = OperandView("I", "I1", ("B", "C"), (WindowIndex("OY", 1, "FY", 1, None),
                                                      WindowIndex("OX", 1, "FX", 1, None)), 8, 8)
    return LayerView("conv", dims, (output, activation, weight)), weight, activation


def test_mapped_rows_plain_and_diagonal():
    view, weight, activation = _conv_view()
    plain = mapped_array(SMALL_ANALOG, view, weight, activation, {"D1": (("K", 4),), "D2": (("C", 4), ("FX", 3))})
    assert (plain.rows, plain.adder_rows, plain.columns) == (12, 12, 4)
    assert plain.activations == view.macs / 48
    # OX = 2 on the columns: FX's rows are laid out diagonally, FX + OX - 1 of them per channel
    diagonal = mapped_array(SMALL_ANALOG, view, weight, activation,
                            {"D1": (("K", 2), ("OX", 2)), "D2": (("C", 4), ("FX", 3))})
    assert (diagonal.rows, diagonal.adder_rows, diagonal.columns) == (4 * (3 + 2 - 1), 12, 4)
    # FX alone on the rows (zigzag-dse 3.9.1 raises IndexError here): FX + OX - 1 rows
    alone = mapped_array(SMALL_ANALOG, view, weight, activation, {"D1": (("K", 2), ("OX", 2)), "D2": (("FX", 3),)})
    assert (alone.rows, alone.adder_rows) == (3 + 2 - 1, 3)


def test_rows_of_a_gemm_with_its_rows_on_the_columns():
    # D slides with no kernel dim: no extra rows (zigzag-dse 3.9.1 raises KeyError here)
    dims = {"D": 8, "C": 64, "K": 32}
    view = LayerView("gemm", dims, (OperandView("O", "O", ("D", "K"), (), 16, 8),
                                    OperandView("I", "I1", ("C", "D"), (), 8, 8),
                                    OperandView("W", "I2", ("C", "K"), (), 8, 8)))
    mapped = mapped_array(SMALL_ANALOG, view, view.operands[2], view.operands[1],
                          {"D1": (("K", 2), ("D", 2)), "D2": (("C", 16),)})
    assert (mapped.rows, mapped.adder_rows, mapped.columns) == (16, 16, 4)


def test_precharge():
    _, weight, _ = _conv_view()
    # the weight stays through OX and OY: a precharge every 2 * 3 cycles
    assert precharge_interval((("OX", 2), ("OY", 3), ("K", 2), ("OX", 5)), weight) == 6
    deep = Macro(ImcArray("analog", 8, 8, 2, 8), "D1", "D2", 4, 16, 1, cells_bits=16, cells_area=0)
    per_cell = (0.35e-3 * 0.81 + 0.35e-3 * 0.81 * 2) * 8  # wordline + bitline of a group of 2 weights, 8 bits
    assert precharge_energy(deep, (("OX", 2), ("K", 2)), weight, 100) == pytest.approx(per_cell * 100 / 2)
    assert precharge_energy(SMALL_ANALOG, (("OX", 2),), weight, 100) == 0  # one weight per group


def test_layer_energy_terms_scale_with_slices():
    macro = Macro(ImcArray("analog", 8, 2, 2, 4), "D1", "D2", 4, 16, 1, 2, 0)
    view, weight, activation = _conv_view()
    mapped = mapped_array(macro, view, weight, activation, {"D1": (("K", 4),), "D2": (("C", 4), ("FX", 3))})
    terms = layer_energy(macro, mapped)
    slices = 4 * view.macs / 48  # Pa / B = 4 slices per activation
    assert terms["adcs"] == pytest.approx(components.adc_energy(4) * 2 * 4 * slices)
    assert terms["dacs"] == pytest.approx(components.dac_energy(2) * 12 * slices)
    assert terms["mults"] == pytest.approx(gates.multiplier_energy() * 2 * 4 * 12 * slices)
    assert terms["analog_bl_addition"] == pytest.approx(0.35e-3 * 0.81 * 2 * 4 * 16 * slices)
    assert terms["accumulators"] == pytest.approx((ADDER + 3 * 0.7e-3 * 0.81) * (8 + 4 + 2) * 4 * slices)
    assert terms["adders_regular"] == 0


def test_only_layers_summing_weighted_products_run_in_the_macro():
    from dsec.imc.cost import runs_in_macro
    view, weight, activation = _conv_view()
    assert runs_in_macro(view)
    dims = {"B": 1, "G": 8, "OY": 6, "OX": 6}
    out = OperandView("O", "O", ("B", "G", "OX", "OY"), (), 8, 8)
    a = OperandView("I", "I1", ("B", "G", "OX", "OY"), (), 8, 8)
    b = OperandView("W", "I2", ("B", "G", "OX", "OY"), (), 8, 8)
    assert not runs_in_macro(LayerView("add", dims, (out, a, b)))  # nothing to sum along a bitline
    assert not runs_in_macro(LayerView("relu", dims, (out, a)))  # no weights
    pool = OperandView("I", "I1", ("B", "G"), (WindowIndex("OY", 1, "FY", 1, None),), 8, 8)
    assert not runs_in_macro(LayerView("pool", {**dims, "FY": 3}, (out, pool)))
