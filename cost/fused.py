"""The cost of a layer fused into its producer (passes/fuse_elementwise.py):
its compute energy only. It runs in the producer's output path as each output
element is written, so it moves no data of its own through the memories and
adds no cycles (the producer's pipeline hides one operation per element). The
producer's own cost is unchanged. On an IMC array, which computes only
weight-times-activation layers in its macro, the compute energy of such a
layer is 0, as for an unfused one (ZigZag-IMC skips them)."""

from __future__ import annotations

from dsec.cost.energy import mac_energy
from dsec.cost.workload import layer_view
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.ops import LayerOp

LATENCY_PARTS = ("ideal", "temporal", "stall", "onloading", "offloading", "drain")


def fused_cost_attribute(layer: LayerOp, accelerator: Accelerator, shapes: dict) -> dict:
    """The cost attribute of a fused layer, in cost-annotate's schema, with `fused_into`."""
    macs = layer_view(layer, shapes).macs
    energy = 0.0 if accelerator.imc is not None else round(float(mac_energy(macs, accelerator.unit_energy)), 2)
    return {
        "energy_pj": energy,
        "latency_cycles": 0,
        "macs": macs,
        "energy": {"mac": energy},
        "latency": {part: 0 for part in LATENCY_PARTS},
        "utilization": {"spatial": 0.0, "total": 0.0},
        "memory_fill": {},
        "accesses": {},
        "fused_into": layer.fused_into,
    }
