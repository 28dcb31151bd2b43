"""`strip`: remove what the mapping passes added, to map a module again."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from dsec.compiler.pass_base import Pass, PassContext, option
from dsec.dialect.ops import LayerOp, Module

# What each mapping stage adds, in pipeline order. Keeping a stage keeps the
# ones before it: a nest only makes sense for the spatial mapping it was built on.
STAGES = ("none", "spatial", "nest", "buffers")


@dataclass
class StripPass(Pass):
    name = "strip"
    summary = "Remove mapping results after a stage: spatial unrolling, temporal nest, buffers, cost"

    keep: Literal["none", "spatial", "nest", "buffers"] = option(
        "none", "the last mapping stage to keep; everything after it (and the cost) is dropped")
    constraints: bool = option(False, "drop the mapping-file requirements too")

    def run(self, module: Module, ctx: PassContext) -> Module:
        return replace(module, ops=tuple(self._strip(op) if isinstance(op, LayerOp) else op for op in module.ops))

    def _strip(self, layer: LayerOp) -> LayerOp:
        kept = STAGES.index(self.keep)
        nest = layer.nest
        if nest is not None and kept < STAGES.index("buffers"):
            nest = replace(nest, buffers=())
        return replace(
            layer,
            cost=None,
            nest=nest if kept >= STAGES.index("nest") else None,
            spatial=layer.spatial if kept >= STAGES.index("spatial") else None,
            constraints=None if self.constraints else layer.constraints,
        )
