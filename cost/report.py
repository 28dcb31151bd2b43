"""The cost report: per-layer rows and network totals, from the IR's `cost`
attributes, as text, markdown, JSON or CSV.

JSON schema (schema_version 1):
  {"schema_version": 1, "module": str, "accelerator": str,
   "layers": [{"name", "symbol", "op", "status": "ok" | "error" | "unmapped",
               "error": str | null, "macs", "spatial", "temporal",
               "energy_pj", "latency_cycles", "dominant",
               "compute_bound_cycles": MACs / PEs, the latency of a fully busy array,
               "utilization": {"spatial", "total"},  (total = compute bound / latency)
               "energy_breakdown_pj": {"mac": pJ, "<memory>": {"<operand>": pJ}},
               "latency_breakdown_cycles": {"ideal", "temporal", "stall", "onloading",
                                            "offloading", "drain"},
               "accesses": {"<memory>": {"<operand>": {"<fh|tl|fl|th>": words}}},
               "search": null | {"objective", "tried": [{"spatial", "energy_pj", "latency_cycles",
                                                         "orders", "mirrors"?}],  (mirrors: the
                                 earlier candidate, OX <-> OY swapped, whose result it took)
                                 "discarded": [{"spatial", "operand", "memory", "needed_bits",
                                                "available_bits", "reason"}],
                                 "temporal": {"objective", "lpf_limit", "search", "orders"}}}],
   "totals": {"energy_pj", "latency_cycles", "macs", "layers", "mapped"},
   "area": {"unit": "mm2", "total", "components": {"pe_array" | "<memory>": {"unit_area", "copies", "area"}}}}
Layers that are not mapped have null numbers and are left out of the totals. The area is the
accelerator's (cost/area.py), in the accelerator file's unit (mm² in ZigZag's files).
"""

from __future__ import annotations

import csv
import io
import json

from dsec.cost.area import accelerator_area
from dsec.imc.report import layer_time_ns, macro_figures, macro_line
from dsec.dialect.ops import LayerOp, Module

SCHEMA_VERSION = 1


def dominant_term(energy: dict) -> str:
    """The largest energy term: `mac` or `memory:operand`."""
    terms = {"mac": energy.get("mac", 0.0)}
    for memory, per_operand in energy.items():
        if isinstance(per_operand, dict):
            for operand, pj in per_operand.items():
                terms[f"{memory}:{operand}"] = pj
    return max(terms, key=terms.get)


def layer_row(layer: LayerOp) -> dict:
    cost = layer.cost or {}
    temporal = " ".join(f"{lp.dim}{lp.factor}" for lp in reversed(layer.nest.loops)) if layer.nest else ""
    spatial = " ".join(f"{u.array_dim}:" + ",".join(f"{lp.dim}{lp.factor}" for lp in u.loops)
                       for u in layer.spatial.unrolls) if layer.spatial else ""
    row = {"name": layer.name, "symbol": layer.symbol, "op": layer.op_type, "spatial": spatial,
           "temporal": temporal, "search": layer.search}
    if "energy_pj" not in cost:
        row.update(status="error" if "error" in cost else "unmapped", error=cost.get("error"), macs=None,
                   energy_pj=None, latency_cycles=None, compute_bound_cycles=None, dominant=None, utilization=None, energy_breakdown_pj=None,
                   latency_breakdown_cycles=None, accesses=None)
        return row
    row.update(status="ok", error=None, macs=cost["macs"], energy_pj=cost["energy_pj"],
               latency_cycles=cost["latency_cycles"], compute_bound_cycles=cost["latency"]["ideal"],
               dominant=dominant_term(cost["energy"]),
               utilization=cost["utilization"], energy_breakdown_pj=cost["energy"],
               latency_breakdown_cycles=cost["latency"], accesses=cost["accesses"])
    return row


def build_report(module: Module) -> dict:
    rows = [layer_row(layer) for layer in module.layers()]
    mapped = [r for r in rows if r["status"] == "ok"]
    totals = {"energy_pj": round(sum(r["energy_pj"] for r in mapped), 2),
              "latency_cycles": round(sum(r["latency_cycles"] for r in mapped), 2),
              "macs": sum(r["macs"] for r in mapped), "layers": len(rows), "mapped": len(mapped)}
    report = {"schema_version": SCHEMA_VERSION, "module": module.name, "accelerator": module.accelerator.name,
              "layers": rows, "totals": totals, "area": accelerator_area(module.accelerator).as_dict()}
    imc = macro_figures(module.accelerator, totals["latency_cycles"])
    if imc is not None:  # an IMC macro: its figures, and time in ns per layer
        report["imc"] = imc
        for row in rows:
            row["time_ns"] = layer_time_ns(row["latency_cycles"], imc)
    return report


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _number(value) -> str:
    return "-" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)


# util: the compute bound (MACs / PEs, the `bound` column) over the latency.
COLUMNS = (("layer", 14, "<"), ("op", 6, "<"), ("MACs", 10, ">"), ("spatial", 14, "<"),
           ("temporal, outer first", 24, "<"), ("energy pJ", 10, ">"), ("cycles", 9, ">"), ("bound", 9, ">"),
           ("util", 6, ">"), ("dominant", 9, "<"))


