"""Latency: ideal temporal cycles + port stalls + onloading + offloading.

Each transfer has a window in which it must finish: its whole period when the
receiving memory can double-buffer it (the tiles of all operands sharing the
memory fit twice), else the part of the period before the data is needed. A
port whose transfers do not fit their windows stalls the array; ports work in
parallel, so the worst port sets the stall. Before the first computation the
inputs are loaded through the hierarchy, and after the last the outputs are
written back; loading may borrow the spare bandwidth of the computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import ceil

from dsec.cost.traffic import OperandTraffic
from dsec.dialect.accelerator import Accelerator, Port

INPUT_MEMORY_OPERANDS = ("I1", "I2")


@dataclass(frozen=True, slots=True)
class Latency:
    ideal_cycles: int  # MACs / PEs: the array fully busy
    temporal_cycles: float  # cycles of the temporal loops
    stall_cycles: float
    onloading_cycles: float
    offloading_cycles: float
    drain_cycles: int  # systolic arrays: last results leaving the array

    @property
    def total(self) -> float:
        return self.temporal_cycles + self.stall_cycles + self.onloading_cycles + self.offloading_cycles + \
            self.drain_cycles


def memory_utilization(traffic: dict[str, OperandTraffic], effective: bool) -> dict[tuple[str, str], float]:
    """Fraction of each memory one operand's tile (or refreshed part) fills:
    {(operand, memory): fraction}."""
    result = {}
    for name, t in traffic.items():
        bits = t.effective_bits if effective else t.tile_bits
        for m, memory in enumerate(t.levels.memories):
            result[(name, memory.name)] = bits[m + 1] / memory.size
    return result


def double_buffered(traffic: dict[str, OperandTraffic], order: list[str]) -> dict[str, list[bool]]:
    """Per operand and arch level, whether the level can hold a second tile
    while the first is in use. Operands are granted the spare space in order."""
    individual = memory_utilization(traffic, effective=True)
    sharers: dict[str, list[str]] = {}
    for name in order:
        for memory in traffic[name].levels.memories:
            sharers.setdefault(memory.name, []).append(name)
    shared = {(name, mem): sum(individual[(other, mem)] for other in sharers[mem]) if len(sharers[mem]) > 1
              else individual[(name, mem)] for (name, mem) in individual}
    flags: dict[str, list[bool]] = {}
    for name in order:
        flags[name] = [False]
        for memory in traffic[name].levels.memories:
            key = (name, memory.name)
            if shared[key] <= 0.5:
                flags[name].append(True)
            elif individual[key] <= 1 - shared[key]:
                flags[name].append(True)
                if len(sharers[memory.name]) > 1:
                    for other in sharers[memory.name]:
                        shared[(other, memory.name)] += individual[key]
            else:
                flags[name].append(False)
    return flags


@dataclass(frozen=True, slots=True)
class PortActivity:
    real: int  # cycles one transfer takes on the port
    allowed: int  # cycles it may take without stalling
    period: int
    count: int

    @property
    def stall(self) -> int:
        return (self.real - self.allowed) * (self.count - 1)

    @property
    def window_total(self) -> int:
        return self.allowed * (self.count - 1)


def transfer_cycles(traffic: OperandTraffic, m: int, direction: str, port: Port | None) -> int:
    t = traffic.transfers[m][direction]
    if port is None:
        return 0
    return ceil(t.amount * t.precision / port.bandwidth_max)


def allowed_cycles(traffic: OperandTraffic, m: int, direction: str, flags: list[bool], per_op: float = 1.0) -> int:
    """`per_op`: cycles one MAC takes (an IMC macro's bit-serial slices)."""
    t = traffic.transfers[m][direction]
    receiver_double_buffered = flags[m + 1] if direction in ("th", "fh") else flags[m]
    return ceil((t.period if receiver_double_buffered else t.window) * per_op)


def window_union(activities: list[PortActivity]) -> int:
    """Cycles in which at least one of the transfers sharing a port may run."""
    for a in activities:
        if a.period == a.allowed:
            return a.period * a.count
    longest = max(activities, key=lambda a: a.period)
    busy = [False] * longest.period
    for a in activities:
        for start in range(0, longest.period, a.period):
            for cycle in range(start, min(start + a.allowed, longest.period)):
                busy[cycle] = True
    return sum(busy) * longest.count


def port_stall(activities: list[PortActivity]) -> float:
    if len(activities) == 1:
        return activities[0].stall
    positive = sum(a.stall for a in activities if a.stall > 0)
    negative = sum(a.stall for a in activities if a.stall <= 0)
    windows = sum(a.window_total for a in activities)
    return positive + max(0, negative + windows - window_union(activities))


@dataclass(frozen=True, slots=True)
class PortUse:
    """A port the layer uses and, per allocation of it the layer has, the
    (operand, level index, direction) it serves."""

    port: Port
    served: tuple[tuple[str, int, str], ...]
    shared_by_inputs: bool  # the port serves both input memory operands


@lru_cache(maxsize=256)
def port_uses(accelerator: Accelerator, by_memory_operand: tuple[tuple[str, str], ...]) -> tuple[PortUse, ...]:
    """Every port of the accelerator with what it serves for a layer whose
    memory operands map to operands as `by_memory_operand` (sorted pairs);
    the same for every order a search scores, so computed once."""
    names = dict(by_memory_operand)
    uses = []
    for memory in accelerator.memories:
        for port in memory.ports:
            served = tuple((names[memory_operand], accelerator.level(memory_operand, memory.name), direction)
                           for memory_operand, direction in port.allocation if memory_operand in names)
            shared = len({op for op, _ in port.allocation if op in INPUT_MEMORY_OPERANDS}) > 1
            uses.append(PortUse(port, served, shared))
    return tuple(uses)


def stall_cycles(accelerator: Accelerator, traffic: dict[str, OperandTraffic], flags: dict[str, list[bool]],
                 by_memory_operand: dict[str, str], per_op: float = 1.0) -> float:
    worst = 0.0
    for use in port_uses(accelerator, tuple(sorted(by_memory_operand.items()))):
        activities = []
        for name, level, direction in use.served:
            t = traffic[name].transfers[level][direction]
            if t.count == 0:
                continue
            activities.append(PortActivity(transfer_cycles(traffic[name], level, direction, use.port),
                                           allowed_cycles(traffic[name], level, direction, flags[name], per_op),
                                           ceil(t.period * per_op), t.count))
        if activities:
            worst = max(worst, port_stall(activities))
    return worst


def reduce_ordered(cycles: list[float], minimum: list[float], budget: float) -> list[float]:
    """Shorten the longest loads first, each down to its minimum, within budget."""
    result = list(cycles)
    if budget <= 0:
        return result
    for i in sorted(range(len(cycles)), key=lambda i: cycles[i], reverse=True):
        if budget <= 0:
            break
        cut = min(max(0.0, result[i] - minimum[i]), budget)
        result[i] -= cut
        budget -= cut
    return result


def loading_cycles(accelerator: Accelerator, traffic: dict[str, OperandTraffic], output: str,
                   by_memory_operand: dict[str, str], compute_cycles: float, per_op: float = 1.0
                   ) -> dict[tuple[str, int, str], tuple[float, bool]]:
    """Cycles of the first load (inputs) and last store (output) per transfer,
    with whether its port is shared by both inputs. `per_op`: cycles one MAC
    takes (the repeated transfers' bandwidth spreads over them)."""
    result: dict[tuple[str, int, str], tuple[float, bool]] = {}
    for use in port_uses(accelerator, tuple(sorted(by_memory_operand.items()))):
        port, shared = use.port, use.shared_by_inputs
        once, repeated = [], []
        for name, level, direction in use.served:
            if name == output and direction in ("tl", "fh"):
                continue  # partial sums do not flow in the final offloading
            count = traffic[name].transfers[level][direction].count
            if count == 1:
                once.append((name, level, direction))
            elif count > 1:
                repeated.append((name, level, direction))
        busy = sum(ceil(traffic[n].transfers[lv][d].average_bandwidth / per_op) for n, lv, d in repeated)
        spare = max(0.0, (port.bandwidth_max - busy) / port.bandwidth_max * compute_cycles)
        needed = [transfer_cycles(traffic[n], lv, d, port) for n, lv, d in once]
        minimum = [ceil(traffic[n].tile_bits[1] / port.bandwidth_max) for n, _, _ in once]
        for key, cycles in zip(once, reduce_ordered(needed, minimum, spare)):
            result[key] = (cycles, shared)
        for key in repeated:
            result[key] = (transfer_cycles(traffic[key[0]], key[1], key[2], port), shared)
    return result


def onloading_cycles(loads: dict[tuple[str, int, str], tuple[float, bool]], inputs: list[str],
                     memories: dict[str, int]) -> float:
    """`memories`: how many memory levels each operand has."""
    individual = {name: 0.0 for name in inputs}
    half_shared = {name: 0.0 for name in inputs}
    shared = {name: 0.0 for name in inputs}
    for name in inputs:
        for m in range(memories[name] - 1):
            upper = loads.get((name, m, "fh"), (0, False))
            lower = loads.get((name, m + 1, "tl"), (0, False))
            longest = max(upper[0], lower[0])
            if not upper[1] and not lower[1]:
                individual[name] += longest
            elif upper[1] and lower[1]:
                shared[name] += longest
            else:
                half_shared[name] = longest  # ZigZag keeps the last, not the sum
    if len(inputs) == 1:
        return individual[inputs[0]]
    a, b = inputs[0], inputs[1]
    first = shared[a] + max(shared[b] + half_shared[b] + individual[b], half_shared[a] + individual[a])
    second = shared[b] + max(shared[a] + half_shared[a] + individual[a], half_shared[b] + individual[b])
    return min(first, second)


def offloading_cycles(loads: dict[tuple[str, int, str], tuple[float, bool]], output: str, memories: int) -> float:
    """`memories`: how many memory levels the output has."""
    total = 0.0
    for m in range(memories - 1):
        total += max(loads.get((output, m, "th"), (0, False))[0], loads.get((output, m + 1, "fl"), (0, False))[0])
    return total


def systolic_drain(accelerator: Accelerator, unrolled_per_array_dim: dict[str, float]) -> int:
    return sum(max(ceil(unrolled_per_array_dim[d]) - 1, 0) for d in accelerator.systolic_dimensions
               if d in unrolled_per_array_dim)
