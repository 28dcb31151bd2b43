"""ONNX nodes as loop nests: for each op dsec costs, its loop dimensions (named
as in ZigZag, so users' mapping files apply unchanged) and its body with affine
accesses. Height and width are never swapped: kernel_shape, strides, pads and
dilations are read as ONNX orders them, [..., H, W]."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsec.frontend.onnx_loader import attributes
from dsec.dialect.attributes import Access, AffineExpr, Compute, TensorType

if TYPE_CHECKING:
    import onnx


class Unsupported(Exception):
    """This variant of a known op cannot be lowered yet; the node is passed
    through as an opaque op with a warning saying why."""


@dataclass(frozen=True)
class LayerBody:
    dims: dict[str, int]
    compute: Compute
    roles: tuple[tuple[str, str], ...]  # (operand role, ONNX value name)


def dim(name: str, coeff: int = 1) -> AffineExpr:
    return AffineExpr(((name, coeff),))


def const(value: int) -> AffineExpr:
    return AffineExpr((), value)


def affine(*terms: tuple[str, int], constant: int = 0) -> AffineExpr:
    return AffineExpr(tuple((d, c) for d, c in terms if c != 0), constant)


def _shape(types: dict[str, TensorType], name: str, node: onnx.NodeProto) -> tuple[int, ...]:
    tensor = types.get(name)
    if tensor is None or tensor.is_dynamic:
        raise Unsupported(f"the shape of '{name}' is unknown after shape inference")
    return tuple(tensor.shape)  # type: ignore[arg-type]


def _extra_roles(node: onnx.NodeProto, used: int, names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Inputs past the ones the body reads (bias, clip bounds...), kept bound so nothing is lost."""
    return tuple((names[i - used] if i - used < len(names) else f"in{i}", value)
                 for i, value in enumerate(node.input) if i >= used and value)


# ---- convolution -------------------------------------------------------------


def _window(attrs: dict, key: str, rank: int, default: int) -> list[int]:
    value = attrs.get(key)
    return list(value) if value else [default] * rank


