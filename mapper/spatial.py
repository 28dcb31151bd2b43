"""Spatial candidates: which loops to unroll on each array dimension.

As ZigZag generates them: on each array dimension, one dim unrolled by each
divisor of its largest factor (no larger than the dim, the array dimension
and what the innermost memories' ports can feed) or none (the array dimension
idle, ZigZag's divisor 1), and with `mixed` several
dims together within the array dimension's size; candidates across the array
dimensions are ranked by ZigZag's performance indicator (the PEs they use,
plus a bonus for spreading them over several dims), best first, and the innermost
memories' capacity then caps each one. `spatial_mapping_hint` limits the
dims each array dimension may take. (A user's spatial mapping is not searched:
spatial-unroll applies it. Where some of its loops unroll nothing on a layer,
their dim absent or of size 1 there, the part that does is a candidate
beside the generated ones: `applicable_part`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, product
from math import prod

from dsec.cost.spatial_limits import Limit, limit_unrolling
from dsec.cost.workload import LayerView
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Loop, Spatial, SpatialUnroll

Unrolling = tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # ((array dim, ((dim, factor), ...)), ...)

# Mixed unrollings combine at most this many dims on one array dimension.
MAX_MIXED_DIMS = 3


@dataclass(frozen=True)
class SpatialCandidate:
    spatial: Spatial
    # From the mapping file: the part of its spatial_mapping that applies to the layer.
    given: bool = False


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def to_spatial(unrolling: Unrolling) -> Spatial:
    return Spatial(tuple(SpatialUnroll(a, tuple(Loop(d, f) for d, f in loops)) for a, loops in unrolling if loops))


def _largest_factors(view: LayerView, accelerator: Accelerator, allowed: dict[str, tuple[str, ...]]
                     ) -> dict[str, dict[str, int]]:
    """array dim -> dim -> largest factor the layer, the array and the ports allow."""
    result = {}
    for array_dim, size in accelerator.array:
        factors = {}
        for dim in allowed[array_dim]:
            factor = min(view.dims.get(dim, 1), size)
            if factor > 1:
                limited, _ = limit_unrolling(view, accelerator, [(array_dim, [(dim, factor)])])
                factors[dim] = limited[0][1][0][1]
        result[array_dim] = {d: f for d, f in factors.items() if f > 1}
    return result


def _options(largest: dict[str, int], size: int, mixed: bool) -> list[tuple[tuple[str, int], ...]]:
    """The unrollings of one array dimension, most PEs first."""
    options: list[tuple[tuple[str, int], ...]] = []
    for dim, most in largest.items():
        options += [((dim, f),) for f in divisors(most) if f > 1]
    if mixed:
        for count in range(2, min(MAX_MIXED_DIMS, len(largest)) + 1):
            for dims in combinations(largest, count):
                for factors in product(*([f for f in divisors(largest[d]) if f > 1] for d in dims)):
                    if prod(factors) <= size:
                        options.append(tuple(zip(dims, factors)))
    # Last, the array dimension left idle (ZigZag's unrolling by 1): fewer PEs
    # can mean less data copied into per-PE memories.
    return sorted(options, key=lambda option: -prod(f for _, f in option)) + [()]


def _fits_layer(unrolling: Unrolling, dims: dict[str, int]) -> bool:
    total: dict[str, int] = {}
    for _, loops in unrolling:
        for dim, factor in loops:
            total[dim] = total.get(dim, 1) * factor
    return all(total[d] <= dims[d] for d in total)


def performance_indicator(unrolling: Unrolling) -> float:
    """ZigZag's rank of a spatial candidate (SpatialMapping.get_performance_indicator):
    the PEs used u, plus u / (the largest total unrolling of one dim) - 1, a
    bonus for spreading the PEs over several dims (one dim on every array
    dimension starves the memory that feeds it). It lies between u and 2u - 1."""
    total: dict[str, int] = {}
    for _, loops in unrolling:
        for dim, factor in loops:
            total[dim] = total.get(dim, 1) * factor
    used = prod(total.values())
    return float(used) + (used / max(total.values()) - 1 if total else 0.0)


def _tied_end(kept: list[tuple[float, int, Unrolling]], count: int) -> int:
    """How many of the sorted `kept` to keep: the first `count` and every one
    tied with the last of them (ZigZag breaks such ties by a Python set's
    iteration order, which changes with the interpreter's hash seed: keeping
    them all finds at least what ZigZag's pick finds, whatever the seed)."""
    end = count
    while end < len(kept) and kept[end][0] == kept[count - 1][0]:
        end += 1
    return end


def _best_unrollings(per_array_dim: list[tuple[str, list]], dims: dict[str, int], count: int) -> list[Unrolling]:
    """The `count` valid combinations of the highest performance indicator and
    every one tied with the last of those (in generation order)."""
    kept: list[tuple[float, int, Unrolling]] = []  # (-indicator, sequence, unrolling)
    best_rest = [1] * (len(per_array_dim) + 1)
    for i in range(len(per_array_dim) - 1, -1, -1):
        options = per_array_dim[i][1]
        best_rest[i] = best_rest[i + 1] * max(prod(f for _, f in o) for o in options)
    sequence = 0
    anything = any(options != [()] for _, options in per_array_dim)  # else the idle array is the one candidate

    def visit(depth: int, used: int, chosen: list) -> None:
        nonlocal sequence
        # The indicator of a combination using at most u PEs is at most 2u - 1.
        if len(kept) >= count and 2 * used * best_rest[depth] - 1 < -kept[-1][0]:
            return
        if depth == len(per_array_dim):
            unrolling = tuple(chosen)
            if _fits_layer(unrolling, dims) and (any(loops for _, loops in unrolling) or not anything):
                sequence += 1
                kept.append((-performance_indicator(unrolling), sequence, unrolling))
                kept.sort(key=lambda k: k[:2])
                if len(kept) > count:
                    del kept[_tied_end(kept, count):]
            return
        array_dim, options = per_array_dim[depth]
        for option in options:
            visit(depth + 1, used * prod(f for _, f in option), chosen + [(array_dim, option)])

    visit(0, 1, [])
    return [unrolling for _, _, unrolling in kept]


def spatial_candidates(view: LayerView, accelerator: Accelerator,
                       hint: tuple[tuple[str, tuple[str, ...]], ...] | None, mixed: bool, count: int
                       ) -> list[SpatialCandidate]:
    """Up to `count` distinct candidates, best first, and those whose indicator
    ties with the count-th."""
    hints = dict(hint or ())
    allowed = {a: tuple(d for d in hints.get(a, tuple(view.dims)) if d in view.dims) for a, _ in accelerator.array}
    largest = _largest_factors(view, accelerator, allowed)
    sizes = dict(accelerator.array)
    per_array_dim = [(a, _options(largest[a], sizes[a], mixed)) for a, _ in accelerator.array]
    candidates: list[SpatialCandidate] = []
    seen = set()
    for unrolling in _best_unrollings(per_array_dim, view.dims, count):
        limited, _ = limit_unrolling(view, accelerator, [(a, list(loops)) for a, loops in unrolling])
        key = tuple((a, tuple((d, f) for d, f in loops if f > 1)) for a, loops in limited)
        if key in seen:
            continue
        seen.add(key)
        candidates.append(SpatialCandidate(to_spatial(key)))
    return candidates


def capped_spatial(spatial: Spatial, dims: dict[str, int], array: dict[str, int]) -> Spatial:
    """Each factor no larger than its array dimension and its layer dimension."""
    unrolls = []
    for unroll in spatial.unrolls:
        loops = tuple(Loop(lp.dim, min(lp.factor or 1, array.get(unroll.array_dim, 1), dims.get(lp.dim, 1)), lp.loc)
                      for lp in unroll.loops if lp.dim in dims)
        if loops:
            unrolls.append(SpatialUnroll(unroll.array_dim, loops, unroll.loc))
    return Spatial(tuple(unrolls), spatial.loc)


def given_spatial(view: LayerView, accelerator: Accelerator, given: Spatial) -> tuple[Spatial, list[Limit]]:
    """A user's spatial mapping as applied: capped by the array and the layer,
    then by what the innermost memories can feed and hold (with the limits
    that applied). Its array dimensions must be the accelerator's."""
    capped = capped_spatial(given, view.dims, accelerator.array_sizes)
    unrolling = [(u.array_dim, [(lp.dim, lp.factor or 1) for lp in u.loops]) for u in capped.unrolls]
    limited, limits = limit_unrolling(view, accelerator, unrolling)
    unrolls = tuple(SpatialUnroll(u.array_dim, tuple(Loop(d, f, lp.loc) for (d, f), lp in zip(loops, u.loops)),
                                  u.loc) for u, (_, loops) in zip(capped.unrolls, limited))
    return Spatial(unrolls, capped.loc), limits


def collapses(loop: Loop, dims: dict[str, int]) -> bool:
    """Whether a user's unrolling of `loop` runs less in parallel than it asks
    on a layer of `dims`: more than one PE asked, over a dim the layer lacks
    or has once."""
    return (loop.factor or 1) > 1 and dims.get(loop.dim, 1) == 1


def applicable_part(given: Spatial, dims: dict[str, int]) -> Spatial:
    """The loops of a user's spatial mapping that do not collapse on the layer,
    over dims it has (array dimensions left with none dropped)."""
    unrolls = []
    for unroll in given.unrolls:
        loops = tuple(loop for loop in unroll.loops if loop.dim in dims and not collapses(loop, dims))
        if loops:
            unrolls.append(SpatialUnroll(unroll.array_dim, loops, unroll.loc))
    return Spatial(tuple(unrolls), given.loc)


def wholly_applies(given: Spatial, dims: dict[str, int]) -> bool:
    """No loop of the user's spatial mapping collapses on the layer: it is
    applied as given. Otherwise the applicable part is searched beside the
    generated candidates."""
    return not any(collapses(loop, dims) for unroll in given.unrolls for loop in unroll.loops)


def pes(spatial: Spatial) -> int:
    return prod(loop.factor or 1 for unroll in spatial.unrolls for loop in unroll.loops)
