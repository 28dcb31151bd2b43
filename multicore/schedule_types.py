"""What a schedule is: CNs placed on cores in time, transfers on links and the off-chip port,
and the time each tensor occupies each core's memory."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Slot:
    cn: int
    core: int
    start: int
    end: int
    energy: float  # pJ, the CN's own (from dsec's cost model on its core)


@dataclass(frozen=True)
class Transfer:
    tensor: str
    bits: int
    source: int  # core id (the off-chip core for DRAM)
    target: int
    start: int
    end: int
    resources: tuple[str, ...]  # connections, then the off-chip port when DRAM is an end
    why: str  # input, sink (output to DRAM) or evict
    link_energy: float  # pJ
    memory_energy: float  # pJ, reading at the source and writing at the target (DRAM excluded)
    offchip_energy: float  # pJ, DRAM reads and writes


@dataclass
class Residency:
    """A tensor in a core's memory from `start` to `end` (None while the scheduler runs: still needed)."""

    tensor: str
    core: int
    bits: int
    start: int
    end: int | None = None
    pinned_until: int = 0  # the last scheduled use: a CN reading it or a transfer out of it
    home: bool = False  # the producer's copy, where its CN wrote it


@dataclass(frozen=True)
class Schedule:
    slots: tuple[Slot, ...]
    transfers: tuple[Transfer, ...]
    residencies: tuple[Residency, ...]
    capacities: dict[int, int] = field(default_factory=dict)  # core id -> bits

    @property
    def latency(self) -> int:
        return max([s.end for s in self.slots] + [t.end for t in self.transfers] + [0])

    def energy(self) -> dict[str, float]:
        """Energy in pJ by kind, and the total."""
        parts = {"cn": sum(s.energy for s in self.slots),
                 "links": sum(t.link_energy for t in self.transfers),
                 "memory_ends": sum(t.memory_energy for t in self.transfers),
                 "offchip": sum(t.offchip_energy for t in self.transfers)}
        return {**parts, "total": sum(parts.values())}


def occupancy(schedule: Schedule) -> dict[int, list[tuple[int, int]]]:
    """Per core, the bits its memory holds from each time on: (time, bits) at every change."""
    steps: dict[int, list[tuple[int, int]]] = {}
    for core in schedule.capacities:
        changes: dict[int, int] = {}
        for r in schedule.residencies:
            if r.core == core and r.end is not None and r.end > r.start:
                changes[r.start] = changes.get(r.start, 0) + r.bits
                changes[r.end] = changes.get(r.end, 0) - r.bits
        held, line = 0, [(0, 0)]
        for time in sorted(changes):
            held += changes[time]
            if line[-1][0] == time:
                line[-1] = (time, held)
            elif line[-1][1] != held:
                line.append((time, held))
        steps[core] = line
    return steps
