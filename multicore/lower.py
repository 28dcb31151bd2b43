"""`dsec lower` for a multi-core accelerator: import with Stream's hardware and mapping, then
tile-layers, allocate-cores and schedule."""

from __future__ import annotations

from dataclasses import dataclass

from dsec.compiler.diagnostics import Diagnostic, DiagnosticError
from dsec.compiler.pass_base import PassContext
from dsec.compiler.pass_manager import Instrumentation, PassManager
from dsec.compiler.pipeline import build_pipeline
from dsec.dialect.ops import Module
from dsec.frontend.importer import ImportOptions
from dsec.multicore.cn_cost import CNSearch
from dsec.multicore.importer import import_multicore
from dsec.multicore.plan import FUSED, LAYER_BY_LAYER
from dsec.multicore.report import multicore_report


@dataclass
class MulticoreResult:
    module: Module | None
    report: dict | None
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return self.module is not None and not any(d.severity == "error" for d in self.diagnostics)


def multicore_pipeline(layer_by_layer: bool, objective: str, search: CNSearch = CNSearch()) -> str:
    return (f"tile-layers{{layer-by-layer={str(layer_by_layer).lower()}}},allocate-cores,"
            f"schedule{{objective={objective} candidates={search.candidates} lpf-limit={search.lpf_limit}}}")


def lower_multicore(model: str, hardware: str, mapping: str | None, order: str | None, objective: str,
                    options: ImportOptions | None = None, instrumentation: Instrumentation | None = None,
                    search: CNSearch = CNSearch()) -> MulticoreResult:
    """`order` None follows the mapping; layer-by-layer drops its intra-core tiles."""
    from dsec.passes import PASSES

    try:
        module, warnings = import_multicore(model, hardware, mapping, options)
    except DiagnosticError as exc:
        return MulticoreResult(None, None, exc.diagnostics)
    ctx = PassContext()
    ctx.diagnostics.extend(warnings)
    layer_by_layer = order == LAYER_BY_LAYER
    passes = build_pipeline(multicore_pipeline(layer_by_layer, objective, search), PASSES)
    result = PassManager(passes, True, instrumentation or Instrumentation()).run(module, ctx)
    if result is None or result.schedule is None:
        return MulticoreResult(None, None, ctx.diagnostics.diagnostics)
    tiled = any(cn["tile"] > 0 for layer in result.layers() for cn in layer.cns)
    return MulticoreResult(result, multicore_report(result, FUSED if tiled else LAYER_BY_LAYER),
                           ctx.diagnostics.diagnostics)
