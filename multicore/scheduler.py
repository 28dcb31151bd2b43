"""The list scheduler (Stream's model): CNs in priority order among those whose producers are
scheduled; each starts when its core is free, its inputs have arrived and its output fits.

Inputs move as whole producer-CN outputs (a tensor), once per core that reads them, over the
fewest-hop path free earliest (every link of the path held for the whole transfer, at the
narrowest bandwidth on it). Weights and graph inputs start in DRAM, behind the off-chip port.
A core's memory holds what arrives until its last reader there ends; when a tensor does not
fit, copies no scheduled use needs are evicted (written to DRAM first unless DRAM has them).
Outputs of sink layers are written to DRAM. Ties break by CN id: the result is deterministic.
"""

from __future__ import annotations

import heapq
from math import ceil

from dsec.compiler.diagnostics import error
from dsec.multicore.cn_cost import CNCost
from dsec.dialect.multicore import MultiCore
from dsec.multicore.memory import CoreMemory
from dsec.multicore.routing import shortest_paths
from dsec.multicore.schedule_types import Residency, Schedule, Slot, Transfer
from dsec.multicore.tiling import CNGraph
from dsec.multicore.timeline import Timeline, common_window


class _State:
    def __init__(self, hardware: MultiCore, graph: CNGraph, allocation: dict[int, int], priority: dict[int, tuple]):
        self.hw, self.graph, self.allocation, self.priority = hardware, graph, allocation, priority
        self.cores = {c.id: Timeline() for c in hardware.cores}
        self.resources = {c.name: Timeline() for c in hardware.connections}
        self.port = f"{hardware.core(hardware.offchip).name}.port"
        self.resources[self.port] = Timeline()
        self.memory = {c.id: CoreMemory(c.id, None if c.id == hardware.offchip else c.capacity_bits)
                       for c in hardware.cores}
        self.in_dram = {name: 0 for name, t in graph.tensors.items() if t.producer is None}
        self.produced: dict[str, int] = {}  # tensor -> end of its CN
        self.readers = {name: set(graph.consumers(name)) for name in graph.tensors}  # not yet scheduled
        self.slots: list[Slot] = []
        self.transfers: list[Transfer] = []
        # Looked up per transfer, so kept here (routing's lru_cache hashes the whole hardware per call).
        self.paths: dict[tuple[int, int], tuple[tuple[int, ...], ...]] = {}
        self.bandwidths = {c.name: c.bandwidth for c in hardware.connections}
        self.bandwidths[self.port] = hardware.core(hardware.offchip).port_bandwidth()
        self.arrivals: dict[tuple[str, int, int], int] = {}  # (tensor, target, start) -> end of its first transfer

    # ---- transfers --------------------------------------------------------------------
    def move(self, tensor: str, source: int, target: int, ready: int, why: str) -> Transfer:
        """Book the transfer on the path free earliest (ties: the first path)."""
        bits = self.graph.tensors[tensor].bits
        paths = self.paths.get((source, target))
        if paths is None:
            paths = self.paths[source, target] = shortest_paths(self.hw, source, target)
        if not paths:
            raise error(f"no path from core {source} to core {target} in core_connectivity", self.hw.loc)
        best = None
        for path in paths:
            names = tuple(self.hw.connections[i].name for i in path)
            if self.hw.offchip in (source, target):
                names += (self.port,)
            duration = ceil(bits / min(self.bandwidths[n] for n in names)) if names else 0
            start = common_window([self.resources[n] for n in names], ready, duration)
            if best is None or start + duration < best[0] + best[1]:
                best = (start, duration, names, path)
        start, duration, names, path = best
        for name in names:
            self.resources[name].book(start, start + duration)
        transfer = Transfer(tensor, bits, source, target, start, start + duration, names, why,
                            *self._energy(bits, source, target, path))
        self.transfers.append(transfer)
        self.arrivals.setdefault((tensor, target, start), transfer.end)
        return transfer

    def _energy(self, bits: int, source: int, target: int, path: tuple[int, ...]) -> tuple[float, float, float]:
        links = bits * sum(self.hw.connections[i].unit_energy for i in path)
        memory = offchip = 0.0
        for core_id, per_bit in ((source, self.hw.core(source).read_pj_per_bit),
                                 (target, self.hw.core(target).write_pj_per_bit)):
            if core_id == self.hw.offchip:
                offchip += bits * per_bit
            else:
                memory += bits * per_bit
        return links, memory, offchip

    # ---- memory -----------------------------------------------------------------------
    def make_room(self, core: int, bits: int, time: int, protected: set[str]) -> int:
        """The first time >= `time` from which `bits` more fit on `core`, evicting as needed."""
        memory = self.memory[core]
        if memory.capacity is not None and bits > memory.capacity:
            raise error(f"a tensor of {bits} bits does not fit in core {core}'s {memory.capacity}-bit memory; "
                        f"tile the layer finer (intra_core_tiling)", self.hw.loc)
        while not memory.fits(bits, time):
            victims = memory.evictable(time, protected)
            if victims:
                victim = max(victims, key=lambda r: (r.tensor in self.in_dram, self._next_use(r.tensor),
                                                     r.tensor))
                time = max(time, self.evict(victim, time))
                continue
            later = memory.next_release(time, protected)
            if later is None:
                raise error(f"core {core} cannot hold {bits} more bits: what it holds is still needed "
                            f"({memory.peak_from(time)} of {memory.capacity} bits); tile the layers finer",
                            self.hw.loc)
            time = later
        return time

    def _next_use(self, tensor: str) -> tuple:
        """The priority of the next CN that reads `tensor` (read last: evicted first)."""
        readers = self.readers[tensor]
        return min(self.priority[cn] for cn in readers) if readers else (1 << 60,)

    def evict(self, copy: Residency, time: int) -> int:
        """Close a copy at `time`, after writing it to DRAM if it is needed later and DRAM lacks it."""
        end = time
        if self.readers[copy.tensor] and copy.tensor not in self.in_dram:
            transfer = self.move(copy.tensor, copy.core, self.hw.offchip, max(time, copy.start), "evict")
            self.in_dram[copy.tensor] = transfer.end
            end = transfer.end
        copy.end = max(end, copy.pinned_until, copy.start)
        return copy.end

    def bring(self, tensor: str, core: int, protected: set[str]) -> int:
        """Make `tensor` present on `core`; returns when it is there."""
        here = self.memory[core].open_copy(tensor)
        if here is not None:
            return self.produced.get(tensor, here.start) if here.home else self._arrival(here)
        sources = [self.memory[c].open_copy(tensor) for c in sorted(self.memory) if c != core]
        source = next((copy for copy in sources if copy is not None), None)
        if source is None:
            ready = self.in_dram[tensor]
        else:
            ready = self.produced[tensor] if source.home else self._arrival(source)
        bits = self.graph.tensors[tensor].bits
        ready = self.make_room(core, bits, ready, protected)
        transfer = self.move(tensor, source.core if source else self.hw.offchip, core, ready, "input")
        if source is not None:
            source.pinned_until = max(source.pinned_until, transfer.end)
        self.memory[core].add(Residency(tensor, core, bits, transfer.start, None, transfer.end))
        return transfer.end

    def _arrival(self, copy: Residency) -> int:
        return self.arrivals.get((copy.tensor, copy.core, copy.start), copy.start)

    def release(self, tensor: str) -> None:
        """Close copies no unscheduled reader needs: on cores none of them runs on (the producer's
        copy stays while any reader is left, as the source of their transfers)."""
        left = {self.allocation[cn] for cn in self.readers[tensor]}
        for memory in self.memory.values():
            copy = memory.open_copy(tensor)
            if copy is None or copy.core in left or (copy.home and left):
                continue
            copy.end = max(copy.pinned_until, copy.start)

    # ---- CNs --------------------------------------------------------------------------
    def schedule_cn(self, cn_id: int, cost: CNCost) -> None:
        cn = self.graph.cns[cn_id]
        core = self.allocation[cn_id]
        protected = set(cn.inputs)
        arrived = [self.bring(tensor, core, protected) for tensor in cn.inputs]
        ready = max([self._core_free(core)] + arrived)
        out_bits = self.graph.tensors[cn.output].bits
        start = self.make_room(core, out_bits, ready, protected)
        end = start + cost.latency
        self.cores[core].book(start, end)
        self.slots.append(Slot(cn_id, core, start, end, cost.energy))
        for tensor in cn.inputs:
            copy = self.memory[core].open_copy(tensor)
            copy.pinned_until = max(copy.pinned_until, end)
            self.readers[tensor].discard(cn_id)
        output = self.memory[core].add(Residency(cn.output, core, out_bits, start, None, end, home=True))
        self.produced[cn.output] = end
        if cn_id in self.graph.sinks:
            transfer = self.move(cn.output, core, self.hw.offchip, end, "sink")
            self.in_dram[cn.output] = transfer.end
            output.pinned_until = transfer.end
        for tensor in (*cn.inputs, cn.output):
            self.release(tensor)

    def _core_free(self, core: int) -> int:
        busy = self.cores[core].busy
        return busy[-1][1] if busy else 0


