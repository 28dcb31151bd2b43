"""Every validation rule of the accelerator YAML: the message and the line it points at."""

import pytest

from dsec.frontend.arch_loader import load_accelerator
from dsec.compiler.diagnostics import DiagnosticError

BASE = """\
name: acc
operational_array:
  unit_energy: 0.04
  unit_area: 1
  dimensions: [D1, D2]
  sizes: [4, 4]
memories:
  reg:
    size: 64
    r_cost: 0.01
    w_cost: 0.01
    area: 0
    latency: 1
    operands: [I2]
    ports:
      - name: r_port_1
        type: read
        bandwidth_min: 8
        bandwidth_max: 8
        allocation: ["I2, tl"]
      - name: w_port_1
        type: write
        bandwidth_min: 8
        bandwidth_max: 8
        allocation: ["I2, fh"]
    served_dimensions: []
  sram:
    size: 100000
    r_cost: 10
    w_cost: 12
    area: 0
    latency: 1
    operands: [I1, I2, O]
    ports:
      - name: rw_port_1
        type: read_write
        bandwidth_min: 64
        bandwidth_max: 64
        allocation: ["I1, tl", "I2, tl", "O, fl"]
    served_dimensions: [D1, D2]
"""


def test_base_is_valid():
    spec = load_accelerator(BASE, "acc.yaml")
    acc = spec.accelerator
    assert acc.array == (("D1", 4), ("D2", 4))
    assert [m.name for m in acc.memories] == ["reg", "sram"]
    assert acc.memories[0].ports[1].allocation == (("I2", "fh"),)
    assert acc.memories[1].r_cost == 10.0 and acc.memories[1].served_dimensions == ("D1", "D2")
    assert spec.warnings == []


def _errors(text):
    with pytest.raises(DiagnosticError) as info:
        load_accelerator(text, "acc.yaml")
    return [(d.message, d.loc.line if d.loc else None) for d in info.value.diagnostics if d.severity == "error"]


def _replace(old, new, count=1):
    assert old in BASE, old
    return BASE.replace(old, new, count)


