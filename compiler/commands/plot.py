"""`dsec plot`: draw a sweep's table or one lowering's JSON report."""

from __future__ import annotations

import json
import os

import click

from dsec.compiler.commands.common import fail, prepare_plot_folder

DEFAULT_OBJECTIVES = ("energy", "latency")


@click.command("plot")
@click.argument("results", metavar="RESULTS")
@click.option("-o", "--output", "out_dir", default=None, metavar="DIR",
              help="Folder for the PNG and SVG files (default: RESULTS' folder, plots/).")
def command(results, out_dir) -> None:
    """Plot a sweep's results (its folder or results.jsonl) or a `dsec lower --emit json` report."""
    from dsec.dse.plots import report_plots, sweep_plots
    from dsec.dse.table import read_jsonl

    path = os.path.join(results, "results.jsonl") if os.path.isdir(results) else results
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        fail(f"cannot read '{path}': {exc.strerror}")
    out_dir = out_dir or os.path.join(os.path.dirname(path) or ".", "plots")
    prepare_plot_folder(out_dir)
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict) and "layers" in document:
        written = report_plots(document, out_dir)
    else:
        try:
            rows = read_jsonl(text)
        except ValueError:
            fail(f"'{path}' is neither a sweep's results.jsonl nor a `dsec lower --emit json` report")
        if not rows or not all(isinstance(r, dict) and "status" in r for r in rows):
            fail(f"'{path}' has no sweep rows (a sweep's results.jsonl has one JSON object per point)")
        params, objectives = _sweep_meta(os.path.dirname(path))
        written = sweep_plots(rows, params, objectives, out_dir)
    click.echo(f"{len(written)} plot files in {out_dir}", err=True)


def _sweep_meta(folder: str) -> tuple[list[str], tuple[str, ...]]:
    """The swept parameters and the Pareto objectives, from sweep.json beside the table."""
    try:
        with open(os.path.join(folder or ".", "sweep.json"), encoding="utf-8") as handle:
            meta = json.load(handle)
        return list(meta["params"]), tuple(meta["objectives"])
    except (OSError, ValueError, KeyError, TypeError):
        return [], DEFAULT_OBJECTIVES
