"""Objective pareto: a layer's search keeps every mapping no other mapping
beats on both energy and latency, instead of one winner.

A mapping is kept unless a kept one is at least as good on both (so of equal
points the first found stays). The layer's chosen mapping, the one the rest
of the pipeline and the report use, is the set's point of least EDP (ties:
less energy; equal points are one point), which no mapping beats on EDP: the
min-EDP mapping of all is never dominated, so it is in the set."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from dsec.cost.evaluate import LayerCost

if TYPE_CHECKING:
    from dsec.mapper.temporal import Scored

T = TypeVar("T")


def point(cost: LayerCost) -> tuple[float, float]:
    """(energy pJ, latency cycles), rounded to 12 significant digits as the
    objectives' scores are, so that float rounding does not split equal points."""
    return float(f"{cost.energy:.12g}"), float(f"{cost.latency.total:.12g}")


def covers(kept: tuple[float, float], other: tuple[float, float]) -> bool:
    """Whether `kept` is at least as good as `other` on energy and on latency."""
    return kept[0] <= other[0] and kept[1] <= other[1]


def add(front: list, new, point_of) -> bool:
    """Keep `new` in `front` (in place) unless a kept member covers it; drop
    the members it covers. `point_of(member)`: its (energy, latency)."""
    at = point_of(new)
    if any(covers(point_of(kept), at) for kept in front):
        return False
    front[:] = [kept for kept in front if not covers(at, point_of(kept))]
    front.append(new)
    return True


def non_dominated(items: Iterable[T], point_of) -> list[T]:
    """The members of `items` no other covers (the first of equal points),
    least energy first."""
    front: list[T] = []
    for item in items:
        add(front, item, point_of)
    return sorted(front, key=point_of)


def describe(points: list[tuple[object, Scored]], chosen: Scored) -> list[dict]:
    """The set as the IR's search remark lists it: per point its energy,
    latency, spatial unrolling and temporal order (innermost loop first, as
    a `require order` reads), the chosen one marked."""
    return [{"energy_pj": round(scored.cost.energy, 2), "latency_cycles": round(scored.cost.latency.total, 2),
             "spatial": str(spatial), "temporal": "[" + ", ".join(f"{dim} = {factor}" for dim, factor in scored.order)
             + "]", **({"chosen": True} if scored is chosen else {})} for spatial, scored in points]
