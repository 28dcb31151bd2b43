"""Pareto fronts over two or three metrics, all minimised: a point is on the
front when no other point is at least as good in every metric and better in one."""

from __future__ import annotations

METRIC_COLUMNS = {"energy": "energy_pj", "latency": "latency_cycles", "area": "area", "edp": "edp"}


def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def front(values: list[tuple[float, ...]]) -> list[bool]:
    """For each point, whether it is on the front (equal points are all on it)."""
    return [not any(dominates(other, mine) for other in values) for mine in values]


def mark(rows: list[dict], objectives: tuple[str, ...]) -> None:
    """Set each row's `pareto`: True or False for the points that mapped, None for the others."""
    columns = [METRIC_COLUMNS[o] for o in objectives]
    ok = [row for row in rows if row["status"] == "ok"]
    for row, on_front in zip(ok, front([tuple(row[c] for c in columns) for row in ok])):
        row["pareto"] = on_front
    for row in rows:
        row.setdefault("pareto", None)
