"""The in-memory-computing keys of the accelerator YAML: every rule, its message and the line it points at."""

from pathlib import Path

import pytest

from dsec.compiler.diagnostics import DiagnosticError
from dsec.dialect.accelerator import ImcArray
from dsec.dialect.parser import parse_module
from dsec.dialect.printer import print_module
from dsec.frontend.arch_loader import load_accelerator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imc"
AIMC = (FIXTURES / "aimc.yaml").read_text()
DIMC = (FIXTURES / "dimc.yaml").read_text()


def test_shipped_macros_load():
    assert load_accelerator(AIMC, "aimc.yaml").accelerator.imc == ImcArray("analog", 8, 8, 2, 8)
    assert load_accelerator(DIMC, "dimc.yaml").accelerator.imc == ImcArray("digital", 8, 8, 1, 0)


def _errors(text, name="aimc.yaml"):
    with pytest.raises(DiagnosticError) as info:
        load_accelerator(text, name)
    return [(d.message, d.loc.line if d.loc else None) for d in info.value.diagnostics if d.severity == "error"]


def _edit(base, old, new):
    assert old in base, old
    return base.replace(old, new, 1)


CASES = [
    # ZigZag's own rules
    ("imc_type value", AIMC, "  imc_type: analog", "  imc_type: optical", "'imc_type' must be analog or digital, got 'optical'", 128),
    ("serial > activation", AIMC, "  bit_serial_precision: 2 #", "  bit_serial_precision: 16 #", "'bit_serial_precision' (16) is larger than the activation precision (8, input_precision[0])", 130),
    ("serial power of two", AIMC, "  bit_serial_precision: 2 #", "  bit_serial_precision: 3 #", "'bit_serial_precision' (3) must be a power of two", 130),
    ("activation power of two", AIMC, "  input_precision: [8, 8]", "  input_precision: [6, 8]", "the activation precision of an IMC array (6, in input_precision) must be a power of two", 129),
    ("weight power of two", AIMC, "  input_precision: [8, 8]", "  input_precision: [8, 6]", "the weight precision of an IMC array (6, in input_precision) must be a power of two", 129),
    ("digital with adc", DIMC, "  bit_serial_precision: 1 # unit: bit", "  bit_serial_precision: 1\n  adc_resolution: 4", "a digital IMC array has no ADC; remove 'adc_resolution'", 131),
    ("no input_precision", AIMC, "  input_precision: [8, 8] # unit: bit\n", "", "operational_array (is_imc: true) is missing 'input_precision'", 126),
    ("no bit_serial", AIMC, "  bit_serial_precision: 2 # unit: bit\n", "", "operational_array (is_imc: true) is missing 'bit_serial_precision'", 126),
    ("imc key without is_imc", AIMC, "  is_imc: True\n", "", "'imc_type' is an in-memory-computing key; set 'is_imc: true' or remove it", 127),
    ("no cells", AIMC, "  cells:\n", "  cellz:\n", "an IMC array keeps its weights in a memory named 'cells'", 126),
    ("cells operands", AIMC, "    operands: [I2]\n", "    operands: [I1, I2]\n", "memory 'cells' of an IMC array holds only the weights: set operands to [I2]", 4),
    ("cells served", AIMC, "    served_dimensions: [] #", "    served_dimensions: [D1] #", "memory 'cells' of an IMC array is one per cell: set served_dimensions to []", 4),
    ("cells size", AIMC, "  cells:\n    size: 8", "  cells:\n    size: 12", "size of memory 'cells' (12 bits) must be a multiple of the weight precision (8 bits)", 4),
    # what ZigZag misses
    ("analog without adc", AIMC, "  adc_resolution: 8 # unit: bit\n", "", "an analog IMC array needs 'adc_resolution' (bits of its ADCs)", 126),
    ("digital bitline not 2^n", DIMC, "  sizes: [128, 128]", "  sizes: [128, 96]", "the bitline dimension D2 of a digital IMC array feeds an adder tree, so its size must be a power of two, got 96", 132),
    ("no imc_type", AIMC, "  imc_type: analog\n", "", "operational_array (is_imc: true) is missing 'imc_type'", 126),
    ("unit_energy on imc", AIMC, "  imc_type: analog", "  imc_type: analog\n  unit_energy: 0.1", "'unit_energy' is not used by an in-memory-computing array", 129),
    ("one dimension", AIMC, "  dimensions: [D1, D2]\n  sizes: [128, 128]", "  dimensions: [D1]\n  sizes: [128]", "an IMC array needs at least two dimensions", 132),
    ("adc not a number", AIMC, "  adc_resolution: 8 #", "  adc_resolution: high #", "'adc_resolution' must be a positive whole number of bits, got 'high'", 131),
]


@pytest.mark.parametrize("name,base,old,new,message,line", CASES, ids=[c[0] for c in CASES])
def test_imc_rule(name, base, old, new, message, line):
    errors = _errors(_edit(base, old, new))
    assert any(message in m and l == line for m, l in errors), errors


def test_cells_must_be_lowest_weight_level():
    # rf_1B also holds the weights and cells is listed after it
    text = AIMC.replace("    operands: [I1]\n", "    operands: [I1, I2]\n", 1).replace(
        "          - I1, tl\n      - name: w_port_1", "          - I1, tl\n          - I2, tl\n      - name: w_port_1", 1)
    text = text.replace("        allocation: \n          - I1, fh\n    served_dimensions: [D1]",
                        "        allocation: \n          - I1, fh\n          - I2, fh\n    served_dimensions: [D1]", 1)
    cells_block = text[text.index("  cells:"):text.index("  rf_1B:")]
    text = text.replace(cells_block, "", 1).replace("  rf_2B:", cells_block + "  rf_2B:", 1)
    assert ("memory 'cells' must be the lowest level of I2 (list it before 'rf_1B')", 28) in _errors(text)


def test_imc_array_round_trips_through_the_ir():
    from dsec.dialect.ops import Module
    acc = load_accelerator(AIMC, "aimc.yaml").accelerator
    text = print_module(Module(name="m", accelerator=acc, options={}, ops=[]))
    assert 'imc = {type = "analog", input_precision = [8, 8], bit_serial_precision = 2, adc_resolution = 8}' in text
    again = parse_module(text, "m.dsec")
    assert again.accelerator.imc == acc.imc
    assert print_module(again) == text


def test_verifier_checks_an_edited_imc_array():
    from dsec.dialect.ops import Module
    from dsec.dialect.verifier import verify_accelerator
    acc = load_accelerator(AIMC, "aimc.yaml").accelerator
    text = print_module(Module(name="m", accelerator=acc, options={}, ops=[]))
    assert verify_accelerator(parse_module(text, "m.dsec").accelerator) == []
    edited = text.replace("adc_resolution = 8", "adc_resolution = 0").replace("bit_serial_precision = 2",
                                                                              "bit_serial_precision = 3")
    edited = edited.replace("memory @cells operands [I2]", "memory @cells operands [I1, I2]")
    messages = [d.message for d in verify_accelerator(parse_module(edited, "m.dsec").accelerator)]
    assert "an analog IMC array needs an ADC resolution of at least 1 bit" in messages
    assert "the bit-serial precision of an IMC array (3) must be a power of two" in messages
    assert "memory 'cells' of an IMC array holds only the weights: set operands to [I2]" in messages
