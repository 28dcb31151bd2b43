"""An independent check of a schedule: what must hold whatever scheduler made it. A violation
is a bug in the scheduler, never a result; `check_schedule` returns every one it finds."""

from __future__ import annotations

from math import ceil

from dsec.multicore.cn_cost import CNCost
from dsec.dialect.multicore import MultiCore
from dsec.multicore.schedule_types import Schedule
from dsec.multicore.tiling import CNGraph


def _overlapping(intervals: list[tuple[int, int, str]]) -> list[str]:
    found = []
    ordered = sorted(intervals)
    for (s1, e1, a), (s2, e2, b) in zip(ordered, ordered[1:]):
        if s2 < e1:
            found.append(f"{a} [{s1}, {e1}) overlaps {b} [{s2}, {e2})")
    return found


def check_schedule(schedule: Schedule, hardware: MultiCore, graph: CNGraph, allocation: dict[int, int],
                   costs: dict[int, CNCost]) -> list[str]:
    problems: list[str] = []
    slots = {s.cn: s for s in schedule.slots}
    if sorted(slots) != [cn.id for cn in graph.cns] or len(schedule.slots) != len(graph.cns):
        problems.append("not every CN is scheduled exactly once")
        return problems
    for slot in schedule.slots:
        if slot.core != allocation[slot.cn]:
            problems.append(f"CN {slot.cn} runs on core {slot.core}, allocated to {allocation[slot.cn]}")
        if slot.end - slot.start != costs[slot.cn].latency or slot.start < 0:
            problems.append(f"CN {slot.cn} takes {slot.end - slot.start} cycles, costed {costs[slot.cn].latency}")
    # No core runs two CNs at once.
    for core in hardware.cores:
        problems += [f"core {core.id}: {p}" for p in _overlapping(
            [(s.start, s.end, f"CN {s.cn}") for s in schedule.slots if s.core == core.id and s.end > s.start])]
    problems += _check_transfers(schedule, hardware)
    problems += _check_arrivals(schedule, graph, slots, hardware)
    problems += _check_memory(schedule)
    return problems


def _check_transfers(schedule: Schedule, hardware: MultiCore) -> list[str]:
    """Every transfer follows a path of connections from its source to its target, no faster than
    the narrowest of them, and no connection or port carries two transfers at once."""
    problems = []
    connections = {c.name: c for c in hardware.connections}
    port = f"{hardware.core(hardware.offchip).name}.port"
    use: dict[str, list[tuple[int, int, str]]] = {}
    for t in schedule.transfers:
        links = [connections[r] for r in t.resources if r in connections]
        at = t.source
        for index, link in enumerate(links):
            if at not in link.cores:
                problems.append(f"transfer of {t.tensor} leaves core {at} over {link.name}, which does not reach it")
                break
            if index == len(links) - 1:
                at = t.target if t.target in link.cores else at
            else:
                shared = [c for c in link.cores if c != at and c in links[index + 1].cores]
                at = shared[0] if shared else at
        if at != t.target and t.source != t.target:
            problems.append(f"transfer of {t.tensor} from core {t.source} does not reach core {t.target}")
        widths = [c.bandwidth for c in links]
        if hardware.offchip in (t.source, t.target):
            if port not in t.resources:
                problems.append(f"transfer of {t.tensor} reaches DRAM without the off-chip port")
            widths.append(hardware.core(hardware.offchip).port_bandwidth())
        if widths and t.end - t.start < ceil(t.bits / min(widths)):
            problems.append(f"transfer of {t.tensor} moves {t.bits} bits in {t.end - t.start} cycles, faster than "
                            f"{min(widths)} bits per cycle")
        for resource in t.resources:
            if t.end > t.start:
                use.setdefault(resource, []).append((t.start, t.end, f"transfer of {t.tensor}"))
    for resource, intervals in use.items():
        problems += [f"{resource}: {p}" for p in _overlapping(intervals)]
    return problems


def _check_arrivals(schedule: Schedule, graph: CNGraph, slots: dict, hardware: MultiCore) -> list[str]:
    """Every CN starts after its producers end and its inputs are in its core's memory, and
    stays there until it ends; transfers leave from a copy that holds the tensor, or from DRAM
    once it is there."""
    problems = []
    copies: dict[tuple[str, int], list] = {}
    for r in schedule.residencies:
        copies.setdefault((r.tensor, r.core), []).append(r)
    in_dram = {name: 0 for name, t in graph.tensors.items() if t.producer is None}
    for t in sorted(schedule.transfers, key=lambda t: t.end):
        if t.target == hardware.offchip:
            in_dram[t.tensor] = min(in_dram.get(t.tensor, t.end), t.end)
    arrivals = {(t.tensor, t.target): t for t in schedule.transfers if t.target != hardware.offchip}
    for producer, consumer, _ in graph.edges:
        if slots[consumer].start < slots[producer].end:
            problems.append(f"CN {consumer} starts at {slots[consumer].start}, before CN {producer} ends")
    for cn in graph.cns:
        slot = slots[cn.id]
        for tensor in cn.inputs:
            held = [r for r in copies.get((tensor, slot.core), []) if r.start <= slot.start and r.end >= slot.end]
            if not held:
                problems.append(f"CN {cn.id} on core {slot.core} reads {tensor}, not held there during "
                                f"[{slot.start}, {slot.end})")
            arrival = arrivals.get((tensor, slot.core))
            if arrival is not None and arrival.end > slot.start and not any(r.home for r in held):
                problems.append(f"CN {cn.id} starts at {slot.start}, before {tensor} arrives at {arrival.end}")
    for t in schedule.transfers:
        if t.source == hardware.offchip:
            if in_dram.get(t.tensor, 1 << 62) > t.start:
                problems.append(f"transfer of {t.tensor} leaves DRAM at {t.start}, before it is there")
        elif not any(r.start <= t.start and r.end >= t.end for r in copies.get((t.tensor, t.source), [])):
            problems.append(f"transfer of {t.tensor} leaves core {t.source}, which does not hold it then")
        producer = graph.tensors[t.tensor].producer
        if producer is not None and t.start < slots[producer].end:
            problems.append(f"transfer of {t.tensor} starts before CN {producer} writes it")
    for cn in graph.sinks:
        if graph.cns[cn].output not in in_dram:
            problems.append(f"sink CN {cn}'s output never reaches DRAM")
    return problems


def _check_memory(schedule: Schedule) -> list[str]:
    """No core's memory holds more than its capacity at any moment."""
    problems = []
    for core, capacity in schedule.capacities.items():
        events = []
        for r in schedule.residencies:
            if r.core == core and r.end is not None and r.end > r.start:
                events += [(r.start, r.bits), (r.end, -r.bits)]
            elif r.core == core and r.end is None:
                problems.append(f"core {core}: {r.tensor} is never released")
        held = 0
        for time, change in sorted(events, key=lambda e: (e[0], e[1])):
            held += change
            if held > capacity:
                problems.append(f"core {core} holds {held} bits at cycle {time}, more than its {capacity}")
                break
    return problems
