"""The Dask distributed backend: a two-worker cluster started in this process
gives the same table as the local run; without a scheduler address dsec starts
its own LocalCluster (worker processes), gets the same table and closes it.
Skipped without distributed (the `cluster` extra)."""

from __future__ import annotations

import unittest.mock
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from dsec.dse.spec import load_sweep_file  # noqa: E402
from dsec.dse.sweep import run_sweep  # noqa: E402
from dsec.dse.table import to_csv, to_jsonl  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def test_two_worker_cluster_gives_the_local_table(tmp_path):
    (tmp_path / "sweep.yaml").write_text(
        f"models: [{ROOT / 'examples' / 'models' / 'conv3x3.onnx'}]\n"
        f"accelerator: {ROOT / 'examples' / 'arch' / 'tpu_like.yaml'}\n"
        "points:\n  - {operational_array.sizes: [8, 8]}\n  - {operational_array.sizes: [16, 16]}\n"
        "  - {operational_array.sizes: [16, 8]}\n  - {operational_array.sizes: [0, 4]}\n")
    spec = load_sweep_file(str(tmp_path / "sweep.yaml"))
    local = run_sweep(spec, backend="local", jobs=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            with distributed.get_task_stream(client) as stream:
                remote = run_sweep(spec, backend="dask", scheduler=cluster.scheduler_address)
            ran_on = {task["worker"] for task in stream.data}
    assert remote.computed == local.computed == 4
    assert to_jsonl(remote.rows) == to_jsonl(local.rows) and to_csv(remote.rows) == to_csv(local.rows)
    assert [r["status"] for r in local.rows] == ["ok", "ok", "ok", "error"]
    assert len(ran_on) == 2  # both workers took points


def test_without_a_scheduler_dsec_starts_and_closes_its_own_cluster(tmp_path):
    (tmp_path / "sweep.yaml").write_text(
        f"models: [{ROOT / 'examples' / 'models' / 'conv3x3.onnx'}]\n"
        f"accelerator: {ROOT / 'examples' / 'arch' / 'tpu_like.yaml'}\n"
        "points:\n  - {operational_array.sizes: [8, 8]}\n  - {operational_array.sizes: [16, 8]}\n")
    spec = load_sweep_file(str(tmp_path / "sweep.yaml"))
    serial = run_sweep(spec, backend="serial")
    started = []
    real = distributed.LocalCluster

    def recording(*args, **kwargs):
        started.append((real(*args, **kwargs), kwargs))
        return started[-1][0]
    with unittest.mock.patch.object(distributed, "LocalCluster", recording):
        own = run_sweep(spec, backend="dask", jobs=2)
    (cluster, kwargs) = started[0]
    assert len(started) == 1 and (kwargs["n_workers"], kwargs["threads_per_worker"]) == (2, 1)  # -j 2
    assert cluster.status.name == "closed"  # and closed when the sweep ends
    assert to_jsonl(own.rows) == to_jsonl(serial.rows) and own.computed == 2
