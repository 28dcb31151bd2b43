"""One sweep point: its accelerator (the base file with the point's keys set),
the normal lowering, and the row of the sweep's table. Runs in a worker process
or on a cluster, so it takes and returns plain data."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from dsec.dse.overrides import OverrideError, accelerator_data, apply_overrides
from dsec.dse.points import Point

METRIC_COLUMNS = ("energy_pj", "latency_cycles", "edp", "area", "utilization", "energy_per_mac", "macs")


@dataclass(frozen=True)
class Task:
    """A point made ready to run: its accelerator as YAML text and its cache key."""
    point: Point
    arch_text: str
    key: str
    # Where workers keep temporal search results (mapper/search_store.py; None: not on disk), and the
    # pipeline code's hash that names them with the problem's content.
    search_cache: str | None = None
    code: str = ""


def prepare(point: Point, code_version: str) -> Task | dict:
    """The point's task, or its error row when its keys do not fit the accelerator."""
    try:
        data = apply_overrides(accelerator_data(point.accelerator), point.overrides)
    except (OSError, yaml.YAMLError, OverrideError, AttributeError, TypeError) as exc:
        return error_row(point, "error", f"{Path(point.accelerator).name}: {exc}")
    content = {"code": code_version, "model": file_digest(point.model), "accelerator": data,
               "mapping": file_digest(point.mapping) if point.mapping else None, "options": point.options,
               "cacti": _cacti_identity(data)}
    key = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    return Task(point, yaml.safe_dump(data, sort_keys=False), key)


def _cacti_identity(data: object) -> str | None:
    """Which CACTI answers the point's auto_cost_extraction memories, if it has any."""
    memories = data.get("memories") if isinstance(data, dict) else None
    if isinstance(memories, dict) and any(isinstance(m, dict) and m.get("auto_cost_extraction") is True
                                          for m in memories.values()):
        from dsec.frontend.cacti import cacti_identity

        return cacti_identity()
    return None


def file_digest(path: str) -> str:
    stat = Path(path).stat()
    return _digest(path, stat.st_mtime_ns, stat.st_size)


@functools.cache  # a sweep's points share their model and mapping files; a changed file has a new mtime or size
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def base_row(point: Point) -> dict:
    return {"point": point.index, "model": Path(point.model).stem, **dict(point.params),
            "accelerator": Path(point.accelerator).stem}


def error_row(point: Point, status: str, reason: str) -> dict:
    return {**base_row(point), "status": status, "reason": reason, **{c: None for c in METRIC_COLUMNS}}


def run(task: Task) -> dict:
    """Lower the point's model on its accelerator and sum the report into one row. A bug of dsec's that one
    point hits is that point's error row, not the end of the sweep."""
    from dsec.mapper.search_store import use_store

    try:
        use_store(task.search_cache, task.code)
        return _run(task)
    except Exception as exc:  # noqa: BLE001 - one point's crash must not lose the others
        return error_row(task.point, "error", f"internal error (a bug in dsec; please report it with the "
                                              f"point's inputs): {type(exc).__name__}: {exc}")
    finally:
        use_store(None)  # the serial backend runs here: a later lowering in this process is not the sweep's


def _run(task: Task) -> dict:
    from dsec.compiler.diagnostics import DiagnosticError
    from dsec.compiler.lower import LowerOptions, lower
    from dsec.frontend.arch_loader import load_accelerator

    point = task.point
    where = f"{point.accelerator} ({', '.join(f'{k}={v}' for k, v in point.overrides) or 'as given'})"
    try:
        arch = load_accelerator(task.arch_text, where)
    except DiagnosticError as exc:
        return error_row(point, "error", "; ".join(d.message for d in exc.diagnostics if d.severity == "error"))
    try:
        options = LowerOptions(**dict(point.options), jobs=1)
    except ValueError as exc:  # an option's value, e.g. objective: energi
        return error_row(point, "error", f"options: {exc}")
    result = lower(point.model, arch, point.mapping, options)
    errors = [d.message for d in result.diagnostics if d.severity == "error"]
    if result.report is None:
        return error_row(point, "error", "; ".join(errors))
    if not result.ok:
        return {**error_row(point, "infeasible", "; ".join(errors)), **_breakdowns(result.report)}
    return {**base_row(point), "status": "ok", "reason": None, **totals(result.report), **_breakdowns(result.report)}


def totals(report: dict) -> dict:
    layers = [row for row in report["layers"] if row["status"] == "ok"]
    energy, latency = report["totals"]["energy_pj"], report["totals"]["latency_cycles"]
    macs = report["totals"]["macs"]
    bound = sum(row["compute_bound_cycles"] for row in layers)
    return {"energy_pj": energy, "latency_cycles": latency, "edp": energy * latency,
            "area": report["area"]["total"], "utilization": bound / latency if latency else None,
            "energy_per_mac": energy / macs if macs else None, "macs": macs}


def _breakdowns(report: dict) -> dict:
    """Energy per memory and operand (and MAC), latency per term, area per component, summed over the mapped
    layers: what the plots draw."""
    energy: dict = {}
    latency: dict = {}
    for row in report["layers"]:
        if row["status"] != "ok":
            continue
        for term, value in row["energy_breakdown_pj"].items():
            if isinstance(value, dict):
                for operand, pj in value.items():
                    energy.setdefault(term, {}).setdefault(operand, 0.0)
                    energy[term][operand] += pj
            else:
                energy[term] = energy.get(term, 0.0) + value
        for term, cycles in row["latency_breakdown_cycles"].items():
            latency[term] = latency.get(term, 0.0) + cycles
    area = {name: c["area"] for name, c in report["area"]["components"].items()}
    return {"layers": report["totals"]["layers"], "mapped": report["totals"]["mapped"],
            "energy_breakdown_pj": energy, "latency_breakdown_cycles": latency, "area_breakdown": area}
