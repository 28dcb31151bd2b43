"""`dsec sweep`: run every point of a sweep file and write one table."""

from __future__ import annotations

import json
import os
import sys

import click

from dsec.compiler.commands.common import Choice, fail, prepare_folder, prepare_plot_folder, report, write_output

# dse.backends.RUNNERS' names, listed here so that `dsec sweep --help` imports no sweep code.
BACKENDS = ["local", "serial", "dask"]


@click.command("sweep")
@click.argument("sweep_file", metavar="SWEEP.yaml")
@click.option("-o", "--output", "out_dir", default=None, metavar="DIR",
              help="Folder for results.csv, results.jsonl and sweep.json (default: NAME-results).")
@click.option("--backend", type=Choice(BACKENDS), default="local", show_default=True,
              help="local: a process pool on this machine; serial: this process; dask: a Dask cluster.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True,
              help="Points run at once (0: all cores); for dask without --scheduler, the local workers.")
@click.option("--scheduler", metavar="HOST:PORT", help="The Dask scheduler to use (--backend dask).")
@click.option("--cache", "cache_dir", metavar="DIR", help="Finished points (default: DIR/cache of -o).")
@click.option("--no-cache", is_flag=True, help="Run every point, reading and writing no cache.")
@click.option("--plot", "plot_dir", metavar="DIR", help="Also draw the plots into DIR (needs dsec[plot]).")
def command(sweep_file, out_dir, backend, jobs, scheduler, cache_dir, no_cache, plot_dir) -> None:
    """Run every point of a sweep (models x accelerator settings), write the table, print the Pareto front."""
    from dsec.compiler.diagnostics import DiagnosticError, SourceManager
    from dsec.dse.spec import load_sweep_file

    if scheduler and backend != "dask":
        fail("--scheduler is the address of a Dask scheduler: give it with --backend dask")
    try:
        spec = load_sweep_file(sweep_file)
    except DiagnosticError as exc:
        report(SourceManager(), exc.diagnostics)
        sys.exit(1)
    report(SourceManager(), spec.warnings)
    out_dir = out_dir or f"{spec.name}-results"
    prepare_folder(out_dir)
    if plot_dir:
        prepare_plot_folder(plot_dir)
    from dsec.dse.sweep import run_sweep
    from dsec.dse.table import summary, to_csv, to_jsonl

    progress = _progress if sys.stderr.isatty() else None
    try:
        result = run_sweep(spec, backend, jobs, scheduler,
                           None if no_cache else cache_dir or os.path.join(out_dir, "cache"), progress)
    except RuntimeError as exc:  # a backend that is not installed or cannot start
        fail(str(exc))
    write_output(os.path.join(out_dir, "results.csv"), to_csv(result.rows))
    write_output(os.path.join(out_dir, "results.jsonl"), to_jsonl(result.rows))
    write_output(os.path.join(out_dir, "sweep.json"), json.dumps(
        {"name": spec.name, "sweep": os.path.abspath(sweep_file), "params": result.params,
         "objectives": list(result.objectives)}, indent=1) + "\n")
    click.echo(summary(result.rows, result.params, result.objectives), nl=False)
    click.echo(f"{result.computed} lowered, {result.cached} from the cache; table in {out_dir}/results.csv "
               f"and results.jsonl", err=True)
    if plot_dir:
        from dsec.dse.plots import sweep_plots

        written = sweep_plots(result.rows, result.params, result.objectives, plot_dir)
        click.echo(f"{len(written)} plot files in {plot_dir}", err=True)


def _progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    click.echo(f"\rsweep [{'#' * filled}{'.' * (width - filled)}] {done}/{total} points",
               err=True, nl=done >= total)