def list_schedule(hardware: MultiCore, graph: CNGraph, allocation: dict[int, int], costs: dict[int, CNCost],
                  priority: dict[int, tuple]) -> Schedule:
    """Schedule every CN of `graph` on its allocated core, taking ready CNs by `priority` (lowest first)."""
    state = _State(hardware, graph, allocation, priority)
    waiting = {cn.id: len(set(graph.predecessors(cn.id))) for cn in graph.cns}
    successors: dict[int, set[int]] = {}
    for producer, consumer, _ in graph.edges:
        successors.setdefault(producer, set()).add(consumer)
    ready = [(priority[cn], cn) for cn, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    while ready:
        _, cn = heapq.heappop(ready)
        state.schedule_cn(cn, costs[cn])
        for successor in sorted(successors.get(cn, ())):
            waiting[successor] -= 1
            if waiting[successor] == 0:
                heapq.heappush(ready, (priority[successor], successor))
    if len(state.slots) != len(graph.cns):
        raise error("the CN graph has a cycle; cannot schedule it")
    for memory in state.memory.values():  # everything left is released once its last use is over
        for copy in memory.residencies:
            if copy.end is None:
                copy.end = max(copy.pinned_until, copy.start)
    capacities = {c.id: c.capacity_bits for c in hardware.cores if c.id != hardware.offchip}
    residencies = tuple(r for m in state.memory.values() for r in m.residencies if m.core != hardware.offchip)
    return Schedule(tuple(state.slots), tuple(state.transfers), residencies, capacities)
