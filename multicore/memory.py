"""What each core's memory holds over time while the scheduler runs. A tensor still needed has
an open residency (counted as held forever); a residency closes when its last use is known."""

from __future__ import annotations

from dsec.multicore.schedule_types import Residency

FOREVER = float("inf")


class CoreMemory:
    def __init__(self, core: int, capacity: int | None):
        self.core = core
        self.capacity = capacity  # None: DRAM, unbounded
        self.residencies: list[Residency] = []
        self._by_tensor: dict[str, list[Residency]] = {}  # the same, per tensor: looked up per transfer

    def open_copy(self, tensor: str) -> Residency | None:
        return next((r for r in self._by_tensor.get(tensor, ()) if r.end is None), None)

    def peak_from(self, time: int) -> int:
        """The most bits held at any moment from `time` on."""
        events: list[tuple[float, int]] = []
        for r in self.residencies:
            end = FOREVER if r.end is None else r.end
            if end > time:
                events.append((max(r.start, time), r.bits))
                events.append((end, -r.bits))
        held = peak = 0
        for _, change in sorted(events, key=lambda e: (e[0], e[1])):  # frees before allocations at one time
            held += change
            peak = max(peak, held)
        return peak

    def fits(self, bits: int, time: int) -> bool:
        return self.capacity is None or self.peak_from(time) + bits <= self.capacity

    def evictable(self, time: int, protected: set[str]) -> list[Residency]:
        """Open copies no scheduled use needs after `time`."""
        return [r for r in self.residencies
                if r.end is None and r.pinned_until <= time and r.start <= time and r.tensor not in protected]

    def next_release(self, time: int, protected: set[str]) -> int | None:
        """The next time after `time` at which held bits can go: a closed copy ends, or an open one
        stops being used."""
        times = [r.end for r in self.residencies if r.end is not None and r.end > time]
        times += [max(r.pinned_until, r.start) for r in self.residencies
                  if r.end is None and max(r.pinned_until, r.start) > time and r.tensor not in protected]
        return min(times) if times else None

    def add(self, residency: Residency) -> Residency:
        self.residencies.append(residency)
        self._by_tensor.setdefault(residency.tensor, []).append(residency)
        return residency
