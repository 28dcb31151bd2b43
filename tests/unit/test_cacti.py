"""auto_cost_extraction through zigzag-dse's CACTI (frontend/cacti.py): costs and
area grow with a memory's size, a sweep over sizes shows it, answers are cached,
and they equal what zigzag-dse's own CactiParser computes. Skipped when the
`cacti` extra (zigzag-dse) is not installed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from dsec.frontend import cacti
from dsec.frontend.arch_loader import load_accelerator

if cacti.cacti_folder() is None:
    pytest.skip("zigzag-dse's CACTI is not installed (pip install 'dsec[cacti]')", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
TPU_LIKE = (ROOT / "examples" / "arch" / "tpu_like.yaml").read_text()
SIZES = [65536, 262144, 1048576]  # bits: 8, 32 and 128 KiB


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DSEC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "dsec-cache"))


def auto_sram(size: int) -> str:
    """tpu_like with its global buffer's costs from CACTI at `size` bits."""
    old = "  sram_2MB:\n    size: 16777216\n    r_cost: 416.16\n    w_cost: 378.4\n    area: 0\n"
    assert old in TPU_LIKE
    return TPU_LIKE.replace(old, f"  sram_2MB:\n    size: {size}\n    auto_cost_extraction: true\n")


def test_costs_and_area_grow_with_size():
    memories = [load_accelerator(auto_sram(size), "acc.yaml").accelerator.memory("sram_2MB") for size in SIZES]
    for small, large in zip(memories, memories[1:]):
        assert small.r_cost < large.r_cost and small.w_cost < large.w_cost and small.area < large.area


def test_answers_are_cached(monkeypatch):
    query = cacti.query_for("sram", SIZES[1], 2048)
    first = cacti.memory_costs(query)
    monkeypatch.setattr(cacti, "run_cacti", lambda q: pytest.fail("CACTI ran again"))
    assert cacti.memory_costs(query) == first


def test_matches_zigzag_cacti_parser(tmp_path, monkeypatch):
    from zigzag.cacti.cacti_parser import CactiParser

    # ZigZag writes its memory pool and CACTI's input beside its binary: give it a private copy of the folder.
    folder = tmp_path / "cacti_master"
    folder.mkdir()
    for entry in cacti.cacti_folder().iterdir():
        if entry.name not in ("self_gen", "example_mem_pool.yaml"):
            (folder / entry.name).symlink_to(entry)
    (folder / "pool.yaml").write_text("")
    # ZigZag runs `python cacti_top.py`: this interpreter, which has zigzag.
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    for mem_type, size, bus in (("sram", SIZES[1], 2048), ("rf", 1024, 8)):
        r_cost, w_cost, area = CactiParser().get_item(
            mem_name="m", mem_type=mem_type, size=size, r_bw=bus, r_port=1, w_port=1, rw_port=0, bank=1,
            mem_pool_path=str(folder / "pool.yaml"), cacti_top_path=str(folder / "cacti_top.py"))
        ours = cacti.memory_costs(cacti.query_for(mem_type, size, bus))
        assert (ours.r_cost, ours.w_cost, ours.area) == pytest.approx((r_cost, w_cost, area), rel=1e-9)


def test_a_size_axis_gives_costs_that_grow_with_size(tmp_path):
    # The sweep's points as the workers load them (lowering them is test_sweep's business).
    from dsec.dse.evaluate import prepare
    from dsec.dse.points import expand
    from dsec.dse.spec import load_sweep_file

    (tmp_path / "acc.yaml").write_text(auto_sram(SIZES[0]))
    (tmp_path / "sweep.yaml").write_text(
        f"models: [{ROOT / 'examples' / 'models' / 'conv3x3.onnx'}]\naccelerator: acc.yaml\n"
        f"axes:\n  gb: {{key: memories.sram_2MB.size, values: {SIZES[::-1]}}}\n")
    tasks = [prepare(point, "v") for point in expand(load_sweep_file(str(tmp_path / "sweep.yaml")))]
    memories = [load_accelerator(task.arch_text, "point").accelerator.memory("sram_2MB") for task in tasks]
    assert [m.size for m in memories] == SIZES[::-1]
    for large, small in zip(memories, memories[1:]):
        assert large.r_cost > small.r_cost and large.w_cost > small.w_cost and large.area > small.area
    assert len({task.key for task in tasks}) == len(SIZES)
