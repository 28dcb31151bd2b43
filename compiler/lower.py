"""`dsec lower` without the command line: import an ONNX model for an
accelerator, map every layer, cost it, and return the module and the report."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dsec.compiler.diagnostics import Diagnostic, DiagnosticError, group_diagnostics
from dsec.frontend.arch_loader import ArchSpec
from dsec.frontend.importer import ImportOptions, import_model
from dsec.compiler.pass_base import PassContext
from dsec.compiler.pass_manager import Instrumentation, PassManager
from dsec.compiler.pipeline import build_pipeline
from dsec.cost.area import Area, accelerator_area
from dsec.cost.report import build_report
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.ops import Module
from dsec.mapper.temporal import DEFAULT_LPF_LIMIT

if TYPE_CHECKING:
    import onnx


OBJECTIVES = ("energy", "latency", "edp", "pareto")  # pareto: mapper/pareto.py
PRECISION_KEYS = ("I", "W", "O", "O_final")


@dataclass
class LowerOptions:
    objective: str = "energy"
    spatial_candidates: int = 3
    mixed: bool = False
    lpf_limit: int = DEFAULT_LPF_LIMIT
    jobs: int = 1
    # Keep tensors on chip between layers (the layer-locality pass first).
    data_locality: bool = False
    # Replaces the default pipeline when given (pipeline syntax).
    pipeline: str | None = None
    import_options: ImportOptions = field(default_factory=ImportOptions)
    # Seconds each layer's search may take (0: no limit): the best mapping found by then, marked.
    time_limit: float = 0.0
    # Fold activations into the layer producing their input (the fuse-elementwise pass).
    fuse_elementwise: bool = True
    # With data_locality: keep the network's outputs on chip too, as ZigZag's locality does.
    graph_outputs_on_chip: bool = False

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raises ValueError naming the first field that is not valid, e.g.
        "objective: 'latncy' is not one of energy, latency, edp, pareto"."""
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective: {self.objective!r} is not one of {', '.join(OBJECTIVES)}")
        for name, least in (("spatial_candidates", 1), ("lpf_limit", 1), ("jobs", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"{name}: {value!r} is not a whole number >= {least}"
                                 + (" (0: all cores)" if name == "jobs" else ""))
        if not isinstance(self.time_limit, (int, float)) or isinstance(self.time_limit, bool) or \
                not self.time_limit >= 0:
            raise ValueError(f"time_limit: {self.time_limit!r} is not a number of seconds >= 0 (0: no limit)")
        for name in ("mixed", "data_locality", "fuse_elementwise", "graph_outputs_on_chip"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name}: {getattr(self, name)!r} is not True or False")
        if self.graph_outputs_on_chip and not self.data_locality:
            raise ValueError("graph_outputs_on_chip: keeps outputs with the layer-locality pass; set data_locality "
                             "too")
        if self.pipeline is not None and not isinstance(self.pipeline, str):
            raise ValueError(f"pipeline: {self.pipeline!r} is not a pipeline string like 'a,b{{key=value}}'")
        if not isinstance(self.import_options, ImportOptions):
            raise ValueError(f"import_options: {self.import_options!r} is not an ImportOptions")
        _validate_import_options(self.import_options)


@dataclass
class LowerResult:
    module: Module | None  # None when the import or a pass failed for the whole model
    report: dict | None  # dsec.cost.report's schema
    diagnostics: list[Diagnostic]  # those repeated per layer merged (group_diagnostics)

    @property
    def area(self) -> Area | None:
        """The accelerator's area per component and in total (cost/area.py)."""
        return accelerator_area(self.module.accelerator) if self.module is not None else None

    @property
    def ok(self) -> bool:
        return self.module is not None and not any(d.severity == "error" for d in self.diagnostics)


def _validate_import_options(options: ImportOptions) -> None:
    for name, shape in options.shapes.items():
        if (not isinstance(shape, tuple) or not shape
                or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape)):
            raise ValueError(f"import_options.shapes[{name!r}]: {shape!r} is not a tuple of positive sizes, "
                             f"e.g. (1, 3, 224, 224)")
    for operand, bits in options.precision.items():
        if operand not in PRECISION_KEYS:
            raise ValueError(f"import_options.precision: {operand!r} is not one of {', '.join(PRECISION_KEYS)}")
        if not isinstance(bits, int) or isinstance(bits, bool) or bits <= 0:
            raise ValueError(f"import_options.precision[{operand!r}]: {bits!r} is not a positive number of bits")


