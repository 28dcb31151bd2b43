"""`dsec lower` on a multi-core accelerator (Stream's hardware YAML): the report, JSON or IR,
and optionally the schedule as a Chrome/Perfetto trace."""

from __future__ import annotations

import sys

import click

from dsec.compiler.commands.common import check_output, fail, report, write_output
from dsec.compiler.diagnostics import SourceManager

MULTICORE_EMITS = ("report", "json", "ir")


def lower_multicore_command(model, arch, mapping, objective, emit, output, fused, trace, memory_plot, timing,
                            print_ir_after_all, shapes, precision, spatial_candidates, lpf_limit) -> None:
    if emit not in MULTICORE_EMITS:
        fail(f"--emit {emit} is not available for a multi-core accelerator; use one of {', '.join(MULTICORE_EMITS)}")
    for path in (trace, memory_plot):
        if path:
            check_output(path)
    if memory_plot:
        try:
            import matplotlib  # noqa: F401 - only asked whether the extra is there, before the work
        except ImportError:
            fail("--memory-plot needs matplotlib: pip install 'dsec[plot]'")
    from dsec.compiler.pass_manager import Instrumentation
    from dsec.frontend.importer import ImportOptions
    from dsec.multicore.cn_cost import CNSearch
    from dsec.multicore.lower import lower_multicore
    from dsec.multicore.plan import FUSED, LAYER_BY_LAYER

    instrumentation = Instrumentation(print_after_all=print_ir_after_all, timing=timing)
    instrumentation.record_startup()
    order = None if fused is None else FUSED if fused else LAYER_BY_LAYER
    result = lower_multicore(model, arch, mapping, order, objective, ImportOptions(shapes=shapes, precision=precision),
                             instrumentation, CNSearch(spatial_candidates, lpf_limit))
    report(SourceManager(), result.diagnostics)
    if result.module is None:
        if timing:
            instrumentation.report_timing()
        sys.exit(1)
    from dsec.multicore.report import report_json, report_text

    if emit == "ir":
        from dsec.dialect.printer import print_module
        text = print_module(result.module)
    else:
        text = report_json(result.report) if emit == "json" else report_text(result.report)
    write_output(output, text)
    if trace:
        from dsec.multicore.trace import chrome_trace
        write_output(trace, chrome_trace(result.module))
        cns = sum(len(layer.cns) for layer in result.module.layers())
        transfers = len(result.module.schedule.get("transfers", ()))
        click.echo(f"trace: {trace} ({cns} CNs, {transfers} transfers; open it in https://ui.perfetto.dev or "
                   f"chrome://tracing)", err=True)
    if memory_plot:
        from dsec.multicore.plot import memory_plot_svg
        write_output(memory_plot, memory_plot_svg(result.module))
        click.echo(f"memory plot: {memory_plot}", err=True)
    if timing:
        instrumentation.report_timing()
    sys.exit(0 if result.ok else 1)
