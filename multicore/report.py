"""The multi-core report: totals, energy by kind, and the utilization of every core and link,
as text or JSON, read from the module's `schedule`."""

from __future__ import annotations

import json

from dsec.dialect.ops import Module


def multicore_report(module: Module, order: str) -> dict:
    schedule = module.schedule or {}
    cns = sum(len(layer.cns) for layer in module.layers())
    summary = {k: v for k, v in schedule.items() if k not in ("transfers", "occupancy")}
    return {"model": module.name, "accelerator": module.multicore.name if module.multicore else None,
            "order": order, "cns": cns, "transfers": len(schedule.get("transfers", ())), **summary}


def report_text(report: dict) -> str:
    energy = report["energy_pj"]
    lines = [f"multi-core schedule of {report['model']} on {report['accelerator']} ({report['order']}, "
             f"{report['cns']} CNs, {report['transfers']} transfers)",
             f"latency  {report['latency_cycles']} cycles",
             f"energy   {energy['total'] / 1e6:.4f} uJ = CNs {energy['cn'] / 1e6:.4f} + links "
             f"{energy['links'] / 1e6:.4f} + memory ends {energy['memory_ends'] / 1e6:.4f} + off-chip "
             f"{energy['offchip'] / 1e6:.4f}",
             "", f"{'core':<12}{'busy cycles':>12}{'utilization':>13}{'peak memory bits':>18}{'of':>12}"]
    lines += [f"{name:<12}{row['busy']:>12}{row['utilization']:>13.1%}{row['peak_bits']:>18}{row['capacity_bits']:>12}"
              for name, row in report["cores"].items()]
    lines += ["", f"{'link':<12}{'busy cycles':>12}{'bits':>12}{'utilization':>13}"]
    lines += [f"{name:<12}{row['busy']:>12}{row['bits']:>12}{row['utilization']:>13.1%}"
              for name, row in report["links"].items()]
    return "\n".join(lines) + "\n"


def report_json(report: dict) -> str:
    return json.dumps(report, indent=2) + "\n"