def default_pipeline(options: LowerOptions) -> str:
    """import → [layer-locality →] [fuse-elementwise →] spatial-unroll → temporal-tile → memory-alloc →
    cost-annotate (the report is built from the IR)."""
    search = f"objective={options.objective} lpf-limit={options.lpf_limit}"
    common = f"{search} jobs={options.jobs}" + (f" time-limit={options.time_limit:g}" if options.time_limit else "")
    spatial = f"candidates={options.spatial_candidates} mixed={str(options.mixed).lower()}"
    outputs = " graph-outputs-on-chip=true" if options.graph_outputs_on_chip else ""
    locality = f"layer-locality{{{spatial} {common}{outputs}}}," if options.data_locality else ""
    fusion = "fuse-elementwise," if options.fuse_elementwise else ""
    return (f"{locality}{fusion}spatial-unroll{{{spatial} {common}}},"
            f"temporal-tile{{{common}}},memory-alloc,cost-annotate")


def lower(model: str | os.PathLike | onnx.ModelProto, arch: str | os.PathLike | Accelerator | ArchSpec,
          mapping: str | os.PathLike | None = None, options: LowerOptions | None = None,
          instrumentation: Instrumentation | None = None,
          progress: Callable[[str, int, int], None] | None = None) -> LowerResult:
    """Map and cost every layer of `model` (an ONNX path or an onnx.ModelProto)
    on `arch` (a ZigZag accelerator YAML path, or an Accelerator or ArchSpec
    already read), with `mapping` constraints (ZigZag mapping YAML) if given.
    Raises PipelineError for a malformed `options.pipeline`, TypeError for an
    argument of the wrong type."""
    options = options or LowerOptions()
    options.validate()  # again: fields may have been set after construction
    passes = build_pipeline(options.pipeline if options.pipeline is not None else default_pipeline(options),
                            _registry())
    instrumentation = instrumentation or Instrumentation()
    start = time.perf_counter()
    try:
        imported = import_model(model, arch, mapping, options.import_options)
    except DiagnosticError as exc:
        return LowerResult(None, None, exc.diagnostics)
    instrumentation.record("import (model, accelerator, mapping)", time.perf_counter() - start)
    ctx = PassContext(progress=progress)
    ctx.diagnostics.extend(imported.diagnostics)
    if options.pipeline is not None and (ignored := _set_for_default_pipeline(options)):
        ctx.diagnostics.warning(f"{' and '.join(ignored)} only shape the default pipeline, so --pipeline ignores "
                                f"them; give the passes' options in the pipeline instead", None)
    module = PassManager(passes, True, instrumentation).run(imported.module, ctx)
    if module is not None:
        _drop_notes_on_fused_layers(module, ctx)
    report = build_report(module) if module is not None else None
    if report is not None:
        _require_every_layer_costed(report, ctx)
    return LowerResult(module, report, group_diagnostics(ctx.diagnostics.diagnostics))


def _drop_notes_on_fused_layers(module: Module, ctx: PassContext) -> None:
    """The import notes how a mapping entry applies to each layer (dims it
    leaves out); a layer fuse-elementwise folded into its producer is not
    mapped, so what the entry does to it does not hold and is not said."""
    fused = {f"@{layer.symbol}" for layer in module.layers() if layer.fused_into is not None}
    if fused:
        ctx.diagnostics.diagnostics = [d for d in ctx.diagnostics.diagnostics if not (
            d.severity == "note" and d.group is not None and d.group.layer in fused)]


def _require_every_layer_costed(report: dict, ctx: PassContext) -> None:
    """A layer left without a cost and without an error of its own (a --pipeline
    that stops short of cost-annotate) fails the run: a report that costs part
    of the model is not a result."""
    errors = [d.message for d in ctx.diagnostics.diagnostics if d.severity == "error"]
    silent = [row["name"] or row["symbol"] for row in report["layers"] if row["status"] == "unmapped"
              and not any(f"@{row['symbol']}" in message for message in errors)]  # no error of its own
    if silent:
        ctx.diagnostics.error(
            f"{len(silent)} of {report['totals']['layers']} layers have no cost (first: '{silent[0]}'); the "
            f"pipeline must map every layer and end with cost-annotate, as the default one does: "
            f"spatial-unroll,temporal-tile,memory-alloc,cost-annotate", None)


def _set_for_default_pipeline(options: LowerOptions) -> list[str]:
    defaults = LowerOptions()
    flags = {"objective": "--objective", "spatial_candidates": "--spatial-candidates", "mixed": "--mixed",
             "lpf_limit": "--lpf-limit", "jobs": "--jobs", "data_locality": "--data-locality",
             "time_limit": "--time-limit", "fuse_elementwise": "--no-fuse-elementwise",
             "graph_outputs_on_chip": "--graph-outputs-on-chip"}
    return [flag for name, flag in flags.items() if getattr(options, name) != getattr(defaults, name)]


def _registry():
    from dsec.passes import PASSES  # passes import the compiler core; import them only when lowering
    return PASSES
