"""Make a self-attention block as PyTorch's classic (TorchScript) ONNX exporter
writes it: the head split and merge reshape through int64 shape arithmetic on
1-element tensors (Shape -> Gather -> Div/Mul/Add -> Unsqueeze -> Concat ->
Reshape) beside the real work (MatMul, Add, Div, Softmax). Written to
examples/models/ and tests/fixtures/onnx/.

    python tools/make_attention.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent
NAME = "attention_classic.onnx"
SEQ, HIDDEN, HEADS = 16, 64, 4
HEAD_DIM = HIDDEN // HEADS


class _Graph:
    def __init__(self):
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def node(self, op: str, inputs: list[str], name: str, outputs: int = 1, **attrs) -> str | list[str]:
        names = [f"/{name}_output_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, names, name=f"/{name}", **attrs))
        return names[0] if outputs == 1 else names

    def constant(self, name: str, value) -> str:
        tensor = numpy_helper.from_array(np.array(value), f"{name}_value")
        return self.node("Constant", [], name, value=tensor)

    def weight(self, name: str, shape: tuple[int, ...]) -> str:
        rng = np.random.default_rng(len(self.initializers))
        self.initializers.append(numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name))
        return name

    def dim(self, tensor: str, index: int, name: str) -> str:
        """tensor.size(index) as TorchScript exports it: a 0-d int64 from Shape and Gather."""
        shape = self.node("Shape", [tensor], f"{name}/Shape")
        return self.node("Gather", [shape, self.constant(f"{name}/Constant", np.int64(index))], f"{name}/Gather",
                         axis=0)

    def shape_of(self, parts: list[str], name: str) -> str:
        """torch.Size(parts) for a Reshape: each 0-d int64 unsqueezed to 1 element, then concatenated."""
        axes = self.constant(f"{name}/axes", np.array([0], dtype=np.int64))
        ones = [self.node("Unsqueeze", [p, axes], f"{name}/Unsqueeze_{i}") for i, p in enumerate(parts)]
        return self.node("Concat", ones, f"{name}/Concat", axis=0)


def _split_heads(g: _Graph, x: str, name: str) -> str:
    """x.view(B, S, heads, hidden // heads).permute(0, 2, 1, 3)."""
    batch, seq, hidden = (g.dim(x, i, f"{name}/size{i}") for i in range(3))
    heads = g.constant(f"{name}/heads", np.int64(HEADS))
    head_dim = g.node("Div", [hidden, heads], f"{name}/Div")  # int64 division of a 0-d shape value
    shape = g.shape_of([batch, seq, heads, head_dim], name)
    view = g.node("Reshape", [x, shape], f"{name}/Reshape")
    return g.node("Transpose", [view], f"{name}/Transpose", perm=[0, 2, 1, 3])


def build() -> onnx.ModelProto:
    g = _Graph()
    projections = {}
    for p in ("query", "key", "value"):
        product = g.node("MatMul", ["x", g.weight(f"{p}.weight", (HIDDEN, HIDDEN))], f"{p}/MatMul")
        projections[p] = g.node("Add", [g.weight(f"{p}.bias", (HIDDEN,)), product], f"{p}/Add")
    q, k, v = (_split_heads(g, projections[p], f"{p}/heads") for p in ("query", "key", "value"))
    k_t = g.node("Transpose", [k], "key/T", perm=[0, 1, 3, 2])
    scores = g.node("MatMul", [q, k_t], "scores/MatMul")
    g.initializers.append(numpy_helper.from_array(np.array(np.sqrt(HEAD_DIM), dtype=np.float32), "scale"))
    scaled = g.node("Div", [scores, "scale"], "scores/Div")
    probs = g.node("Softmax", [scaled], "Softmax", axis=-1)
    context = g.node("MatMul", [probs, v], "context/MatMul")
    merged = g.node("Transpose", [context], "context/Transpose", perm=[0, 2, 1, 3])
    # context.view(B, S, heads * head_dim), the last size computed from the first's shape.
    batch, seq = (g.dim(merged, i, f"merge/size{i}") for i in range(2))
    heads, head_dim = (g.dim(merged, i, f"merge/size{i}") for i in (2, 3))
    width = g.node("Mul", [heads, head_dim], "merge/Mul")
    zero = g.constant("merge/zero", np.int64(0))
    width = g.node("Add", [width, zero], "merge/Add")  # PyTorch's exports carry such no-op offsets too
    shape = g.shape_of([batch, seq, width], "merge")
    g.nodes.append(helper.make_node("Reshape", [merged, shape], ["y"], name="/merge/Reshape"))
    graph = helper.make_graph(
        g.nodes, "attention_classic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, SEQ, HIDDEN])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, SEQ, HIDDEN])],
        g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="dsec tools/make_attention.py")
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    model = build()
    for folder in (ROOT / "examples" / "models", ROOT / "tests" / "fixtures" / "onnx"):
        onnx.save(model, folder / NAME)
        print(f"wrote {(folder / NAME).relative_to(ROOT)}")
