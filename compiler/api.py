"""The Python entry points besides `dsec.lower`: textual IR to a Module and back,
and a pass pipeline run over a Module, as `dsec opt` does without the command line."""

from __future__ import annotations

from dsec.compiler.diagnostics import Diagnostic, DiagnosticError, SourceManager, group_diagnostics
from dsec.compiler.pass_base import PassContext
from dsec.compiler.pass_manager import PassManager
from dsec.compiler.pipeline import build_pipeline
from dsec.dialect.ops import Module
from dsec.dialect.parser import parse_module
from dsec.dialect.printer import print_module
from dsec.dialect.verifier import verify_module


def parse(text: str, filename: str = "<string>", verify: bool = True) -> Module:
    """Textual IR -> Module, verified unless `verify=False`. Raises
    DiagnosticError; its str is every error as the command line prints it,
    with the source line and a caret."""
    sources = SourceManager({filename: text})
    try:
        module = parse_module(text, filename)
    except DiagnosticError as exc:
        raise DiagnosticError(exc.diagnostics, sources) from None
    if verify:
        errors = [d for d in verify_module(module) if d.severity == "error"]
        if errors:
            raise DiagnosticError(errors, sources)
    return module


def print_ir(module: Module) -> str:
    """Module -> textual IR; `parse(print_ir(m))` gives `m` back."""
    return print_module(module)


def run_pipeline(module: Module, pipeline: str, verify: bool = True,
                 diagnostics: list[Diagnostic] | None = None) -> Module:
    """Run a pipeline (`"a,b{key=value}"`, as `dsec opt -p`) over a module and
    return the new one; the module given is not changed. The verifier runs on
    the input and after every pass unless `verify=False`. Every diagnostic
    (warnings and remarks too) is appended to `diagnostics` when a list is
    given, those repeated per layer merged into one (group_diagnostics). Raises PipelineError (a ValueError naming the pass or option) for a
    malformed pipeline and DiagnosticError when a pass or the verifier reports
    an error; a layer that could not be mapped leaves the rest mapped, and the
    error's `.module` holds that module."""
    from dsec.passes import PASSES

    passes = build_pipeline(pipeline, PASSES)
    ctx = PassContext()
    result = PassManager(passes, verify).run(module, ctx)
    found = group_diagnostics(ctx.diagnostics.diagnostics)  # repeats per layer merged, as the CLI prints them
    if diagnostics is not None:
        diagnostics.extend(found)
    errors = [d for d in found if d.severity == "error"]
    if errors:
        error = DiagnosticError(errors)
        error.module = result
        raise error
    assert result is not None
    return result
