"""Run independent searches on several cores with results identical to a
serial run: each task is a pure function of its arguments, results come back
in task order, and the parent process keeps them in its caches. Ctrl-C (or an
error) stops the workers at once: they are terminated, not waited for."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence


def run_tasks(function: Callable, tasks: Sequence[tuple], jobs: int,
              progress: Callable[[int, int], None] | None = None,
              weight: Callable[..., float] | None = None) -> list:
    """[function(*task) for task in tasks], on up to `jobs` processes (0: all
    cores). `weight(*task)` estimates a task's cost: the heaviest start first,
    so that no long task is left alone at the end."""
    workers = (os.cpu_count() or 1) if jobs <= 0 else jobs
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
    import multiprocessing  # only here: a serial run (the common case) does not start it up
    # fork: workers start with the parent's modules loaded (no re-import per task).
    # Workers ignore SIGINT: a Ctrl-C reaches the whole process group, and the parent alone
    # decides to stop (terminating them) instead of each printing a traceback.
    pool = multiprocessing.get_context("fork").Pool(min(workers, len(tasks)), initializer=_ignore_interrupts)
    try:
        calls = [(function, tasks[i]) for i in order]
        for index, result in zip(order, pool.imap(_call, calls)):
            by_task[index] = result
            if progress:
                progress(len(by_task), len(tasks))
        pool.close()
    except BaseException:
        pool.terminate()  # SIGTERM to every worker now; queued tasks are dropped
        raise
    finally:
        pool.join()
    return [by_task[i] for i in range(len(tasks))]


def run_unordered(function: Callable, tasks: Sequence, workers: int) -> Iterator[tuple[object, object]]:
    """(task, function(task)) for each task as it finishes, on `workers` processes.
    Ctrl-C, an error, or the caller leaving the loop stops the workers at once."""
    import multiprocessing
    pool = multiprocessing.get_context("fork").Pool(min(workers, len(tasks)), initializer=_ignore_interrupts)
    try:
        calls = [(function, (task,)) for task in tasks]
        for index, result in pool.imap_unordered(_call_indexed, enumerate(calls)):
            yield tasks[index], result
        pool.close()
    except BaseException:  # also GeneratorExit: nobody waits for the remaining points
        pool.terminate()
        raise
    finally:
        pool.join()


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call(call: tuple[Callable, tuple]):
    function, task = call
    return function(*task)


def _call_indexed(numbered: tuple[int, tuple[Callable, tuple]]):
    index, call = numbered
    return index, _call(call)
