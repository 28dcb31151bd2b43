"""`tile-layers`: cut every layer into computation nodes (CNs) by the outer loops its `tiling`
names (inter-core splits, the fused group's intra-core tile), one `cn` line per CN with its loop
ranges and the CNs it depends on (producers whose output ranges overlap what it reads)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from dsec.compiler.diagnostics import DiagnosticError
from dsec.compiler.pass_base import Pass, PassContext, option, rewrite_layers
from dsec.dialect.ops import Module
from dsec.multicore.ir import cn_lines, plan_of, tiling_attr
from dsec.multicore.tiling import LayerTiling, tile_layers


@dataclass
class TileLayersPass(Pass):
    name = "tile-layers"
    summary = "Cut each layer into CNs by its tiling's outer loops, with their dependencies (multi-core)"
    layer_by_layer: bool = option(False, "drop the intra-core tiles: one CN per layer and core, layers one by one")

    def run(self, module: Module, ctx: PassContext) -> Module:
        if module.multicore is None:
            ctx.diagnostics.error(f"{self.name}: the module has no multicore accelerator; import the model with a "
                                  f"multi-core hardware file (Stream's format)", module.loc)
            return module
        try:
            plan = plan_of(module)
        except DiagnosticError as exc:
            ctx.diagnostics.extend(exc.diagnostics)
            return module
        index = {layer.symbol: i for i, layer in enumerate(module.layers())}
        tilings = {symbol: LayerTiling(t.splits, None, index[symbol]) if self.layer_by_layer else t
                   for symbol, t in plan.tilings.items()}
        try:
            graph = tile_layers(module, tilings)
        except DiagnosticError as exc:
            ctx.diagnostics.extend(exc.diagnostics)
            return module

        def expand(layer):
            tiling = tilings[layer.symbol]
            cut = {dim for dim, _ in tiling.splits} | ({tiling.tile[0]} if tiling.tile else set())
            return replace(layer, tiling=tiling_attr(tiling, plan.cores[layer.symbol]),
                           cns=cn_lines(graph, layer.symbol, cut))

        return replace(rewrite_layers(module, expand), schedule=None)
