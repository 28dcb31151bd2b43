"""frontend/onnx_light.py: models read without onnx give the importer what the onnx path gives,
and every model it does not model goes the onnx path."""

from pathlib import Path
from unittest import mock

import onnx
import pytest
from onnx import TensorProto, helper

import dsec.frontend.onnx_loader as onnx_loader
from dsec.dialect.printer import print_module
from dsec.frontend.importer import import_model
from dsec.frontend.onnx_light import read_light

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p for folder in ("examples", "tests/fixtures") for p in (ROOT / folder).rglob("*.onnx"))
ARCH = ROOT / "tests/fixtures/arch/edge_tpu_like.yaml"
# Shipped models that need onnx: shape arithmetic to fold, a Conv without kernel_shape.
ONNX_PATH = {"attention_classic.onnx", "BasicNetwork_no_kernel_shape.onnx"}


def _onnx_path():
    return mock.patch.object(onnx_loader, "read_light", lambda path: None)


def test_the_shipped_models_are_read_as_the_onnx_path_reads_them():
    assert len(SHIPPED) >= 10
    for path in SHIPPED:
        light = read_light(str(path))
        assert (light is None) == (path.name in ONNX_PATH), path
        if light is None:
            continue
        fast = onnx_loader.load_onnx(str(path))
        with _onnx_path():
            slow = onnx_loader.load_onnx(str(path))
        assert list(fast.model.graph.node) == list(slow.model.graph.node), path
        assert (fast.types, fast.initializers, fast.static, fast.folded, fast.warnings) == \
               (slow.types, slow.initializers, slow.static, slow.folded, slow.warnings), path
        assert [onnx_loader.attributes(n) for n in fast.graph.node] == \
               [onnx_loader.attributes(n) for n in slow.graph.node], path
        fast_ir = print_module(import_model(str(path), str(ARCH)).module)
        with _onnx_path():
            assert print_module(import_model(str(path), str(ARCH)).module) == fast_ir, path


def _model(tmp_path, nodes, value_info=None, outputs=None, name="m.onnx", shape=(1, 4, 8, 8)):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
        [helper.make_tensor("w", TensorProto.FLOAT, [4, 4, 3, 3], [0.5] * 144)], value_info=value_info or [])
    path = tmp_path / name
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return str(path)


def test_attributes_of_every_read_type_match_onnx_helper(tmp_path):
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="c", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                            strides=[1, 1], group=1, auto_pad="NOTSET", alpha=-0.25, beta=[1.5, -2.0],
                            tags=["a", "bé"], negative=-7,
                            value=helper.make_tensor("v", TensorProto.INT8, [2, 3], [0] * 6))
    path = _model(tmp_path, [node])
    light = read_light(path)
    assert light is not None
    real = onnx.load(path)
    ours, theirs = light.graph.node[0], real.graph.node[0]
    assert onnx_loader.attributes(ours) == onnx_loader.attributes(theirs)
    assert [onnx_loader._attribute_value(a) for a in ours.attribute if a.type != 4] == \
           [helper.get_attribute_value(a) for a in theirs.attribute if a.type != 4]
    assert onnx_loader.attributes(ours)["negative"] == -7


@pytest.mark.parametrize("case", ["no value_info", "dynamic input", "no kernel_shape", "subgraph attribute",
                                  "not a model", "truncated", "function", "sparse initializer",
                                  "reference to a function attribute", "an INT attribute with a subgraph"])
def test_models_it_does_not_model_go_the_onnx_path(tmp_path, case):
    conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    if case == "no value_info":
        relu = [helper.make_node("Conv", ["x", "w"], ["t"], **conv), helper.make_node("Relu", ["t"], ["y"])]
        path = _model(tmp_path, relu)
    elif case == "dynamic input":
        path = _model(tmp_path, [helper.make_node("Conv", ["x", "w"], ["y"], **conv)], shape=("N", 4, 8, 8))
    elif case == "no kernel_shape":
        path = _model(tmp_path, [helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])])
    elif case == "subgraph attribute":
        body = helper.make_graph([], "b", [], [])
        path = _model(tmp_path, [helper.make_node("Conv", ["x", "w"], ["y"], **conv, sub=body)])
    elif case == "function":
        path = _model(tmp_path, [helper.make_node("Conv", ["x", "w"], ["y"], **conv)])
        model = onnx.load(path)
        model.functions.add().name = "f"
        onnx.save(model, path)
    elif case == "sparse initializer":
        path = _model(tmp_path, [helper.make_node("Conv", ["x", "w"], ["y"], **conv)])
        model = onnx.load(path)
        values = helper.make_tensor("s", TensorProto.FLOAT, [1], [1.0])
        indices = helper.make_tensor("i", TensorProto.INT64, [1], [0])
        model.graph.sparse_initializer.append(helper.make_sparse_tensor(values, indices, [4]))
        onnx.save(model, path)
    elif case in ("reference to a function attribute", "an INT attribute with a subgraph"):
        node = helper.make_node("Conv", ["x", "w"], ["y"], **conv)
        attr = node.attribute.add()
        attr.name, attr.type = "extra", onnx.AttributeProto.INT
        if case == "reference to a function attribute":
            attr.ref_attr_name = "alpha"
        else:
            attr.g.CopyFrom(helper.make_graph([], "b", [], []))
        path = _model(tmp_path, [node])
    else:
        path = _model(tmp_path, [helper.make_node("Conv", ["x", "w"], ["y"], **conv)])
        data = Path(path).read_bytes()
        Path(path).write_bytes(b"\x08\xff" if case == "not a model" else data[:-7])
    assert read_light(path) is None
    assert read_light(str(tmp_path / "missing.onnx")) is None


def test_the_multicore_lowering_does_not_import_onnx_or_numpy():
    import subprocess
    import sys

    stream = ROOT / "tests/fixtures/stream"
    code = ("import sys; from dsec.multicore.lower import lower_multicore; "
            f"r = lower_multicore({str(stream / '2conv_1_8_32_32_16_32_3.onnx')!r}, "
            f"{str(stream / 'hardware/tpu_like_quad_core.yaml')!r}, {str(stream / 'map_fixed_fused_rows4.yaml')!r}, "
            "None, 'latency'); assert r.ok; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('onnx', 'numpy')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_value_info_that_inference_would_contradict_is_kept_by_both_paths(tmp_path):
    # onnx_light's premise: non-strict ONNX shape inference keeps the types a model gives.
    nodes = [helper.make_node("Conv", ["x", "w"], ["t"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["t"], ["y"])]
    path = _model(tmp_path, nodes, value_info=[helper.make_tensor_value_info("t", TensorProto.FLOAT, [1, 4, 7, 7])])
    assert read_light(path) is not None
    fast = onnx_loader.load_onnx(path)
    with _onnx_path():
        slow = onnx_loader.load_onnx(path)
    assert fast.types == slow.types and fast.types["t"].shape == (1, 4, 7, 7)
