"""Every validation rule of the mapping YAML, the entry lookup order, and the
checks of the loop dims entries name against the model."""

from pathlib import Path

import pytest

from dsec.frontend.arch_loader import load_accelerator
from dsec.frontend.importer import import_model
from dsec.frontend.mapping_check import check_mapping_dims
from dsec.compiler.diagnostics import DiagnosticError, group_diagnostics
from dsec.frontend.mapping_loader import constraints_for, load_mapping

from test_arch_loader import BASE

ACC = load_accelerator(BASE, "acc.yaml").accelerator

MAPPING = """\
- name: default
  spatial_mapping:
    D1:
      - K, 4
    D2:
      - C, 2
      - FX, 2
  memory_operand_links:
    O: O
    W: I2
    I: I1
- name: /layer1/conv
  spatial_mapping_hint:
    D1: [K, OX]
    D2: [C]
  temporal_ordering:
    - [OX, 8]
    - [K, "*"]
- name: Pooling
  spatial_mapping:
    D1:
      - G, 4
"""


def test_lookup_by_name_then_type_then_default():
    spec = load_mapping(MAPPING, "map.yaml", ACC)
    assert spec.lookup("/layer1/conv", "Conv").hint == (("D1", ("K", "OX")), ("D2", ("C",)))
    assert spec.lookup("/other", "MaxPool", "Pooling").name == "Pooling"
    default = spec.lookup("/other", "Conv")
    assert default.name == "default"
    assert [(u.array_dim, [(l.dim, l.factor) for l in u.loops]) for u in default.spatial] == [
        ("D1", [("K", 4)]), ("D2", [("C", 2), ("FX", 2)])]


def test_constraints_drop_order_dims_the_layer_lacks_and_keep_the_spatial_mapping_whole():
    spec = load_mapping(MAPPING, "map.yaml", ACC)
    relu = constraints_for(spec.lookup("relu"), {"B": 1, "G": 8})
    # spatial-unroll searches what of it applies (nothing: one PE) beside generated candidates.
    assert str(relu.spatial) == "D1(K = 4) D2(C = 2, FX = 2)" and relu.hint is None and relu.order is None
    conv = constraints_for(spec.lookup("/layer1/conv"), {"K": 8, "C": 4, "OX": 8})
    assert [(l.dim, l.factor) for l in conv.order] == [("OX", 8), ("K", None)]


def test_no_mapping_entry_gives_zigzag_default_links():
    spec = load_mapping("- name: Conv\n", "map.yaml", ACC)
    assert spec.lookup("x", "Gemm").links == {"O": "O", "W": "I2", "I": "I1"}


def _errors(text):
    with pytest.raises(DiagnosticError) as info:
        load_mapping(text, "map.yaml", ACC)
    return [(d.message, d.loc.line if d.loc else None) for d in info.value.diagnostics if d.severity == "error"]


CASES = [
    ("not a list", "name: default\n", "a mapping file is a list of entries", 1),
    ("unknown key", MAPPING.replace("  spatial_mapping_hint:", "  spatial_mapping_hints:"), "unknown key 'spatial_mapping_hints' in a mapping entry; did you mean 'spatial_mapping_hint'?", 13),
    ("missing name", "- spatial_mapping:\n    D1: ['K, 4']\n", "a mapping entry is missing required key 'name'", 1),
    ("spatial not a mapping", "- name: default\n  spatial_mapping: [K, 4]\n", "spatial_mapping of mapping entry 'default' must map array dimensions", 2),
    ("spatial array dim", MAPPING.replace("    D2:\n      - C, 2", "    D5:\n      - C, 2"), "spatial_mapping of mapping entry 'default' uses 'D5', which is not an array dimension of acc (D1, D2)", 5),
    ("spatial entry form", MAPPING.replace("      - K, 4", "      - K4"), "spatial_mapping entry 'K4' of mapping entry 'default' must look like 'K, 32'", 4),
    ("spatial factor", MAPPING.replace("      - K, 4", "      - K, 0"), "spatial_mapping entry 'K, 0' of mapping entry 'default' must look like 'K, 32'", 4),
    ("hint not list", MAPPING.replace("    D2: [C]", "    D2: C"), "spatial_mapping_hint of mapping entry '/layer1/conv' for D2 must be a list", 15),
    ("ordering not list", MAPPING.replace("  temporal_ordering:\n    - [OX, 8]\n    - [K, \"*\"]", "  temporal_ordering: OX"), "temporal_ordering of mapping entry '/layer1/conv' must be a list", 16),
    ("ordering entry", MAPPING.replace("    - [OX, 8]", "    - [OX, 0]"), "temporal_ordering entries of mapping entry '/layer1/conv' must be [dimension, factor]", 17),
    ("ordering star", MAPPING.replace('    - [K, "*"]', '    - [K, "all"]'), "must be [dimension, factor] with a positive factor or '*', got ['K', 'all']", 18),
    ("link operand", MAPPING.replace("    I: I1", "    X: I1"), "unknown key 'X' in memory_operand_links of mapping entry 'default'", 11),
    ("link target", MAPPING.replace("    W: I2", "    W: I3"), "memory_operand_links of mapping entry 'default' links W to 'I3', which no memory of acc holds (I1, I2, O)", 10),
]


@pytest.mark.parametrize("name, text, message, line", CASES, ids=[c[0] for c in CASES])
def test_validation_rule(name, text, message, line):
    errors = _errors(text)
    assert any(message in m and line == ln for m, ln in errors), errors


