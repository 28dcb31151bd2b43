"""ZigZag-IMC's 28 nm gate constants and the one-bit cells built from them.

Units: capacitance pF, energy pJ (C x VDD^2), area mm², delay ns. A 1-bit
full adder is 3 NAND2 + 2 XOR2; a 1-bit multiplier one NOR, costed as a
NAND2 (half its energy: the weight input stays constant while it multiplies).
"""

from __future__ import annotations

TECH_NODE_UM = 0.028
VDD = 0.9  # V
ND2_CAP = 0.7 / 1e3  # pF
WL_CAP = ND2_CAP / 2  # wordline cap of one SRAM cell
BL_CAP = ND2_CAP / 2  # bitline cap of one SRAM cell
XOR2_CAP = 0.7 * 1.5 / 1e3
DFF_CAP = 0.7 * 3 / 1e3
ND2_AREA = 0.614 / 1e6  # mm²
XOR2_AREA = 0.614 * 2.4 / 1e6
DFF_AREA = 0.614 * 6 / 1e6
ND2_DELAY = 0.0478  # ns
XOR2_DELAY = 0.0478 * 2.4


def switching_energy(cap_pf: float) -> float:
    return cap_pf * VDD ** 2


def adder_energy() -> float:
    """A 1-bit full adder with both inputs active."""
    return switching_energy(3 * ND2_CAP + 2 * XOR2_CAP)


def adder_energy_half_active() -> float:
    """A 1-bit full adder with one input 0: no carry is generated."""
    return switching_energy(2 * XOR2_CAP)


def multiplier_energy() -> float:
    return 0.5 * switching_energy(ND2_CAP)


def register_energy() -> float:
    return switching_energy(DFF_CAP)


def adder_area() -> float:
    return 3 * ND2_AREA + 2 * XOR2_AREA


def multiplier_area() -> float:
    return ND2_AREA


def register_area() -> float:
    return DFF_AREA


def adder_delay_in_to_sum() -> float:
    return 2 * XOR2_DELAY


def adder_delay_in_to_carry() -> float:
    return XOR2_DELAY + 2 * ND2_DELAY


def adder_delay_carry_to_carry() -> float:
    return 2 * ND2_DELAY


def multiplier_delay() -> float:
    return ND2_DELAY
