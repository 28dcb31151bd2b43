"""The peripheral circuits of an IMC macro, one function each (ZigZag-IMC's
formulas, fitted on 28 nm chips). Units: pJ, mm², ns, bits."""

from __future__ import annotations

from math import log2

from dsec.imc import gates


def adc_area(resolution: int) -> float:
    """One ADC (fitted on 3 analog IMC papers in 28 nm); none below 2 bits."""
    if resolution <= 1:
        return 0.0
    return 10 ** (-0.0369 * resolution + 1.206) * 2 ** resolution * 1e-6


def adc_delay(resolution: int, bitline_rows: int) -> float:
    return resolution * (0.00653 * bitline_rows + 0.640) if resolution else 0.0


def adc_energy(resolution: int) -> float:
    """One conversion: (100 fF x bits + 0.001 fF x 4^bits) x VDD^2."""
    if resolution == 0:
        return 0.0
    return (100 * resolution + 0.001 * 4 ** resolution) * gates.VDD ** 2 / 1000


def dac_energy(bit_serial_precision: int) -> float:
    """One conversion of B activation bits (50 fF per bit); a 1-bit input needs no DAC."""
    if bit_serial_precision == 1:
        return 0.0
    return 50e-3 * bit_serial_precision * gates.VDD ** 2


def tree_depth(inputs: float) -> int:
    return int(log2(inputs))


def regular_tree_adders(input_precision: int, inputs: float) -> float:
    """1-bit adders of a ripple-carry adder tree summing `inputs` words (no place values)."""
    depth = tree_depth(inputs)
    return inputs * (input_precision + 1) - (input_precision + depth + 1)


def regular_tree_energy(input_precision: int, active_inputs: float, inputs: float) -> float:
    """One pass of a regular adder tree whose first `active_inputs` of `inputs`
    carry data. An adder with one input idle generates no carry (half-active
    energy): the tree is walked from the top, each half either fully used,
    partly used (recursed into) or idle but passing its neighbour's bits on."""
    if active_inputs < 1:
        return 0.0
    if active_inputs >= inputs:
        return regular_tree_adders(input_precision, inputs) * gates.adder_energy()
    full = half = 0.0
    left, baseline = active_inputs, inputs
    while left != 0:
        baseline /= 2
        depth = int(log2(baseline))
        if left <= 1 and baseline == 1:
            half += input_precision
            left = 0
        elif left > baseline:
            # the whole lower half is used; the adder joining it takes both inputs
            full += baseline * (input_precision + 1) - (input_precision + depth + 1) + (input_precision + depth)
            left -= baseline
        elif left < baseline:
            half += input_precision + depth
        else:
            full += baseline * (input_precision + 1) - (input_precision + depth + 1)
            half += input_precision + depth
            left -= baseline
    return full * gates.adder_energy() + half * gates.adder_energy_half_active()


def place_value_tree_adders(input_precision: int, inputs: int) -> float:
    """1-bit adders of a tree summing `inputs` partial results shifted by their place values."""
    if inputs == 1:
        return 0.0
    return input_precision * (inputs - 1) + inputs * (log2(inputs) - 0.5)


def tree_delay(depth: int, carry_stages: float) -> float:
    """Worst path of a ripple-carry tree: in-to-sum down the tree, into a
    carry, then `carry_stages` carry-to-carry steps."""
    return ((depth - 1) * gates.adder_delay_in_to_sum() + gates.adder_delay_in_to_carry()
            + carry_stages * gates.adder_delay_carry_to_carry())
