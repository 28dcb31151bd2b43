"""`cost-annotate`: energy, latency and utilization of each mapped layer.

Attaches a `cost {...}` attribute to every layer whose nest has its buffers
(and to every fused layer: its compute energy only, cost/fused.py):
total energy and its breakdown (MAC, and per memory and operand), latency and
its parts, utilizations, memory fill and word accesses per memory, operand
and direction. Values are rounded to 0.01 (pJ, cycles) or 1e-4 (fractions) so
the IR stays readable; the report reads them back from the IR.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dsec.compiler.pass_base import Pass, PassContext, rewrite_layers
from dsec.cost.evaluate import LayerCost, evaluate_layer
from dsec.cost.fused import fused_cost_attribute
from dsec.cost.locality import layer_accelerator
from dsec.dialect.ops import LayerOp, Module, operand_shapes


def _pj(value: float) -> float:
    return round(float(value), 2)


def cost_attribute(cost: LayerCost) -> dict:
    """The cost as a generic IR attribute (nested dicts of numbers)."""
    latency = cost.latency
    memory_energy = {memory: {op: _pj(sum(d.values())) for op, d in ops.items()}
                     for memory, ops in cost.memory_energy.items()}
    accesses = {memory: {op: {d: n for d, n in dirs.items() if n} for op, dirs in ops.items()}
                for memory, ops in cost.accesses.items()}
    return {
        "energy_pj": _pj(cost.energy),
        "latency_cycles": _pj(latency.total),
        "macs": cost.macs,
        "energy": {"mac": _pj(cost.mac_energy), **memory_energy},
        "latency": {"ideal": latency.ideal_cycles, "temporal": _pj(latency.temporal_cycles),
                    "stall": _pj(latency.stall_cycles), "onloading": _pj(latency.onloading_cycles),
                    "offloading": _pj(latency.offloading_cycles), "drain": latency.drain_cycles},
        "utilization": {"spatial": round(cost.spatial_utilization, 4), "total": round(cost.utilization, 4)},
        "memory_fill": {memory: {op: round(f, 4) for op, f in ops.items()}
                        for memory, ops in cost.memory_utilization.items()},
        "accesses": accesses,
        **({"macro": {part: _pj(e) for part, e in cost.mac_energy_breakdown.items()}}
           if cost.mac_energy_breakdown is not None else {}),
    }


@dataclass
class CostAnnotatePass(Pass):
    name = "cost-annotate"
    summary = "Annotate each mapped layer with energy, latency, utilization and memory traffic"

    def run(self, module: Module, ctx: PassContext) -> Module:
        shapes = module.value_shapes()
        outside_macro: list[str] = []

        def annotate(layer: LayerOp) -> LayerOp:
            if layer.fused_into is not None:
                accelerator = layer_accelerator(layer, module.accelerator)
                return replace(layer, cost=fused_cost_attribute(layer, accelerator, operand_shapes(layer, shapes)))
            if layer.nest is None or not layer.nest.buffers:
                return layer
            cost = evaluate_layer(layer, layer_accelerator(layer, module.accelerator), operand_shapes(layer, shapes))
            if cost.mac_energy_breakdown == {}:
                outside_macro.append(f"@{layer.symbol}")
            return replace(layer, cost=cost_attribute(cost))

        annotated = rewrite_layers(module, annotate)
        if outside_macro:
            ctx.diagnostics.warning(
                f"{len(outside_macro)} layers have no weights to multiply in the IMC macro (e.g. {outside_macro[0]}): "
                f"only their data movement is costed, one cycle per operation (ZigZag-IMC skips them)")
        return annotated
