"""`spatial-unroll`: unroll loops onto the PE array.

This pass applies the spatial mapping the mapping file gives a layer
(`require spatial ...`). Factors larger than the array dimension or the layer
dimension are capped, and so are factors the innermost memories cannot feed
(port width) or hold (capacity), with a warning saying which memory limited
them, as ZigZag does (dsec.cost.spatial_limits). A factor that does not
divide its dimension leaves the last temporal iteration partly idle (the cost model spreads the dimension over
ceil(dim / factor) iterations, as ZigZag does). A layer without a given
spatial mapping is an error for that layer; the candidate search is not part
of this pass yet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dsec.compiler.pass_base import Pass, PassContext, rewrite_layers
from dsec.cost.spatial_limits import limit_unrolling
from dsec.cost.workload import layer_view
from dsec.dialect.attributes import Loop, Spatial, SpatialUnroll
from dsec.dialect.ops import LayerOp, Module, operand_shapes


def capped_spatial(spatial: Spatial, dims: dict[str, int], array: dict[str, int]) -> Spatial:
    """Each factor no larger than its array dimension and its layer dimension."""
    unrolls = []
    for unroll in spatial.unrolls:
        loops = tuple(Loop(lp.dim, min(lp.factor or 1, array.get(unroll.array_dim, 1), dims.get(lp.dim, 1)), lp.loc)
                      for lp in unroll.loops if lp.dim in dims)
        if loops:
            unrolls.append(SpatialUnroll(unroll.array_dim, loops, unroll.loc))
    return Spatial(tuple(unrolls), spatial.loc)


@dataclass
class SpatialUnrollPass(Pass):
    name = "spatial-unroll"
    summary = "Unroll loops onto the PE array as the mapping file's spatial_mapping says"

    def run(self, module: Module, ctx: PassContext) -> Module:
        shapes = module.value_shapes()
        return rewrite_layers(module, lambda layer: self._unroll(module, layer, shapes, ctx)
                              if layer.spatial is None else layer)

    def _unroll(self, module: Module, layer: LayerOp, shapes: dict, ctx: PassContext) -> LayerOp:
        array = module.accelerator.array_sizes
        given = layer.constraints.spatial if layer.constraints else None
        if given is None:
            ctx.diagnostics.layer_error(
                f"layer @{layer.symbol}: no spatial mapping given; add a spatial_mapping for it (by name, operator "
                f"type or 'default') to the mapping file", layer.loc)
            return layer
        unknown = [u.array_dim for u in given.unrolls if u.array_dim not in array]
        if unknown:
            ctx.diagnostics.layer_error(
                f"layer @{layer.symbol}: spatial mapping uses array dimension(s) {', '.join(unknown)} that "
                f"@{layer.symbol}'s accelerator does not have (it has {', '.join(array)})", given.loc)
            return layer
        capped = capped_spatial(given, layer.dims, array)
        view = layer_view(layer, operand_shapes(layer, shapes))
        unrolling = [(u.array_dim, [(lp.dim, lp.factor or 1) for lp in u.loops]) for u in capped.unrolls]
        limited, limits = limit_unrolling(view, module.accelerator, unrolling)
        for limit in limits:
            ctx.diagnostics.warning(
                f"layer @{layer.symbol}: unrolling of {limit.dim} on {limit.array_dim} limited from {limit.factor} "
                f"to {limit.limited_to} by the {limit.reason} of @{limit.memory}", capped.loc)
        unrolls = tuple(SpatialUnroll(u.array_dim, tuple(Loop(d, f, lp.loc) for (d, f), lp in zip(loops, u.loops)),
                                      u.loc) for u, (_, loops) in zip(capped.unrolls, limited))
        return replace(layer, spatial=Spatial(unrolls, capped.loc))
