"""Build a chain of three convolutions with ResNet-like node names, for the report tests.

    python make_chain.py OUT.onnx

Built with onnx.helper, so the tests need no binary files.
"""

import sys

import onnx
from onnx import TensorProto, helper

F = TensorProto.FLOAT


def weight(name, shape):
    size = 1
    for s in shape:
        size *= s
    return helper.make_tensor(name, F, shape, [0] * size)


def chain():
    names = ["/conv1/Conv", "/layer1/layer1.0/conv1/Conv", "/layer1/layer1.0/conv2/Conv"]
    channels = [3, 8, 8, 8]
    nodes, inits, value = [], [], "x"
    for i, name in enumerate(names):
        out = f"t{i}"
        nodes.append(helper.make_node("Conv", [value, f"w{i}"], [out], name=name, kernel_shape=[3, 3],
                                      pads=[1, 1, 1, 1]))
        inits.append(weight(f"w{i}", [channels[i + 1], channels[i], 3, 3]))
        value = out
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", F, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info(value, F, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


if __name__ == "__main__":
    onnx.save(chain(), sys.argv[1])
