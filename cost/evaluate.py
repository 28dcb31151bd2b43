"""One layer's cost from a complete mapping (spatial unrolling + placed nest)."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, prod

from dsec.cost.energy import access_energy, mac_energy, operand_accesses, port_for
from dsec.cost.latency import (Latency, double_buffered, loading_cycles, memory_utilization, offloading_cycles,
                               onloading_cycles, stall_cycles, systolic_drain)
from dsec.cost.levels import LoopList, effective_unrolling, operand_levels, operand_signature, temporal_levels
from dsec.cost.traffic import OperandTraffic, operand_traffic
from dsec.cost.workload import LayerView, layer_view
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Spatial
from dsec.dialect.ops import LayerOp
from dsec.imc.cost import WEIGHTS, cycles_per_op, macro_energy, runs_in_macro


@dataclass(frozen=True, slots=True)
class LayerCost:
    macs: int
    mac_energy: float
    # {memory: {operand: {direction: pJ}}}
    memory_energy: dict[str, dict[str, dict[str, float]]]
    # {memory: {operand: {direction: word accesses}}}
    accesses: dict[str, dict[str, dict[str, int]]]
    latency: Latency
    # {memory: {operand: fraction of the memory one tile fills}}
    memory_utilization: dict[str, dict[str, float]]
    # IMC arrays: pJ per macro component (mac_energy is their sum)
    mac_energy_breakdown: dict[str, float] | None = None

    @property
    def energy(self) -> float:
        return self.mac_energy + sum(e for ops in self.memory_energy.values() for d in ops.values()
                                     for e in d.values())

    @property
    def spatial_utilization(self) -> float:
        """Busy PEs on average while the temporal loops run."""
        return self.latency.ideal_cycles / self.latency.temporal_cycles

    @property
    def utilization(self) -> float:
        """MACs / (PEs x latency): how close to the array's bound the layer runs."""
        return self.latency.ideal_cycles / self.latency.total


@dataclass(frozen=True, slots=True)
class _OperandParts:
    """One operand's traffic with its word accesses and energy per memory
    level (None when only the latency needs the traffic)."""

    traffic: OperandTraffic
    accesses: list[dict[str, int]] | None
    energy: list[dict[str, float]] | None


def _operand_parts(view: LayerView, spatial: Spatial, temporal: dict[str, list[LoopList]], accelerator: Accelerator,
                   fractional: bool, cache: dict | None, signatures: dict[str, tuple] | None
                   ) -> dict[str, _OperandParts]:
    """Per operand: its traffic under the unrolling (`fractional`: energy's
    average busy PEs, else latency's whole PEs), with accesses and energy
    for the fractional one. `cache` keeps them by the operand's signature."""
    unrolling = effective_unrolling(spatial, view.dims, accelerator.array_sizes, fractional)
    result = {}
    for index, operand in enumerate(view.operands):
        key = None
        if cache is not None:
            key = (operand.name, fractional, signatures[operand.name])
            if key in cache:
                result[operand.name] = cache[key]
                continue
        levels = operand_levels(view, operand, accelerator, temporal[operand.name], unrolling)
        lowest = levels.memories[0] if levels.memories else None
        port = port_for(lowest, operand.memory_operand, "tl") if lowest is not None else None
        traffic = operand_traffic(view, levels, index == 0, port.bandwidth_max if port else None)
        accesses = energy = None
        if fractional:
            accesses = operand_accesses(traffic)
            energy = [access_energy(counts, memory) for memory, counts in zip(levels.memories, accesses)]
        result[operand.name] = _OperandParts(traffic, accesses, energy)
        if cache is not None:
            cache[key] = result[operand.name]
    return result


def drain_cycles(view: LayerView, accelerator: Accelerator, spatial: Spatial) -> int:
    """Cycles the last results take to leave a systolic array."""
    per_array_dim = {u.array_dim: prod(min(lp.factor or 1, view.dims.get(lp.dim, 1)) for lp in u.loops)
                     for u in spatial.unrolls}
    return systolic_drain(accelerator, per_array_dim)


def evaluate_layer(layer: LayerOp, accelerator: Accelerator,
                   shapes: dict[str, tuple[int | None, ...] | None]) -> LayerCost:
    """Energy and latency of a mapped layer. `shapes`: each input operand's
    tensor shape (sliding windows are cut at the tensor's edges)."""
    assert layer.spatial is not None and layer.nest is not None
    view = layer_view(layer, shapes)
    temporal = {op.name: temporal_levels(layer.nest, accelerator.hierarchy(op.memory_operand), op.name)
                for op in view.operands}
    return evaluate_mapping(view, accelerator, layer.spatial, temporal)


