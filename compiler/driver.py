"""`dsec opt` without the command line: parse, run a pipeline, print."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from dsec.compiler.diagnostics import Diagnostic, DiagnosticError
from dsec.compiler.expected_diagnostics import check_diagnostics, parse_expectations, split_input
from dsec.dialect.parser import parse_module
from dsec.compiler.pass_base import Pass, PassContext
from dsec.compiler.pass_manager import Instrumentation, PassManager
from dsec.dialect.printer import print_module


@dataclass
class OptResult:
    output: str  # the IR of every chunk that succeeded
    diagnostics: list[Diagnostic] = field(default_factory=list)
    failed: bool = False
    # Every chunk ran to the end (layer-only errors leave their layers unmapped
    # but the IR is whole and is written).
    complete: bool = True


def run_opt_chunk(text: str, filename: str, passes: list[Pass], verify_each: bool,
                  instrumentation: Instrumentation) -> tuple[str | None, list[Diagnostic]]:
    """One module: parse, run, print. Returns (IR or None, diagnostics)."""
    ctx = PassContext()
    start = time.perf_counter()
    try:
        module = parse_module(text, filename)
    except DiagnosticError as exc:
        return None, exc.diagnostics
    instrumentation.record("parse", time.perf_counter() - start)
    result = PassManager(passes, verify_each, instrumentation).run(module, ctx)
    if result is None:
        return None, ctx.diagnostics.diagnostics
    return print_module(result), ctx.diagnostics.diagnostics


def run_opt(text: str, filename: str, passes: list[Pass], *, split: bool = False, verify_diagnostics: bool = False,
            verify_each: bool = True, instrumentation: Instrumentation | None = None) -> OptResult:
    instrumentation = instrumentation or Instrumentation()
    chunks = split_input(text) if split else [(text, 0)]
    outputs: list[str] = []
    result = OptResult("")
    for chunk, first_line in chunks:
        # Pad with newlines so locations keep the whole file's line numbers.
        output, diagnostics = run_opt_chunk("\n" * first_line + chunk, filename, passes, verify_each,
                                            instrumentation)
        if verify_diagnostics:
            expected = parse_expectations(chunk, filename, first_line)
            diagnostics = check_diagnostics(expected, diagnostics, filename)
        result.diagnostics += diagnostics
        if any(d.severity == "error" for d in diagnostics):
            result.failed = True
        if output is not None:
            outputs.append(output)
        else:
            result.complete = False
    result.output = "// -----\n".join(outputs)
    return result
