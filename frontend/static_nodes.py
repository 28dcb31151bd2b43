"""Which nodes of an ONNX graph are *static* (frontend/shape_folding.py): known before any
inference. Without numpy or onnx, so that a model with none (onnx_light) needs neither."""

from __future__ import annotations

# Ops whose output is known from the input's type alone.
SHAPE_OPS = {"Shape", "Size"}


def static_nodes(graph) -> set[int]:
    """Indices of the nodes whose outputs are known before any inference (`graph`: an
    onnx.GraphProto or onnx_light's)."""
    static_values = {init.name for init in graph.initializer}
    found = set()
    for index, node in enumerate(graph.node):
        inputs = [name for name in node.input if name]
        if node.op_type in SHAPE_OPS or all(name in static_values for name in inputs):
            if node.op_type not in SHAPE_OPS and not inputs and node.op_type != "Constant":
                continue  # a source op other than Constant (RandomNormal...) is not static
            found.add(index)
            static_values.update(name for name in node.output if name)
    return found
