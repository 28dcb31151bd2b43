"""Temporal search results on disk (mapper/search_store.py): a stored search
reads back equal to the search (costs recomputed from the stored orders), its
name is the problem's content and dsec's code (not where the accelerator was
read from), and a sweep reads the searches of an earlier sweep whose points
differ but whose layers do not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import dsec.mapper.layer as layer_module
from dsec.cost.workload import layer_view
from dsec.dialect.attributes import Loop
from dsec.dialect.ops import operand_shapes
from dsec.dse.spec import load_sweep_file
from dsec.dse.sweep import run_sweep
from dsec.frontend.arch_loader import load_accelerator
from dsec.frontend.importer import import_model
from dsec.mapper import search_store
from dsec.mapper.layer import temporal_key, temporal_search
from dsec.mapper.spatial import spatial_candidates
from dsec.mapper.temporal import TemporalOptions

ROOT = Path(__file__).resolve().parents[2]
CONV = ROOT / "examples" / "models" / "conv3x3.onnx"
EYERISS = ROOT / "tests" / "fixtures" / "arch" / "eyeriss_like.yaml"
TPU = ROOT / "examples" / "arch" / "tpu_like.yaml"


@pytest.fixture
def fresh(monkeypatch):
    """Empty in-process caches, restored afterwards; no store left active."""
    monkeypatch.setattr(layer_module, "_TEMPORAL_CACHE", {})
    monkeypatch.setattr(layer_module, "_LAYER_CACHE", {})
    yield
    search_store.use_store(None)


def forget_and_forbid_searching(monkeypatch):
    monkeypatch.setattr(layer_module, "_TEMPORAL_CACHE", {})
    monkeypatch.setattr(layer_module, "_LAYER_CACHE", {})
    monkeypatch.setattr(layer_module, "search_temporal", lambda *a, **k: pytest.fail("searched again"))


def small_conv():
    module = import_model(str(CONV), str(EYERISS)).module
    layer = module.layers()[0]
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    view = replace(view, dims=dict(view.dims, K=8, C=8, OX=4, OY=4))
    spatial = spatial_candidates(view, module.accelerator, (("D1", ("K",)), ("D2", ("OX",))), False, 1)[0].spatial
    return view, module.accelerator, spatial


@pytest.mark.parametrize("objective", ["energy", "pareto"])
def test_a_stored_search_reads_back_equal(tmp_path, monkeypatch, fresh, objective):
    view, accelerator, spatial = small_conv()
    options = TemporalOptions(objective, lpf_limit=6)
    search_store.use_store(str(tmp_path), "code-1")
    searched = temporal_search(view, accelerator, spatial, None, options)
    assert len(list(tmp_path.glob("*.json"))) == 1 and search_store.active_store().writes == 1
    forget_and_forbid_searching(monkeypatch)
    stored = temporal_search(view, accelerator, spatial, None, options)
    assert search_store.active_store().hits == 1
    assert stored == searched and stored.best.cost == searched.best.cost
    if objective == "pareto":
        assert len(stored.front) >= 2 and any(s is stored.best for s in stored.front)
    # What a search says is wrong with a required order is stored as well.
    bad = (Loop("C", 3),)
    search_store.use_store(str(tmp_path / "errors"), "code-1")
    monkeypatch.undo()
    monkeypatch.setattr(layer_module, "_TEMPORAL_CACHE", {})
    message = temporal_search(view, accelerator, spatial, bad, options)
    assert isinstance(message, str) and "does not divide" in message
    forget_and_forbid_searching(monkeypatch)
    assert temporal_search(view, accelerator, spatial, bad, options) == message


def test_a_time_limited_search_is_not_stored(tmp_path, fresh):
    view, accelerator, spatial = small_conv()
    search_store.use_store(str(tmp_path), "code-1")
    temporal_search(view, accelerator, spatial, None, TemporalOptions("energy", lpf_limit=6, time_limit=30))
    assert list(tmp_path.glob("*.json")) == []


def test_the_name_is_the_problems_content_and_the_code(tmp_path):
    view, _, spatial = small_conv()
    text = TPU.read_text()
    one = load_accelerator(text, "one.yaml").accelerator
    other = load_accelerator("\n\n" + text, "elsewhere/two.yaml").accelerator  # same content, other file and lines
    costlier = load_accelerator(text.replace("r_cost: 0.095", "r_cost: 0.096", 1), "one.yaml").accelerator
    assert costlier != one and other == one
    options = TemporalOptions("energy")

    def key(accelerator, code="code-1", opts=options):
        return search_store.problem_key(temporal_key(view, accelerator, spatial, None, opts), code)
    assert key(one) == key(other)
    assert len({key(one), key(costlier), key(one, "code-2"), key(one, opts=TemporalOptions("latency"))}) == 4


def test_a_sweep_reads_the_searches_of_an_earlier_sweep(tmp_path, monkeypatch, fresh):
    def sweep(options: str) -> list[dict]:
        path = tmp_path / "sweep.yaml"
        path.write_text(f"models: [{CONV}]\naccelerator: {TPU}\noptions: {options}\n"
                        "points: [{operational_array.sizes: [16, 16]}]\n")
        result = run_sweep(load_sweep_file(str(path)), backend="serial", cache_dir=str(tmp_path / "cache"))
        assert result.computed == 1  # not the point's cache: the points differ
        return result.rows

    first = sweep("{lpf_limit: 6}")
    assert list((tmp_path / "cache" / "search").glob("*.json"))
    assert search_store.active_store() is None  # the serial backend leaves this process as it was
    forget_and_forbid_searching(monkeypatch)
    # Another point (fusion off: conv3x3 has no activation, so its layer's search is the same problem).
    (second,) = sweep("{lpf_limit: 6, fuse_elementwise: false}")
    assert second["status"] == "ok"
    assert (second["energy_pj"], second["latency_cycles"]) == (first[0]["energy_pj"], first[0]["latency_cycles"])


def test_points_on_one_accelerator_start_apart():
    from dsec.dse.evaluate import Task
    from dsec.dse.points import Point
    from dsec.dse.sweep import run_order

    def task(index: int, arch: str) -> Task:
        return Task(Point(index, "m.onnx", "a.yaml", None, (), (("fuse_elementwise", index % 2 == 0),), ()),
                    arch, f"key{index}")
    tasks = [task(0, "A"), task(1, "A"), task(2, "B"), task(3, "B"), task(4, "C"), task(5, "C")]
    assert [t.point.index for t in run_order(tasks)] == [0, 2, 4, 1, 3, 5]


# One worker of test_two_processes_on_one_problem_search_it_once: searches small_conv's problem in the
# store, taking SECONDS longer than the search (so the other surely starts meanwhile); says when it
# searches (a line in LOG, then the file STARTED) and prints the order it found.
WORKER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
import dsec.mapper.layer as layer_module
from dsec.mapper import search_store
from dsec.mapper.temporal import TemporalOptions
from test_search_store import small_conv

folder, log, started, seconds = sys.argv[1], sys.argv[2], Path(sys.argv[3]), float(sys.argv[4])
real = layer_module.search_temporal

def slow(*args, **kwargs):
    with open(log, "a") as handle:
        handle.write("searched\\n")
    started.touch()
    time.sleep(seconds)
    return real(*args, **kwargs)

layer_module.search_temporal = slow
view, accelerator, spatial = small_conv()
search_store.use_store(folder, "code-1")
result = layer_module.temporal_search(view, accelerator, spatial, None, TemporalOptions("energy", lpf_limit=6))
print(result.best.order, result.best.cost.energy, result.best.cost.latency.total)
"""


def test_two_processes_on_one_problem_search_it_once(tmp_path):
    import subprocess
    import sys
    import time

    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(tests=str(Path(__file__).parent)))
    log, started, store = tmp_path / "searches.log", tmp_path / "started", tmp_path / "store"

    def worker(seconds: float) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, str(script), str(store), str(log), str(started), str(seconds)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = worker(2.0)
    deadline = time.monotonic() + 60
    while not started.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), first.communicate()[1]
    second = worker(0.0)  # starts while the first searches: it waits, then reads the first one's result
    outputs = [process.communicate(timeout=120) for process in (first, second)]
    assert [process.returncode for process in (first, second)] == [0, 0], [err for _, err in outputs]
    assert log.read_text() == "searched\n"
    assert outputs[0][0] == outputs[1][0] and outputs[0][0].strip()
    assert [p.name for p in store.iterdir()] == [p.name for p in store.glob("*.json")]  # no lock file left
