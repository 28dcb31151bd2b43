"""`dsec import`: an ONNX model and an accelerator to unmapped IR."""

from __future__ import annotations

import sys

import click

from dsec.compiler.commands.common import (check_output, parse_precision, parse_shapes, report, shape_options,
                                           write_output)
from dsec.compiler.diagnostics import DiagnosticError, SourceManager


@click.command("import")
@click.argument("model", metavar="MODEL")
@click.option("--arch", "arch", required=True, metavar="ACC.yaml", help="Accelerator description (ZigZag YAML).")
@click.option("--mapping", metavar="MAP.yaml", help="Mapping constraints (ZigZag YAML).")
@click.option("-o", "--output", default="-", help="Where to write the IR (default: stdout).")
@shape_options
def command(model, arch, mapping, output, shapes, precision) -> None:
    """Lower MODEL (ONNX, or a ZigZag workload YAML) to the dsec IR for an accelerator."""
    check_output(output)
    from dsec.dialect.printer import print_module
    from dsec.dialect.verifier import verify_module
    from dsec.frontend.importer import ImportOptions, import_model

    options = ImportOptions(shapes=parse_shapes(shapes), precision=parse_precision(precision))
    sources = SourceManager()
    try:
        result = import_model(model, arch, mapping, options)
    except DiagnosticError as exc:
        report(sources, exc.diagnostics)
        sys.exit(1)
    report(sources, result.diagnostics)
    problems = verify_module(result.module)
    if problems:
        report(sources, problems)
        sys.exit(1)
    write_output(output, print_module(result.module))
