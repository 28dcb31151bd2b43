"""Dim swaps the cost model cannot see: renaming OX <-> OY and FX <-> FY in
a square convolution (or OX <-> OY in an elementwise layer) gives every
loop order an image of equal cost. The order tree visits only the first of
the two (in its visiting order), which halves its work on such layers
without changing what it finds; a spatial candidate that is the image of
an earlier one (D2(OY = 12) after D2(OX = 12)) takes that one's result,
renamed, instead of a search of its own.

Equal to the last bit: the cost model never lets a dim's name decide how a
product rounds (tensor_elements multiplies whole extents exactly, then the
fractional ones in order of value), so a
fractional unrolling (K = 12.8 on 14 PEs) costs the same under the swap and
memory-alloc's exact ties go the same way.

Finer, for loops rather than whole dims: in a layer where two dims play the
same part in every operand (ReLU and Add: every operand depends on G, OX
and OY alike) and neither slides a window nor is unrolled by a fraction,
a loop of one costs what the same loop of the other would (the tiles,
hence memory-alloc's choices, are products of the loops whatever their
dims; the whole extents multiply exactly). The order tree then orders one
loop per (class, factor) instead of one per (dim, factor).

Array dims can be alike too: where every memory serves both or neither and
both or neither are systolic (a PE array, not an IMC macro with its rows and
columns), D1(OX = 18) D2(OY = 37) costs what D1(OY = 37) D2(OX = 18) does
when both fit. A candidate that is such an image of an earlier one takes its
result as it is, when the unrollings the cost model uses are the same up to
the labels and whole (every product of whole factors is exact, in any order).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import combinations

from dsec.cost.levels import LoopList, effective_unrolling, fractional_dims
from dsec.cost.workload import LayerView, OperandView
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Loop, Spatial, SpatialUnroll
from dsec.mapper.orders import Factor

Swap = dict[str, str]  # an involution on dim names; dims it leaves alone are absent


def _renamed(operand: OperandView, swap: Swap) -> tuple:
    rename = lambda dim: swap.get(dim, dim)  # noqa: E731
    windows = Counter((rename(w.dim_a), w.scale_a, rename(w.dim_b), w.scale_b, w.limit) for w in operand.windows)
    return tuple(sorted(rename(d) for d in operand.relevant)), windows


def _keeps_view(view: LayerView, swap: Swap) -> bool:
    if any(view.dims.get(a) != view.dims.get(b) for a, b in swap.items()):
        return False
    return all(_renamed(operand, swap) == _renamed(operand, {}) for operand in view.operands)


def view_swaps(view: LayerView) -> list[Swap]:
    """The swaps of one or two disjoint pairs of dims that leave the layer
    unchanged (dims of equal size playing the same part in every operand)."""
    dims = sorted(view.dims)
    pairs = list(combinations(dims, 2))
    candidates: list[Swap] = [{a: b, b: a} for a, b in pairs]
    candidates += [{a: b, b: a, c: d, d: c} for (a, b), (c, d) in combinations(pairs, 2) if not {a, b} & {c, d}]
    return [swap for swap in candidates if _keeps_view(view, swap)]


def renamed_factors(factors: Iterable[Factor], swap: Swap) -> list[Factor]:
    return [(swap.get(dim, dim), factor) for dim, factor in factors]


def dim_swaps(view: LayerView, fixed_dims: set[str], factors: list[Factor]) -> list[Swap]:
    """The swaps that leave the layer, the searched loop factors and the rest
    of the mapping unchanged. Dims in `fixed_dims` (unrolled, or in a fixed
    part of the order) are left out: the unrolling and a fixed prefix are not
    renamed."""
    multiset = Counter(factors)
    return [swap for swap in view_swaps(view)
            if not fixed_dims & swap.keys() and Counter(renamed_factors(factors, swap)) == multiset]


def renamed_spatial(spatial: Spatial, swap: Swap) -> Spatial:
    return Spatial(tuple(SpatialUnroll(u.array_dim, tuple(Loop(swap.get(lp.dim, lp.dim), lp.factor) for lp in u.loops))
                         for u in spatial.unrolls))


def array_swaps(accelerator: Accelerator) -> list[Swap]:
    """The swaps of two array dims the accelerator treats alike (every memory
    serves both or neither, both or neither systolic; not an IMC array)."""
    if accelerator.imc is not None:
        return []
    dims = [dim for dim, _ in accelerator.array]
    return [{a: b, b: a} for a, b in combinations(dims, 2)
            if all((a in m.served_dimensions) == (b in m.served_dimensions) for m in accelerator.memories)
            and (a in accelerator.systolic_dimensions) == (b in accelerator.systolic_dimensions)]


def array_image(view: LayerView, accelerator: Accelerator, source: Spatial, candidate: Spatial, swap: Swap) -> bool:
    """Whether `candidate` is `source` with the array dims of `swap` (array_swaps)
    exchanged, to the last bit: the same unrollings, fractional and whole, up
    to the labels, all by whole factors."""
    def labelled(unrolls: Iterable[tuple[str, LoopList]], rename: Swap) -> list:
        return sorted((rename.get(array_dim, array_dim), tuple(loops)) for array_dim, loops in unrolls)

    def given(spatial: Spatial) -> list[tuple[str, LoopList]]:
        return [(u.array_dim, tuple((lp.dim, lp.factor) for lp in u.loops)) for u in spatial.unrolls]
    if labelled(given(source), swap) != labelled(given(candidate), {}):
        return False
    for fractional in (True, False):
        theirs = effective_unrolling(source, view.dims, accelerator.array_sizes, fractional)
        mine = effective_unrolling(candidate, view.dims, accelerator.array_sizes, fractional)
        if labelled(theirs, swap) != labelled(mine, {}) or fractional_dims(loops for _, loops in mine):
            return False
    return True


def interchangeable_dims(view: LayerView, unrolling: list[tuple[str, LoopList]]
                         ) -> dict[str, tuple[bool, ...]]:
    """dim -> its class: dims of one class play the same part in every
    operand (relevant to the same ones), slide no window and are unrolled
    by a whole number of PEs (`unrolling`: the fractional effective one), so
    a loop of one costs, to the last bit, what the same loop of another
    would. Dims outside every class are left out."""
    windowed = {dim for op in view.operands for w in op.windows for dim in (w.dim_a, w.dim_b)}
    # Each array dimension's part, not their product: a memory level may hold only some of them.
    fractional = fractional_dims(loops for _, loops in unrolling)
    return {dim: tuple(dim in op.relevant for op in view.operands) for dim in view.dims
            if dim not in windowed and dim not in fractional}


def within_classes(swap: Swap, classes: dict[str, tuple[bool, ...]]) -> bool:
    """Whether `swap` only renames dims within their classes (moving loops
    between interchangeable dims already covers it)."""
    return all(a in classes and b in classes and classes[a] == classes[b] for a, b in swap.items())
