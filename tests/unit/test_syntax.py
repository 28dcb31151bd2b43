"""The grammar, parser and printer: strict LALR, and print(parse(t)) == t."""

from pathlib import Path

import pytest

from dsec.compiler.diagnostics import DiagnosticError
from dsec.dialect.parser import _lark, parse_module
from dsec.dialect.printer import format_value, print_module
from dsec.dialect.attributes import AffineExpr

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_grammar_is_clean_under_strict_mode():
    assert _lark(strict=True) is not None


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.dsec")), ids=lambda p: p.name)
def test_examples_round_trip_byte_for_byte(path):
    text = path.read_text()
    assert print_module(parse_module(text, str(path))) == text


@pytest.mark.parametrize("expr, text", [
    (AffineExpr((("OY", 2), ("FY", 1)), -3), "2*OY + FY - 3"),
    (AffineExpr((("OY", 1), ("FY", 2)), 0), "OY + 2*FY"),
    (AffineExpr((("OY", -1),), 4), "-OY + 4"),
    (AffineExpr((), 0), "0"),
    (AffineExpr((), 5), "5"),
    (AffineExpr((("C", 3),), 0), "3*C"),
])
def test_affine_printing(expr, text):
    assert str(expr) == text


@pytest.mark.parametrize("value", [
    0, -7, 1.0, -0.5, 1e-05, 1e20, 18600000.0, 0.1 + 0.2, "plain", "quote \" and \\ and é", True, False,
    (), (1, 2.5, "x"), {"nested": {"a": (1, 2)}, "with space": 1},
])
def test_attribute_values_round_trip(value):
    module_text = _module_with_options({"v": value})
    module = parse_module(module_text)
    assert module.options["v"] == value
    assert print_module(module) == module_text


def _module_with_options(options) -> str:
    return (
        "dsec.module @m {\n  accelerator @a {\n    array [D1 = 2] {unit_energy = 1.0, unit_area = 1.0}\n  }\n"
        f"  options {format_value(options)}\n}}\n"
    )


def test_dynamic_dims_and_index_forms_round_trip():
    text = (
        "dsec.module @m {\n  accelerator @a {\n    array [D1 = 2] {unit_energy = 1.0, unit_area = 1.0}\n"
        "    memory @m0 operands [I1, I2, O] served [D1] {size = 64, r_cost = 1.0, w_cost = 2.0, area = 0.5, "
        "latency = 1, force_double_buffering = true} {\n    }\n  }\n  options {}\n"
        "  %x = dsec.input \"x\" : tensor<?x4xf32>\n"
        "  %y = dsec.layer @l \"Custom\"(I: %x) : tensor<?x4xf32> {\n"
        "    dims {B = 1, K = 4, FY = 3}\n"
        "    O[B, K] max= I[B, -K + 2*FY + 1]\n"
        "    precision {I = 32, O = 32}\n"
        "    links {I = I1, O = O}\n"
        "    require order [K = 2, FY = *, K = *]\n"
        "  }\n  dsec.return %y\n}\n"
    )
    module = parse_module(text)
    assert module.ops[0].result.type.is_dynamic
    assert module.accelerator.memories[0].force_double_buffering
    assert print_module(module) == text


def test_parser_normalises_spacing_and_merges_terms():
    text = (
        "dsec.module @m{accelerator @a{array[D1=2]{unit_energy=1,unit_area=1}}options{}"
        "%x=dsec.input \"x\":tensor<4xi8> %y=dsec.layer @l \"Relu\"(I:%x):tensor<4xi8>{dims{K=4}"
        "O[K]=relu(I[K+1-1+K-K])precision{I=8,O=8}links{I=I1,O=O}}}"
    )
    printed = print_module(parse_module(text))
    assert "O[K] = relu(I[K])" in printed
    assert "array [D1 = 2] {unit_energy = 1.0, unit_area = 1.0}" in printed


def test_parse_error_is_a_diagnostic_with_location():
    with pytest.raises(DiagnosticError) as info:
        parse_module("dsec.module @m {\n  bogus\n}", "f.dsec")
    (diag,) = info.value.diagnostics
    assert (diag.loc.file, diag.loc.line, diag.loc.col) == ("f.dsec", 2, 3)
    assert diag.message.startswith("unexpected 'bogus'; expected 'accelerator'")
