"""Run independent searches on several cores with results identical to a
serial run: each task is a pure function of its arguments, results come back
in task order, and the parent process keeps them in its caches."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor


def run_tasks(function: Callable, tasks: Sequence[tuple], jobs: int,
              progress: Callable[[int, int], None] | None = None,
              weight: Callable[..., float] | None = None) -> list:
    """[function(*task) for task in tasks], on up to `jobs` processes (0: all
    cores). `weight(*task)` estimates a task's cost: the heaviest start first,
    so that no long task is left alone at the end."""
    workers = multiprocessing.cpu_count() if jobs <= 0 else jobs
    results = []
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            results.append(function(*task))
            if progress:
                progress(len(results), len(tasks))
        return results
    order = list(range(len(tasks)))
    if weight is not None:
        order.sort(key=lambda i: -weight(*tasks[i]))  # stable: equal weights keep task order
    by_task: dict[int, object] = {}
    # fork: workers start with the parent's modules loaded (no re-import per task).
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        for index, result in zip(order, pool.map(function, *zip(*(tasks[i] for i in order)))):
            by_task[index] = result
            if progress:
                progress(len(by_task), len(tasks))
    return [by_task[i] for i in range(len(tasks))]
