"""`temporal-tile`: the temporal loop nest of each unrolled layer.

A complete `require order` (innermost loop first; a `*` factor takes what is
left of its dimension) is taken as given. Otherwise the loops left after the
spatial unrolling are split into prime factors (at most `lpf-limit` of them,
merged as ZigZag's LOMA merges them) and ordered by the search in
dsec.mapper.temporal, each order scored with memory-alloc's placement and the
cost model; a partial `require order` fixes the innermost loops and the
search orders the rest above them. What the unrolling leaves of a dimension
is ceil(dim / unrolled): a non-dividing unrolling adds a partly idle last
iteration. A layer none of whose orders fits its memories is an error for
that layer, naming the smallest shortfall.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import ceil
from typing import Literal

from dsec.compiler.pass_base import Pass, PassContext, option, rewrite_layers
from dsec.cost.locality import layer_accelerator
from dsec.cost.workload import layer_view
from dsec.dialect.attributes import Loop, Nest
from dsec.dialect.ops import LayerOp, Module, operand_shapes
from dsec.mapper.layer import remember_temporal, search_weight, temporal_key, temporal_search
from dsec.mapper.parallel import run_tasks
from dsec.mapper.pareto import describe
from dsec.mapper.temporal import DEFAULT_LPF_LIMIT, TemporalOptions, TemporalResult, temporal_sizes


def complete_order(order: tuple[Loop, ...], sizes: dict[str, int]) -> tuple[list[Loop], str | None]:
    """Fill `*` factors; returns the loops or what is wrong with the ordering."""
    given: dict[str, int] = {}
    for loop in order:
        if loop.factor is not None:
            given[loop.dim] = given.get(loop.dim, 1) * loop.factor
    loops: list[Loop] = []
    for loop in order:
        if loop.dim not in sizes and (loop.factor or 1) == 1:
            continue  # `K = *` for a dim the unrolling already covers: nothing left to order
        factor = loop.factor
        if factor is None:
            rest = sizes[loop.dim] / given.get(loop.dim, 1)
            if rest != int(rest):
                return [], f"the given factors of {loop.dim} do not divide its {sizes[loop.dim]} iterations"
            factor = int(rest)
            given[loop.dim] = sizes[loop.dim]
        loops.append(Loop(loop.dim, factor, loop.loc))
    placed = Nest(tuple(loops)).factors()
    wrong = [f"{dim} needs {size} but the ordering gives {placed.get(dim, 1)}" for dim, size in sizes.items()
             if placed.get(dim, 1) != size]
    wrong += [f"{dim} is not a temporal loop of the layer" for dim in placed if dim not in sizes and placed[dim] > 1]
    return [lp for lp in loops if (lp.factor or 1) > 1], "; ".join(wrong) or None


def is_complete(order: tuple[Loop, ...], sizes: dict[str, int]) -> bool:
    """Every dim left is listed with `*` or with factors reaching its size."""
    listed = {lp.dim for lp in order if lp.factor is None}
    factors: dict[str, int] = {}
    for lp in order:
        factors[lp.dim] = factors.get(lp.dim, 1) * (lp.factor or 1)
    return all(dim in listed or factors.get(dim, 1) >= size for dim, size in sizes.items())


@dataclass
class TemporalTilePass(Pass):
    name = "temporal-tile"
    summary = "Order the temporal loops: the mapping file's temporal_ordering, or the best searched order"
    objective: Literal["energy", "latency", "edp", "pareto"] = option(
        "energy", "what the search minimises (pareto: keep the orders no other beats on both energy and latency, "
                  "listed in the search remark, and choose their least-EDP one)")
    lpf_limit: int = option(DEFAULT_LPF_LIMIT, "at most this many loop prime factors to order (LOMA's lpf_limit; "
                                                "above 6, LOMA's space at 6 too)")
    search: Literal["exhaustive", "pruned"] = option(
        "pruned", "pruned skips orders that differ only within runs of alike loops; exhaustive visits all")
    seed: int = option(0, "order in which the search visits the space (changes the result only among equals)")
    jobs: int = option(1, "layers searched in parallel (0: all cores); results do not change")
    time_limit: float = option(0.0, "seconds each layer's search may take (0: no limit); past them the best order "
                                    "found so far is kept, marked time_limit_hit")

    def run(self, module: Module, ctx: PassContext) -> Module:
        if self.lpf_limit < 1 or self.jobs < 0 or self.time_limit < 0:
            ctx.diagnostics.error(f"{self.name}: lpf-limit must be at least 1, jobs and time-limit at least 0 "
                                  f"(got {self.pipeline_text()})")
            return module
        shapes = module.value_shapes()
        options = TemporalOptions(self.objective, self.lpf_limit, self.search, self.seed, self.time_limit)
        tasks = {}
        for layer in module.layers():
            if layer.spatial is None or layer.nest is not None or self._given(layer):
                continue
            view = layer_view(layer, operand_shapes(layer, shapes))
            order = layer.constraints.order if layer.constraints else None
            tasks[layer.symbol] = (view, layer_accelerator(layer, module.accelerator), layer.spatial, order, options)
        unique = list({temporal_key(*task): task for task in tasks.values()}.values())
        for task, result in zip(unique, run_tasks(temporal_search, unique, self.jobs,
                                                  ctx.report_progress(self.name), search_weight)):
            remember_temporal(task, result)

        def tile(layer: LayerOp) -> LayerOp:
            if layer.spatial is None or layer.nest is not None:
                return layer
            if layer.symbol in tasks:
                return self._searched(layer, temporal_search(*tasks[layer.symbol]), ctx)
            return self._given_order(layer, ctx)

        return rewrite_layers(module, tile)

    @staticmethod
    def _given(layer: LayerOp) -> bool:
        order = layer.constraints.order if layer.constraints else None
        return order is not None and is_complete(order, temporal_sizes(layer.dims, layer.spatial))

    def _searched(self, layer: LayerOp, result: TemporalResult | str, ctx: PassContext) -> LayerOp:
        if isinstance(result, str):
            ctx.diagnostics.layer_error(f"layer @{layer.symbol}: the partial temporal_ordering cannot be kept: "
                                        f"{result}", layer.constraints.loc)
            return layer
        if result.best is None:
            e = result.shortfall
            ctx.diagnostics.layer_error(
                f"layer @{layer.symbol}: no temporal order fits the memories; the closest, {e.operand} in "
                f"@{e.memory}, needs {ceil(e.needed)} bits of {e.available} ({e.reason}); unroll less or give "
                f"the memory more capacity", layer.loc)
            return layer
        remark = dict(layer.search or {})
        # Where spatial-unroll searched the layer, its `tried` counts the chosen
        # candidate's orders: that search's answer is this one (temporal_search),
        # searched again only when the pipeline resumes from text or the time
        # limit stopped it.
        orders = {} if "tried" in remark else {"orders": result.evaluated}
        remark["temporal"] = {"objective": self.objective, "lpf_limit": self.lpf_limit, "search": self.search,
                              **orders, **({"time_limit_hit": True} if result.stopped else {})}
        if self.objective == "pareto" and "pareto" not in remark:  # a given unrolling: its orders' set
            remark["pareto"] = describe([(layer.spatial, scored) for scored in result.front], result.best)
        if result.stopped and "tried" not in remark:  # spatial-unroll warned of its own searches
            ctx.diagnostics.warning(
                f"layer @{layer.symbol}: the time limit ({self.time_limit:g} s) stopped the search; the order is "
                f"the best found so far, not proven the best (raise --time-limit, or 0 for none)", layer.loc)
        loops = tuple(Loop(dim, factor) for dim, factor in result.best.order)
        return replace(layer, nest=Nest(loops), search=remark)

    def _given_order(self, layer: LayerOp, ctx: PassContext) -> LayerOp:
        sizes = temporal_sizes(layer.dims, layer.spatial)
        loops, problem = complete_order(layer.constraints.order, sizes)
        if problem is not None:
            ctx.diagnostics.layer_error(f"layer @{layer.symbol}: temporal_ordering does not cover the loops left "
                                        f"after the spatial unrolling: {problem}", layer.constraints.loc)
            return layer
        return replace(layer, nest=Nest(tuple(loops)))
