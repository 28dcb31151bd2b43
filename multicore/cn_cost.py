"""The cost of one CN on one core, from dsec's own mapper and cost model: the CN is a layer
with the CN's loop sizes (and inputs cut to the slices it reads), mapped and costed on the
core's accelerator by the single-core passes. CNs that pose the same problem (same loop sizes,
slices, precisions and core) are mapped once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import ceil

from dsec.compiler.diagnostics import DiagnosticError, error
from dsec.compiler.pass_base import PassContext
from dsec.compiler.pass_manager import Instrumentation, PassManager
from dsec.dialect.attributes import TensorType
from dsec.dialect.ops import InputOp, LayerOp, Module, Value
from dsec.dialect.multicore import Core
from dsec.multicore.tiling import index_range


@dataclass(frozen=True)
class CNCost:
    latency: int  # cycles
    energy: float  # pJ


_CACHE: dict[tuple, CNCost] = {}


def core_precision(layer: LayerOp, core: Core) -> dict[str, int]:
    """The layer's precisions, with the core's operand_precision where the core gives one."""
    precision = dict(layer.precision)
    for role in precision:
        if role == "O" and "O_final" in precision:  # partial sums: only layers that accumulate have them
            bits = core.accumulator_bits
        else:
            bits = core.input_bits
        if bits is not None:
            precision[role] = bits
    return precision


def cn_problem(layer: LayerOp, loops: dict[str, tuple[int, int]], shapes: dict[str, tuple], core: Core
               ) -> tuple[LayerOp, dict[str, tuple[int, ...]]]:
    """The CN as a layer of its own, and the shape of each input slice it reads."""
    dims = {dim: hi - lo for dim, (lo, hi) in loops.items()}
    roles = dict(layer.operands)
    slices = {}
    for access in layer.compute.inputs:
        shape = shapes.get(roles[access.operand]) or ()
        slices[access.operand] = tuple(
            hi - lo for lo, hi in (index_range(index, loops, shape[axis] if axis < len(shape) else None)
                                   for axis, index in enumerate(access.indices)))
    cn_layer = replace(layer, dims=dims, precision=core_precision(layer, core), spatial=None, nest=None, search=None,
                       cost=None, constraints=None, locality=None,
                       operands=tuple((role, f"in_{role}") for role, _ in layer.operands if role in slices))
    return cn_layer, slices


def cn_cost(layer: LayerOp, loops: dict[str, tuple[int, int]], shapes: dict[str, tuple], core: Core,
            objective: str = "latency") -> CNCost:
    cn_layer, slices = cn_problem(layer, loops, shapes, core)
    key = (core.accelerator, cn_layer.op_type, cn_layer.compute, tuple(sorted(cn_layer.dims.items())),
           tuple(sorted(cn_layer.precision.items())), tuple(sorted(cn_layer.links.items())),
           tuple(sorted(slices.items())), objective)
    if key not in _CACHE:
        _CACHE[key] = _map_and_cost(cn_layer, slices, core, objective)
    return _CACHE[key]


def _map_and_cost(layer: LayerOp, slices: dict[str, tuple[int, ...]], core: Core, objective: str) -> CNCost:
    from dsec.compiler.pipeline import build_pipeline
    from dsec.passes import PASSES

    inputs = tuple(InputOp(Value(f"in_{role}", TensorType(shape, "i8")), role) for role, shape in slices.items())
    module = Module("cn", core.accelerator, {}, (*inputs, layer))
    passes = build_pipeline(f"spatial-unroll{{objective={objective}}},temporal-tile{{objective={objective}}},"
                            f"memory-alloc,cost-annotate", PASSES)
    ctx = PassContext()
    mapped = PassManager(passes, False, Instrumentation()).run(module, ctx)
    costed = mapped.layers()[0] if mapped is not None else None
    if costed is None or costed.cost is None:
        problems = "; ".join(d.message for d in ctx.diagnostics.diagnostics if d.severity == "error")
        raise DiagnosticError(error(f"layer @{layer.symbol} (a CN of dims {layer.dims}) cannot be mapped on "
                                    f"{core.name} ({core.accelerator.name}): {problems or 'no cost'}",
                                    layer.loc).diagnostics)
    return CNCost(int(ceil(costed.cost["latency_cycles"])), float(costed.cost["energy_pj"]))
