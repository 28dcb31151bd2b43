"""Load an ONNX model for import: without external weight data (only shapes
matter), with missing Conv kernel_shape filled from the weight, dynamic
dimensions bound from the command line, and ONNX shape inference run. A model
file that already gives every value a static shape and needs none of that is
read without onnx (frontend/onnx_light.py), to the same types."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dsec.compiler.diagnostics import Diagnostic, DiagnosticError
from dsec.dialect.attributes import TensorType
from dsec.frontend.onnx_light import read_light
from dsec.frontend.static_nodes import static_nodes

if TYPE_CHECKING:
    import numpy as np
    import onnx

# ONNX element type (TensorProto.DataType) -> IR element type.
ELEMENT_TYPES = {
    1: "f32", 11: "f64", 10: "f16", 16: "bf16", 3: "i8", 2: "u8", 5: "i16", 4: "u16", 6: "i32", 12: "u32",
    7: "i64", 13: "u64", 9: "i1",
}
# AttributeProto.AttributeType values read without onnx's helper.
_ATTRIBUTE_FIELDS = {1: "f", 2: "i", 3: "s"}
_ATTRIBUTE_LISTS = {6: "floats", 7: "ints", 8: "strings"}
_TENSOR, _GRAPH, _GRAPHS = 4, 5, 10


# How diagnostics name a model given as an onnx.ModelProto rather than a file.
MODEL_PROTO_LABEL = "<onnx.ModelProto>"

# numpy dtype (without byte order) -> IR element type, for folded values.
NUMPY_ELEMENT_TYPES = {"f4": "f32", "f8": "f64", "f2": "f16", "i1": "i8", "u1": "u8", "i2": "i16", "u2": "u16",
                       "i4": "i32", "u4": "u32", "i8": "i64", "u8": "u64", "b1": "i1"}


def _error(message: str) -> DiagnosticError:
    return DiagnosticError(Diagnostic("error", message))


@dataclass
class LoadedModel:
    model: onnx.ModelProto
    types: dict[str, TensorType]  # every value with a known type
    initializers: set[str]
    warnings: list[Diagnostic]
    # Values of static nodes evaluated at load (frontend/shape_folding.py), by ONNX name.
    folded: dict[str, np.ndarray] = field(default_factory=dict)
    # Indices of the graph's static nodes: computed before inference, never mapped.
    static: set[int] = field(default_factory=set)

    @property
    def graph(self) -> onnx.GraphProto:
        return self.model.graph


def is_model_proto(value: object) -> bool:
    """Whether `value` is an onnx.ModelProto (which it cannot be while onnx is not imported)."""
    onnx = sys.modules.get("onnx")
    return onnx is not None and isinstance(value, onnx.ModelProto)


def load_onnx(source: str | onnx.ModelProto, shapes: dict[str, tuple[int, ...]] | None = None) -> LoadedModel:
    """`source` is a path or a model already in memory (copied, never changed)."""
    light = None if shapes or is_model_proto(source) else read_light(source)
    if light is not None:
        types = _collect_types(light)
        return LoadedModel(light, types, {init.name for init in light.graph.initializer}, [])
    import onnx

    from dsec.frontend.shape_folding import fold

    if isinstance(source, onnx.ModelProto):
        model, label = onnx.ModelProto(), MODEL_PROTO_LABEL
        model.CopyFrom(source)
    else:
        model, label = _read(source), source
    if not model.graph.node:
        raise _error(f"'{label}' has no nodes; is it an ONNX model?")
    warnings: list[Diagnostic] = []
    _bind_input_shapes(model, shapes or {}, label)
    _fill_conv_kernel_shapes(model, warnings)
    inferred, folded = fold(model, lambda m: _infer(m, label), _known_shapes)
    types = _collect_types(inferred)
    for name, value in folded.items():
        types[name] = TensorType(tuple(value.shape), NUMPY_ELEMENT_TYPES.get(value.dtype.str[1:], "f32"))
    # The nodes are the model's own (folded ones included): the IR shows the whole model.
    model.graph.ClearField("value_info")
    model.graph.value_info.extend(inferred.graph.value_info)
    initializers = {init.name for init in model.graph.initializer}
    return LoadedModel(model, types, initializers, warnings, folded, static_nodes(model.graph))


def _infer(model: onnx.ModelProto, label: str) -> onnx.ModelProto:
    from onnx import shape_inference

    try:
        return shape_inference.infer_shapes(model, check_type=False, strict_mode=False, data_prop=True)
    except Exception as exc:  # onnx raises several types, all meaning "inference failed"
        raise _error(f"ONNX shape inference failed on '{label}': {exc}") from None


def _known_shapes(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    return {name: t.shape for name, t in _collect_types(model).items() if not t.is_dynamic}


def _read(path: str) -> onnx.ModelProto:
    import onnx
    from google.protobuf.message import DecodeError

    try:
        return onnx.load(path, load_external_data=False)
    except FileNotFoundError:
        raise _error(f"cannot read model '{path}': No such file or directory") from None
    except OSError as exc:
        raise _error(f"cannot read model '{path}': {exc.strerror or exc}") from None
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise _error(f"'{path}' is not a valid ONNX model (truncated or not ONNX?): {exc}") from None


def _bind_input_shapes(model: onnx.ModelProto, shapes: dict[str, tuple[int, ...]], path: str) -> None:
    """Apply --shape bindings, then refuse any graph input still dynamic."""
    initializers = {init.name for init in model.graph.initializer}
    inputs = {i.name: i for i in model.graph.input if i.name not in initializers}
    for name, shape in shapes.items():
        if name not in inputs:
            raise _error(f"--shape names '{name}', which is not an input of '{path}' "
                         f"(inputs: {', '.join(inputs) or 'none'})")
        dims = inputs[name].type.tensor_type.shape.dim
        if len(dims) and len(dims) != len(shape):
            raise _error(f"--shape {name}={'x'.join(map(str, shape))} has rank {len(shape)} but input "
                         f"'{name}' has rank {len(dims)}")
        del dims[:]
        for size in shape:
            dims.add().dim_value = size
    for name, value in inputs.items():
        tensor = value.type.tensor_type
        if not tensor.HasField("shape"):
            raise _error(f"input '{name}' of '{path}' has no shape; bind it with --shape {name}=1x3x224x224 "
                         f"(its real sizes)")
        for index, dim in enumerate(tensor.shape.dim):
            if not dim.HasField("dim_value") or dim.dim_value <= 0:
                label = dim.dim_param or "?"
                raise _error(f"input '{name}' of '{path}' has a dynamic dimension {index} ('{label}'); bind it "
                             f"with --shape {name}=" + "x".join(
                                 str(d.dim_value) if d.HasField("dim_value") and d.dim_value > 0 else "N"
                                 for d in tensor.shape.dim))


def _fill_conv_kernel_shapes(model: onnx.ModelProto, warnings: list[Diagnostic]) -> None:
    """kernel_shape is optional in ONNX (PyTorch's dynamo export leaves it out):
    take it from the weight's spatial dims."""
    weight_dims = {init.name: list(init.dims) for init in model.graph.initializer}
    for value in list(model.graph.input) + list(model.graph.value_info):
        dims = value.type.tensor_type.shape.dim
        if value.name not in weight_dims and all(d.HasField("dim_value") for d in dims):
            weight_dims[value.name] = [d.dim_value for d in dims]
    for node in model.graph.node:
        if node.op_type not in ("Conv", "ConvTranspose"):
            continue
        if any(a.name == "kernel_shape" for a in node.attribute):
            continue
        weight = node.input[1] if len(node.input) > 1 else ""
        if weight in weight_dims and len(weight_dims[weight]) > 2:
            from onnx import helper

            node.attribute.append(helper.make_attribute("kernel_shape", weight_dims[weight][2:]))


def _collect_types(model: onnx.ModelProto) -> dict[str, TensorType]:
    types: dict[str, TensorType] = {}
    graph = model.graph
    for init in graph.initializer:
        types[init.name] = TensorType(tuple(init.dims), ELEMENT_TYPES.get(init.data_type, "f32"))
    for value in list(graph.input) + list(graph.value_info) + list(graph.output):
        tensor = value.type.tensor_type
        if not value.type.HasField("tensor_type") or not tensor.HasField("shape"):
            continue
        element = ELEMENT_TYPES.get(tensor.elem_type, "f32")
        shape = tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in tensor.shape.dim)
        types.setdefault(value.name, TensorType(shape, element))
    return types


def attributes(node: onnx.NodeProto) -> dict[str, object]:
    """A node's attributes as plain values (tensors by their type, graphs by name)."""
    result: dict[str, object] = {}
    for attr in node.attribute:
        if attr.type == _TENSOR:
            t = attr.t
            result[attr.name] = str(TensorType(tuple(t.dims), ELEMENT_TYPES.get(t.data_type, "f32")))
        elif attr.type in (_GRAPH, _GRAPHS):
            result[attr.name] = "<subgraph>"
        else:
            value = _attribute_value(attr)
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            elif isinstance(value, list):
                value = tuple(v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value)
            result[attr.name] = value
    return result


def _attribute_value(attr) -> object:
    """onnx.helper.get_attribute_value, without onnx for the types onnx_light reads."""
    if attr.ref_attr_name:
        pass  # onnx's helper says what is wrong
    elif attr.type in _ATTRIBUTE_FIELDS:
        return getattr(attr, _ATTRIBUTE_FIELDS[attr.type])
    elif attr.type in _ATTRIBUTE_LISTS:
        return list(getattr(attr, _ATTRIBUTE_LISTS[attr.type]))
    from onnx import helper

    return helper.get_attribute_value(attr)
