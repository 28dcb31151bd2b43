"""`allocate-cores`: the core of every CN. Fixed: each inter-core part on the core its layer's
tiling lists for it (the mapping's core_allocation). Searched: a seeded genetic search over
layer-to-core allocations (multicore/allocation_search.py); the chosen point of its Pareto set
is written, and the set as a remark."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from dsec.compiler.diagnostics import DiagnosticError
from dsec.compiler.pass_base import Pass, PassContext, option, rewrite_layers
from dsec.dialect.ops import Module


@dataclass
class AllocateCoresPass(Pass):
    name = "allocate-cores"
    summary = "Put every CN on a core: the tiling's cores, or a seeded search's Pareto choice (multi-core)"
    search: bool = option(False, "search layer-to-core allocations instead of taking the tiling's cores")
    seed: int = option(0, "seed of the search; the same seed gives the same answer")
    generations: int = option(8, "generations of the search")
    population: int = option(12, "allocations per generation")
    objective: Literal["latency", "energy", "edp"] = option("edp", "which point of the Pareto set is chosen")

    def run(self, module: Module, ctx: PassContext) -> Module:
        if module.multicore is None or any(not layer.cns for layer in module.layers()):
            ctx.diagnostics.error(f"{self.name}: every layer needs its cn lines; run tile-layers first", module.loc)
            return module
        if self.search:
            from dsec.multicore.allocation_search import search_allocation

            try:
                found = search_allocation(module, self.seed, self.generations, self.population, self.objective)
            except DiagnosticError as exc:
                ctx.diagnostics.extend(exc.diagnostics)
                return module
            cores = found.chosen
            ctx.diagnostics.remark(f"{self.name}: Pareto set (latency cycles, energy pJ, cores per layer): "
                                   f"{found.describe()}", module.loc)
            module = rewrite_layers(module, lambda layer: replace(
                layer, tiling={**layer.tiling, "cores": cores[layer.symbol]}))
        return rewrite_layers(module, lambda layer: replace(layer, cns=tuple(
            {**cn, "core": layer.tiling["cores"][cn["part"] % len(layer.tiling["cores"])]} for cn in layer.cns)))
