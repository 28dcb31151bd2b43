"""`dsec lower`: import, map every layer, cost it and report."""

from __future__ import annotations

import sys

import click

from dsec.compiler.commands.common import (PIPELINE_SOURCE, Choice, check_output, fail, parse_precision,
                                           parse_shapes, prepare_plot_folder, report, shape_options, write_output)
from dsec.compiler.commands.progress import ProgressBar
from dsec.compiler.diagnostics import Diagnostic, SourceManager
from dsec.compiler.location import Loc

# Kept here, not imported from the mapper, so that `dsec lower --help` imports no numpy;
# tests/unit/test_cli.py checks it equals dsec.mapper.temporal.DEFAULT_LPF_LIMIT.
DEFAULT_LPF_LIMIT = 8
EMITS = ["report", "ir", "json", "csv", "markdown", "zigzag-mapping", "timeloop"]


@click.command("lower")
@click.argument("model", metavar="MODEL")
@click.option("--arch", "arch", required=True, metavar="ACC.yaml", help="Accelerator description (ZigZag YAML).")
@click.option("--mapping", metavar="MAP.yaml", help="Mapping constraints (ZigZag YAML).")
@click.option("--objective", type=Choice(["energy", "latency", "edp", "pareto"]), default="energy",
              show_default=True, help="What the search minimises; pareto keeps each layer's mappings that no other "
                                      "beats on both energy and latency (listed in the IR's search remark) and "
                                      "uses their least-EDP one.")
@click.option("--emit", type=Choice(EMITS), default="report",
              show_default=True, help="What to write: the report (text, JSON, CSV, markdown), the final IR, or the "
                                      "mappings found as a ZigZag mapping YAML or Timeloop map.yaml.")
@click.option("-o", "--output", default="-", help="Where to write it (default: stdout).")
@click.option("--spatial-candidates", type=click.IntRange(min=1), default=3, show_default=True,
              help="Spatial unrollings scored per layer, and those tied with the last in ZigZag's rank "
                   "(multi-core: per CN mapping).")
@click.option("--mixed/--no-mixed", default=False, show_default=True,
              help="Let one array dimension unroll several loop dims.")
@click.option("--lpf-limit", type=click.IntRange(min=1), default=DEFAULT_LPF_LIMIT, show_default=True,
              help="Loop prime factors the temporal search orders (LOMA's lpf_limit; above 6, LOMA's "
                   "space at 6 is searched too). Multi-core: of each CN's search.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=1, show_default=True,
              help="Layers searched in parallel (0: all cores); the result does not change.")
@click.option("--time-limit", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
              help="Seconds each layer's search may take (0: no limit); past them the best mapping found so far is "
                   "kept, with a warning, and marked time_limit_hit in the IR and the report.")
@click.option("--data-locality", is_flag=True,
              help="Keep each layer's output on chip for the layers that read it (runs layer-locality first).")
@click.option("--graph-outputs-on-chip", is_flag=True,
              help="With --data-locality: leave the network's outputs on chip too, as ZigZag's locality does "
                   "(default: written back to the top memory).")
@click.option("--fuse-elementwise/--no-fuse-elementwise", default=True, show_default=True,
              help="Fold each activation into the layer producing its input: costed at its compute energy, not "
                   "mapped (docs/fusion.md); --no-fuse-elementwise maps and costs them as layers of their own.")
@click.option("--pipeline", "pipeline", default=None, help="Replace the default pass pipeline.")
@click.option("--print-ir-after-all", is_flag=True, help="Print the IR after every pass on stderr.")
@click.option("--timing", is_flag=True, help="Report the time of each step on stderr, start-up included.")
@click.option("--fused/--layer-by-layer", "fused", default=None,
              help="Multi-core (Stream's hardware file): schedule the mapping's fused groups tile by tile, or each "
                   "layer whole (default: as the mapping says).")
@click.option("--trace", metavar="TRACE.json", help="Multi-core: write the schedule as a Chrome/Perfetto trace.")
@click.option("--plot", "plot_dir", metavar="DIR",
              help="Also draw energy and latency per layer into DIR, PNG and SVG (needs dsec[plot]).")
@click.option("--memory-plot", metavar="PLOT.svg", help="Multi-core: plot each core's memory over time (the plot "
                                                         "extra: matplotlib).")