def _pads(attrs: dict, in_sizes, out_sizes, kernel, strides, dilations) -> list[int]:
    """Begin pads per spatial dim, from pads or auto_pad."""
    rank = len(kernel)
    auto_pad = attrs.get("auto_pad", "NOTSET")
    if auto_pad in ("NOTSET", "", None):
        pads = _window(attrs, "pads", 2 * rank, 0)
        return pads[:rank]
    if auto_pad == "VALID":
        return [0] * rank
    begins = []
    for i in range(rank):
        total = max((out_sizes[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in_sizes[i], 0)
        begins.append(total // 2 if auto_pad == "SAME_UPPER" else total - total // 2)
    return begins


def _spatial_names(rank: int) -> tuple[list[str], list[str]]:
    if rank == 1:
        return ["OX"], ["FX"]
    if rank == 2:
        return ["OY", "OX"], ["FY", "FX"]
    raise Unsupported(f"{rank}-D convolution and pooling are not supported yet (1-D and 2-D are)")


# ZigZag's ONNX front end lists a convolution's dims in this order, and LOMA
# breaks ties by it when it merges loop prime factors (mapper/factors.py):
# keeping it makes the lpf_limit space the one ZigZag searches.
ZIGZAG_CONV_DIMS = ("B", "K", "G", "OX", "OY", "C", "FX", "FY")


def _zigzag_conv_order(dims: dict[str, int]) -> dict[str, int]:
    return dict(sorted(dims.items(), key=lambda item: ZIGZAG_CONV_DIMS.index(item[0])))


def lower_conv(node: onnx.NodeProto, types: dict[str, TensorType]) -> LayerBody:
    attrs = attributes(node)
    x, w, y = _shape(types, node.input[0], node), _shape(types, node.input[1], node), _shape(types, node.output[0], node)
    rank = len(x) - 2
    out_names, kernel_names = _spatial_names(rank)
    kernel = list(attrs.get("kernel_shape") or w[2:])
    strides = _window(attrs, "strides", rank, 1)
    dilations = _window(attrs, "dilations", rank, 1)
    pads = _pads(attrs, x[2:], y[2:], kernel, strides, dilations)
    group = int(attrs.get("group", 1))
    batch, channels, filters = x[0], x[1], w[0]
    windows = [affine((o, strides[i]), (f, dilations[i]), constant=-pads[i])
               for i, (o, f) in enumerate(zip(out_names, kernel_names))]
    spatial_dims = dict(zip(out_names, y[2:])) | dict(zip(kernel_names, kernel))
    kernel_idx = [dim(f) for f in kernel_names]
    out_idx = [dim(o) for o in out_names]
    if group == 1:
        dims = {"B": batch, "K": filters, "C": channels} | spatial_dims
        body = Compute(Access("O", (dim("B"), dim("K"), *out_idx)), "+=", "*",
                       (Access("I", (dim("B"), dim("C"), *windows)), Access("W", (dim("K"), dim("C"), *kernel_idx))))
    elif group == channels and filters % group == 0:
        # Depthwise: one input channel per group; a multiplier m > 1 gives m filters per group.
        m = filters // group
        dims = {"B": batch, "G": group} | ({"K": m} if m > 1 else {}) | spatial_dims
        channel = affine(("G", m), ("K", 1)) if m > 1 else dim("G")
        body = Compute(Access("O", (dim("B"), channel, *out_idx)), "+=", "*",
                       (Access("I", (dim("B"), dim("G"), *windows)), Access("W", (channel, const(0), *kernel_idx))))
    else:
        if channels % group or filters % group:
            raise Unsupported(f"group {group} does not divide {channels} input and {filters} output channels")
        cg, kg = channels // group, filters // group
        dims = {"B": batch, "G": group, "K": kg, "C": cg} | spatial_dims
        out_channel = affine(("G", kg), ("K", 1))
        body = Compute(Access("O", (dim("B"), out_channel, *out_idx)), "+=", "*",
                       (Access("I", (dim("B"), affine(("G", cg), ("C", 1)), *windows)),
                        Access("W", (out_channel, dim("C"), *kernel_idx))))
    return LayerBody(_zigzag_conv_order(dims), body,
                     (("I", node.input[0]), ("W", node.input[1])) + _extra_roles(node, 2, ("bias",)))


def lower_conv_transpose(node: onnx.NodeProto, types: dict[str, TensorType]) -> LayerBody:
    """Each input pixel scatters a kernel-sized patch: out[s*IY + d*FY - pad] += x[IY] * w[FY]."""
    attrs = attributes(node)
    x, w = _shape(types, node.input[0], node), _shape(types, node.input[1], node)
    rank = len(x) - 2
    if int(attrs.get("group", 1)) != 1:
        raise Unsupported("grouped ConvTranspose is not supported yet")
    out_names, kernel_names = _spatial_names(rank)
    in_names = [n.replace("O", "I", 1) for n in out_names]  # IY, IX
    kernel = list(attrs.get("kernel_shape") or w[2:])
    strides = _window(attrs, "strides", rank, 1)
    dilations = _window(attrs, "dilations", rank, 1)
    pads = _window(attrs, "pads", 2 * rank, 0)[:rank]
    if attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID", ""):
        raise Unsupported("ConvTranspose with auto_pad SAME is not supported yet; give pads")
    dims = {"B": x[0], "K": w[1], "C": x[1]} | dict(zip(in_names, x[2:])) | dict(zip(kernel_names, kernel))
    scatter = [affine((i, strides[k]), (f, dilations[k]), constant=-pads[k])
               for k, (i, f) in enumerate(zip(in_names, kernel_names))]
    body = Compute(Access("O", (dim("B"), dim("K"), *scatter)), "+=", "*",
                   (Access("I", (dim("B"), dim("C"), *[dim(i) for i in in_names])),
                    Access("W", (dim("C"), dim("K"), *[dim(f) for f in kernel_names]))))
    return LayerBody(dims, body, (("I", node.input[0]), ("W", node.input[1])) + _extra_roles(node, 2, ("bias",)))


# ---- matrix products ---------------------------------------------------------------

BATCH_NAMES = ("B", "H")


def lower_gemm(node: onnx.NodeProto, types: dict[str, TensorType]) -> LayerBody:
    attrs = attributes(node)
    a, b = _shape(types, node.input[0], node), _shape(types, node.input[1], node)
    rows, reduction = (a[1], a[0]) if attrs.get("transA", 0) else (a[0], a[1])
    cols = b[0] if attrs.get("transB", 0) else b[1]
    i_idx = (dim("C"), dim("D")) if attrs.get("transA", 0) else (dim("D"), dim("C"))
    w_idx = (dim("K"), dim("C")) if attrs.get("transB", 0) else (dim("C"), dim("K"))
    body = Compute(Access("O", (dim("D"), dim("K"))), "+=", "*", (Access("I", i_idx), Access("W", w_idx)))
    return LayerBody({"D": rows, "C": reduction, "K": cols}, body,
                     (("I", node.input[0]), ("W", node.input[1])) + _extra_roles(node, 2, ("bias",)))


def _batch_names(count: int) -> list[str]:
    return [BATCH_NAMES[i] if i < len(BATCH_NAMES) else f"H{i}" for i in range(count)]


def _broadcast_index(shape: tuple[int, ...], out_shape: tuple[int, ...], names: list[str]) -> list[AffineExpr]:
    """Indices of an operand broadcast against the output (numpy rules, aligned right)."""
    offset = len(out_shape) - len(shape)
    index = []
    for i, size in enumerate(shape):
        out_size = out_shape[offset + i]
        index.append(dim(names[offset + i]) if size == out_size else const(0))
    return index


def lower_matmul(node: onnx.NodeProto, types: dict[str, TensorType]) -> LayerBody:
    a, b, y = _shape(types, node.input[0], node), _shape(types, node.input[1], node), _shape(types, node.output[0], node)
    rows = a[-2] if len(a) >= 2 else None
    cols = b[-1] if len(b) >= 2 else None
    reduction = a[-1]
    batch_shape = y[: len(y) - (rows is not None) - (cols is not None)]
    names = _batch_names(len(batch_shape))
    dims = dict(zip(names, batch_shape))
    if rows is not None:
        dims["D"] = rows
    dims["C"] = reduction
    if cols is not None:
        dims["K"] = cols
    i_idx = _broadcast_index(a[:-2], batch_shape, names) + ([dim("D")] if rows is not None else []) + [dim("C")]
    w_idx = _broadcast_index(b[:-2], batch_shape, names) + [dim("C")] + ([dim("K")] if cols is not None else [])
    o_idx = [dim(n) for n in names] + ([dim("D")] if rows is not None else []) + ([dim("K")] if cols is not None else [])
    body = Compute(Access("O", tuple(o_idx)), "+=", "*", (Access("I", tuple(i_idx)), Access("W", tuple(w_idx))))
    return LayerBody(dims, body, (("I", node.input[0]), ("W", node.input[1])))


# ---- pooling -------------------------------------------------------------------


def lower_pool(node: onnx.NodeProto, types: dict[str, TensorType]) -> LayerBody:
    attrs = attributes(node)
    x, y = _shape(types, node.input[0], node), _shape(types, node.output[0], node)
    rank = len(x) - 2
    out_names, kernel_names = _spatial_names(rank)
    is_global = node.op_type.startswith("Global")
    kernel = list(x[2:]) if is_global else list(attrs["kernel_shape"])
    strides = [1] * rank if is_global else _window(attrs, "strides", rank, 1)
    dilations = [1] * rank if is_global else _window(attrs, "dilations", rank, 1)
    pads = [0] * rank if is_global else _pads(attrs, x[2:], y[2:], kernel, strides, dilations)
    windows = [affine((o, strides[i]), (f, dilations[i]), constant=-pads[i])
               for i, (o, f) in enumerate(zip(out_names, kernel_names))]
    dims = {"B": x[0], "G": x[1]} | dict(zip(out_names, y[2:])) | dict(zip(kernel_names, kernel))
    accumulate = "max=" if "Max" in node.op_type else "+="
    body = Compute(Access("O", (dim("B"), dim("G"), *[dim(o) for o in out_names])), accumulate, "",
                   (Access("I", (dim("B"), dim("G"), *windows)),))
    return LayerBody(dims, body, (("I", node.input[0]),))


# ---- elementwise -----------------------------------------------------------------

ELEMENTWISE_NAMES = {0: (), 1: ("G",), 2: ("B", "G"), 3: ("B", "G", "OX"), 4: ("B", "G", "OY", "OX"),
                     5: ("B", "G", "OZ", "OY", "OX")}
BINARY_SYMBOLS = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/"}


def _elementwise_dims(out_shape: tuple[int, ...]) -> tuple[list[str], dict[str, int]]:
    if len(out_shape) not in ELEMENTWISE_NAMES:
        raise Unsupported(f"elementwise ops on rank-{len(out_shape)} tensors are not supported yet")
    names = list(ELEMENTWISE_NAMES[len(out_shape)])
    return names, dict(zip(names, out_shape))


def lower_binary(node: onnx.NodeProto, types: dict[str, TensorType]) -> LayerBody:
    if len(node.input) != 2:
        raise Unsupported(f"{node.op_type} with {len(node.input)} inputs is not supported yet (2 are)")
    a, b, y = _shape(types, node.input[0], node), _shape(types, node.input[1], node), _shape(types, node.output[0], node)
    names, dims = _elementwise_dims(y)
    out = Access("O", tuple(dim(n) for n in names))
    ins = (Access("I", tuple(_broadcast_index(a, y, names))), Access("W", tuple(_broadcast_index(b, y, names))))
    operator = BINARY_SYMBOLS.get(node.op_type, node.op_type.lower())
    return LayerBody(dims, Compute(out, "=", operator, ins), (("I", node.input[0]), ("W", node.input[1])))


def lower_unary(node: onnx.NodeProto, types: dict[str, TensorType]) -> LayerBody:
    x, y = _shape(types, node.input[0], node), _shape(types, node.output[0], node)
    names, dims = _elementwise_dims(y)
    out = Access("O", tuple(dim(n) for n in names))
    body = Compute(out, "=", node.op_type.lower(), (Access("I", tuple(_broadcast_index(x, y, names))),))
    schema_names = _schema_input_names(node) if len(node.input) > 1 else ()  # names only extra inputs
    return LayerBody(dims, body, (("I", node.input[0]),) + _extra_roles(node, 1, schema_names[1:]))


def _schema_input_names(node: onnx.NodeProto) -> tuple[str, ...]:
    import onnx.defs

    try:
        schema = onnx.defs.get_schema(node.op_type, domain=node.domain or "")
    except onnx.defs.SchemaError:
        return ()
    return tuple(p.name.lower() for p in schema.inputs)

