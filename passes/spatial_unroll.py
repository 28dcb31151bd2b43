"""`spatial-unroll`: unroll loops onto the PE array.

A layer with a spatial mapping in the mapping file (`require spatial ...`)
gets it: factors larger than the array dimension or the layer dimension are
capped, and so are factors the innermost memories cannot feed (port width) or
hold (capacity), with a warning saying which memory limited them, as ZigZag
does (dsec.cost.spatial_limits). A factor that does not divide its dimension
leaves the last temporal iteration partly idle. A spatial mapping written
for other layers (a `default` entry's K x C on a depthwise convolution or a
pooling) may unroll dims the layer lacks or has once: there it collapses, and
the part that applies (none: one PE) is searched as a candidate beside the
generated ones, marked `given, collapsed to N PEs` in the remark; the
objective decides, and one warning per mapping entry names those layers.

Any other layer is searched (dsec.mapper): up to `candidates` unrollings
(`require hint` limits the dims of each array dimension; `mixed` lets one
array dimension take several dims), each scored by its best temporal order
for `objective`. A candidate none of whose orders fits the memories is
discarded with the reason and the search goes on; the layer is an error only
when every candidate is. The `search` remark in the IR lists the candidates
tried with their scores and the discarded ones with operand, memory, bits
needed and bits available.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import ceil
from typing import Literal

from dsec.compiler.diagnostics import Group, per_given_spatial, per_mapping_entry
from dsec.compiler.pass_base import Pass, PassContext, option, rewrite_layers
from dsec.cost.allocation import AllocationError
from dsec.cost.locality import layer_accelerator
from dsec.cost.workload import layer_view
from dsec.dialect.ops import LayerOp, Module, operand_shapes
from dsec.mapper.layer import (LayerSearch, Tried, SpatialOptions, layer_key, pending_searches, remember_temporal,
                               search_layer, search_weight, temporal_key, temporal_search)
from dsec.mapper.parallel import run_tasks
from dsec.mapper.pareto import describe
from dsec.mapper.spatial import collapses, given_spatial, pes, wholly_applies
from dsec.mapper.temporal import DEFAULT_LPF_LIMIT, TemporalOptions


def describe_shortfall(reason: AllocationError | str) -> dict:
    if isinstance(reason, str):
        return {"reason": reason}
    return {"operand": reason.operand, "memory": reason.memory, "needed_bits": ceil(reason.needed),
            "available_bits": reason.available, "reason": reason.reason}


def search_remark(found: LayerSearch, objective: str) -> dict:
    """What the search tried, as an IR attribute."""
    tried = [{"spatial": str(t.candidate.spatial), **_given_note(t.candidate.spatial, t.candidate.given),
              **_score_or_beaten(t), "orders": t.evaluated,
              **({"mirrors": str(t.mirror_of)} if t.mirror_of is not None else {}),
              **({"time_limit_hit": True} if t.stopped else {})} for t in found.tried]
    discarded = [{"spatial": str(d.candidate.spatial), **_given_note(d.candidate.spatial, d.candidate.given),
                  **describe_shortfall(d.reason)} for d in found.discarded]
    remark = {"objective": objective}
    if objective == "pareto" and found.best is not None:
        remark["pareto"] = describe([(t.candidate.spatial, scored) for t, scored in found.front()],
                                    found.best.best)
    return {**remark, "tried": tried, "discarded": discarded}


def _score_or_beaten(tried: Tried) -> dict:
    """A candidate's energy and latency, or (cut short by the lead's score,
    which none of its orders beats) the candidate that beat it."""
    if tried.best is None:
        return {"beaten_by": str(tried.beaten_by.spatial)}
    return {"energy_pj": round(tried.best.cost.energy, 2), "latency_cycles": round(tried.best.cost.latency.total, 2)}


def _given_note(spatial, given: bool) -> dict:
    return {"note": f"given, collapsed to {_pes_text(pes(spatial))}"} if given else {}


def _pes_text(count: int) -> str:
    return f"{count} PE{'s' if count != 1 else ''}"


def smallest_shortfall(found: LayerSearch) -> str:
    errors = [d.reason for d in found.discarded if isinstance(d.reason, AllocationError)]
    if not errors:
        return "; ".join(str(d.reason) for d in found.discarded) or "no candidate unrolling"
    e = min(errors, key=lambda e: e.needed - e.available)
    return (f"the closest, {e.operand} in @{e.memory}, needs {ceil(e.needed)} bits of {e.available} "
            f"({e.reason})")


@dataclass
class SpatialUnrollPass(Pass):
    name = "spatial-unroll"
    summary = "Unroll loops onto the PE array: the mapping file's spatial_mapping, or the best searched candidate"
    candidates: int = option(3, "spatial candidates to score per layer (ZigZag's nb_mappings_generated)")
    mixed: bool = option(False, "let one array dimension unroll several loop dims")
    objective: Literal["energy", "latency", "edp", "pareto"] = option(
        "energy", "what the candidates are ranked by (pareto: keep the mappings no other beats on both energy and "
                  "latency, listed in the search remark, and choose their least-EDP one)")
    lpf_limit: int = option(DEFAULT_LPF_LIMIT, "loop prime factors of the temporal search that scores each candidate")
    jobs: int = option(1, "layers searched in parallel (0: all cores); results do not change")
    time_limit: float = option(0.0, "seconds each layer's search may take, shared by its candidates (0: no "
                                    "limit); past them the best mapping found so far is kept, marked time_limit_hit")

    def run(self, module: Module, ctx: PassContext) -> Module:
        if self.candidates < 1 or self.lpf_limit < 1 or self.jobs < 0 or self.time_limit < 0:
            ctx.diagnostics.error(f"{self.name}: candidates and lpf-limit must be at least 1, jobs and time-limit "
                                  f"at least 0 (got {self.pipeline_text()})")
            return module
        shapes = module.value_shapes()
        spatial_options = SpatialOptions(self.candidates, self.mixed)
        temporal_options = TemporalOptions(self.objective, self.lpf_limit, time_limit=self.time_limit)
        # A fused layer runs in its producer's output path: it has no mapping of its own.
        array = module.accelerator.array_sizes
        searched = [layer for layer in module.layers()
                    if layer.spatial is None and layer.fused_into is None and not self._given(layer, array)]
        tasks = {}
        for layer in searched:
            view = layer_view(layer, operand_shapes(layer, shapes))
            tasks[layer.symbol] = (view, layer_accelerator(layer, module.accelerator), layer.constraints, spatial_options, temporal_options)
        # Each candidate's temporal search is a task of its own; a layer's candidates
        # come in rounds (each searched against the best score before it), and each
        # round of every layer runs at once with --jobs. search_layer below finds them cached.
        layers = {layer_key(*task): task for task in tasks.values()}.values()
        while searches := {temporal_key(*search): search for task in layers for search in pending_searches(*task)}:
            unique = list(searches.values())
            for search, result in zip(unique, run_tasks(temporal_search, unique, self.jobs,
                                                         ctx.report_progress(self.name), search_weight)):
                remember_temporal(search, result)

        def unroll(layer: LayerOp) -> LayerOp:
            if layer.spatial is not None or layer.fused_into is not None:
                return layer
            if self._given(layer, array):
                return self._apply_given(module, layer, shapes, ctx)
            found = search_layer(*tasks[layer.symbol])
            self._warn_collapsed(layer, found, ctx)
            return self._choose(layer, found, ctx)

        return rewrite_layers(module, unroll)

    @staticmethod
    def _given(layer: LayerOp, array: dict[str, int]) -> bool:
        """Whether the layer's spatial mapping is applied as given (one naming
        an array dimension the accelerator lacks is reported there)."""
        given = layer.constraints.spatial if layer.constraints else None
        return given is not None and (wholly_applies(given, layer.dims)
                                      or any(u.array_dim not in array for u in given.unrolls))

    @staticmethod
    def _warn_collapsed(layer: LayerOp, found: LayerSearch, ctx: PassContext) -> None:
        """One warning per mapping entry (grouped) naming the layers its spatial mapping collapsed on."""
        mine = [t.candidate for t in found.tried if t.candidate.given] + \
               [d.candidate for d in found.discarded if d.candidate.given]
        if not mine:
            return
        given = layer.constraints.spatial
        lost = [loop.dim for unroll in given.unrolls for loop in unroll.loops if collapses(loop, layer.dims)]
        absent = [d for d in lost if d not in layer.dims]
        why = ", ".join(([f"{', '.join(absent)} absent"] if absent else []) + [f"{d} = 1" for d in lost
                                                                               if d in layer.dims])
        if found.best is not None and found.best.candidate.given:
            outcome = "chosen"
        elif any(t.candidate.given for t in found.tried):
            outcome = "a generated unrolling chosen"
        else:
            outcome = "discarded: does not fit the memories"
        detail = f"collapsed to {_pes_text(pes(mine[0].spatial))} ({why}), {outcome}"
        group = _given_group(layer, "spatial_mapping collapses on layers that lack its dims or have them once; "
                                    "what applies is scored beside the generated unrollings", detail)
        ctx.diagnostics.warning(f"layer @{layer.symbol}: the given spatial_mapping {detail}", given.loc, group)

    def _choose(self, layer: LayerOp, found: LayerSearch, ctx: PassContext) -> LayerOp:
        remark = search_remark(found, self.objective)
        if found.best is None:
            ctx.diagnostics.layer_error(
                f"layer @{layer.symbol}: none of the {len(found.discarded)} spatial candidates fits the memories; "
                f"{smallest_shortfall(found)}; give the memories more capacity or allow other unrollings",
                layer.loc)
            return replace(layer, search=remark)
        stopped = [t for t in found.tried if t.stopped]
        if stopped:
            ctx.diagnostics.warning(
                f"layer @{layer.symbol}: the time limit ({self.time_limit:g} s) stopped the search of "
                f"{len(stopped)} of its {len(found.tried)} spatial candidates; the mapping is the best found so far, "
                f"not proven the best (raise --time-limit, or 0 for none)", layer.loc)
        return replace(layer, spatial=found.best.candidate.spatial, search=remark)

    def _apply_given(self, module: Module, layer: LayerOp, shapes: dict, ctx: PassContext) -> LayerOp:
        array = module.accelerator.array_sizes
        given = layer.constraints.spatial
        unknown = [u.array_dim for u in given.unrolls if u.array_dim not in array]
        if unknown:
            ctx.diagnostics.layer_error(
                f"layer @{layer.symbol}: spatial mapping uses array dimension(s) {', '.join(unknown)} that "
                f"@{layer.symbol}'s accelerator does not have (it has {', '.join(array)})", given.loc)
            return layer
        def warn(detail: str, loc) -> None:
            # One warning per mapping entry, naming the layers, however many layers it reduced on.
            group = _given_group(layer, "spatial_mapping reduced to fit the accelerator", detail)
            ctx.diagnostics.warning(f"layer @{layer.symbol}: {detail}", loc, group)

        for unroll in given.unrolls:
            for loop in unroll.loops:
                if loop.dim in layer.dims and (loop.factor or 1) > array[unroll.array_dim] < layer.dims[loop.dim]:
                    warn(f"unrolling of {loop.dim} on {unroll.array_dim} reduced from {loop.factor} to the "
                         f"{array[unroll.array_dim]} PEs of {unroll.array_dim}", loop.loc or unroll.loc)
        view = layer_view(layer, operand_shapes(layer, shapes))
        spatial, limits = given_spatial(view, layer_accelerator(layer, module.accelerator), given)
        for limit in limits:
            warn(f"unrolling of {limit.dim} on {limit.array_dim} limited from {limit.factor} to "
                 f"{limit.limited_to} by the {limit.reason} of @{limit.memory}", spatial.loc)
        return replace(layer, spatial=spatial)


def _given_group(layer: LayerOp, what: str, detail: str) -> Group:
    """The group of a warning about the layer's given spatial mapping: per mapping
    entry, or on IR input (which keeps no entry name) per `require spatial` text."""
    constraints = layer.constraints
    if constraints.entry is None:
        return per_given_spatial(str(constraints.spatial), constraints.spatial.loc, f"@{layer.symbol}", what, detail)
    return per_mapping_entry(constraints.entry, constraints.loc, f"@{layer.symbol}", what, detail)
