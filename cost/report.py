"""The cost report's data: per-layer rows and network totals, from the IR's
`cost` attributes (build_report). The renderers read only this dict: text
(cost/report_text.py), markdown (cost/report_markdown.py), CSV
(cost/report_csv.py), JSON (format_json below); FORMATS names them.

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
               "fused_into": null | "<symbol>",  (fuse-elementwise: applied in that layer's output path,
                 costed at its compute energy only; the text report's spatial column says `fused @<symbol>`)
               "locality": null | {"keep": {"<operand>": "<memory>"}, "live_bits": {"<memory>": bits}},
                 (--data-locality: the memory each kept operand stays in between layers, its top memory
                  for this layer; the bits tensors kept for later layers occupy in a memory meanwhile)
               "search": null | {"objective", "pareto"?: [{"energy_pj", "latency_cycles", "spatial",
                                                           "temporal", "chosen"?}],  (objective pareto:
                                 the layer's energy/latency Pareto set, its chosen least-EDP point marked)
                                 "tried": [{"spatial", "note"?, "energy_pj", "latency_cycles"
                                            | "beaten_by", "orders", "mirrors"?, "time_limit_hit"?}],
                                 (beaten_by: the candidate whose score this one was searched
                                 against and cannot beat; it has no exact score, and `orders`
                                 counts what was scored before it was cut; mirrors: the
                                 earlier candidate, OX <-> OY swapped, whose result it took; note:
                                 "given, collapsed to N PEs" on what applies of a mapping file's
                                 spatial_mapping that collapses on the layer)
                                 "discarded": [{"spatial", "operand", "memory", "needed_bits",
                                                "available_bits", "reason"}],
                                 "temporal": {"objective", "lpf_limit", "search", "orders"}}}],
   "totals": {"energy_pj", "latency_cycles", "macs", "layers", "mapped"},
   "area": {"unit": "mm2", "total", "components": {"pe_array" | "<memory>": {"unit_area", "copies", "area"}}}}
Layers that are not mapped have null numbers and are left out of the totals. The area is the
accelerator's (cost/area.py), in the accelerator file's unit (mm² in ZigZag's files).
"""

from __future__ import annotations

import json

from dsec.cost.area import accelerator_area
from dsec.cost.report_csv import format_csv
from dsec.cost.report_markdown import format_markdown
from dsec.cost.report_text import format_text
from dsec.imc.report import layer_time_ns, macro_figures
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


def locality_field(layer: LayerOp) -> dict | None:
    """Where --data-locality (the layer-locality pass) keeps the layer's operands."""
    if layer.locality is None:
        return None
    return {"keep": dict(layer.locality.keep), "live_bits": dict(layer.locality.live)}


def layer_row(layer: LayerOp) -> dict:
    cost = layer.cost or {}
    temporal = " ".join(f"{lp.dim}{lp.factor}" for lp in reversed(layer.nest.loops)) if layer.nest else ""
    spatial = " ".join(f"{u.array_dim}:" + ",".join(f"{lp.dim}{lp.factor}" for lp in u.loops)
                       for u in layer.spatial.unrolls) if layer.spatial else ""
    row = {"name": layer.name, "symbol": layer.symbol, "op": layer.op_type, "spatial": spatial,
           "temporal": temporal, "search": layer.search, "locality": locality_field(layer),
           "fused_into": layer.fused_into}
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


def format_json(report: dict) -> str:
    return json.dumps(report, indent=1) + "\n"


FORMATS = {"text": format_text, "markdown": format_markdown, "json": format_json, "csv": format_csv}
