"""`temporal-tile`: the temporal loop nest of each unrolled layer.

This pass applies the temporal_ordering the mapping file gives (innermost
loop first). A `*` factor takes what is left of its dimension, so an ordering
that lists every remaining dimension once with `*` is complete too. What the
spatial unrolling leaves of a dimension is ceil(dim / unrolled): a
non-dividing unrolling adds a partly idle last iteration. A layer whose
ordering is missing or does not cover its loops is an error for that layer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import ceil, prod

from dsec.compiler.pass_base import Pass, PassContext, rewrite_layers
from dsec.dialect.attributes import Loop, Nest
from dsec.dialect.ops import LayerOp, Module


def temporal_sizes(layer: LayerOp) -> dict[str, int]:
    """Iterations each dimension needs in time after the spatial unrolling."""
    unrolled = layer.spatial.factors() if layer.spatial else {}
    sizes = {dim: ceil(size / unrolled.get(dim, 1)) for dim, size in layer.dims.items()}
    return {dim: size for dim, size in sizes.items() if size > 1}


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


@dataclass
class TemporalTilePass(Pass):
    name = "temporal-tile"
    summary = "Order the temporal loops as the mapping file's temporal_ordering says"

    def run(self, module: Module, ctx: PassContext) -> Module:
        return rewrite_layers(module, lambda layer: self._tile(layer, ctx)
                              if layer.spatial is not None and layer.nest is None else layer)

    def _tile(self, layer: LayerOp, ctx: PassContext) -> LayerOp:
        sizes = temporal_sizes(layer)
        order = layer.constraints.order if layer.constraints else None
        if order is None:
            if sizes:
                ctx.diagnostics.layer_error(
                    f"layer @{layer.symbol}: no temporal_ordering given; list its loops "
                    f"({', '.join(f'{d} = {s}' for d, s in sizes.items())}) innermost first in the mapping file",
                    layer.loc)
                return layer
            return replace(layer, nest=Nest(()))
        loops, problem = complete_order(order, sizes)
        if problem is not None:
            ctx.diagnostics.layer_error(f"layer @{layer.symbol}: temporal_ordering does not cover the loops left "
                                        f"after the spatial unrolling: {problem}", layer.constraints.loc)
            return layer
        assert prod(lp.factor or 1 for lp in loops) == prod(sizes.values())
        return replace(layer, nest=Nest(tuple(loops)))
