"""The ops of the dsec IR and the module that holds them.

A module is a graph in SSA form: `dsec.input` and `dsec.const` define values,
`dsec.layer` is a compute layer with a loop nest, `dsec.move` is data
movement (Reshape, Transpose, ...) with no MACs, `dsec.opaque` is an op dsec
does not know, passed through so the graph stays whole, and `dsec.return`
names the graph outputs. Ops are immutable: passes return new ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from dsec.compiler.location import Loc
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Compute, Constraints, Locality, Nest, Spatial, TensorType
from dsec.dialect.multicore import MultiCore

# Generic attribute values: int, float, str, bool, lists (tuples) and dicts of them.
AttrValue = Any


@dataclass(frozen=True, slots=True)
class Value:
    """An SSA value, `%name : tensor<...>`."""

    name: str
    type: TensorType


@dataclass(frozen=True, slots=True)
class InputOp:
    """`%x = dsec.input "input" : tensor<...>`: a graph input."""

    result: Value
    name: str
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ConstOp:
    """`%w = dsec.const "conv1.weight" : tensor<...>`: an initializer (weights,
    shapes); only its type matters to dsec."""

    result: Value
    name: str
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class LayerOp:
    """A compute layer: a perfect loop nest with one operation in its body.

    `operands` binds the body's input operands (I, W, ...) to SSA values;
    `precision` gives bits per operand (`O` partial sums, `O_final` outputs);
    `links` maps each layer operand to the accelerator's memory operand.
    `locality` (layer-locality) cuts operands' hierarchies where tensors stay
    between layers. `spatial`, `nest` and `cost` are filled in by the mapping
    passes. `fuses` and `fused_into` record fuse-elementwise's folding of an
    activation into its producer.
    """

    result: Value
    symbol: str
    op_type: str
    operands: tuple[tuple[str, str], ...]  # (operand role, SSA value name)
    name: str  # the verbatim ONNX node name
    dims: dict[str, int]
    compute: Compute
    precision: dict[str, int]
    links: dict[str, str]
    constraints: Constraints | None = None
    locality: Locality | None = None
    spatial: Spatial | None = None
    nest: Nest | None = None
    # What the search tried: candidates, their scores, discarded ones and why.
    search: dict[str, AttrValue] | None = None
    cost: dict[str, AttrValue] | None = None
    loc: Loc | None = field(default=None, compare=False)
    # Multi-core: how the layer is cut into CNs and onto cores (from the mapping), and its CNs
    # (tile-layers), each with its core (allocate-cores) and its time (schedule).
    tiling: dict[str, AttrValue] | None = None
    cns: tuple[dict[str, AttrValue], ...] = ()
    # fuse-elementwise: the layers applied in this layer's output path (`fuses [@relu]`), or
    # the layer this one is applied in (`fused into @conv1`): it is costed, not mapped.
    fuses: tuple[str, ...] = ()
    fused_into: str | None = None

    @property
    def is_mapped(self) -> bool:
        return self.nest is not None


@dataclass(frozen=True, slots=True)
class MoveOp:
    """Data movement with no MACs (Reshape, Transpose, Concat, ...), or with
    `opaque` an op dsec does not know, passed through untouched."""

    results: tuple[Value, ...]
    symbol: str
    op_type: str
    operands: tuple[str, ...]  # SSA value names
    attrs: dict[str, AttrValue]
    opaque: bool = False
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ReturnOp:
    """`dsec.return %a, %b`: the graph outputs."""

    operands: tuple[str, ...]
    loc: Loc | None = field(default=None, compare=False)


Op = Union[InputOp, ConstOp, LayerOp, MoveOp, ReturnOp]


@dataclass(frozen=True, slots=True)
class Module:
    """A whole model lowered for one accelerator, with the options it was
    lowered with, so any pass can run on it with no other input."""

    name: str
    accelerator: Accelerator
    options: dict[str, AttrValue]
    ops: tuple[Op, ...]
    loc: Loc | None = field(default=None, compare=False)
    # A multi-core accelerator (Stream's), whose cores the layers' CNs run on, and the schedule
    # pass's result: totals and every transfer.
    multicore: MultiCore | None = None
    schedule: dict[str, AttrValue] | None = None

    def __str__(self) -> str:
        """The textual IR, as `dsec.print_ir` gives it."""
        from dsec.dialect.printer import print_module  # the printer imports these ops

        return print_module(self)

    def layers(self) -> list[LayerOp]:
        return [op for op in self.ops if isinstance(op, LayerOp)]

    def value_shapes(self) -> dict[str, tuple[int | None, ...] | None]:
        """The tensor shape of every SSA value (build once, then look layers up)."""
        return {value.name: value.type.shape for op in self.ops for value in results_of(op)}


def operand_shapes(layer: LayerOp, value_shapes: dict[str, tuple[int | None, ...] | None]
                   ) -> dict[str, tuple[int | None, ...] | None]:
    """The tensor shape bound to each input operand of a layer."""
    return {role: value_shapes.get(name) for role, name in layer.operands}


def results_of(op: Op) -> tuple[Value, ...]:
    if isinstance(op, MoveOp):
        return op.results
    if isinstance(op, ReturnOp):
        return ()
    return (op.result,)


def operands_of(op: Op) -> tuple[str, ...]:
    if isinstance(op, LayerOp):
        return tuple(value for _, value in op.operands)
    if isinstance(op, (MoveOp, ReturnOp)):
        return op.operands
    return ()
