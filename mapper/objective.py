"""What the search minimises."""

from __future__ import annotations

from typing import Literal

from dsec.cost.evaluate import LayerCost

Objective = Literal["energy", "latency", "edp"]
OBJECTIVES: tuple[str, ...] = ("energy", "latency", "edp")


def score(cost: LayerCost, objective: Objective) -> float:
    """The objective's value (pJ, cycles or pJ x cycles); lower is better."""
    if objective == "energy":
        return cost.energy
    if objective == "latency":
        return cost.latency.total
    return cost.energy * cost.latency.total