CASES = [
    ("yaml syntax", _replace("  sizes: [4, 4]", "  sizes: [4, 4"), "invalid YAML", None),
    ("not a mapping", "- just\n- a list\n", "the accelerator must be a mapping", 1),
    ("unknown top key", _replace("memories:", "memorys:"), "unknown key 'memorys' in the accelerator; did you mean 'memories'?", 7),
    ("missing top key", _replace("name: acc\n", ""), "the accelerator is missing required key 'name'", 1),
    ("dataflows", BASE + "dataflows:\n  D1: ['K, 4']\n", "'dataflows' is not supported yet", 41),
    ("array unknown key", _replace("  unit_area: 1", "  unit_aera: 1"), "unknown key 'unit_aera' in operational_array; did you mean 'unit_area'?", 4),
    ("array missing dims", _replace("  dimensions: [D1, D2]\n", ""), "operational_array is missing required key 'dimensions'", 2),
    ("sizes mismatch", _replace("  sizes: [4, 4]", "  sizes: [4, 4, 2]"), "operational_array has 2 dimensions but 3 sizes", 6),
    ("size not positive", _replace("  sizes: [4, 4]", "  sizes: [4, 0]"), "array sizes must be positive integers, got 0", 6),
    ("dims twice", _replace("  dimensions: [D1, D2]", "  dimensions: [D1, D1]"), "operational_array lists a dimension twice", 5),
    ("missing unit_energy", _replace("  unit_energy: 0.04\n", ""), "operational_array is missing 'unit_energy'", 2),
    ("unit_energy type", _replace("  unit_energy: 0.04", "  unit_energy: cheap"), "'unit_energy' of operational_array must be a number, got 'cheap'", 3),
    ("imc", _replace("  unit_area: 1", "  unit_area: 1\n  is_imc: true"), "'unit_energy' is not used by an in-memory-computing array", 3),
    ("imc key", _replace("  unit_area: 1", "  unit_area: 1\n  imc_type: analog"), "'imc_type' is an in-memory-computing key; set 'is_imc: true' or remove it", 5),
    ("input_precision", _replace("  unit_area: 1", "  unit_area: 1\n  input_precision: [8]"), "'input_precision' must be [activation bits, weight bits]", 5),
    ("systolic dim", _replace("  unit_area: 1", "  unit_area: 1\n  systolic_dimensions: [D3]"), "systolic dimension 'D3' is not one of the array dimensions (D1, D2)", 5),
    ("memory unknown key", _replace("    r_cost: 0.01", "    r_cots: 0.01"), "unknown key 'r_cots' in memory 'reg'; did you mean 'r_cost'?", 10),
    ("memory missing key", _replace("    size: 64\n", ""), "memory 'reg' is missing required key 'size'", 8),
    ("cacti mem_type", _replace("    latency: 1\n", "    latency: 1\n    auto_cost_extraction: true\n    mem_type: flash\n"),
     "auto_cost_extraction of memory 'reg': mem_type 'flash' has no CACTI model; use sram, rf or dram", 14),
    ("cacti bytes", _replace("    size: 64", "    size: 60").replace("    latency: 1\n", "    latency: 1\n    auto_cost_extraction: true\n", 1),
     "size 60 bits is not whole bytes, which CACTI needs", 14),
    ("cacti flag type", _replace("    latency: 1\n", "    latency: 1\n    auto_cost_extraction: yes please\n"),
     "'auto_cost_extraction' of memory 'reg' must be true or false", 14),
    ("granularity", _replace("    latency: 1\n", "    latency: 1\n    min_r_granularity: 8\n"), "'min_r_granularity' of memory 'reg' is not supported yet", 14),
    ("missing r_cost", _replace("    r_cost: 0.01\n", ""), "memory 'reg' is missing 'r_cost'", 8),
    ("size type", _replace("    size: 64", "    size: 64.5"), "'size' of memory 'reg' must be an integer, got 64.5", 9),
    ("size positive", _replace("    size: 64", "    size: 0"), "'size' of memory 'reg' must be positive (bits)", 9),
    ("unknown operand", _replace("    operands: [I2]", "    operands: [W]"), "memory 'reg' holds unknown memory operand 'W'; expected I1, I2 or O", 14),
    ("served dim", _replace("    served_dimensions: []", "    served_dimensions: [D3]"), "memory 'reg' serves 'D3', which is not an array dimension (D1, D2)", 26),
    ("ports not list", _replace('    ports:\n      - name: rw_port_1\n        type: read_write\n        bandwidth_min: 64\n'
                                '        bandwidth_max: 64\n        allocation: ["I1, tl", "I2, tl", "O, fl"]\n', "    ports: 3\n"),
     "'ports' of memory 'sram' must be a list of ports", 34),
    ("port unknown key", _replace("        type: read\n", "        type: read\n        width: 8\n"), "unknown key 'width' in a port of memory 'reg'", 18),
    ("port type", _replace("        type: read\n", "        type: readonly\n"), "'type' of port 'r_port_1' of memory 'reg' must be read, write or read_write, got 'readonly'", 17),
    ("bandwidth order", _replace("        bandwidth_min: 8\n        bandwidth_max: 8\n        allocation: [\"I2, tl\"]", "        bandwidth_min: 16\n        bandwidth_max: 8\n        allocation: [\"I2, tl\"]"), "bandwidth_min (16) of port 'r_port_1' of memory 'reg' is larger than bandwidth_max (8)", 18),
    ("bandwidth positive", _replace("        bandwidth_min: 8\n        bandwidth_max: 8\n        allocation: [\"I2, tl\"]", "        bandwidth_min: 0\n        bandwidth_max: 8\n        allocation: [\"I2, tl\"]"), "bandwidths of port 'r_port_1' of memory 'reg' must be positive", 16),
    ("allocation form", _replace('allocation: ["I2, tl"]', 'allocation: ["I2 tl"]'), "allocation 'I2 tl' of port 'r_port_1' of memory 'reg' must look like 'I1, tl'", 20),
    ("allocation operand", _replace('allocation: ["I2, fh"]', 'allocation: ["I2, fh", "O, fh"]'), "port 'w_port_1' of memory 'reg' serves 'O', which memory 'reg' does not hold (I2)", 25),
    ("direction", _replace('allocation: ["I2, tl"]', 'allocation: ["I2, tl", "I2, up"]'), "direction 'up' of port 'r_port_1' of memory 'reg' must be fh, tl, fl or th", 20),
    ("read port writes", _replace('allocation: ["I2, tl"]', 'allocation: ["I2, tl", "I2, fh"]'), "read port 'r_port_1' cannot serve write direction I2, fh", 20),
    ("write port reads", _replace('allocation: ["I2, fh"]', 'allocation: ["I2, fh", "I2, tl"]'), "write port 'w_port_1' cannot serve read direction I2, tl", 25),
    ("unserved direction", _replace('allocation: ["I2, fh"]', 'allocation: []'), "memory 'reg' holds I2 but no port serves 'I2, fh' (writes from the level above)", 8),
    ("top level output", _replace('"O, fl"]', '"O, tl"]'), "memory 'sram' holds O but no port serves 'O, fl' (writes from the level below)", 27),
]


