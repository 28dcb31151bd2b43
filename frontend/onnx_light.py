"""Read an ONNX model without the onnx package, when nothing in it needs onnx: a model whose
every value already has a static shape (exported with shapes, as the shipped models are) and
whose nodes need no folding, no filled-in Conv kernel_shape and no subgraph. Importing onnx (and
numpy, which it imports) costs a command about 0.08 s of CPU, more than scheduling a small
multi-core case. ONNX shape inference on such a model (non-strict, as onnx_loader runs it) keeps
every existing type, so the types read here are the ones the onnx path gives.

`read_light` decodes the protobuf wire format of the few messages the importer reads into
objects with the same field names and `HasField`; it returns None for anything else (a file it
cannot read or decode, a field it does not model, a value without a static shape), and the onnx
path then reads the model and words any error as before."""

from __future__ import annotations

import struct

from dsec.frontend.static_nodes import static_nodes

# Field kinds: varint (int64 and enums; int32 kept to its low 32 bits as protobuf does), 32-bit
# float, UTF-8 string, bytes, message.
INT, INT32, FLOAT, STR, BYTES = "int", "int32", "float", "str", "bytes"
# message -> field number -> (name, kind or message name, repeated); from onnx's onnx-ml.proto
# (tests/unit/test_onnx_light.py checks every entry against onnx's descriptors).
MESSAGES: dict[str, dict[int, tuple[str, str, bool]]] = {
    "ModelProto": {7: ("graph", "GraphProto", False)},
    "GraphProto": {1: ("node", "NodeProto", True), 2: ("name", STR, False), 5: ("initializer", "TensorProto", True),
                   11: ("input", "ValueInfoProto", True), 12: ("output", "ValueInfoProto", True),
                   13: ("value_info", "ValueInfoProto", True)},
    "NodeProto": {1: ("input", STR, True), 2: ("output", STR, True), 3: ("name", STR, False),
                  4: ("op_type", STR, False), 7: ("domain", STR, False), 5: ("attribute", "AttributeProto", True)},
    "AttributeProto": {1: ("name", STR, False), 21: ("ref_attr_name", STR, False), 20: ("type", INT, False), 2: ("f", FLOAT, False),
                       3: ("i", INT, False), 4: ("s", BYTES, False), 5: ("t", "TensorProto", False),
                       7: ("floats", FLOAT, True), 8: ("ints", INT, True), 9: ("strings", BYTES, True)},
    "TensorProto": {1: ("dims", INT, True), 2: ("data_type", INT32, False), 8: ("name", STR, False),
                    14: ("data_location", INT, False)},
    "ValueInfoProto": {1: ("name", STR, False), 2: ("type", "TypeProto", False)},
    "TypeProto": {1: ("tensor_type", "TypeProto.Tensor", False)},
    "TypeProto.Tensor": {1: ("elem_type", INT32, False), 2: ("shape", "TensorShapeProto", False)},
    "TensorShapeProto": {1: ("dim", "TensorShapeProto.Dimension", True)},
    "TensorShapeProto.Dimension": {1: ("dim_value", INT, False), 2: ("dim_param", STR, False)},
}
# Fields that make a model one for the onnx path: model functions and training info, sparse
# initializers, subgraph, sparse-tensor, type and tensor-list attributes, references to a
# function's attributes, non-tensor types.
ONNX_ONLY: dict[str, set[int]] = {
    "ModelProto": {20, 25}, "GraphProto": {15}, "AttributeProto": {6, 10, 11, 14, 15, 21, 22, 23},
    "TypeProto": {4, 5, 7, 8, 9},
}
# AttributeProto.type values read here: FLOAT, INT, STRING, TENSOR, FLOATS, INTS, STRINGS.
SIMPLE_ATTRIBUTES = {1, 2, 3, 4, 6, 7, 8}
DEFAULTS = {INT: 0, INT32: 0, FLOAT: 0.0, STR: "", BYTES: b""}
_FLOAT = struct.Struct("<f")


class NotLight(Exception):
    """The model needs the onnx path."""


