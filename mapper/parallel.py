"""Run independent searches on several cores with results identical to a
serial run: each task is a pure function of its arguments, results come back
in task order, and the parent process keeps them in its caches."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor


def run_tasks(function: Callable, tasks: Sequence[tuple], jobs: int,
              progress: Callable[[int, int], None] | None = None) -> list:
    """[function(*task) for task in tasks], on up to `jobs` processes (0: all cores)."""
    workers = multiprocessing.cpu_count() if jobs <= 0 else jobs
    results = []
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            results.append(function(*task))
            if progress:
                progress(len(results), len(tasks))
        return results
    # fork: workers start with the parent's modules loaded (no re-import per task).
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        for result in pool.map(function, *zip(*tasks)):
            results.append(result)
            if progress:
                progress(len(results), len(tasks))
    return results