@pytest.mark.parametrize("name, text, message, line", CASES, ids=[c[0] for c in CASES])
def test_validation_rule(name, text, message, line):
    errors = _errors(text)
    assert any(message in m and (line is None or line == ln) for m, ln in errors), errors


def test_duplicate_key_warns_with_both_lines_and_later_wins():
    text = _replace("    latency: 1\n", "    latency: 1\n    latency: 3\n")
    spec = load_accelerator(text, "acc.yaml")
    assert spec.accelerator.memories[0].latency == 3
    (warning,) = spec.warnings
    assert warning.message == "key 'latency' is given twice (line 13 and line 14); the later one is used"
    assert warning.loc.line == 14


def test_every_error_of_a_file_is_reported_at_once():
    text = _replace("    r_cost: 0.01", "    r_cots: 0.01").replace("  sizes: [4, 4]", "  sizes: [4, 0]")
    assert {6, 10} <= {line for _, line in _errors(text)}


def test_zigzag_391_keys_are_carried():
    text = _replace("  unit_area: 1", "  unit_area: 1\n  systolic_dimensions: [D2]").replace(
        "    latency: 1\n    operands: [I2]", "    latency: 1\n    force_double_buffering: true\n    operands: [I2]")
    spec = load_accelerator(text, "acc.yaml")
    assert spec.accelerator.systolic_dimensions == ("D2",)
    assert spec.accelerator.memories[0].force_double_buffering is True
    assert spec.accelerator.memories[1].force_double_buffering is False
    assert spec.warnings == []


def test_double_buffering_must_be_a_boolean():
    text = _replace("    latency: 1\n    operands: [I2]", "    latency: 1\n    force_double_buffering: 2\n    operands: [I2]")
    assert ("'force_double_buffering' of memory 'reg' must be true or false, got 2", 14) in _errors(text)


def test_auto_cost_extraction_without_cacti_names_the_extra(monkeypatch, tmp_path):
    from dsec.frontend import cacti

    monkeypatch.setenv("DSEC_CACHE_DIR", str(tmp_path))  # nothing cached: CACTI would have to run
    monkeypatch.setattr(cacti, "cacti_folder", lambda: None)
    text = _replace("    latency: 1\n", "    latency: 1\n    auto_cost_extraction: true\n")
    assert ("auto_cost_extraction of memory 'reg': this needs CACTI, which dsec takes from "
            "zigzag-dse: pip install 'dsec[cacti]', or give r_cost, w_cost and area", 14) in _errors(text)
