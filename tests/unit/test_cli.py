"""The command line: a bug is one clear line, not a traceback; `dsec --help`
starts without the heavy imports; progress and timing say what they count."""

import os
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from dsec.compiler import cli
from dsec.compiler.commands import lower as lower_command
from dsec.compiler.commands.progress import ProgressBar, eta_text

ROOT = Path(__file__).resolve().parents[2]


def test_unexpected_exception_is_reported_as_an_internal_error(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    import dsec.frontend.importer

    monkeypatch.setattr(dsec.frontend.importer, "import_model", broken)
    monkeypatch.delenv("DSEC_DEBUG", raising=False)
    result = CliRunner().invoke(cli.main, ["import", "m.onnx", "--arch", str(tmp_path / "a.yaml")])
    assert result.exit_code == 2
    assert "dsec: internal error (a bug in dsec; please report it with the input): RuntimeError: boom" in result.output
    assert "Traceback" not in result.output


def test_usage_errors_keep_clicks_message():
    result = CliRunner().invoke(cli.main, ["import", "m.onnx"])
    assert result.exit_code == 2
    assert "Missing option '--arch'" in result.output


def test_help_lists_every_command_without_importing_heavy_modules():
    code = ("import sys; from dsec.compiler import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('onnx', 'numpy', 'lark') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]")
    for name in cli.COMMANDS:
        assert name in out


def test_every_listed_command_loads():
    for name in cli.COMMANDS:
        assert cli.main.get_command(None, name).name == name


def test_python_dash_m_dsec_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "dsec", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "version" in result.stdout


def test_lower_default_lpf_limit_is_the_mappers():
    from dsec.mapper.temporal import DEFAULT_LPF_LIMIT

    assert lower_command.DEFAULT_LPF_LIMIT == DEFAULT_LPF_LIMIT


def test_eta_from_mean_time_per_search():
    assert eta_text(10.0, 2, 6) == ", 0:20 left"
    assert eta_text(0.0, 0, 6) == ""
    assert eta_text(75.0, 6, 6) == ", 1:15 elapsed"


def test_progress_bar_says_it_counts_searches(capsys):
    ticks = iter([0.0, 4.0])
    bar = ProgressBar(width=4, clock=lambda: next(ticks))
    bar("spatial-unroll", 0, 2)
    bar("spatial-unroll", 1, 2)
    err = capsys.readouterr().err
    assert "1/2 searches, 0:04 left" in err


def test_timing_covers_start_up_and_the_rest(tmp_path):
    result = subprocess.run([sys.executable, "-m", "dsec", "lower", str(ROOT / "examples/models/conv3x3.onnx"),
                             "--arch", str(ROOT / "examples/arch/tpu_like.yaml"), "--mapping",
                             str(ROOT / "examples/mapping/tpu_like_fixed.yaml"), "--timing",
                             "-o", str(tmp_path / "r.txt")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for step in ("start-up (interpreter, imports, options)", "import (model, accelerator, mapping)",
                 "spatial-unroll", "other (reading inputs, report, output)", "Total"):
        assert step in result.stderr


def test_a_bad_option_value_is_one_line_with_the_choices_and_a_did_you_mean():
    result = CliRunner().invoke(cli.main, ["lower", "m.onnx", "--arch", "a.yaml", "--objective", "enrgy"])
    assert result.exit_code == 1
    assert result.output == ("dsec: error: --objective: 'enrgy' is not one of energy, latency, edp, pareto; "
                             "did you mean 'energy'?\n")
    result = CliRunner().invoke(cli.main, ["lower", "m.onnx", "--arch", "a.yaml", "--emit", "zzz"])
    assert result.exit_code == 1
    assert result.output == ("dsec: error: --emit: 'zzz' is not one of report, ir, json, csv, markdown, "
                             "zigzag-mapping, timeloop\n")
    result = CliRunner().invoke(cli.main, ["sweep", "s.yaml", "--backend", "dusk"])
    assert (result.exit_code, result.output) == (
        1, "dsec: error: --backend: 'dusk' is not one of local, serial, dask; did you mean 'dask'?\n")
    result = CliRunner().invoke(cli.main, ["lower", "m.onnx", "--arch", "a.yaml", "-j", "-1"])
    assert (result.exit_code, result.output) == (1, "dsec: error: --jobs: -1 is not in the range x>=0\n")


def test_every_choice_option_words_its_refusal_as_dsec_does():
    from dsec.compiler.commands.common import Choice

    for name in cli.COMMANDS:
        for param in cli.main.get_command(None, name).params:
            if isinstance(param.type, click.Choice):
                assert isinstance(param.type, Choice), (name, param.name)


def test_cli_runs_numpy_on_one_openblas_thread_unless_told_otherwise():
    """dsec does no linear algebra; OpenBLAS's thread per core only costs start-up CPU."""
    code = "import os, dsec.compiler.cli; print(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout == "1\n"
    env["OPENBLAS_NUM_THREADS"] = "2"
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout == "2\n"