def _cells(row: dict) -> list[str]:
    util = "-" if row["utilization"] is None else f"{100 * row['utilization']['total']:.1f}%"
    return [row["symbol"], row["op"], _number(row["macs"]), row["spatial"], row["temporal"],
            _number(row["energy_pj"]), _number(row["latency_cycles"]), _number(row["compute_bound_cycles"]), util,
            row["dominant"] or row["status"]]


def format_text(report: dict) -> str:
    """A table that fits 120 columns."""
    lines = [" ".join(f"{name:{align}{width}}" for name, width, align in COLUMNS).rstrip()]
    lines.append(" ".join("-" * width for _, width, _ in COLUMNS))
    for row in report["layers"]:
        lines.append(" ".join(f"{_fit(cell, width):{align}{width}}"
                              for cell, (_, width, align) in zip(_cells(row), COLUMNS)).rstrip())
    totals = report["totals"]
    lines.append(f"total: {totals['mapped']}/{totals['layers']} layers mapped, {totals['macs']} MACs, "
                 f"{totals['energy_pj']:.6g} pJ, {totals['latency_cycles']:.6g} cycles")
    lines.append(area_line(report["area"]))
    if "imc" in report:
        lines.append(macro_line(report["imc"]))
    for row in report["layers"]:
        if row["error"]:
            lines.append(f"error: @{row['symbol']}: {row['error']}")
    lines += discarded_lines(report)
    return "\n".join(lines) + "\n"


def area_line(area: dict) -> str:
    """`area: 1.5 mm2 = pe_array 1024 x 0.001 + sram 1 x 0.476 + ...`, components without area left out."""
    parts = [f"{name} {c['copies']} x {c['unit_area']:.4g}" for name, c in area["components"].items() if c["area"]]
    return f"area: {area['total']:.6g} {area['unit']}" + (" = " + " + ".join(parts) if parts else "")


def discarded_lines(report: dict) -> list[str]:
    """The spatial candidates the search discarded, and why."""
    searched = [row["search"] for row in report["layers"] if (row.get("search") or {}).get("tried") is not None]
    lines = []
    if searched:
        tried = sum(len(s["tried"]) for s in searched)
        dropped = sum(len(s["discarded"]) for s in searched)
        lines.append(f"search: {len(searched)} layers searched, {tried + dropped} spatial candidates scored, "
                     f"{dropped} discarded")
    for row in report["layers"]:
        search = row.get("search") or {}
        discarded = search.get("discarded") or []
        if not discarded:
            continue
        tried = len(search.get("tried") or [])
        lines.append(f"@{row['symbol']}: {len(discarded)} of {tried + len(discarded)} spatial candidates discarded:")
        for d in discarded:
            where = (f"{d['operand']} in @{d['memory']} needs {d['needed_bits']} bits of {d['available_bits']} "
                     if "memory" in d else "")
            lines.append(f"  {d['spatial']}: {where}({d['reason']})")
    return lines


def format_markdown(report: dict) -> str:
    lines = ["| " + " | ".join(name for name, _, _ in COLUMNS) + " |",
             "|" + "|".join("---:" if align == ">" else "---" for _, _, align in COLUMNS) + "|"]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in report["layers"]]
    totals = report["totals"]
    lines.append(f"\n**Total**: {totals['mapped']}/{totals['layers']} layers mapped, {totals['energy_pj']:.6g} pJ, "
                 f"{totals['latency_cycles']:.6g} cycles")
    lines.append(f"\n**Area**: {area_line(report['area']).removeprefix('area: ')}")
    if "imc" in report:
        lines.append(f"\n**IMC macro**: {macro_line(report['imc']).split(': ', 1)[1]}")
    discarded = discarded_lines(report)
    if discarded:
        lines += ["", "```", *discarded, "```"]
    return "\n".join(lines) + "\n"


def format_json(report: dict) -> str:
    return json.dumps(report, indent=1) + "\n"


def format_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "symbol", "op", "status", "macs", "spatial", "temporal", "spatial_utilization",
                     "utilization", "energy_pj", "latency_cycles", "compute_bound_cycles", "dominant", "area"])
    for row in report["layers"]:
        util = row["utilization"] or {}
        writer.writerow([row["name"], row["symbol"], row["op"], row["status"], row["macs"], row["spatial"],
                         row["temporal"], util.get("spatial"), util.get("total"), row["energy_pj"],
                         row["latency_cycles"], row["compute_bound_cycles"], row["dominant"], None])
    # The area is the accelerator's: one row per component and the total, op "area", after the layers.
    area = report["area"]
    for name, component in [*area["components"].items(), ("total", {"area": area["total"]})]:
        writer.writerow([name, "", "area", "ok", *[None] * 9, component["area"]])
    return out.getvalue()


FORMATS = {"text": format_text, "markdown": format_markdown, "json": format_json, "csv": format_csv}
