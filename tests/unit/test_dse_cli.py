"""`dsec sweep`, `dsec plot` and `dsec lower --plot` from the command line:
files written, the front printed, reruns from the cache, mistakes as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dsec.compiler.cli import main

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "examples" / "models" / "conv3x3.onnx"
ARCH = ROOT / "examples" / "arch" / "tpu_like.yaml"


def dsec(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def sweep(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(f"models: [{MODEL}]\naccelerator: {ARCH}\n"
                    "axes:\n  array: {key: operational_array.sizes, values: [[8, 8], [16, 16]]}\n"
                    "objectives: [latency, area]\n")
    return path


def test_sweep_writes_the_table_prints_the_front_and_reruns_from_cache(sweep, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    run = dsec("sweep", sweep, "-o", out, "--backend", "serial", "--plot", tmp_path / "plots")
    assert run.exit_code == 0, run.output
    assert "pareto front over latency, area: point 0 (" in run.output and "point 1 (" in run.output
    assert "2 lowered, 0 from the cache" in run.output
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["array"] for r in rows] == [[8, 8], [16, 16]] and all(r["pareto"] for r in rows)
    assert (out / "results.csv").read_text().startswith("point,model,array,accelerator,status,reason,energy_pj")
    assert json.loads((out / "sweep.json").read_text())["params"] == ["array"]
    assert (tmp_path / "plots" / "pareto.svg").is_file() and (tmp_path / "plots" / "latency_vs_array.png").is_file()
    again = dsec("sweep", sweep, "-o", out)
    assert again.exit_code == 0 and "0 lowered, 2 from the cache" in again.output
    assert (out / "results.jsonl").read_text() == "".join(json.dumps(r) + "\n" for r in rows)

    plotted = dsec("plot", out, "-o", tmp_path / "replot")
    assert plotted.exit_code == 0, plotted.output
    assert sorted(p.name for p in (tmp_path / "replot").iterdir()) == sorted(p.name for p in (tmp_path / "plots").iterdir())


def test_lower_plot_and_plot_of_a_json_report(tmp_path):
    pytest.importorskip("matplotlib")
    run = dsec("lower", MODEL, "--arch", ARCH, "--emit", "json", "-o", tmp_path / "r.json", "--plot", tmp_path / "a")
    assert run.exit_code == 0, run.output
    assert (tmp_path / "a" / "energy_breakdown.svg").is_file()
    plotted = dsec("plot", tmp_path / "r.json")
    assert plotted.exit_code == 0, plotted.output
    assert (tmp_path / "plots" / "latency_breakdown.png").is_file()


def test_mistakes_are_one_line(sweep, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"models: [{MODEL}]\naccelerator: {ARCH}\naxes:\n  a: {{key: memories.x.size, valeus: [1]}}\n")
    run = dsec("sweep", bad, "-o", tmp_path / "o")
    assert run.exit_code == 1 and f"{bad}:4:29: error: unknown key 'valeus' in axis 'a'" in run.output
    run = dsec("sweep", sweep, "--scheduler", "tcp://127.0.0.1:8786")
    assert run.exit_code == 1 and "--scheduler is the address of a Dask scheduler" in run.output
    (tmp_path / "file").write_text("")
    run = dsec("sweep", sweep, "-o", tmp_path / "file")
    assert run.exit_code == 1 and "cannot create folder" in run.output


def test_plot_of_a_file_that_is_no_result_is_one_line(tmp_path):
    pytest.importorskip("matplotlib")  # without it, plot says first that it needs it
    (tmp_path / "junk.jsonl").write_text("not json\n")
    run = dsec("plot", tmp_path / "junk.jsonl")
    assert run.exit_code == 1 and "is neither a sweep's results.jsonl nor" in run.output


def test_the_cli_backends_are_the_runners():
    from dsec.compiler.commands.sweep import BACKENDS
    from dsec.dse.backends import RUNNERS

    assert sorted(BACKENDS) == sorted(RUNNERS)
