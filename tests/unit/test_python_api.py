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
    ({"objective": "latncy"}, "objective: 'latncy' is not one of energy, latency, edp"),
    ({"jobs": -1}, "jobs: -1 is not a whole number >= 0 (0: all cores)"),
    ({"spatial_candidates": 0}, "spatial_candidates: 0 is not a whole number >= 1"),
    ({"lpf_limit": 2.5}, "lpf_limit: 2.5 is not a whole number >= 1"),
    ({"mixed": "yes"}, "mixed: 'yes' is not True or False"),
    ({"data_locality": 1}, "data_locality: 1 is not True or False"),
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
    with pytest.raises(ValueError, match="^objective: 'fast' is not one of energy, latency, edp$"):
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