@shape_options
def command(model, arch, mapping, objective, emit, output, spatial_candidates, mixed, lpf_limit, jobs, time_limit,
            data_locality, graph_outputs_on_chip, fuse_elementwise, pipeline, print_ir_after_all, timing, fused, trace, plot_dir, memory_plot, shapes,
            precision) -> None:
    """Map and cost every layer of MODEL (ONNX, or a ZigZag workload YAML) and report. With a multi-core
    accelerator (Stream's hardware YAML) and Stream's mapping YAML: cut layers into CNs, put them on
    cores and schedule them."""
    check_output(output)
    from dsec.multicore.detect import is_multicore_file

    if is_multicore_file(arch):
        if plot_dir:
            fail("--plot draws one accelerator's layers; it does not take a multi-core accelerator")
        if not fuse_elementwise:
            fail("--no-fuse-elementwise shapes the single-core pipeline; the multi-core flow does not fuse")
        if objective == "pareto":
            fail("--objective pareto is per layer on one accelerator; the multi-core flow takes energy, latency "
                 "or edp")
        if ignored := _given(SINGLE_CORE_SEARCH_OPTIONS):
            fail(f"{', '.join(ignored)} shape the single-core search; the multi-core flow maps each CN with the "
                 f"search's defaults (or --spatial-candidates and --lpf-limit) and does not take them")
        from dsec.compiler.commands.multicore import lower_multicore_command
        lower_multicore_command(model, arch, mapping, objective, emit, output, fused, trace, memory_plot, timing,
                                print_ir_after_all, parse_shapes(shapes), parse_precision(precision),
                                spatial_candidates, lpf_limit)
        return
    if fused is not None or trace or memory_plot:
        fail("--fused, --layer-by-layer, --trace and --memory-plot are for multi-core accelerators (Stream's "
             "hardware YAML, which lists `cores`)")
    if plot_dir:
        prepare_plot_folder(plot_dir)
    from dsec.compiler.lower import LowerOptions, lower
    from dsec.compiler.pass_manager import Instrumentation
    from dsec.compiler.pipeline import PipelineError
    from dsec.frontend.importer import ImportOptions

    if graph_outputs_on_chip and not data_locality:
        fail("--graph-outputs-on-chip keeps the outputs with layer-locality; give --data-locality too")
    options = LowerOptions(objective, spatial_candidates, mixed, lpf_limit, jobs, data_locality, pipeline,
                           ImportOptions(shapes=parse_shapes(shapes), precision=parse_precision(precision)),
                           time_limit, fuse_elementwise=fuse_elementwise, graph_outputs_on_chip=graph_outputs_on_chip)
    sources = SourceManager()
    instrumentation = Instrumentation(print_after_all=print_ir_after_all, timing=timing)
    instrumentation.record_startup()
    progress = ProgressBar() if sys.stderr.isatty() else None
    try:
        result = lower(model, arch, mapping, options, instrumentation, progress)
    except PipelineError as exc:
        sources.add(PIPELINE_SOURCE, pipeline or "")
        report(sources, [Diagnostic("error", str(exc), Loc(PIPELINE_SOURCE, 1, exc.column))])
        sys.exit(1)
    report(sources, result.diagnostics)
    if result.module is None:
        _report_timing(instrumentation, timing)
        sys.exit(1)
    text, warnings = _render(result, emit)
    report(sources, warnings)
    write_output(output, text)
    if plot_dir:
        from dsec.dse.plots import report_plots

        report_plots(result.report, plot_dir)
    _report_timing(instrumentation, timing)
    sys.exit(0 if result.ok else 1)


# Options of the single-core pipeline that the multi-core flow does not use (refused there, never ignored).
# --spatial-candidates and --lpf-limit shape each CN's search there too.
SINGLE_CORE_SEARCH_OPTIONS = {"mixed": "--mixed/--no-mixed", "jobs": "--jobs", "time_limit": "--time-limit",
                              "data_locality": "--data-locality", "graph_outputs_on_chip": "--graph-outputs-on-chip",
                              "pipeline": "--pipeline"}


def _given(options: dict[str, str]) -> list[str]:
    """The flags among `options` that the user gave on the command line."""
    ctx = click.get_current_context()
    return [flag for name, flag in options.items()
            if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE]


def _render(result, emit: str) -> tuple[str, list[Diagnostic]]:
    """The text to write and warnings about what it leaves out."""
    if emit == "zigzag-mapping":
        from dsec.export.zigzag_mapping import zigzag_mapping
        return zigzag_mapping(result.module)
    if emit == "timeloop":
        from dsec.export.timeloop import timeloop_mapping
        return timeloop_mapping(result.module)
    if emit == "ir":
        from dsec.dialect.printer import print_module
        return print_module(result.module), []
    from dsec.cost.report import FORMATS
    return FORMATS[emit if emit != "report" else "text"](result.report), []


def _report_timing(instrumentation, timing: bool) -> None:
    if timing:
        instrumentation.report_timing()
