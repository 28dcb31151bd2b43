"""The cost of one CN on one core, from dsec's own mapper and cost model: the CN is a layer
with the CN's loop sizes (and inputs cut to the slices it reads), mapped and costed on the
core's accelerator by the single-core passes. CNs that pose the same mapping problem (same loop
sizes, precisions and core accelerator) are mapped once, on the widest input slices a CN of
those loop sizes reads; each CN is then costed with that mapping on its own slices (a tile at
the border reads fewer padded rows), which is one cost evaluation, not a search."""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import ceil

from dsec.compiler.diagnostics import DiagnosticError, error
from dsec.compiler.pass_base import PassContext
from dsec.compiler.pass_manager import Instrumentation, PassManager
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import TensorType
from dsec.dialect.ops import InputOp, LayerOp, Module, Value
from dsec.dialect.multicore import Core
from dsec.mapper.temporal import DEFAULT_LPF_LIMIT
from dsec.multicore.tiling import index_range


@dataclass(frozen=True)
class CNCost:
    latency: int  # cycles
    energy: float  # pJ


@dataclass(frozen=True)
class CNSearch:
    """How widely each CN's mapping is searched: the single-core search's defaults, or less
    (stream-dse 2.1.1 maps each CN with one spatial mapping and LOMA at lpf 6)."""

    candidates: int = 3  # spatial-unroll's candidates
    lpf_limit: int = DEFAULT_LPF_LIMIT


# The mapped CN (a module of one layer) per mapping problem, and the cost per problem and slices.
_MAPPED: dict[tuple, Module] = {}
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
               ) -> tuple[LayerOp, dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """The CN as a layer of its own, the shape of each input slice it reads, and the widest
    slices a CN of the same loop sizes reads anywhere in the tensor (its window, cut only to the
    tensor's extent): every CN of these loop sizes reads no more than that."""
    dims = {dim: hi - lo for dim, (lo, hi) in loops.items()}
    from_zero = {dim: (0, size) for dim, size in dims.items()}
    roles = dict(layer.operands)
    slices, widest = {}, {}
    for access in layer.compute.inputs:
        shape = shapes.get(roles[access.operand]) or ()
        extents = [shape[axis] if axis < len(shape) else None for axis in range(len(access.indices))]
        slices[access.operand] = tuple(hi - lo for lo, hi in (index_range(index, loops, extent)
                                                              for index, extent in zip(access.indices, extents)))
        widest[access.operand] = tuple(
            min(hi - lo, extent) if extent is not None else hi - lo
            for (lo, hi), extent in ((index_range(index, from_zero, None), extent)
                                     for index, extent in zip(access.indices, extents)))
    cn_layer = replace(layer, dims=dims, precision=core_precision(layer, core), spatial=None, nest=None, search=None,
                       cost=None, constraints=None, locality=None,
                       operands=tuple((role, f"in_{role}") for role, _ in layer.operands if role in slices))
    return cn_layer, slices, widest


def cn_cost(layer: LayerOp, loops: dict[str, tuple[int, int]], shapes: dict[str, tuple], core: Core,
            objective: str = "latency", search: CNSearch = CNSearch()) -> CNCost:
    cn_layer, slices, widest = cn_problem(layer, loops, shapes, core)
    problem = (core.accelerator, cn_layer.op_type, cn_layer.compute, tuple(sorted(cn_layer.dims.items())),
               tuple(sorted(cn_layer.precision.items())), tuple(sorted(cn_layer.links.items())), objective,
               tuple(sorted(widest.items())), search)
    key = (problem, tuple(sorted(slices.items())))
    if key not in _CACHE:
        if problem not in _MAPPED:
            _MAPPED[problem] = _map(cn_layer, widest, core, objective, search)
        _CACHE[key] = _cost(_MAPPED[problem], slices, widest)
    return _CACHE[key]


def _cn_module(layer: LayerOp, slices: dict[str, tuple[int, ...]], accelerator: Accelerator) -> Module:
    inputs = tuple(InputOp(Value(f"in_{role}", TensorType(shape, "i8")), role) for role, shape in slices.items())
    return Module("cn", accelerator, {}, (*inputs, layer))


def _run(module: Module, pipeline: str) -> tuple[Module | None, PassContext]:
    from dsec.compiler.pipeline import build_pipeline
    from dsec.passes import PASSES

    ctx = PassContext()
    return PassManager(build_pipeline(pipeline, PASSES), False, Instrumentation()).run(module, ctx), ctx


def _map(layer: LayerOp, slices: dict[str, tuple[int, ...]], core: Core, objective: str, search: CNSearch
         ) -> Module:
    """The CN mapped and costed on the core's accelerator by the single-core passes."""
    lpf = f"lpf-limit={search.lpf_limit}"
    mapped, ctx = _run(_cn_module(layer, slices, core.accelerator),
                       f"spatial-unroll{{objective={objective} candidates={search.candidates} {lpf}}},"
                       f"temporal-tile{{objective={objective} {lpf}}},memory-alloc,cost-annotate")
    costed = mapped.layers()[0] if mapped is not None else None
    if costed is None or costed.cost is None:
        problems = "; ".join(d.message for d in ctx.diagnostics.diagnostics if d.severity == "error")
        raise DiagnosticError(error(f"layer @{layer.symbol} (a CN of dims {layer.dims}) cannot be mapped on "
                                    f"{core.name} ({core.accelerator.name}): {problems or 'no cost'}",
                                    layer.loc).diagnostics)
    return mapped


def _cost(mapped: Module, slices: dict[str, tuple[int, ...]], widest: dict[str, tuple[int, ...]]) -> CNCost:
    """The mapped CN's cost on `slices` (no wider than the slices it was mapped on, so its
    tiles still fit)."""
    if slices != widest:
        layer = mapped.layers()[0]
        mapped, ctx = _run(_cn_module(replace(layer, cost=None), slices, mapped.accelerator), "cost-annotate")
        if mapped is None or mapped.layers()[0].cost is None:
            problems = "; ".join(d.message for d in ctx.diagnostics.diagnostics if d.severity == "error")
            raise DiagnosticError(error(f"layer @{layer.symbol}: a CN of dims {layer.dims} mapped on wider slices "
                                        f"was not costed on {slices}: {problems or 'no cost'}", layer.loc).diagnostics)
    cost = mapped.layers()[0].cost
    return CNCost(int(ceil(cost["latency_cycles"])), float(cost["energy_pj"]))
