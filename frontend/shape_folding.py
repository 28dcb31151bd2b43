"""Shape and constant subgraphs are computed when the model is built, not per
inference: PyTorch's classic export computes a Reshape's target through int64
arithmetic on 1-element tensors (Shape -> Gather -> Div/Mul/Add -> Unsqueeze ->
Concat). Such nodes are *static*: every input is an initializer or comes from
Shape, Size, Constant or another static node. dsec never maps them (they become
`dsec.move` ops marked `folded`), and evaluates the ones it can so that ONNX
shape inference, which does not propagate data through every op, learns the
shapes downstream (the heads of an attention block)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
from onnx import helper, numpy_helper

from dsec.frontend.static_nodes import SHAPE_OPS, static_nodes

# Evaluating a static node that makes a tensor larger than this is left to run time.
MAX_FOLDED_ELEMENTS = 4096


def fold(model: onnx.ModelProto, infer: Callable[[onnx.ModelProto], onnx.ModelProto],
         known_shapes: Callable[[onnx.ModelProto], dict[str, tuple[int, ...]]]
         ) -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """(the model shape-inferred with the evaluated static nodes replaced by
    initializers, the values by ONNX name). Shape-infers again after each round
    that folded something: Shape needs its input's shape, which may only be known
    once an earlier Reshape's target is folded."""
    static = static_nodes(model.graph)
    values = {init.name: array for init in model.graph.initializer if (array := _initializer_value(init)) is not None}
    folded: set[int] = set()
    inferred = infer(model)
    while True:
        shapes = known_shapes(inferred)
        progress = False
        for index in sorted(static - folded):
            node = model.graph.node[index]
            outputs = _evaluate(node, values, shapes.get)
            if outputs is None:
                continue
            values.update(zip(node.output, outputs))
            folded.add(index)
            progress = True
        if not progress:
            return inferred, {k: v for k, v in values.items() if k not in _initializer_names(model)}
        inferred = infer(_with_folded(model, folded, values))


def _initializer_value(init: onnx.TensorProto) -> np.ndarray | None:
    """A small initializer's value; None for large ones, data stored elsewhere (only shapes are loaded) or
    malformed data."""
    if not _small(tuple(init.dims)) or init.data_location == onnx.TensorProto.EXTERNAL:
        return None
    try:
        return numpy_helper.to_array(init)
    except Exception:  # noqa: BLE001 - onnx raises several types for malformed tensors
        return None


def _initializer_names(model: onnx.ModelProto) -> set[str]:
    return {init.name for init in model.graph.initializer}


def _small(shape: tuple[int, ...]) -> bool:
    return int(np.prod(shape, dtype=np.int64)) <= MAX_FOLDED_ELEMENTS


def _with_folded(model: onnx.ModelProto, folded: set[int], values: dict[str, np.ndarray]) -> onnx.ModelProto:
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    kept = [node for i, node in enumerate(model.graph.node) if i not in folded]
    del copy.graph.node[:]
    copy.graph.node.extend(kept)
    for index in sorted(folded):
        for name in model.graph.node[index].output:
            if name:
                copy.graph.initializer.append(numpy_helper.from_array(values[name], name))
    return copy


def _evaluate(node: onnx.NodeProto, values: dict[str, np.ndarray],
              shape_of: Callable[[str], tuple[int, ...] | None]) -> list[np.ndarray] | None:
    """The node's outputs, or None when an input is unknown, the op is not one
    dsec evaluates, or the result would be large. Never raises on odd input."""
    if node.op_type in SHAPE_OPS:
        shape = shape_of(node.input[0]) if node.input else None
        if shape is None:
            return None
        array = np.array(shape, dtype=np.int64)
        if node.op_type == "Size":
            return [np.array(int(np.prod(array)), dtype=np.int64)]
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        return [array[attrs.get("start", 0):attrs.get("end", len(shape))]]
    if node.op_type != "Constant" and not all(name in values for name in node.input if name):
        return None
    inputs = [values[name] if name else None for name in node.input]
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    try:
        with np.errstate(all="raise"):
            outputs = _EVALUATORS[node.op_type](inputs, attrs) if node.op_type in _EVALUATORS else None
    except (ValueError, TypeError, IndexError, KeyError, FloatingPointError, ZeroDivisionError, OverflowError):
        return None
    if outputs is None or not all(_small(np.shape(o)) for o in outputs) or len(outputs) != len(node.output):
        return None
    return [np.asarray(o) for o in outputs]


