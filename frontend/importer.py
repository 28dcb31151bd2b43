"""The front end: ONNX model + accelerator YAML (+ mapping YAML) -> module IR."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dsec.frontend.arch_loader import ArchSpec, load_accelerator_file
from dsec.compiler.diagnostics import Diagnostic, DiagnosticError, Group, error
from dsec.frontend.mapping_check import check_mapping_dims
from dsec.frontend.mapping_loader import MappingEntry, MappingSpec, constraints_for, load_mapping_file
from dsec.frontend.model_file import read_model_file
from dsec.frontend.onnx_loader import MODEL_PROTO_LABEL, LoadedModel, attributes, is_model_proto, load_onnx
from dsec.frontend.onnx_lowering import (
    LayerBody,
    Unsupported,
    lower_binary,
    lower_conv,
    lower_conv_transpose,
    lower_gemm,
    lower_matmul,
    lower_pool,
    lower_unary,
)
from dsec.frontend.ir_names import UniqueNames as _Names, symbol_name as _symbol
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import ELEMENT_BITS, TensorType
from dsec.dialect.ops import ConstOp, InputOp, LayerOp, Module, MoveOp, Op, ReturnOp, Value

if TYPE_CHECKING:
    import onnx

LOWERINGS = {
    "Conv": lower_conv, "ConvTranspose": lower_conv_transpose, "Gemm": lower_gemm, "MatMul": lower_matmul,
    "MaxPool": lower_pool, "AveragePool": lower_pool, "GlobalMaxPool": lower_pool, "GlobalAveragePool": lower_pool,
    **{op: lower_binary for op in ("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "PRelu")},
    **{op: lower_unary for op in (
        "Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Gelu", "Erf", "Exp", "Log",
        "Sqrt", "Reciprocal", "Neg", "Abs", "Softplus", "Softsign", "Elu", "Selu", "Celu", "Mish", "Softmax",
        "LogSoftmax", "BatchNormalization", "InstanceNormalization", "LayerNormalization")},
}
DATA_MOVEMENT = {
    "Reshape", "Transpose", "Flatten", "Concat", "Slice", "Gather", "GatherElements", "GatherND", "Squeeze",
    "Unsqueeze", "Split", "Pad", "Identity", "Cast", "Expand", "Tile", "Shape", "Size", "Constant",
    "ConstantOfShape", "Dropout", "Resize", "Upsample", "DepthToSpace", "SpaceToDepth", "ScatterND",
    "ScatterElements", "Range", "Where", "CastLike",
}
# ZigZag's operator types, tried after the layer name and the ONNX op type
# when looking up a mapping entry (its example mappings use "Pooling").
ZIGZAG_TYPES = {"MaxPool": "Pooling", "AveragePool": "Pooling", "GlobalMaxPool": "Pooling",
                "GlobalAveragePool": "Pooling"}
# Folded values of up to this many elements are printed in the IR.
FOLDED_SHOWN = 8
DEFAULT_PRECISION = {"I": 8, "W": 8, "O": 16, "O_final": 8}


@dataclass
class ImportOptions:
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    precision: dict[str, int] = field(default_factory=dict)  # overrides: I, W, O, O_final


@dataclass
class ImportResult:
    module: Module
    diagnostics: list[Diagnostic]  # warnings; errors are raised


def import_model(model: str | os.PathLike | onnx.ModelProto, arch: str | os.PathLike | Accelerator | ArchSpec,
                 mapping_path: str | os.PathLike | None = None, options: ImportOptions | None = None) -> ImportResult:
    """`model` is an ONNX file or an onnx.ModelProto; `arch` an accelerator YAML
    file or an accelerator already read (an Accelerator, or the ArchSpec that
    load_accelerator_file returns, which also keeps the YAML's input_precision).
    Raises DiagnosticError when an input is invalid (TypeError for an argument
    of the wrong type); warnings are returned."""
    if isinstance(arch, Accelerator):
        spec, arch_label = ArchSpec(arch), f"<accelerator {arch.name}>"
    elif isinstance(arch, ArchSpec):
        spec, arch_label = arch, f"<accelerator {arch.accelerator.name}>"
    elif isinstance(arch, (str, os.PathLike)):
        arch_label = os.fspath(arch)
        spec = load_accelerator_file(arch_label)
    else:
        raise TypeError(f"arch: expected a path to an accelerator YAML, an Accelerator or an ArchSpec, "
                        f"got {type(arch).__name__}")
    return import_for(model, spec, arch_label, mapping_path, options)


def import_for(model: str | os.PathLike | onnx.ModelProto, arch: ArchSpec, arch_path: str,
               mapping_path: str | os.PathLike | None = None, options: ImportOptions | None = None) -> ImportResult:
    """import_model for an accelerator already read (a core of a multi-core accelerator)."""
    options = options or ImportOptions()
    if not isinstance(model, (str, os.PathLike)) and not is_model_proto(model):
        raise TypeError(f"model: expected a path to an ONNX file or an onnx.ModelProto, got {type(model).__name__}")
    if mapping_path is not None and not isinstance(mapping_path, (str, os.PathLike)):
        raise TypeError(f"mapping: expected a path to a mapping YAML, got {type(mapping_path).__name__}")
    in_memory = is_model_proto(model)
    model = model if in_memory else os.fspath(model)
    mapping_path = os.fspath(mapping_path) if mapping_path is not None else None
    kind, text = ("onnx", None) if in_memory else read_model_file(model)  # a path: ONNX or workload YAML
    mapping = load_mapping_file(mapping_path, arch.accelerator) if mapping_path else MappingSpec({})
    if kind == "workload":
        if options.shapes:
            raise error("--shape binds an ONNX model's dynamic inputs; a ZigZag workload YAML gives every size")
        from dsec.frontend.workload_graph import workload_ops  # a workload YAML's reader: only for one
        from dsec.frontend.workload_yaml import load_workload

        layers, file_warnings = load_workload(text, model)
        ops, uses, graph_warnings = workload_ops(layers, mapping, options.precision)
        name, warnings = Path(model).stem, file_warnings + graph_warnings
    else:
        loaded = load_onnx(model, options.shapes)
        builder = _GraphBuilder(loaded, arch, mapping, options)
        ops, uses = builder.build(), builder.mapping_uses
        name = loaded.graph.name or ("model" if in_memory else Path(model).stem)
        warnings = loaded.warnings + builder.warnings
    mapping_notes = check_mapping_dims(uses)
    if any(d.severity == "error" for d in mapping_notes):
        raise DiagnosticError(mapping_notes)
    module_options: dict[str, object] = {"model": MODEL_PROTO_LABEL if in_memory else model, "arch": arch_path}
    if mapping_path:
        module_options["mapping"] = mapping_path
    if options.shapes:
        module_options["shapes"] = {k: "x".join(map(str, v)) for k, v in options.shapes.items()}
    if options.precision:
        module_options["precision"] = dict(options.precision)
    module = Module(name=_symbol(name), accelerator=arch.accelerator, options=module_options, ops=tuple(ops))
    return ImportResult(module, arch.warnings + mapping.warnings + mapping_notes + warnings)


class _GraphBuilder:
    def __init__(self, loaded: LoadedModel, arch: ArchSpec, mapping: MappingSpec, options: ImportOptions):
        self.loaded = loaded
        self.arch = arch
        self.mapping = mapping
        self.options = options
        self.values: dict[str, str] = {}  # ONNX value name -> IR value name
        self.value_names = _Names()
        self.symbols = _Names()
        self.warnings: list[Diagnostic] = []
        self.counter = 0
        # (mapping entry, layer as diagnostics name it, layer dims) per layer, checked once the model is built.
        self.mapping_uses: list[tuple[MappingEntry, str, dict[str, int]]] = []

    def build(self) -> list[Op]:
        graph = self.loaded.graph
        ops: list[Op] = []
        for value in graph.input:
            if value.name not in self.loaded.initializers:
                ops.append(InputOp(self._define(value.name, _value_name(value.name)), value.name))
        used = {name for node in graph.node for name in node.input}
        for init in graph.initializer:
            if init.name in used:
                ops.append(ConstOp(self._define(init.name, _value_name(init.name)), init.name))
        for index, node in enumerate(graph.node):
            ops.append(self._node(node, index))
        outputs = [self.values[o.name] for o in graph.output if o.name in self.values]
        ops.append(ReturnOp(tuple(outputs)))
        return ops

    def _type(self, name: str) -> TensorType:
        return self.loaded.types.get(name) or TensorType(None, "f32")  # type: ignore[arg-type]

    def _define(self, onnx_name: str, wanted: str) -> Value:
        ir_name = self.value_names.take(wanted)
        self.values[onnx_name] = ir_name
        return Value(ir_name, self._type(onnx_name))

    def _result(self, onnx_name: str) -> Value:
        value = self._define(onnx_name, str(self.counter))
        self.counter += 1
        return value

    def _operand(self, onnx_name: str) -> str:
        return self.values.get(onnx_name, _value_name(onnx_name))

    def _node(self, node: onnx.NodeProto, index: int) -> Op:
        symbol = self.symbols.take(_symbol(node.name) if node.name else f"{node.op_type.lower()}_{index}")
        if index in self.loaded.static:
            return self._folded(node, symbol)
        lowering = LOWERINGS.get(node.op_type) if node.domain in ("", "ai.onnx") else None
        reason = None
        if lowering is not None:
            try:
                body = lowering(node, self.loaded.types)
            except (Unsupported, KeyError, IndexError, ValueError) as exc:
                reason = str(exc) if isinstance(exc, Unsupported) else f"its attributes or shapes are malformed ({exc})"
            else:
                return self._layer(node, symbol, body)
        known = node.op_type in DATA_MOVEMENT and node.domain in ("", "ai.onnx")
        if not known:
            self.warnings.append(_not_lowered(node.op_type, node.name or symbol, reason))
        attrs = {"name": node.name, **_printable(attributes(node))}
        if node.domain not in ("", "ai.onnx"):
            attrs["domain"] = node.domain
        results = tuple(self._result(o) for o in node.output if o)
        return MoveOp(results=results, symbol=symbol, op_type=node.op_type,
                      operands=tuple(self._operand(i) for i in node.input if i), attrs=attrs, opaque=not known)

    def _folded(self, node: onnx.NodeProto, symbol: str) -> MoveOp:
        """A static node (shape arithmetic, constants): computed before inference, never mapped. `folded`
        shows its value when dsec evaluated it and it is small, else `static`."""
        attrs = {"name": node.name, **_printable(attributes(node))}
        value = self.loaded.folded.get(node.output[0]) if len(node.output) == 1 else None
        attrs["folded"] = _shown_value(value) if value is not None and value.size <= FOLDED_SHOWN else "static"
        results = tuple(self._result(o) for o in node.output if o)
        return MoveOp(results=results, symbol=symbol, op_type=node.op_type,
                      operands=tuple(self._operand(i) for i in node.input if i), attrs=attrs)

    def _layer(self, node: onnx.NodeProto, symbol: str, body: LayerBody) -> LayerOp:
        entry = self.mapping.lookup(*(k for k in (node.name, node.op_type, ZIGZAG_TYPES.get(node.op_type)) if k))
        self.mapping_uses.append((entry, f"@{symbol}", body.dims))
        operands = [a.operand for a in body.compute.inputs] + [body.compute.output.operand]
        links = {op: entry.links.get(op, {"O": "O", "W": "I2", "I": "I1"}[op]) for op in operands}
        return LayerOp(
            result=self._result(node.output[0]), symbol=symbol, op_type=node.op_type,
            operands=tuple((role, self._operand(value)) for role, value in body.roles),
            name=node.name, dims=body.dims, compute=body.compute,
            precision=self._precision(body, node), links=links,
            constraints=constraints_for(entry, body.dims),
        )

    def _precision(self, body: LayerBody, node: onnx.NodeProto) -> dict[str, int]:
        """Bits per operand: integer models give their width; ZigZag's
        input_precision and --precision override the defaults."""
        defaults = dict(DEFAULT_PRECISION)
        if self.arch.input_precision:
            defaults["I"], defaults["W"] = self.arch.input_precision
        for role, value in body.roles:
            element = self._type(value).element
            if role in ("I", "W") and _is_integer(element):
                defaults[role] = ELEMENT_BITS[element]
        defaults |= self.options.precision
        precision = {a.operand: defaults[a.operand] for a in body.compute.inputs}
        if body.compute.accumulate == "+=":
            precision["O"], precision["O_final"] = defaults["O"], defaults["O_final"]
        else:  # no partial sums: every write is a final output
            precision["O"] = defaults["O_final"]
        return precision


def _not_lowered(op_type: str, node: str, reason: str | None) -> Diagnostic:
    """One warning per node; nodes of one op type not lowered for the same reason print as one
    (group_diagnostics), naming the nodes."""
    label = f"'{op_type}' (node '{node}')"
    message = f"op {label} is not lowered: {reason}" if reason else f"unknown op {label}"
    head = f"op '{op_type}' is not lowered: {reason}" if reason else f"unknown op '{op_type}'"
    group = Group(f"not lowered {op_type} {reason}", head, None, node, "passed through with no cost", "node")
    return Diagnostic("warning", message + "; passed through with no cost", group=group)


def _is_integer(element: str) -> bool:
    return element[0] in "iu" and element != "i1"


def _value_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.$-]", "_", name).strip("_") or "v"


def _shown_value(value) -> object:
    """A small folded value as an IR attribute: a number, or a list of numbers."""
    items = [v.item() if hasattr(v, "item") else v for v in value.ravel()]
    items = [int(v) if isinstance(v, bool) else v for v in items]
    return _printable({"v": items[0] if value.ndim == 0 else tuple(items)})["v"]


def _printable(attrs: dict[str, object]) -> dict[str, object]:
    """ONNX attribute values the IR can print (non-finite floats as text)."""
    def fix(value):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return str(value)
        if isinstance(value, tuple):
            return tuple(fix(v) for v in value)
        if isinstance(value, (int, float, str, bool)):
            return value
        return str(value)
    return {k: fix(v) for k, v in attrs.items()}

