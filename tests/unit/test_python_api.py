"""The Python API: `dsec.lower` takes paths or objects already in memory (an
onnx.ModelProto, an accelerator already read) and names a bad option."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest

import dsec
from dsec.frontend.arch_loader import load_accelerator_file
from dsec.frontend.importer import import_model

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "examples" / "models" / "conv3x3.onnx"
ARCH = ROOT / "examples" / "arch" / "tpu_like.yaml"
ZIGZAG_ARCH = ROOT / "tests" / "fixtures" / "arch" / "tpu_like.yaml"  # ZigZag's file as it ships


@pytest.fixture(scope="module")
def from_paths():
    result = dsec.lower(str(MODEL), str(ARCH))
    assert result.ok
    return result


def test_model_proto_and_accelerator_objects_lower_like_paths(from_paths):
    spec = load_accelerator_file(str(ARCH))
    model = onnx.load(str(MODEL))
    for arch in (spec, spec.accelerator):
        result = dsec.lower(model, arch)
        assert result.ok
        assert result.report["totals"] == from_paths.report["totals"]
        assert result.report["layers"] == from_paths.report["layers"]
        assert result.module.options == {"model": "<onnx.ModelProto>", "arch": "<accelerator tpu_like>"}
    assert dsec.lower(MODEL, ARCH).report["totals"] == from_paths.report["totals"]  # pathlib paths


def test_a_model_proto_is_shape_inferred_and_not_changed():
    # The shipped ResNet-18 keeps its weights out of the file: load it without them.
    resnet = str(ROOT / "examples" / "models" / "resnet18.onnx")
    model = onnx.load(resnet, load_external_data=False)
    del model.graph.value_info[:]  # the intermediate shapes come from shape inference alone
    before = model.SerializeToString()
    from_proto = import_model(model, str(ARCH))
    assert from_proto.module.ops == import_model(resnet, str(ARCH)).module.ops
    assert model.SerializeToString() == before


def test_a_bad_model_proto_is_a_diagnostic_naming_it():
    model = onnx.load(str(MODEL))
    del model.graph.node[:]
    result = dsec.lower(model, str(ARCH))
    assert not result.ok
    assert [d.message for d in result.diagnostics] == ["'<onnx.ModelProto>' has no nodes; is it an ONNX model?"]


@pytest.mark.parametrize("kwargs, message", [
    ({"objective": "latncy"}, "objective: 'latncy' is not one of energy, latency, edp, pareto"),
    ({"jobs": -1}, "jobs: -1 is not a whole number >= 0 (0: all cores)"),
    ({"spatial_candidates": 0}, "spatial_candidates: 0 is not a whole number >= 1"),
    ({"lpf_limit": 2.5}, "lpf_limit: 2.5 is not a whole number >= 1"),
    ({"mixed": "yes"}, "mixed: 'yes' is not True or False"),
    ({"data_locality": 1}, "data_locality: 1 is not True or False"),
    ({"graph_outputs_on_chip": True}, "graph_outputs_on_chip: keeps outputs with the layer-locality pass; set "
                                      "data_locality too"),
    ({"pipeline": ["cost-annotate"]}, "pipeline: ['cost-annotate'] is not a pipeline string like 'a,b{key=value}'"),
])
def test_an_option_error_names_the_option(kwargs, message):
    with pytest.raises(ValueError) as info:
        dsec.lower(str(MODEL), str(ARCH), **kwargs)
    assert str(info.value) == message


def test_options_changed_after_construction_are_checked_too():
    from dsec.compiler.lower import LowerOptions

    options = LowerOptions()
    options.objective = "fast"
    with pytest.raises(ValueError, match="^objective: 'fast' is not one of energy, latency, edp, pareto$"):
        dsec.lower(str(MODEL), str(ARCH), options=options)


def test_import_options_are_checked():
    from dsec.compiler.lower import LowerOptions
    from dsec.frontend.importer import ImportOptions

    with pytest.raises(ValueError, match=r"^import_options.precision: 'X' is not one of I, W, O, O_final$"):
        LowerOptions(import_options=ImportOptions(precision={"X": 8}))
    with pytest.raises(ValueError, match=r"^import_options.precision\['W'\]: 0 is not a positive number of bits$"):
        LowerOptions(import_options=ImportOptions(precision={"W": 0}))
    with pytest.raises(ValueError, match=r"^import_options.shapes\['x'\]: \(1, 0\) is not a tuple of positive"):
        LowerOptions(import_options=ImportOptions(shapes={"x": (1, 0)}))


def test_an_unknown_keyword_or_argument_type_is_named():
    with pytest.raises(TypeError, match="^objectiv: not an option of dsec.lower \\(options: objective, "):
        dsec.lower(str(MODEL), str(ARCH), objectiv="energy")
    with pytest.raises(TypeError, match="^model: expected a path to an ONNX file or an onnx.ModelProto, got int$"):
        dsec.lower(3, str(ARCH))
    with pytest.raises(TypeError, match="^arch: expected a path to an accelerator YAML, an Accelerator or an "
                                        "ArchSpec, got dict$"):
        dsec.lower(str(MODEL), {})


def test_str_of_a_module_is_its_textual_ir_and_parses_back(from_paths):
    text = str(from_paths.module)
    assert text.startswith("dsec.module @case {\n") and "cost {energy_pj = " in text
    assert text == dsec.print_ir(from_paths.module)
    assert dsec.print_ir(dsec.parse(text)) == text


def test_run_pipeline_reruns_a_stage_of_a_parsed_module(from_paths):
    module = dsec.parse(str(from_paths.module))
    diagnostics = []
    remapped = dsec.run_pipeline(module, "strip{keep=spatial},temporal-tile{objective=latency},memory-alloc,"
                                         "cost-annotate", diagnostics=diagnostics)
    assert diagnostics == []
    stripped = dsec.run_pipeline(module, "strip{keep=spatial}")
    assert stripped.layers()[0].cost is None and stripped.layers()[0].nest is None
    assert str(module) == str(from_paths.module)  # the module given is not changed
    # the same layer lowered for latency from the start costs the same with this unrolling
    latency = dsec.lower(str(MODEL), str(ARCH), objective="latency").module.layers()[0]
    assert remapped.layers()[0].spatial == from_paths.module.layers()[0].spatial
    assert remapped.layers()[0].cost["latency_cycles"] <= from_paths.module.layers()[0].cost["latency_cycles"]
    assert latency.cost["latency_cycles"] <= remapped.layers()[0].cost["latency_cycles"]


def test_run_pipeline_names_a_bad_pass_option():
    from dsec.compiler.pipeline import PipelineError

    module = dsec.parse((ROOT / "examples" / "tiny_mapped.dsec").read_text())
    with pytest.raises(PipelineError, match="^unknown option 'objectiv' for pass 'temporal-tile'; valid options: "):
        dsec.run_pipeline(module, "temporal-tile{objectiv=latency}")


def test_errors_print_like_the_command_line(from_paths):
    from dsec.compiler.diagnostics import DiagnosticError

    text = str(from_paths.module).replace("%0 = dsec.layer", "%0 = dsec.layr")
    with pytest.raises(DiagnosticError) as info:
        dsec.parse(text, "model.dsec")
    line = next(n for n, source in enumerate(text.split("\n"), 1) if "dsec.layr" in source)
    assert str(info.value) == (f"model.dsec:{line}:8: error: unexpected 'dsec'; expected 'dsec.const', "
                               "'dsec.input', 'dsec.layer', MOVE_KIND\n"
                               "  %0 = dsec.layr @layer \"Conv\"(I: %input, W: %weight) : tensor<1x64x28x28xf32> {\n"
                               "       ^")
    with pytest.raises(DiagnosticError, match=r"error: layer @layer: tiles in @rf_128B need 288 bits"):
        dsec.parse(str(from_paths.module).replace("size = 1024,", "size = 8,"))  # the verifier's
    assert not from_paths.diagnostics
    # ZigZag's own tpu_like.yaml gives a memory `ports` twice: a YAML warning: file:line:col, the line, a caret.
    (warning,) = dsec.lower(str(MODEL), str(ZIGZAG_ARCH)).diagnostics
    assert str(warning).startswith(f"{ZIGZAG_ARCH}:74:5: warning: key 'ports' is given twice (line 67 and line 74)")
    assert str(warning).endswith("\n    ports:\n    ^")


def test_import_dsec_imports_no_heavy_module():
    import subprocess
    import sys

    code = "import sys, dsec; print(sorted(m for m in ('onnx', 'numpy', 'lark') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"


def _python_blocks(page: Path) -> list[str]:
    import re

    return re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("page", ["README.md", "docs/python-api.md"])
def test_the_documented_examples_run_verbatim(page, monkeypatch, capsys):
    blocks = _python_blocks(ROOT / page)
    assert blocks, f"{page} has no python example"  # run verbatim: extracted from the page, so it cannot drift
    monkeypatch.chdir(ROOT)  # the examples use paths from the repository's root
    for block in blocks:
        exec(compile(block, page, "exec"), {"__name__": "__main__"})
    assert "dsec.module @" in capsys.readouterr().out
