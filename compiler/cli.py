"""The `dsec` command line."""

from __future__ import annotations

import os
import sys

import click

from dsec.compiler.diagnostics import Diagnostic, DiagnosticError, SourceManager
from dsec.frontend.importer import ImportOptions, import_model
from dsec.compiler.lower import LowerOptions, lower
from dsec.compiler.location import Loc
from dsec.compiler.output import write_whole
from dsec.compiler.pass_base import format_option_value
from dsec.compiler.pass_manager import Instrumentation
from dsec.compiler.pipeline import PipelineError, build_pipeline
from dsec.dialect.printer import print_module
from dsec.dialect.verifier import verify_module
from dsec.cost.report import FORMATS
from dsec.mapper.temporal import DEFAULT_LPF_LIMIT
from dsec.passes import PASSES

PIPELINE_SOURCE = "<pipeline>"


def _report(sources: SourceManager, diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        click.echo(sources.render(diagnostic), err=True)


def _fail(message: str) -> None:
    click.echo(f"dsec: error: {message}", err=True)
    sys.exit(1)


def _read_input(path: str) -> tuple[str, str]:
    """(text, name for diagnostics) of a file or '-' for stdin."""
    try:
        if path == "-":
            return sys.stdin.read(), "<stdin>"
        with open(path, encoding="utf-8") as handle:
            return handle.read(), path
    except OSError as exc:
        _fail(f"cannot read '{path}': {exc.strerror}")
    except UnicodeDecodeError:
        _fail(f"'{path}' is not UTF-8 text; dsec reads textual IR (.dsec files)")
    raise AssertionError("unreachable")


def _pass_names(values: tuple[str, ...], flag: str) -> set[str]:
    names = {name.strip() for value in values for name in value.split(",") if name.strip()}
    unknown = sorted(names - set(PASSES))
    if unknown:
        _fail(f"{flag}: unknown pass '{unknown[0]}'; valid passes: {', '.join(sorted(PASSES))}")
    return names


class _Group(click.Group):
    """Turns an unexpected exception (a bug in dsec, never a user mistake) into
    one line that says so; DSEC_DEBUG=1 shows the traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if os.environ.get("DSEC_DEBUG"):
                raise
            click.echo(f"dsec: internal error (a bug in dsec; please report it with the input): "
                       f"{type(exc).__name__}: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dsec")
def main() -> None:
    """dsec: a design-space-exploration compiler for DNN accelerators."""


@main.command()
@click.argument("input_path", metavar="FILE|-", default="-")
@click.option("-p", "--pipeline", default="", help="Passes to run, e.g. 'strip{keep=spatial}'.")
@click.option("-o", "--output", default="-", help="Where to write the IR (default: stdout).")
@click.option("--split-input-file", is_flag=True, help="Process each '// -----' chunk as its own module.")
@click.option("--verify-diagnostics", is_flag=True,
              help="Check diagnostics against '// expected-error@+1 {{...}}' comments.")
@click.option("--no-verify", is_flag=True, help="Do not run the verifier after each pass.")
@click.option("--print-ir-before", multiple=True, metavar="PASS", help="Print the IR before these passes.")
@click.option("--print-ir-after", multiple=True, metavar="PASS", help="Print the IR after these passes.")
@click.option("--print-ir-before-all", is_flag=True, help="Print the IR before every pass.")
@click.option("--print-ir-after-all", is_flag=True, help="Print the IR after every pass.")
@click.option("--timing", is_flag=True, help="Report the time of each pass on stderr.")
def opt(input_path, pipeline, output, split_input_file, verify_diagnostics, no_verify, print_ir_before,
        print_ir_after, print_ir_before_all, print_ir_after_all, timing) -> None:
    """Run a pass pipeline over a textual IR file and print the result."""
    sources = SourceManager()
    sources.add(PIPELINE_SOURCE, pipeline)
    try:
        passes = build_pipeline(pipeline, PASSES)
    except PipelineError as exc:
        _report(sources, [Diagnostic("error", str(exc), Loc(PIPELINE_SOURCE, 1, exc.column))])
        sys.exit(1)
    instrumentation = Instrumentation(
        print_before=_pass_names(print_ir_before, "--print-ir-before"),
        print_after=_pass_names(print_ir_after, "--print-ir-after"),
        print_before_all=print_ir_before_all, print_after_all=print_ir_after_all, timing=timing,
    )
    text, name = _read_input(input_path)
    sources.add(name, text)
    # Imported here: `dsec lower` reads no IR text, and the parser's import (lark) is ~50 ms of every start.
    from dsec.compiler.driver import run_opt

    result = run_opt(text, name, passes, split=split_input_file, verify_diagnostics=verify_diagnostics,
                     verify_each=not no_verify, instrumentation=instrumentation)
    _report(sources, result.diagnostics)
    if timing:
        instrumentation.report_timing()
    if result.output and result.complete:
        write_whole(output, result.output)
    sys.exit(1 if result.failed else 0)


@main.command("passes")
def list_passes() -> None:
    """List the passes and their options."""
    for name in sorted(PASSES):
        cls = PASSES[name]
        click.echo(f"{name}: {cls.summary}")
        for key, f in cls.options().items():
            setting = f"{key}={format_option_value(f.default)}"
            click.echo(f"    {setting:<20} {f.metadata.get('help', '')}")


def _parse_shapes(values: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    shapes = {}
    for value in values:
        name, sep, dims = value.rpartition("=")
        try:
            shape = tuple(int(d) for d in dims.lower().split("x"))
        except ValueError:
            shape = ()
        if not sep or not name or not shape or min(shape) <= 0:
            _fail(f"--shape expects NAME=1x3x224x224 (positive sizes), got '{value}'")
        shapes[name] = shape
    return shapes


def _parse_precision(value: str | None) -> dict[str, int]:
    if not value:
        return {}
    precision = {}
    for item in value.split(","):
        key, sep, bits = item.partition("=")
        key = key.strip()
        if key not in ("I", "W", "O", "O_final") or not sep or not bits.strip().isdigit() or int(bits) <= 0:
            _fail(f"--precision expects I=8,W=8,O=16,O_final=8 (any of them, positive bits), got '{item}'")
        precision[key] = int(bits)
    return precision


@main.command("import")
@click.argument("model", metavar="MODEL.onnx")
@click.option("--arch", "arch", required=True, metavar="ACC.yaml", help="Accelerator description (ZigZag YAML).")
@click.option("--mapping", metavar="MAP.yaml", help="Mapping constraints (ZigZag YAML).")
@click.option("-o", "--output", default="-", help="Where to write the IR (default: stdout).")
@click.option("--shape", "shapes", multiple=True, metavar="INPUT=1x3x224x224", help="Bind a dynamic input's shape.")
@click.option("--precision", metavar="I=8,W=8,O=16,O_final=8", help="Operand precisions in bits.")
def import_command(model, arch, mapping, output, shapes, precision) -> None:
    """Lower an ONNX model to the dsec IR for an accelerator."""
    options = ImportOptions(shapes=_parse_shapes(shapes), precision=_parse_precision(precision))
    sources = SourceManager()
    try:
        result = import_model(model, arch, mapping, options)
    except DiagnosticError as exc:
        _report(sources, exc.diagnostics)
        sys.exit(1)
    _report(sources, result.diagnostics)
    problems = verify_module(result.module)
    if problems:
        _report(sources, problems)
        sys.exit(1)
    write_whole(output, print_module(result.module))


class _ProgressBar:
    """`spatial-unroll [#####.....] 12/21` on one stderr line, redrawn in place."""

    def __init__(self, width: int = 30):
        self.width = width

    def __call__(self, step: str, done: int, total: int) -> None:
        filled = self.width * done // max(total, 1)
        end = "\n" if done == total else ""
        click.echo(f"\r{step:<15} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} layers{end}",
                   err=True, nl=False)


@main.command("lower")
@click.argument("model", metavar="MODEL.onnx")
@click.option("--arch", "arch", required=True, metavar="ACC.yaml", help="Accelerator description (ZigZag YAML).")
@click.option("--mapping", metavar="MAP.yaml", help="Mapping constraints (ZigZag YAML).")
@click.option("--objective", type=click.Choice(["energy", "latency", "edp"]), default="energy", show_default=True,
              help="What the search minimises.")
@click.option("--emit", type=click.Choice(["report", "ir", "json", "csv", "markdown"]), default="report",
              show_default=True, help="What to write: the report (text, JSON, CSV, markdown) or the final IR.")
@click.option("-o", "--output", default="-", help="Where to write it (default: stdout).")
@click.option("--spatial-candidates", type=click.IntRange(min=1), default=3, show_default=True,
              help="Spatial unrollings scored per layer.")
@click.option("--mixed/--no-mixed", default=False, show_default=True,
              help="Let one array dimension unroll several loop dims.")
@click.option("--lpf-limit", type=click.IntRange(min=1), default=DEFAULT_LPF_LIMIT, show_default=True,
              help="Loop prime factors the temporal search orders (LOMA's lpf_limit; above 6, LOMA's "
                   "space at 6 is searched too).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=1, show_default=True,
              help="Layers searched in parallel (0: all cores); the result does not change.")
@click.option("--data-locality", is_flag=True,
              help="Keep each layer's output on chip for the layers that read it (runs layer-locality first).")
@click.option("--pipeline", "pipeline", default=None, help="Replace the default pass pipeline.")
@click.option("--print-ir-after-all", is_flag=True, help="Print the IR after every pass on stderr.")
@click.option("--timing", is_flag=True, help="Report the time of each pass on stderr.")
@click.option("--shape", "shapes", multiple=True, metavar="INPUT=1x3x224x224", help="Bind a dynamic input's shape.")
@click.option("--precision", metavar="I=8,W=8,O=16,O_final=8", help="Operand precisions in bits.")
def lower_command(model, arch, mapping, objective, emit, output, spatial_candidates, mixed, lpf_limit, jobs,
                  data_locality, pipeline, print_ir_after_all, timing, shapes, precision) -> None:
    """Import an ONNX model, map every layer, cost it and report."""
    options = LowerOptions(objective, spatial_candidates, mixed, lpf_limit, jobs, data_locality, pipeline,
                           ImportOptions(shapes=_parse_shapes(shapes), precision=_parse_precision(precision)))
    sources = SourceManager()
    instrumentation = Instrumentation(print_after_all=print_ir_after_all, timing=timing)
    progress = _ProgressBar() if sys.stderr.isatty() else None
    try:
        result = lower(model, arch, mapping, options, instrumentation, progress)
    except PipelineError as exc:
        sources.add(PIPELINE_SOURCE, pipeline or "")
        _report(sources, [Diagnostic("error", str(exc), Loc(PIPELINE_SOURCE, 1, exc.column))])
        sys.exit(1)
    _report(sources, result.diagnostics)
    if timing:
        instrumentation.report_timing()
    if result.module is None:
        sys.exit(1)
    text = print_module(result.module) if emit == "ir" else FORMATS[emit if emit != "report" else "text"](
        result.report)
    write_whole(output, text)
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
