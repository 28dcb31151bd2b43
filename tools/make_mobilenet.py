"""Make a small MobileNetV2-style network with onnx.helper: three inverted
residual blocks of MobileNetV2's last stages (1x1 expand + ReLU, 3x3
depthwise + ReLU, 1x1 project, a residual Add where the shapes allow),
small enough that ZigZag maps it in minutes. Only shapes matter: the weights
refer to an external file that is not there (as examples/models/resnet18.onnx
does), so the model stays a few kB. Written to examples/models/.

    python tools/make_mobilenet.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

ROOT = Path(__file__).resolve().parent.parent
NAME = "mobilenet_blocks.onnx"
INPUT = [1, 64, 14, 14]
# (input channels, expansion factor, output channels, depthwise stride) per block.
BLOCKS = [(64, 6, 64, 1), (64, 6, 160, 2), (160, 6, 160, 1)]


class _Graph:
    def __init__(self):
        self.nodes: list[onnx.NodeProto] = []
        self.weights: list[onnx.TensorProto] = []
        self.last = "input"

    def node(self, op: str, name: str, inputs: list[str], **attributes) -> str:
        out = f"{name}_out"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attributes))
        self.last = out
        return out

    def conv(self, name: str, c_in: int, c_out: int, kernel: int, stride: int = 1, group: int = 1) -> str:
        weight = f"{name}_w"
        shape = [c_out, c_in // group, kernel, kernel]
        tensor = onnx.TensorProto(name=weight, dims=shape, data_type=TensorProto.FLOAT,
                                  data_location=TensorProto.EXTERNAL)
        offset = sum(4 * int(np.prod(w.dims)) for w in self.weights)
        for key, value in (("location", "mobilenet_blocks.external"), ("offset", offset),
                           ("length", 4 * int(np.prod(shape)))):
            tensor.external_data.add(key=key, value=str(value))
        self.weights.append(tensor)
        return self.node("Conv", name, [self.last, weight], kernel_shape=[kernel, kernel], strides=[stride, stride],
                         pads=[kernel // 2] * 4, group=group)


def build() -> onnx.ModelProto:
    g = _Graph()
    for number, (c_in, expand, c_out, stride) in enumerate(BLOCKS, 1):
        block_input, wide = g.last, c_in * expand
        g.conv(f"block{number}_expand", c_in, wide, 1)
        g.node("Relu", f"block{number}_expand_relu", [g.last])
        g.conv(f"block{number}_depthwise", wide, wide, 3, stride, group=wide)
        g.node("Relu", f"block{number}_depthwise_relu", [g.last])
        g.conv(f"block{number}_project", wide, c_out, 1)
        if stride == 1 and c_in == c_out:
            g.node("Add", f"block{number}_add", [block_input, g.last])
    graph = helper.make_graph(g.nodes, "mobilenet_blocks",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, INPUT)], [], g.weights)
    model = onnx.shape_inference.infer_shapes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    model.graph.output.append(next(v for v in model.graph.value_info if v.name == g.last))
    return model


if __name__ == "__main__":
    path = ROOT / "examples" / "models" / NAME
    onnx.save(build(), path)
    print(f"wrote {path.relative_to(ROOT)}")
