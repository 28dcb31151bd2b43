"""The CSV report: one row per layer with its energy and latency breakdowns, then
one row per area component (op `area`). Reads the report dict of dsec.cost.report.

Columns: name, symbol, op, status, macs, spatial, temporal, spatial_utilization,
utilization, energy_pj, latency_cycles, compute_bound_cycles (the ideal: MACs / PEs),
dominant; the energy breakdown: mac_energy_pj, then `energy_pj:<memory>:<operand>`
per memory (lowest level first) and operand; the latency breakdown: temporal_cycles,
stall_cycles, onloading_cycles, offloading_cycles, drain_cycles (they sum to
latency_cycles); kept and live_bits (--data-locality); time_ns on an IMC macro;
area last (area rows only)."""

from __future__ import annotations

import csv
import io

BASE = ["name", "symbol", "op", "status", "macs", "spatial", "temporal", "spatial_utilization", "utilization",
        "energy_pj", "latency_cycles", "compute_bound_cycles", "dominant", "mac_energy_pj"]
LATENCY_PARTS = ["temporal", "stall", "onloading", "offloading", "drain"]


def energy_terms(report: dict) -> list[tuple[str, str]]:
    """(memory, operand) of every memory energy term of any layer, memories in the accelerator's order."""
    terms: list[tuple[str, str]] = []
    for row in report["layers"]:
        for memory, per_operand in (row["energy_breakdown_pj"] or {}).items():
            if isinstance(per_operand, dict):
                terms += [(memory, operand) for operand in per_operand if (memory, operand) not in terms]
    order = list(report["area"]["components"])
    return sorted(terms, key=lambda term: order.index(term[0]) if term[0] in order else len(order))


def _layer_fields(row: dict, terms: list[tuple[str, str]]) -> dict:
    util = row["utilization"] or {}
    energy = row["energy_breakdown_pj"] or {}
    latency = row["latency_breakdown_cycles"] or {}
    locality = row.get("locality") or {}
    fields = {key: row[key] for key in ("name", "symbol", "op", "status", "macs", "spatial", "temporal",
                                        "energy_pj", "latency_cycles", "compute_bound_cycles", "dominant")}
    fields |= {"spatial_utilization": util.get("spatial"), "utilization": util.get("total"),
               "mac_energy_pj": energy.get("mac")}
    fields |= {f"energy_pj:{memory}:{operand}": energy.get(memory, {}).get(operand) for memory, operand in terms}
    fields |= {f"{part}_cycles": latency.get(part) for part in LATENCY_PARTS}
    fields["kept"] = " ".join(f"{op}={memory}" for op, memory in locality.get("keep", {}).items())
    fields["live_bits"] = " ".join(f"{memory}={bits}" for memory, bits in locality.get("live_bits", {}).items())
    if "time_ns" in row:
        fields["time_ns"] = row["time_ns"]
    return fields


def format_csv(report: dict) -> str:
    terms = energy_terms(report)
    header = [*BASE, *(f"energy_pj:{m}:{o}" for m, o in terms), *(f"{p}_cycles" for p in LATENCY_PARTS),
              "kept", "live_bits", *(["time_ns"] if "imc" in report else []), "area"]
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    for row in report["layers"]:
        writer.writerow(_layer_fields(row, terms))
    # The area is the accelerator's: one row per component and the total, op "area", after the layers.
    area = report["area"]
    for name, component in [*area["components"].items(), ("total", {"area": area["total"]})]:
        writer.writerow({"name": name, "op": "area", "status": "ok", "area": component["area"]})
    return out.getvalue()
