"""What the search minimises."""

from __future__ import annotations

from typing import Literal

from dsec.cost.evaluate import LayerCost

Objective = Literal["energy", "latency", "edp"]
OBJECTIVES: tuple[str, ...] = ("energy", "latency", "edp")


def score(cost: LayerCost, objective: Objective) -> tuple[float, float]:
    """The objective's value (pJ, cycles or pJ x cycles), then the other
    quantity to break ties (latency for energy, energy otherwise); lower is better."""
    if objective == "energy":
        return cost.energy, cost.latency.total
    if objective == "latency":
        return cost.latency.total, cost.energy
    return cost.energy * cost.latency.total, cost.energy
