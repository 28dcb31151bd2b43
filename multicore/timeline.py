"""Busy intervals of an exclusive resource (a core, a link, a bus, the off-chip port), and the
earliest window several of them share."""

from __future__ import annotations

from bisect import insort


class Timeline:
    def __init__(self) -> None:
        self.busy: list[tuple[int, int]] = []  # sorted, disjoint [start, end)

    def earliest(self, ready: int, duration: int) -> int:
        """The first start >= ready of a free window of `duration` cycles."""
        start = ready
        for lo, hi in self.busy:
            if hi <= start:
                continue
            if lo >= start + duration:
                break
            start = hi
        return start

    def book(self, start: int, end: int) -> None:
        if end > start:
            insort(self.busy, (start, end))


def common_window(timelines: list[Timeline], ready: int, duration: int) -> int:
    """The first start >= ready at which every timeline is free for `duration` cycles."""
    start = ready
    while True:
        moved = max(timeline.earliest(start, duration) for timeline in timelines) if timelines else start
        if moved == start:
            return start
        start = moved
