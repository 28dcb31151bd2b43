"""Read an ONNX model without importing the onnx package, when nothing in it needs onnx: a model
whose every value already has a static shape (exported with shapes, as the shipped models are)
and whose nodes need no folding, no filled-in Conv kernel_shape and no subgraph. Importing onnx
(and numpy, which it imports) costs a command about 0.1 s of CPU, more than scheduling a small
multi-core case. ONNX shape inference on such a model (non-strict, as onnx_loader runs it) keeps
every existing type, so the types read here are the ones the onnx path gives.

The model is parsed by protobuf with onnx's own generated message classes (onnx/onnx_ml_pb2.py,
loaded by its path so that onnx's __init__, which imports numpy and the C++ checker, does not run):
the result is an onnx.ModelProto. `read_light` returns None for anything the onnx path must take
(a file protobuf cannot parse, a field of the kinds below, a value without a static shape), and
that path then reads the model and words any error as before."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from dsec.frontend.static_nodes import static_nodes

# AttributeProto.type values read here: FLOAT, INT, STRING, TENSOR, FLOATS, INTS, STRINGS.
SIMPLE_ATTRIBUTES = {1, 2, 3, 4, 6, 7, 8}
# Attribute fields of the other kinds (subgraphs, sparse tensors, types, tensor lists): a model
# with any of them set goes the onnx path, whatever the attribute's type says.
OTHER_ATTRIBUTE_FIELDS = ("g", "sparse_tensor", "tp")
OTHER_ATTRIBUTE_LISTS = ("graphs", "tensors", "sparse_tensors", "type_protos")


class NotLight(Exception):
    """The model needs the onnx path."""


@functools.cache
def model_proto_class() -> type | None:
    """onnx.ModelProto from onnx's generated module alone, or None when it cannot be loaded so."""
    spec = importlib.util.find_spec("onnx")  # finds the package without running its __init__
    if spec is None or spec.origin is None:
        return None
    generated = Path(spec.origin).parent / "onnx_ml_pb2.py"
    try:
        module_spec = importlib.util.spec_from_file_location("dsec_onnx_ml_pb2", generated)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return module.ModelProto
    except Exception:  # a missing or incompatible generated module: the onnx path reads the model
        return None


def _static_shape(value) -> bool:
    tensor = value.type.tensor_type
    return (value.type.HasField("tensor_type") and tensor.HasField("shape") and tensor.elem_type != 0
            and all(d.HasField("dim_value") and d.dim_value > 0 for d in tensor.shape.dim))


def _simple(attr) -> bool:
    return (attr.type in SIMPLE_ATTRIBUTES and not attr.ref_attr_name
            and not any(attr.HasField(name) for name in OTHER_ATTRIBUTE_FIELDS)
            and not any(len(getattr(attr, name)) for name in OTHER_ATTRIBUTE_LISTS))


def check_light(model) -> None:
    """Raises NotLight unless the onnx path would give this model's types unchanged."""
    graph = model.graph
    if not model.HasField("graph") or not graph.node:
        raise NotLight("no nodes")
    if model.functions or model.training_info or graph.sparse_initializer:
        raise NotLight("model functions, training info or sparse initializers")
    initializers = {init.name for init in graph.initializer}
    if any(not _static_shape(value) for value in graph.input if value.name not in initializers):
        raise NotLight("a graph input without a static shape")
    typed = {value.name for value in [*graph.input, *graph.value_info, *graph.output] if _static_shape(value)}
    for node in graph.node:
        if any(name and name not in typed for name in node.output):
            raise NotLight(f"node '{node.name}': an output without a static shape")
        if not all(_simple(attr) for attr in node.attribute):
            raise NotLight(f"node '{node.name}': an attribute of another kind")
        if node.op_type in ("Conv", "ConvTranspose") and not any(a.name == "kernel_shape" for a in node.attribute):
            raise NotLight(f"node '{node.name}': no kernel_shape")
    if static_nodes(graph):
        raise NotLight("static nodes to fold")


def read_light(path: str):
    """The model at `path` (an onnx.ModelProto) when the importer can take it without onnx, else None."""
    model_proto = model_proto_class()
    if model_proto is None:
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    from google.protobuf.message import DecodeError

    try:
        model = model_proto.FromString(data)
        check_light(model)
    except (DecodeError, UnicodeDecodeError, NotLight):  # the onnx path reads it and words any error
        return None
    return model