def _constant(inputs, attrs):
    if "value" in attrs:
        return [numpy_helper.to_array(attrs["value"])]
    for key, dtype in (("value_int", np.int64), ("value_ints", np.int64), ("value_float", np.float32),
                       ("value_floats", np.float32)):
        if key in attrs:
            return [np.array(attrs[key], dtype=dtype)]
    return None


def _axes(inputs, attrs, index: int) -> list[int]:
    if len(inputs) > index and inputs[index] is not None:
        return [int(a) for a in np.ravel(inputs[index])]
    return [int(a) for a in attrs.get("axes", [])]


def _unsqueeze(inputs, attrs):
    data = inputs[0]
    rank = data.ndim + len(_axes(inputs, attrs, 1))
    for axis in sorted(a % rank for a in _axes(inputs, attrs, 1)):
        data = np.expand_dims(data, axis)
    return [data]


def _squeeze(inputs, attrs):
    axes = _axes(inputs, attrs, 1)
    return [np.squeeze(inputs[0], axis=tuple(axes)) if axes else np.squeeze(inputs[0])]


def _divide(inputs, attrs):
    a, b = inputs
    if np.issubdtype(a.dtype, np.integer):
        if np.any(b == 0):
            return None
        return [(np.trunc(a / b)).astype(np.result_type(a, b))]  # ONNX integer Div truncates
    return [a / b]


def _reshape(inputs, attrs):
    data, shape = inputs
    shape = [data.shape[i] if s == 0 and not attrs.get("allowzero", 0) else int(s) for i, s in enumerate(shape)]
    return [data.reshape(shape)]


def _slice(inputs, attrs):
    data, starts, ends = inputs[0], np.ravel(inputs[1]), np.ravel(inputs[2])
    axes = np.ravel(inputs[3]) if len(inputs) > 3 and inputs[3] is not None else range(len(starts))
    steps = np.ravel(inputs[4]) if len(inputs) > 4 and inputs[4] is not None else [1] * len(starts)
    index = [slice(None)] * data.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        if step == 0:
            return None
        index[int(axis)] = slice(int(start), int(end), int(step))
    return [data[tuple(index)]]


def _cast(inputs, attrs):
    return [inputs[0].astype(helper.tensor_dtype_to_np_dtype(attrs["to"]))]


def _constant_of_shape(inputs, attrs):
    shape = [int(s) for s in np.ravel(inputs[0])]
    if not _small(tuple(shape)) or min(shape, default=1) < 0:
        return None
    fill = numpy_helper.to_array(attrs["value"]) if "value" in attrs else np.zeros(1, dtype=np.float32)
    return [np.full(shape, fill.ravel()[0], dtype=fill.dtype)]


def _range(inputs, attrs):
    start, limit, delta = (np.asarray(v).item() for v in inputs)
    if delta == 0 or abs((limit - start) / delta) > MAX_FOLDED_ELEMENTS:
        return None
    return [np.arange(start, limit, delta, dtype=np.asarray(inputs[0]).dtype)]


def _binary(function):
    return lambda inputs, attrs: [function(inputs[0], inputs[1]).astype(np.result_type(inputs[0], inputs[1]))]


_EVALUATORS = {
    "Constant": _constant,
    "Identity": lambda inputs, attrs: [inputs[0]],
    "Gather": lambda inputs, attrs: [np.take(inputs[0], inputs[1], axis=attrs.get("axis", 0))],
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Concat": lambda inputs, attrs: [np.concatenate([np.atleast_1d(i) for i in inputs], axis=attrs.get("axis", 0))],
    "Add": _binary(np.add),
    "Sub": _binary(np.subtract),
    "Mul": _binary(np.multiply),
    "Div": _divide,
    "Neg": lambda inputs, attrs: [np.negative(inputs[0])],
    "Min": lambda inputs, attrs: [np.minimum.reduce(np.broadcast_arrays(*inputs))],
    "Max": lambda inputs, attrs: [np.maximum.reduce(np.broadcast_arrays(*inputs))],
    "Equal": lambda inputs, attrs: [np.equal(inputs[0], inputs[1])],
    "Where": lambda inputs, attrs: [np.where(inputs[0], inputs[1], inputs[2])],
    "Cast": _cast,
    "Reshape": _reshape,
    "Slice": _slice,
    "ConstantOfShape": _constant_of_shape,
    "Range": _range,
}
