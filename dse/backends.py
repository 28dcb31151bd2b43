"""Where points run: `serial` in this process, `local` on a process pool over
this machine's cores (the default), `dask` on a Dask distributed cluster (an
existing scheduler's address, or a LocalCluster started here). Each yields
(task, row) as points finish, in any order; the sweep orders the table."""

from __future__ import annotations

import os
from collections.abc import Iterator

from dsec.dse.evaluate import Task, run
from dsec.mapper.parallel import run_unordered


def run_serial(tasks: list[Task], jobs: int, scheduler: str | None) -> Iterator[tuple[Task, dict]]:
    for task in tasks:
        yield task, run(task)


def run_local(tasks: list[Task], jobs: int, scheduler: str | None) -> Iterator[tuple[Task, dict]]:
    workers = min(jobs or os.cpu_count() or 1, len(tasks))
    if workers <= 1:
        yield from run_serial(tasks, 1, None)
        return
    # On Ctrl-C the running points are stopped, not waited for; finished ones are already cached.
    yield from run_unordered(run, tasks, workers)


def run_dask(tasks: list[Task], jobs: int, scheduler: str | None) -> Iterator[tuple[Task, dict]]:
    """On the cluster at `scheduler` (host:port); without one, a LocalCluster of `jobs` worker processes.
    Workers need dsec installed and the model, accelerator and mapping files at the same paths."""
    if not tasks:
        return  # every point from the cache: no cluster to start or reach
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise RuntimeError("the dask backend needs Dask distributed: pip install 'dsec[cluster]'") from None
    cluster = None if scheduler else LocalCluster(n_workers=jobs or os.cpu_count() or 1, threads_per_worker=1,
                                                  dashboard_address=None)
    client = Client(scheduler or cluster)
    try:
        yield from dask_tasks(client, tasks)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def dask_tasks(client, tasks: list[Task]) -> Iterator[tuple[Task, dict]]:
    from distributed import as_completed as dask_completed

    futures = {client.submit(run, task, key=f"dsec-point-{task.key}"): task for task in tasks}
    for future in dask_completed(futures):
        yield futures[future], future.result()


RUNNERS = {"local": run_local, "serial": run_serial, "dask": run_dask}
