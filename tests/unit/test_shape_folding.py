"""Shape and constant subgraphs are folded, never mapped (frontend/shape_folding.py):
which nodes are static, what the evaluator computes (ONNX's integer rules), and
the classic-export attention block mapping with a fixed mapping on tpu_like,
whose output register holds 16 bits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from dsec.frontend.importer import import_model
from dsec.frontend.shape_folding import MAX_FOLDED_ELEMENTS, _evaluate, static_nodes
from dsec.dialect.ops import LayerOp, MoveOp

ROOT = Path(__file__).resolve().parents[2]
ATTENTION = ROOT / "tests" / "fixtures" / "onnx" / "attention_classic.onnx"
TPU_LIKE = ROOT / "tests" / "fixtures" / "arch" / "tpu_like.yaml"


def evaluate(op: str, inputs: list, shapes: dict | None = None, **attrs):
    names = [f"in{i}" for i in range(len(inputs))]
    node = helper.make_node(op, names, ["out"], **attrs)
    values = {name: np.asarray(value) for name, value in zip(names, inputs)}
    return _evaluate(node, values, (shapes or {}).get)


def test_integer_division_truncates_toward_zero_as_onnx_does():
    (out,) = evaluate("Div", [np.array([-7, 7], dtype=np.int64), np.array(2, dtype=np.int64)])
    assert out.tolist() == [-3, 3] and out.dtype == np.int64


def test_division_by_zero_and_unknown_ops_are_not_evaluated():
    assert evaluate("Div", [np.array(1, dtype=np.int64), np.array(0, dtype=np.int64)]) is None
    assert evaluate("NonZero", [np.array([1, 0])]) is None


def test_shape_gather_unsqueeze_concat():
    (shape,) = evaluate("Shape", ["x"], {"in0": (1, 16, 64)}, start=1)
    assert shape.tolist() == [16, 64]
    (item,) = evaluate("Gather", [np.array([1, 16, 64]), np.array(-1)], axis=0)
    assert item.ndim == 0 and int(item) == 64
    (one,) = evaluate("Unsqueeze", [np.array(5), np.array([-1])])
    assert one.shape == (1,)
    (concat,) = evaluate("Concat", [np.array([1]), np.array([4, 16])], axis=0)
    assert concat.tolist() == [1, 4, 16]
    assert evaluate("Shape", ["x"], {}) is None  # the input's shape is unknown


def test_large_results_are_left_to_run_time():
    assert evaluate("ConstantOfShape", [np.array([MAX_FOLDED_ELEMENTS + 1], dtype=np.int64)]) is None
    (small,) = evaluate("ConstantOfShape", [np.array([2, 3], dtype=np.int64)],
                        value=numpy_helper.from_array(np.array([7], dtype=np.int64)))
    assert small.tolist() == [[7, 7, 7], [7, 7, 7]]


def test_static_nodes_come_from_shape_constant_and_initializers_only():
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),                 # 0: static (the input's shape)
        helper.make_node("Mul", ["s", "two"], ["s2"]),           # 1: static (initializer)
        helper.make_node("Relu", ["x"], ["r"]),                  # 2: real work
        helper.make_node("Add", ["r", "two"], ["a"]),            # 3: reads a real tensor
        helper.make_node("RandomNormal", [], ["n"], shape=[2]),  # 4: a source, not a constant
        helper.make_node("Constant", [], ["c"], value_int=3),    # 5: static
    ]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])], [],
                              [numpy_helper.from_array(np.array(2, dtype=np.int64), "two")])
    assert static_nodes(graph) == {0, 1, 5}


def test_the_attention_blocks_shape_arithmetic_is_folded_and_its_real_work_is_layers():
    module = import_model(ATTENTION, TPU_LIKE).module
    layers = [op for op in module.ops if isinstance(op, LayerOp)]
    assert [op.op_type for op in layers] == ["MatMul", "Add"] * 3 + ["MatMul", "Div", "Softmax", "MatMul"]
    assert all(op.result.type.element == "f32" for op in layers)
    folded = {op.attrs["name"]: op.attrs["folded"] for op in module.ops if isinstance(op, MoveOp) and "folded" in op.attrs}
    assert folded["/query/heads/Concat"] == (1, 16, 4, 16)
    assert folded["/merge/Concat"] == (1, 16, 64)
    assert len(folded) == 71  # 3 x 17 for the head splits, 20 for the merge: all but the 19 others


def test_attention_with_a_fixed_mapping_on_16_bit_registers_exits_0():
    run = subprocess.run([sys.executable, "-m", "dsec", "lower", str(ATTENTION), "--arch", str(TPU_LIKE), "--mapping",
                          str(ROOT / "examples" / "mapping" / "tpu_like_attention.yaml")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "total: 10/10 layers mapped" in run.stdout
