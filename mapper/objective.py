"""What the search minimises."""

from __future__ import annotations

from typing import Literal

from dsec.cost.evaluate import LayerCost

Objective = Literal["energy", "latency", "edp", "pareto"]
OBJECTIVES = ("energy", "latency", "edp", "pareto")


def score(cost: LayerCost, objective: Objective) -> tuple[float, float]:
    """The objective's value (pJ, cycles or pJ x cycles), then the other
    quantity to break ties (latency for energy, energy otherwise); lower is better.
    Objective pareto keeps a set (mapper/pareto.py) and chooses from it by EDP.
    Rounded to 12 significant digits so that orders equal up to float rounding tie."""
    if objective == "energy":
        pair = cost.energy, cost.latency.total
    elif objective == "latency":
        pair = cost.latency.total, cost.energy
    else:  # edp, and pareto's choice within its set
        pair = cost.energy * cost.latency.total, cost.energy
    return tuple(float(f"{value:.12g}") for value in pair)
