"""What each operand of a layer depends on, and how many elements a tile holds.

An operand's dims are relevant (`r`: its index uses the dim alone), partially
relevant (`pr`: an index such as `2*OY + FY` combines two dims, a sliding
window) or irrelevant (the operand does not change along the dim: reuse).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import gcd, prod

from dsec.dialect.attributes import Access
from dsec.dialect.ops import LayerOp


@dataclass(frozen=True, slots=True)
class WindowIndex:
    """An index `sa*a + sb*b (+ c)` over two dims; `limit` is the tensor's
    extent along that axis (padding is cut off), None when unknown."""

    dim_a: str
    scale_a: int
    dim_b: str
    scale_b: int
    limit: int | None


@dataclass(frozen=True, slots=True)
class OperandView:
    name: str  # layer operand: I, W, O, ...
    memory_operand: str  # accelerator operand it is linked to: I1, I2, O
    relevant: tuple[str, ...]  # sorted: products over it come out the same in every process
    windows: tuple[WindowIndex, ...]
    precision: int  # bits; for the output: partial sums
    final_precision: int  # bits of a finished output
    # Derived: the dims the operand changes along (asked ~10^6 times per network search).
    depends: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        windowed = {d for w in self.windows for d in (w.dim_a, w.dim_b)}
        object.__setattr__(self, "depends", frozenset(self.relevant) | windowed)

    def depends_on(self, dim: str) -> bool:
        return dim in self.depends


@dataclass(frozen=True, slots=True)
class LayerView:
    """The parts of a layer the cost model reads, output operand first."""

    symbol: str
    dims: dict[str, int]
    operands: tuple[OperandView, ...]

    @property
    def output(self) -> OperandView:
        return self.operands[0]

    @property
    def inputs(self) -> tuple[OperandView, ...]:
        return self.operands[1:]

    @property
    def macs(self) -> int:
        return prod(self.dims.values())

    def operand(self, name: str) -> OperandView:
        return next(op for op in self.operands if op.name == name)


def window_size(sa: int, a: int, sb: int, b: int) -> int:
    """Distinct values of sa*i + sb*j for i < a, j < b (ZigZag's rule; a
    stride larger than the kernel leaves holes that are not counted)."""
    g = gcd(sa, sb)
    return a * b - max(0, b - sa // g) * (a - sb // g)


def tensor_elements(operand: OperandView, extents: dict[str, float]) -> int:
    """Elements of `operand` touched when each dim d runs over extents[d] values."""
    # Whole extents first, multiplied exactly; then the fractional ones (K =
    # 12.8 on 14 PEs) in order of value, not of dim name. So a tile rounds
    # the same whatever the dims are called (OX <-> OY swaps, and loops moved
    # between interchangeable dims: mapper/symmetry.py relies on both).
    total = 1
    fractions = None
    for dim in operand.relevant:
        factor = extents.get(dim)
        if factor is None:
            continue
        if factor.__class__ is int or factor == int(factor):
            total *= factor  # exact: whole numbers below 2**53
        else:
            fractions = [*(fractions or ()), factor]
    for w in operand.windows:  # window sizes are whole
        size = window_size(w.scale_a, int(extents.get(w.dim_a, 1)), w.scale_b, int(extents.get(w.dim_b, 1)))
        total *= size if w.limit is None else min(size, w.limit)
    if fractions:
        for factor in sorted(fractions):
            total *= factor
    return total


def operand_view(layer: LayerOp, access: Access, shape: tuple[int | None, ...] | None, final: bool) -> OperandView:
    relevant: set[str] = set()
    windows: list[WindowIndex] = []
    for axis, index in enumerate(access.indices):
        terms = [(dim, coeff) for dim, coeff in index.terms if layer.dims.get(dim, 1) >= 1]
        if len(terms) == 1:
            relevant.add(terms[0][0])
        elif len(terms) == 2:
            limit = shape[axis] if shape is not None and axis < len(shape) else None
            (dim_a, sa), (dim_b, sb) = terms
            windows.append(WindowIndex(dim_a, abs(sa), dim_b, abs(sb), limit))
        else:
            # More than two dims in one index has no ZigZag counterpart: count
            # each dim as relevant (an upper bound on the tile).
            relevant.update(dim for dim, _ in terms)
    name = access.operand
    precision = layer.precision[name]
    final_precision = layer.precision.get(f"{name}_final", precision) if final else precision
    return OperandView(name, layer.links[name], tuple(sorted(relevant)), tuple(windows), precision, final_precision)


def layer_view(layer: LayerOp, shapes: dict[str, tuple[int | None, ...] | None]) -> LayerView:
    """`shapes` maps each input operand to its tensor shape, to cut windows at the edges."""
    output = operand_view(layer, layer.compute.output, None, True)
    inputs = tuple(operand_view(layer, a, shapes.get(a.operand), False) for a in layer.compute.inputs)
    return LayerView(layer.symbol, dict(layer.dims), (output, *inputs))