def test_entry_given_twice_warns_and_later_wins():
    spec = load_mapping(MAPPING + "- name: Pooling\n  spatial_mapping:\n    D1:\n      - G, 2\n", "map.yaml", ACC)
    assert spec.lookup("Pooling").spatial[0].loops[0].factor == 2
    assert "mapping entry 'Pooling' is given twice (line 19 and line 23)" in spec.warnings[0].message


def test_hint_for_an_array_dim_the_accelerator_lacks_is_a_warning():
    spec = load_mapping(MAPPING.replace("    D2: [C]", "    D9: [C]"), "map.yaml", ACC)
    assert spec.lookup("/layer1/conv").hint == (("D1", ("K", "OX")),)
    (warning,) = spec.warnings
    assert warning.loc.line == 15
    assert "names 'D9', which this accelerator does not have (D1, D2); that hint is not used" in warning.message


# ---- loop dims the model lacks (frontend/mapping_check.py) ----

CONV_DIMS = {"B": 1, "K": 8, "C": 4, "OY": 8, "OX": 8, "FY": 3, "FX": 3}
RELU_DIMS = {"B": 1, "G": 8, "OY": 8, "OX": 8}


def _uses(text, layers):
    spec = load_mapping(text, "map.yaml", ACC)
    return [(spec.lookup(name, op), name, dims) for name, op, dims in layers]


def test_an_ordering_dim_no_layer_has_is_an_error_with_a_did_you_mean():
    text = MAPPING.replace("    - [OX, 8]", "    - [OXX, 8]")
    (error,) = check_mapping_dims(_uses(text, [("/layer1/conv", "Conv", CONV_DIMS)]))
    assert error.severity == "error" and (error.loc.file, error.loc.line) == ("map.yaml", 17)
    assert error.message == ("temporal_ordering of mapping entry '/layer1/conv' names loop dimension 'OXX', which no "
                             "layer of the model has; did you mean 'OX'? the model's layers have B, C, FX, FY, K, "
                             "OX, OY")


def test_a_spatial_dim_no_layer_has_is_an_error_once_per_entry():
    text = MAPPING.replace("      - K, 4", "      - Q, 4")
    errors = check_mapping_dims(_uses(text, [("a", "Conv", CONV_DIMS), ("b", "Conv", CONV_DIMS)]))
    assert [(e.message.split(";")[0], e.loc.line) for e in errors] == [
        ("spatial_mapping D1 of mapping entry 'default' names loop dimension 'Q', which no layer of the model has", 4)]


def test_a_zigzag_spatial_dim_no_layer_has_is_no_error():
    # A network of depthwise convolutions and pools under a `default` entry written for
    # convolutions (K, C): the mapping collapses there, and spatial-unroll says so.
    assert check_mapping_dims(_uses(MAPPING, [("dw", "Conv", {"B": 1, "G": 8, "OY": 8, "OX": 8, "FY": 3}),
                                              ("relu", "Relu", RELU_DIMS)])) == []


def test_a_dim_some_layers_lack_is_dropped_for_them_with_one_grouped_note():
    layers = [("conv", "Conv", CONV_DIMS)] + [(f"relu{i}", "Relu", RELU_DIMS) for i in range(6)]
    uses = _uses(MAPPING.replace("  memory_operand_links:", "  temporal_ordering:\n    - [FY, 3]\n    - [C, 2]\n"
                                 "  memory_operand_links:", 1), layers)
    notes = check_mapping_dims(uses)
    assert len(notes) == 6 and notes[0].message == "mapping entry 'default': FY, C not used for layer relu0, which lacks them"
    (note,) = group_diagnostics(notes)
    assert note.severity == "note" and note.loc == uses[1][0].loc
    assert note.message == ("mapping entry 'default': loop dims some of its layers lack are not used for them, on 6 "
                            "layers:\n  FY, C left out on 6 layers: relu0, relu1, relu2, relu3, relu4, relu5")
    # The spatial mapping's K, C, FX are not in the note: spatial-unroll warns where it collapses.
    assert constraints_for(uses[1][0], RELU_DIMS).order is None
    assert check_mapping_dims(uses[:1]) == []  # the conv has every dim: nothing to say


def test_entries_no_layer_uses_are_not_checked():
    text = MAPPING.replace("    - [OX, 8]", "    - [OXX, 8]")  # only /layer1/conv names OXX
    assert check_mapping_dims(_uses(text, [("other", "Conv", CONV_DIMS)])) == []


def test_import_refuses_a_mapping_typo_before_any_search(tmp_path):
    root = Path(__file__).resolve().parents[2]
    mapping = tmp_path / "map.yaml"
    mapping.write_text("- name: default\n  spatial_mapping:\n    D1:\n      - K, 32\n  temporal_ordering:\n"
                       "    - [OXX, 28]\n")
    with pytest.raises(DiagnosticError) as info:
        import_model(str(root / "examples" / "models" / "conv3x3.onnx"), str(root / "examples" / "arch" /
                     "tpu_like.yaml"), str(mapping))
    (error,) = info.value.diagnostics
    assert (error.loc.line, error.loc.col) == (6, 7) and "did you mean 'OX'?" in error.message


def test_links_are_one_to_one_but_may_be_swapped():
    swapped = load_mapping("- name: default\n  memory_operand_links:\n    W: I1\n    I: I2\n    O: O\n", "map.yaml", ACC)
    assert swapped.lookup("x").links == {"O": "O", "W": "I1", "I": "I2"}
    errors = _errors("- name: default\n  memory_operand_links:\n    W: I1\n")
    assert errors == [("memory_operand_links of mapping entry 'default' link W, I (by default) to I1; each operand "
                       "needs its own memory operand", 3)]
