"""Build the small ONNX models the import golden tests read.

    python make_model.py NAME OUT.onnx

Each model is built with onnx.helper, so the tests need no binary files.
"""

import sys

import onnx
from onnx import TensorProto, helper

F = TensorProto.FLOAT


def weight(name, shape, dtype=F):
    size = 1
    for s in shape:
        size *= s
    return helper.make_tensor(name, dtype, shape, [0] * size)


def model(nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, "test", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def vi(name, shape, dtype=F):
    return helper.make_tensor_value_info(name, dtype, shape)


def conv_nonsquare():
    # 3x5 kernel, stride 1x2, pads top 1 / left 2, dilation 2x1: H and W must not swap.
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 5], strides=[1, 2],
                            pads=[1, 2, 1, 2], dilations=[2, 1])
    return model([node], [vi("x", [1, 3, 20, 30])], [vi("y", None)], [weight("w", [8, 3, 3, 5])])


def conv_no_kernel_shape():
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", strides=[2, 2], pads=[1, 1, 1, 1])
    return model([node], [vi("x", [1, 3, 16, 16])], [vi("y", None)], [weight("w", [4, 3, 3, 3]), weight("b", [4])])


def conv_same_upper():
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[4, 4], strides=[2, 2],
                            auto_pad="SAME_UPPER")
    return model([node], [vi("x", [1, 2, 9, 9])], [vi("y", None)], [weight("w", [4, 2, 4, 4])])


def depthwise():
    nodes = [helper.make_node("Conv", ["x", "w1"], ["y1"], name="dw", group=8, kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["y1", "w2"], ["y2"], name="dw_x2", group=8, kernel_shape=[3, 3])]
    return model(nodes, [vi("x", [1, 8, 10, 10])], [vi("y2", None)],
                 [weight("w1", [8, 1, 3, 3]), weight("w2", [16, 1, 3, 3])])


def grouped():
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="grouped", group=4, kernel_shape=[3, 3])
    return model([node], [vi("x", [1, 8, 10, 10])], [vi("y", None)], [weight("w", [12, 2, 3, 3])])


def conv_transpose():
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", kernel_shape=[3, 3], strides=[2, 2],
                            pads=[1, 1, 1, 1])
    return model([node], [vi("x", [1, 4, 5, 5])], [vi("y", None)], [weight("w", [4, 2, 3, 3])])


def gemm_transb():
    node = helper.make_node("Gemm", ["a", "b", "c"], ["y"], name="fc", transB=1)
    return model([node], [vi("a", [4, 16])], [vi("y", None)], [weight("b", [32, 16]), weight("c", [32])])


def matmul():
    nodes = [
        helper.make_node("MatMul", ["a3", "b3"], ["y3"], name="bmm3d"),
        helper.make_node("MatMul", ["q", "k"], ["y4"], name="attention_scores"),
        helper.make_node("MatMul", ["a3", "w"], ["yw"], name="linear3d"),
    ]
    return model(nodes, [vi("a3", [2, 5, 16]), vi("b3", [2, 16, 7]), vi("q", [1, 4, 8, 16]), vi("k", [1, 4, 16, 8])],
                 [vi("y3", None), vi("y4", None), vi("yw", None)], [weight("w", [16, 7])])


def pooling():
    nodes = [
        helper.make_node("MaxPool", ["x"], ["p1"], name="maxpool", kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 1, 1, 1]),
        helper.make_node("AveragePool", ["p1"], ["p2"], name="avgpool", kernel_shape=[2, 1], strides=[2, 1]),
        helper.make_node("GlobalAveragePool", ["p2"], ["p3"], name="gap"),
    ]
    return model(nodes, [vi("x", [1, 4, 8, 8])], [vi("p3", None)])


def elementwise():
    nodes = [
        helper.make_node("Add", ["x", "bias"], ["a"], name="add_bias"),
        helper.make_node("Mul", ["a", "x"], ["m"], name="mul"),
        helper.make_node("Sigmoid", ["m"], ["s"], name="sigmoid"),
        helper.make_node("Clip", ["s", "lo", "hi"], ["c"], name="clip"),
        helper.make_node("Softmax", ["c"], ["y"], name="softmax", axis=1),
    ]
    return model(nodes, [vi("x", [1, 4, 8, 8])], [vi("y", None)],
                 [weight("bias", [4, 1, 1]), helper.make_tensor("lo", F, [], [0.0]), helper.make_tensor("hi", F, [], [6.0])])


def int16_add():
    node = helper.make_node("Add", ["x", "z"], ["y"], name="add")
    return model([node], [vi("x", [1, 4], TensorProto.INT16), vi("z", [1, 4], TensorProto.INT16)],
                 [vi("y", None, TensorProto.INT16)])


def unknown_op():
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("FancyOp", ["r"], ["f"], name="fancy", domain="com.example", alpha=0.5),
             helper.make_node("TopK", ["r", "k"], ["vals", "idx"], name="topk", axis=-1)]
    m = model(nodes, [vi("x", [1, 10])], [vi("f", None), vi("vals", None)],
              [helper.make_tensor("k", TensorProto.INT64, [1], [3])])
    m.opset_import.append(helper.make_opsetid("com.example", 1))
    return m


def dynamic():
    node = helper.make_node("Relu", ["x"], ["y"], name="relu")
    return model([node], [vi("x", ["N", 3, 8, 8])], [vi("y", None)])


MODELS = {f.__name__: f for f in (conv_nonsquare, conv_no_kernel_shape, conv_same_upper, depthwise, grouped,
                                  conv_transpose, gemm_transb, matmul, pooling, elementwise, int16_add, unknown_op,
                                  dynamic)}

if __name__ == "__main__":
    name, out = sys.argv[1], sys.argv[2]
    onnx.save(MODELS[name](), out)