def energy_only(view: LayerView, accelerator: Accelerator, spatial: Spatial, temporal: dict[str, list[LoopList]],
                traffic_cache: dict, signatures: dict[str, tuple]) -> float:
    """evaluate_mapping(...).energy (summed in another order, so equal up to
    float rounding) without the latency, which needs all operands at once:
    a search can drop a placement whose energy alone is already worse."""
    parts_of = _operand_parts(view, spatial, temporal, accelerator, True, traffic_cache, signatures)
    breakdown = _macro_breakdown(view, accelerator, spatial, temporal, parts_of)
    total = mac_energy(view.macs, accelerator.unit_energy) if breakdown is None else sum(breakdown.values())
    for parts in parts_of.values():
        for energy in parts.energy:
            total += sum(energy.values())
    return total


def _macro_breakdown(view: LayerView, accelerator: Accelerator, spatial: Spatial, temporal: dict[str, list[LoopList]],
                     energy_parts: dict[str, _OperandParts]) -> dict[str, float] | None:
    """An IMC array's MAC energy per component (None for a PE array; empty
    for a layer the macro does not compute: imc.cost.runs_in_macro)."""
    if accelerator.imc is None:
        return None
    if not runs_in_macro(view):
        return {}
    weight = next(op for op in view.inputs if op.memory_operand == WEIGHTS)
    reads = energy_parts[weight.name].traffic.transfers[0]["tl"].elements
    return macro_energy(view, accelerator, spatial, temporal[weight.name][0] if temporal[weight.name] else (), reads)


def evaluate_mapping(view: LayerView, accelerator: Accelerator, spatial: Spatial,
                     temporal: dict[str, list[LoopList]], traffic_cache: dict | None = None,
                     signatures: dict[str, tuple] | None = None) -> LayerCost:
    """Energy and latency of a layer under `spatial` with each operand's
    temporal loops per memory level (innermost first), as memory-alloc places them.
    `traffic_cache` (one per layer and spatial unrolling) keeps each operand's
    data movement by its levels' signatures (`signatures`, per operand, when
    the caller has them): a search meets the same ones often."""
    if traffic_cache is not None and signatures is None:
        signatures = {op.name: operand_signature(temporal[op.name], op) for op in view.operands}
    # Energy counts the average busy PEs of a non-dividing unrolling; latency
    # the whole PEs (ZigZag's spatial_mapping vs spatial_mapping_int).
    energy_parts = _operand_parts(view, spatial, temporal, accelerator, True, traffic_cache, signatures)
    latency_parts = _operand_parts(view, spatial, temporal, accelerator, False, traffic_cache, signatures)
    energy_traffic = {name: parts.traffic for name, parts in energy_parts.items()}
    breakdown = _macro_breakdown(view, accelerator, spatial, temporal, energy_parts)
    latency_traffic = {name: parts.traffic for name, parts in latency_parts.items()}

    memory_energy: dict[str, dict[str, dict[str, float]]] = {}
    accesses: dict[str, dict[str, dict[str, int]]] = {}
    for name, parts in energy_parts.items():
        for memory, counts, energy in zip(parts.traffic.levels.memories, parts.accesses, parts.energy):
            accesses.setdefault(memory.name, {})[name] = counts
            memory_energy.setdefault(memory.name, {})[name] = energy

    order = [op.name for op in view.operands]
    flags = double_buffered(energy_traffic, order)
    by_memory_operand = {op.memory_operand: op.name for op in view.operands}
    # A bit-serial IMC macro takes Pa / B cycles per MAC: the windows and
    # periods of transfers stretch, a transfer itself does not.
    per_op = cycles_per_op(accelerator, view)
    stall = stall_cycles(accelerator, latency_traffic, flags, by_memory_operand, per_op)
    temporal = latency_traffic[view.output.name].total_cycles
    loads = loading_cycles(accelerator, latency_traffic, view.output.name, by_memory_operand,
                           ceil(temporal * per_op) + stall, per_op)
    memory_counts = {name: len(t.levels.memories) for name, t in latency_traffic.items()}
    latency = Latency(
        ideal_cycles=ceil(ceil(view.macs / accelerator.num_pes) * per_op),
        temporal_cycles=temporal * per_op,
        stall_cycles=stall,
        onloading_cycles=onloading_cycles(loads, [op.name for op in view.inputs], memory_counts),
        offloading_cycles=offloading_cycles(loads, view.output.name, memory_counts[view.output.name]),
        drain_cycles=drain_cycles(view, accelerator, spatial),
    )
    utilization: dict[str, dict[str, float]] = {}
    for (name, memory), fraction in memory_utilization(energy_traffic, effective=False).items():
        utilization.setdefault(memory, {})[name] = fraction
    mac = mac_energy(view.macs, accelerator.unit_energy) if breakdown is None else sum(breakdown.values())
    return LayerCost(view.macs, mac, memory_energy, accesses, latency, utilization, breakdown)
