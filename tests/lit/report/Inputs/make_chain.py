"""Build a chain of three convolutions with ResNet-like node names, for the report tests
(or with `conv_relu_pool`, a convolution, its Relu and a MaxPool).

    python make_chain.py OUT.onnx [conv_relu_pool]

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


def conv_relu_pool():
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="/conv1/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="/relu/Relu"),
             helper.make_node("MaxPool", ["r"], ["y"], name="/maxpool/MaxPool", kernel_shape=[2, 2], strides=[2, 2])]
    graph = helper.make_graph(nodes, "conv_relu_pool", [helper.make_tensor_value_info("x", F, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", F, None)], [weight("w", [8, 3, 3, 3])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


if __name__ == "__main__":
    onnx.save(conv_relu_pool() if sys.argv[2:] == ["conv_relu_pool"] else chain(), sys.argv[1])
