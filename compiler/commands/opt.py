"""`dsec opt`: run a pass pipeline over a textual IR file."""

from __future__ import annotations

import sys

import click

from dsec.compiler.commands.common import PIPELINE_SOURCE, check_output, fail, read_input, report, write_output
from dsec.compiler.diagnostics import Diagnostic, SourceManager
from dsec.compiler.location import Loc
from dsec.compiler.pass_manager import Instrumentation
from dsec.compiler.pipeline import PipelineError, build_pipeline
from dsec.passes import PASSES


def _pass_names(values: tuple[str, ...], flag: str) -> set[str]:
    names = {name.strip() for value in values for name in value.split(",") if name.strip()}
    unknown = sorted(names - set(PASSES))
    if unknown:
        fail(f"{flag}: unknown pass '{unknown[0]}'; valid passes: {', '.join(sorted(PASSES))}")
    return names


@click.command("opt")
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
@click.option("--timing", is_flag=True, help="Report the time of each step on stderr, start-up included.")
def command(input_path, pipeline, output, split_input_file, verify_diagnostics, no_verify, print_ir_before,
            print_ir_after, print_ir_before_all, print_ir_after_all, timing) -> None:
    """Run a pass pipeline over a textual IR file and print the result."""
    check_output(output)
    sources = SourceManager()
    sources.add(PIPELINE_SOURCE, pipeline)
    try:
        passes = build_pipeline(pipeline, PASSES)
    except PipelineError as exc:
        report(sources, [Diagnostic("error", str(exc), Loc(PIPELINE_SOURCE, 1, exc.column))])
        sys.exit(1)
    instrumentation = Instrumentation(
        print_before=_pass_names(print_ir_before, "--print-ir-before"),
        print_after=_pass_names(print_ir_after, "--print-ir-after"),
        print_before_all=print_ir_before_all, print_after_all=print_ir_after_all, timing=timing,
    )
    instrumentation.record_startup()
    text, name = read_input(input_path)
    sources.add(name, text)
    from dsec.compiler.driver import run_opt  # the parser's import (lark) only where IR text is read

    result = run_opt(text, name, passes, split=split_input_file, verify_diagnostics=verify_diagnostics,
                     verify_each=not no_verify, instrumentation=instrumentation)
    report(sources, result.diagnostics)
    if timing:
        instrumentation.report_timing()
    if result.output and result.complete:
        write_output(output, result.output)
    sys.exit(1 if result.failed else 0)
