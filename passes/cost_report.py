"""`cost-report`: per-layer table and network totals (dsec.cost.report).

Leaves the module unchanged. `out=PATH` writes the report to a file (whole or
not at all), `out=-` to stdout; by default it goes to stderr so that the IR on
stdout stays clean.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Literal

from dsec.compiler.output import write_whole
from dsec.compiler.pass_base import Pass, PassContext, option
from dsec.cost.report import FORMATS, build_report
from dsec.dialect.ops import Module


@dataclass
class CostReportPass(Pass):
    name = "cost-report"
    summary = "Write per-layer costs and network totals as text, markdown, JSON or CSV"

    format: Literal["text", "markdown", "json", "csv"] = option("text", "report format")
    out: str = option("", "file to write; '-' for stdout; empty for stderr")

    def run(self, module: Module, ctx: PassContext) -> Module:
        text = FORMATS[self.format](build_report(module))
        if self.out:
            try:
                write_whole(self.out, text)
            except OSError as exc:
                ctx.diagnostics.error(f"cost-report: cannot write '{self.out}': {exc.strerror}")
        else:
            sys.stderr.write(text)
        return module
