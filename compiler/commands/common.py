"""What the subcommands share: printing diagnostics, failing with one line,
reading inputs, and parsing the options several commands take."""

from __future__ import annotations

import sys

import click

from dsec.compiler.diagnostics import Diagnostic, SourceManager, group_diagnostics

PIPELINE_SOURCE = "<pipeline>"


class Choice(click.Choice):
    """click.Choice whose refusal lists the values plainly and says which one
    was meant: `'enrgy' is not one of energy, latency, edp, pareto; did you mean 'energy'?`."""

    def convert(self, value, param, ctx):
        if value in self.choices:
            return value
        from dsec.frontend.yaml_source import did_you_mean

        choices = [str(choice) for choice in self.choices]
        self.fail(f"'{value}' is not one of {', '.join(choices)}{did_you_mean(str(value), choices)}", param, ctx)


def report(sources: SourceManager, diagnostics: list[Diagnostic]) -> None:
    """Print diagnostics, those repeated per layer merged into one (group_diagnostics)."""
    for diagnostic in group_diagnostics(diagnostics):
        click.echo(sources.render(diagnostic), err=True)


def fail(message: str) -> None:
    click.echo(f"dsec: error: {message}", err=True)
    sys.exit(1)


def check_output(path: str) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    from dsec.compiler.output import output_path_problem

    problem = output_path_problem(path)
    if problem:
        fail(problem)


def write_output(path: str, text: str) -> None:
    """Write a result whole; a failure (disk full, the folder removed meanwhile) is one line, exit 1."""
    from dsec.compiler.output import write_whole

    try:
        write_whole(path, text)
    except OSError as exc:
        fail(f"cannot write '{path}': {exc.strerror or exc}")


def read_input(path: str) -> tuple[str, str]:
    """(text, name for diagnostics) of a file or '-' for stdin."""
    try:
        if path == "-":
            return sys.stdin.read(), "<stdin>"
        with open(path, encoding="utf-8") as handle:
            return handle.read(), path
    except OSError as exc:
        fail(f"cannot read '{path}': {exc.strerror}")
    except UnicodeDecodeError:
        fail(f"'{path}' is not UTF-8 text; dsec reads textual IR (.dsec files)")
    raise AssertionError("unreachable")


def parse_shapes(values: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    shapes = {}
    for value in values:
        name, sep, dims = value.rpartition("=")
        try:
            shape = tuple(int(d) for d in dims.lower().split("x"))
        except ValueError:
            shape = ()
        if not sep or not name or not shape or min(shape) <= 0:
            fail(f"--shape expects NAME=1x3x224x224 (positive sizes), got '{value}'")
        shapes[name] = shape
    return shapes


def parse_precision(value: str | None) -> dict[str, int]:
    if not value:
        return {}
    precision = {}
    for item in value.split(","):
        key, sep, bits = item.partition("=")
        key = key.strip()
        if key not in ("I", "W", "O", "O_final") or not sep or not bits.strip().isdigit() or int(bits) <= 0:
            fail(f"--precision expects I=8,W=8,O=16,O_final=8 (any of them, positive bits), got '{item}'")
        precision[key] = int(bits)
    return precision


def shape_options(function):
    """--shape and --precision, which import and lower both take."""
    function = click.option("--precision", metavar="I=8,W=8,O=16,O_final=8",
                            help="Operand precisions in bits.")(function)
    return click.option("--shape", "shapes", multiple=True, metavar="INPUT=1x3x224x224",
                        help="Bind a dynamic input's shape.")(function)


def prepare_folder(path: str) -> None:
    """Create an output folder and check it can be written, before any work."""
    import os

    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create folder '{path}': {exc.strerror or exc}")
    if not os.access(path, os.W_OK | os.X_OK):
        fail(f"cannot write into folder '{path}': no write permission")


def prepare_plot_folder(path: str) -> None:
    """--plot DIR: the folder, and matplotlib (the `plot` extra), checked before any work."""
    prepare_folder(path)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        fail("plots need matplotlib: pip install 'dsec[plot]'")
