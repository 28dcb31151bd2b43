"""Run a sweep: expand its points, read the finished ones from the cache, run
the others on a backend (each distinct input once), and return the table's
rows in point order with the Pareto front marked."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace

from dsec.dse.backends import RUNNERS
from dsec.dse.cache import ResultCache, code_version
from dsec.dse.evaluate import Task, base_row, prepare
from dsec.dse.pareto import mark
from dsec.dse.points import expand
from dsec.dse.spec import SweepSpec


@dataclass
class SweepResult:
    rows: list[dict]
    params: list[str]  # the axes' columns
    objectives: tuple[str, ...]
    cached: int  # points read from the cache
    computed: int  # distinct inputs lowered


def run_sweep(spec: SweepSpec, backend: str = "local", jobs: int = 0, scheduler: str | None = None,
              cache_dir: str | None = None, progress: Callable[[int, int], None] | None = None) -> SweepResult:
    cache = ResultCache(cache_dir)
    version = code_version()
    points = expand(spec)
    rows: dict[int, dict] = {}
    waiting: dict[str, list[Task]] = {}  # cache key -> the points with those inputs
    errors = 0
    search_cache = os.path.join(cache_dir, "search") if cache_dir else None  # layers' searches, shared by points
    for point in points:
        task = prepare(point, version)
        if isinstance(task, Task):
            task = replace(task, search_cache=search_cache, code=version)
        if isinstance(task, dict):
            rows[point.index] = task
            errors += 1
        elif (hit := cache.get(task.key)) is not None:
            rows[point.index] = {**hit, **base_row(point)}
        else:
            waiting.setdefault(task.key, []).append(task)
    cached = len(rows) - errors
    done = len(rows)
    if progress:
        progress(done, len(points))
    for task, row in RUNNERS[backend](run_order([tasks[0] for tasks in waiting.values()]), jobs, scheduler):
        cache.put(task.key, row)  # as each finishes, so an interrupted sweep resumes from here
        for same in waiting[task.key]:
            rows[same.point.index] = {**row, **base_row(same.point)}
            done += 1
        if progress:
            progress(done, len(points))
    ordered = [rows[point.index] for point in points]
    mark(ordered, spec.objectives)
    return SweepResult(ordered, [axis.name for axis in spec.axes], spec.objectives, cached, len(waiting))


def run_order(tasks: list[Task]) -> list[Task]:
    """The order to start the tasks in: the first point of each accelerator, then the second of each, and so
    on. Points on one accelerator (other models, mappings or options) often share layer problems; started
    apart, a later one reads from the search store what an earlier one searched, rather than searching it
    at the same time on another worker. The table keeps the points' order."""
    seen: dict[str, int] = {}
    ranked = []
    for index, task in enumerate(tasks):
        rank = seen.get(task.arch_text, 0)
        seen[task.arch_text] = rank + 1
        ranked.append((rank, index))
    return [tasks[index] for _, index in sorted(ranked)]
