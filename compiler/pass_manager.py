"""Run a list of passes over a module: verify after each, print the IR
before/after the passes asked for, and time each step."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

from dsec.compiler.diagnostics import DiagnosticError
from dsec.compiler.pass_base import Pass, PassContext
from dsec.dialect.printer import print_module
from dsec.dialect.verifier import verify_module
from dsec.dialect.ops import Module


@dataclass
class Instrumentation:
    print_before: set[str] = field(default_factory=set)
    print_after: set[str] = field(default_factory=set)
    print_before_all: bool = False
    print_after_all: bool = False
    timing: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    times: list[tuple[str, float]] = field(default_factory=list)
    # Seconds from process start to the command's first step (interpreter, imports, option parsing).
    startup: float | None = None

    def dump(self, when: str, pass_name: str, module: Module) -> None:
        self.stream.write(f"// -----// IR Dump {when} {pass_name} //----- //\n")
        self.stream.write(print_module(module))
        self.stream.flush()

    def record(self, step: str, seconds: float) -> None:
        self.times.append((step, seconds))

    def record_startup(self) -> None:
        """Mark the end of start-up; with it, the timing report covers the whole process."""
        from dsec.compiler.startup import seconds_since_start

        self.startup = seconds_since_start()

    def report_timing(self) -> None:
        steps = list(self.times)
        if self.startup is not None:
            from dsec.compiler.startup import seconds_since_start

            whole = seconds_since_start()
            rest = whole - self.startup - sum(s for _, s in steps)
            steps = [("start-up (interpreter, imports, options)", self.startup), *steps,
                     ("other (reading inputs, report, output)", max(rest, 0.0))]
        total = sum(s for _, s in steps) or 1e-12
        lines = ["===" + "-" * 70 + "===", "  dsec execution time report", "===" + "-" * 70 + "===",
                 f"  Total Execution Time: {total:.4f} seconds", "", "  ----Wall Time----  ----Name----"]
        lines += [f"  {seconds:8.4f} ({100 * seconds / total:5.1f}%)  {step}" for step, seconds in steps]
        lines.append(f"  {total:8.4f} (100.0%)  Total")
        self.stream.write("\n".join(lines) + "\n")


@dataclass
class PassManager:
    passes: list[Pass]
    verify_each: bool = True
    instrumentation: Instrumentation = field(default_factory=Instrumentation)

    def run(self, module: Module, ctx: PassContext) -> Module | None:
        """The transformed module, or None once a pass or the verifier reported
        an error (the diagnostics are in ctx)."""
        inst = self.instrumentation
        if self.verify_each and not self._verify(module, ctx, "verifier (input)"):
            return None
        for p in self.passes:
            if inst.print_before_all or p.name in inst.print_before:
                inst.dump("Before", p.pipeline_text(), module)
            start = time.perf_counter()
            errors_before = _error_count(ctx)
            try:
                module = p.run(module, ctx)
            except DiagnosticError as exc:  # input the pass cannot handle, found deep inside it
                ctx.diagnostics.extend(exc.diagnostics)
                return None
            inst.record(p.pipeline_text(), time.perf_counter() - start)
            if _error_count(ctx) > errors_before:
                return None
            if self.verify_each and not self._verify(module, ctx, f"verifier (after {p.name})"):
                return None
            if inst.print_after_all or p.name in inst.print_after:
                inst.dump("After", p.pipeline_text(), module)
        return module

    def _verify(self, module: Module, ctx: PassContext, step: str) -> bool:
        start = time.perf_counter()
        problems = verify_module(module)
        self.instrumentation.record(step, time.perf_counter() - start)
        ctx.diagnostics.extend(problems)
        return not any(d.severity == "error" for d in problems)


def _error_count(ctx: PassContext) -> int:
    """Errors that stop the pipeline; a layer-only error leaves that layer
    unmapped and lets the passes go on with the rest."""
    return sum(1 for d in ctx.diagnostics.diagnostics if d.severity == "error" and not d.layer_only)