class LightMessage:
    """A decoded message: its fields as attributes (absent ones read as protobuf's defaults)."""

    def __init__(self, kind: str):
        self._kind = kind
        self._present: set[str] = set()

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        for field, kind, repeated in MESSAGES[self._kind].values():
            if field == name:
                return () if repeated else DEFAULTS[kind] if kind in DEFAULTS else LightMessage(kind)
        raise AttributeError(f"{self._kind}.{name} is not read by onnx_light")

    def HasField(self, name: str) -> bool:  # noqa: N802 - protobuf's name
        return name in self._present


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise NotLight("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _signed(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def _scalar(kind: str, data: bytes, start: int, end: int):
    if kind == STR:
        try:
            return data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            raise NotLight("invalid UTF-8") from None
    return data[start:end]


def decode(kind: str, data: bytes, pos: int = 0, end: int | None = None) -> LightMessage:
    """The message `kind` in data[pos:end]. Raises NotLight for what it does not model."""
    end = len(data) if end is None else end
    message, fields, refused = LightMessage(kind), MESSAGES[kind], ONNX_ONLY.get(kind, ())
    values = message.__dict__
    while pos < end:
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number in refused:
            raise NotLight(f"{kind} field {number}")
        spec = fields.get(number)
        if wire == 0:
            value, pos = _varint(data, pos)
            value = _signed(value)
        elif wire == 5:
            if pos + 4 > end:
                raise NotLight("truncated fixed32")
            value, pos = _FLOAT.unpack_from(data, pos)[0], pos + 4
        elif wire == 1:
            if pos + 8 > end:
                raise NotLight("truncated fixed64")
            value, pos = None, pos + 8
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > end:
                raise NotLight("truncated field")
            start, pos = pos, pos + size
        else:
            raise NotLight(f"wire type {wire}")  # groups: not in ONNX
        if spec is None:
            continue  # a field the importer does not read
        name, field_kind, repeated = spec
        if wire == 2 and field_kind in (INT, FLOAT) and repeated:  # packed
            values.setdefault(name, []).extend(_packed(field_kind, data, start, pos))
            continue
        expected = 0 if field_kind in (INT, INT32) else 5 if field_kind == FLOAT else 2
        if wire != expected:
            raise NotLight(f"{kind}.{name}: wire type {wire}")
        if field_kind in MESSAGES:
            value = decode(field_kind, data, start, pos)
        elif wire == 2:
            value = _scalar(field_kind, data, start, pos)
        elif field_kind == INT32:
            value = _signed(value << 32) >> 32
        if repeated:
            values.setdefault(name, []).append(value)
        elif field_kind in MESSAGES and name in message._present:
            raise NotLight(f"{kind}.{name} twice")  # protobuf would merge the two
        else:
            values[name] = value
            message._present.add(name)
    if pos != end:
        raise NotLight("field past the message's end")
    if kind == "TensorShapeProto.Dimension" and len(message._present) > 1:
        raise NotLight("dim_value and dim_param")  # a oneof: the last one would win
    return message


def _packed(kind: str, data: bytes, start: int, end: int) -> list:
    if kind == FLOAT:
        if (end - start) % 4:
            raise NotLight("packed floats")
        return [v[0] for v in _FLOAT.iter_unpack(data[start:end])]
    out, pos = [], start
    while pos < end:
        value, pos = _varint(data, pos)
        out.append(_signed(value))
    if pos != end:
        raise NotLight("packed varints")
    return out


def _static_shape(value: LightMessage) -> bool:
    tensor = value.type.tensor_type
    return (value.type.HasField("tensor_type") and tensor.HasField("shape") and tensor.elem_type != 0
            and all(d.HasField("dim_value") and d.dim_value > 0 for d in tensor.shape.dim))


def check_light(model: LightMessage) -> None:
    """Raises NotLight unless the onnx path would give this model's types unchanged."""
    graph = model.graph
    if not model.HasField("graph") or not graph.node:
        raise NotLight("no nodes")
    initializers = {init.name for init in graph.initializer}
    if any(not _static_shape(value) for value in graph.input if value.name not in initializers):
        raise NotLight("a graph input without a static shape")
    typed = {value.name for value in [*graph.input, *graph.value_info, *graph.output] if _static_shape(value)}
    for node in graph.node:
        if any(name and name not in typed for name in node.output):
            raise NotLight(f"node '{node.name}': an output without a static shape")
        if any(attr.type not in SIMPLE_ATTRIBUTES for attr in node.attribute):
            raise NotLight(f"node '{node.name}': an attribute of another type")
        if node.op_type in ("Conv", "ConvTranspose") and not any(a.name == "kernel_shape" for a in node.attribute):
            raise NotLight(f"node '{node.name}': no kernel_shape")
    if static_nodes(graph):
        raise NotLight("static nodes to fold")


def read_light(path: str) -> LightMessage | None:
    """The model at `path` when the importer can take it without onnx, else None."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    try:
        model = decode("ModelProto", data)
        check_light(model)
    except NotLight:
        return None
    return model
