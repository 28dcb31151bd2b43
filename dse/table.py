"""The sweep's table: one row per point, as JSON lines (nested breakdowns kept)
and CSV (breakdowns flattened into `energy_pj.MEMORY.OPERAND`, `latency.TERM`
and `area.COMPONENT` columns), and the text summary printed at the end."""

from __future__ import annotations

import csv
import io
import json

from dsec.dse.pareto import METRIC_COLUMNS

BREAKDOWNS = {"energy_breakdown_pj": "energy_pj", "latency_breakdown_cycles": "latency", "area_breakdown": "area"}


def flatten(row: dict) -> dict:
    flat = {}
    for key, value in row.items():
        if key in BREAKDOWNS:
            for term, part in (value or {}).items():
                if isinstance(part, dict):
                    flat.update({f"{BREAKDOWNS[key]}.{term}.{operand}": pj for operand, pj in part.items()})
                else:
                    flat[f"{BREAKDOWNS[key]}.{term}"] = part
        else:
            flat[key] = value
    return flat


def to_csv(rows: list[dict]) -> str:
    flat = [flatten(row) for row in rows]
    columns: list[str] = []
    for row in flat:
        columns += [c for c in row if c not in columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    for row in flat:
        writer.writerow({c: _cell(row.get(c)) for c in columns})
    return out.getvalue()


def _cell(value):
    return json.dumps(value) if isinstance(value, (list, dict)) else value


def to_jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def read_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def summary(rows: list[dict], params: list[str], objectives: tuple[str, ...]) -> str:
    """One line per point, the Pareto front marked with '*', then the front and the failures."""
    head = ["point", "model", *params, "status", "energy pJ", "cycles", "EDP", "area", "util", "pJ/MAC", "front"]
    body = []
    for row in rows:
        ok = row["status"] == "ok"
        body.append([str(row["point"]), row["model"], *(_label(row.get(p)) for p in params), row["status"],
                     *(_num(row[c]) if ok else "-" for c in ("energy_pj", "latency_cycles", "edp", "area")),
                     f"{100 * row['utilization']:.1f}%" if ok and row["utilization"] is not None else "-",
                     _num(row["energy_per_mac"]) if ok else "-", "*" if row.get("pareto") else ""])
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(head)]
    lines = ["  ".join(f"{c:<{w}}" for c, w in zip(head, widths)).rstrip()]
    lines += ["  ".join(f"{c:<{w}}" for c, w in zip(r, widths)).rstrip() for r in body]
    front = [row for row in rows if row.get("pareto")]
    metrics = ", ".join(objectives)
    lines.append(f"pareto front over {metrics}: " + (", ".join(
        f"point {row['point']} (" + ", ".join(_num(row[METRIC_COLUMNS[o]]) for o in objectives) + ")"
        for row in front) or "no point mapped"))
    ok = sum(row["status"] == "ok" for row in rows)
    lines.append(f"{len(rows)} points: {ok} ok, {len(rows) - ok} not mapped")
    lines += [f"point {row['point']}: {row['status']}: {row['reason']}" for row in rows if row["status"] != "ok"]
    return "\n".join(lines) + "\n"


def _label(value) -> str:
    if isinstance(value, list):
        return "x".join(map(str, value))
    return str(value)


def _num(value) -> str:
    return "-" if value is None else f"{value:.4g}"
