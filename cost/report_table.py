"""What the text and markdown reports share: the table's columns (header, how a
row fills the cell, alignment), the legend that says what they mean, and the
lines under the table (totals, area, discarded candidates). Reads the report
dict of dsec.cost.report only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    cell: Callable[[dict], str]
    align: str  # "<" or ">"
    legend: str  # what the column holds, with its unit ("" for self-explaining ones)


def number(value) -> str:
    """A report number in full: integers as they are, others to 6 significant digits."""
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _util(row: dict) -> str:
    return "-" if row["utilization"] is None else f"{100 * row['utilization']['total']:.1f}%"


def kept_cell(row: dict) -> str:
    """`I=buf O=buf`: the memory each operand stays in between layers (--data-locality)."""
    locality = row.get("locality")
    return " ".join(f"{operand}={memory}" for operand, memory in locality["keep"].items()) if locality else ""


def _spatial_cell(row: dict) -> str:
    # A fused layer (fuse-elementwise) has no unrolling: the cell names the layer whose output path applies it.
    if row.get("fused_into"):
        return f"fused @{row['fused_into']}"
    # A mapped layer that unrolls nothing (a given mapping collapsed there) runs on one PE.
    return row["spatial"] or ("1 PE" if row["status"] == "ok" else "")


COLUMNS = (
    Column("layer", lambda r: r["symbol"], "<", ""),
    Column("op", lambda r: r["op"], "<", ""),
    Column("MACs", lambda r: number(r["macs"]), ">", "multiply-accumulates"),
    Column("spatial", _spatial_cell, "<", "array dim:loop dim and factor unrolled on it"),
    Column("temporal", lambda r: r["temporal"], "<", "temporal loops, outermost first"),
    Column("energy pJ", lambda r: number(r["energy_pj"]), ">", "energy of the MACs and memory accesses in pJ"),
    Column("cycles", lambda r: number(r["latency_cycles"]), ">",
           "latency in clock cycles (temporal loops + stalls + onloading + offloading + systolic drain)"),
    Column("bound", lambda r: number(r["compute_bound_cycles"]), ">",
           "ceil(MACs / PEs) cycles, the latency with every PE busy (x cycles per MAC on a bit-serial IMC macro)"),
    Column("util", _util, ">", "bound / cycles"),
    Column("dominant", lambda r: r["dominant"] or r["status"], "<",
           "largest energy term, mac or memory:operand (I input, W weights or second input, O output)"),
)
KEPT = Column("kept", kept_cell, "<",
              "operands kept on chip between layers (--data-locality), as operand=memory; the others go through "
              "the top memory")


def columns(report: dict) -> tuple[Column, ...]:
    """The table's columns; `kept` only when some layer has locality decisions."""
    if any(row.get("locality") for row in report["layers"]):
        return (*COLUMNS, KEPT)
    return COLUMNS


def legend(cols: tuple[Column, ...]) -> str:
    """`columns: MACs = ...; ...`: what every column that needs it holds, with units."""
    return "columns: " + "; ".join(f"{c.header} = {c.legend}" for c in cols if c.legend)


def total_line(report: dict) -> str:
    totals = report["totals"]
    return (f"total: {totals['mapped']}/{totals['layers']} layers mapped, {totals['macs']} MACs, "
            f"{number(totals['energy_pj'])} pJ, {number(totals['latency_cycles'])} cycles")


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
        beaten = sum("beaten_by" in t for s in searched for t in s["tried"])
        lines.append(f"search: {len(searched)} layers searched, {tried + dropped} spatial candidates scored, "
                     f"{dropped} discarded" + (f", {beaten} cut short by a better candidate's score (no exact score)"
                                               if beaten else ""))
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
    sets = [row["search"]["pareto"] for row in report["layers"] if "pareto" in (row.get("search") or {})]
    if sets:
        lines.append(f"pareto: {len(sets)} layers kept their energy/latency Pareto sets ({sum(map(len, sets))} "
                     f"mappings, listed in the JSON report and the IR); each layer's mapping is its set's least-EDP one")
    limited = [row["symbol"] for row in report["layers"] if _time_limit_hit(row.get("search") or {})]
    if limited:
        lines.append(f"time limit: the search of {len(limited)} layers stopped at it, their mappings are the best "
                     f"found so far (not proven the best): " + ", ".join(f"@{symbol}" for symbol in limited))
    return lines


def _time_limit_hit(search: dict) -> bool:
    return (search.get("temporal") or {}).get("time_limit_hit", False) or \
        any(t.get("time_limit_hit", False) for t in search.get("tried") or [])
