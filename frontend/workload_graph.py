"""A ZigZag workload's layers (frontend/workload_yaml.py) as IR ops: each
layer a dsec.layer, the inputs no other layer produces as network inputs (I)
or constants (W), the layers no other layer reads returned."""

from __future__ import annotations

from dsec.compiler.diagnostics import Diagnostic
from dsec.dialect.attributes import ELEMENT_BITS, TensorType
from dsec.dialect.ops import ConstOp, InputOp, LayerOp, Op, ReturnOp, Value
from dsec.frontend.ir_names import UniqueNames, symbol_name
from dsec.frontend.mapping_loader import DEFAULT_LINKS, MappingEntry, MappingSpec, constraints_for
from dsec.frontend.workload_yaml import WorkloadLayer

MappingUse = tuple[MappingEntry, str, dict[str, int]]  # (entry, layer name, layer dims)


def workload_ops(layers: list[WorkloadLayer], mapping: MappingSpec,
                 precision: dict[str, int]) -> tuple[list[Op], list[MappingUse], list[Diagnostic]]:
    """The ops, the mapping entry each layer uses, and warnings: a layer that
    reads another's output in another shape than its own sizes, relations and
    padding give (ZigZag's resnet18.yaml leaves out the padding) is cut at the
    producer's tensor, where ZigZag would count its own extent."""
    values, symbols = UniqueNames(), UniqueNames()
    uses: list[MappingUse] = []
    warnings: list[Diagnostic] = []
    sources: list[Op] = []
    layer_ops: list[Op] = []
    results: dict[int, Value] = {}
    read: set[int] = set()
    for layer in layers:
        symbol = symbols.take(symbol_name(layer.name))
        operands = []
        for access in layer.compute.inputs:
            role = access.operand
            producer = layer.sources.get(role)
            if producer is not None:
                read.add(producer)
                given = results[producer]
                operands.append((role, given.name))
                if given.type.shape != layer.shapes[role]:
                    warnings.append(Diagnostic("warning", _shape_mismatch(layer, role, producer, given.type.shape),
                                               layer.loc))
                continue
            value = Value(values.take(f"{symbol}_{role}"), _tensor(layer.shapes[role], layer.precision[role]))
            label = f"{layer.name}.{role}"
            sources.append(InputOp(value, label) if role == "I" else ConstOp(value, label))
            operands.append((role, value.name))
        result = Value(values.take(str(len(results))), _tensor(layer.shapes["O"], layer.precision["O_final"]))
        results[layer.id] = result
        entry = mapping.lookup(layer.name, layer.operator_type)
        uses.append((entry, layer.name, layer.dims))
        layer_ops.append(LayerOp(
            result=result, symbol=symbol, op_type=layer.operator_type, operands=tuple(operands), name=layer.name,
            dims=layer.dims, compute=layer.compute, precision=_workload_precision(layer, precision),
            links={a.operand: entry.links.get(a.operand, DEFAULT_LINKS[a.operand])
                   for a in (*layer.compute.inputs, layer.compute.output)},
            constraints=constraints_for(entry, layer.dims), loc=layer.loc))
    outputs = tuple(results[layer.id].name for layer in layers if layer.id not in read)
    return [*sources, *layer_ops, ReturnOp(outputs)], uses, warnings


def _shape_mismatch(layer: WorkloadLayer, role: str, producer: int, shape: tuple) -> str:
    show = lambda dims: "x".join(map(str, dims))  # noqa: E731
    return (f"layer {layer.id} ('{layer.name}') reads {role} from layer {producer} as {show(layer.shapes[role])} "
            f"(its loop sizes, dimension_relations and padding) but layer {producer} writes {show(shape)}; dsec "
            f"cuts the windows at the written tensor, where ZigZag counts {show(layer.shapes[role])}: give padding "
            f"or pr_loop_sizes to make them agree")


def _workload_precision(layer: WorkloadLayer, overrides: dict[str, int]) -> dict[str, int]:
    """The file's bits, --precision over them; as for ONNX, only a sum has
    partial outputs: other layers write every output at O_final."""
    bits = layer.precision | overrides
    precision = {a.operand: bits[a.operand] for a in layer.compute.inputs}
    if layer.compute.accumulate == "+=":
        return precision | {"O": bits["O"], "O_final": bits["O_final"]}
    return precision | {"O": bits["O_final"]}


def _tensor(shape: tuple[int, ...], bits: int) -> TensorType:
    element = f"i{bits}"
    return TensorType(shape, element if element in ELEMENT_BITS else "f32")
