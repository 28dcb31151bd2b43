"""Shortest paths between cores over links and buses: every path with the fewest hops (a bus
is one hop between any two of its cores), so the scheduler can take the one free earliest."""

from __future__ import annotations

from functools import lru_cache

from dsec.dialect.multicore import MultiCore

MAX_PATHS = 16  # shortest paths kept per pair; meshes have few


def neighbours(hardware: MultiCore) -> dict[int, list[tuple[int, int]]]:
    """core -> [(other core, connection index)], in connection order."""
    graph: dict[int, list[tuple[int, int]]] = {}
    for connection in hardware.connections:
        for a in connection.cores:
            for b in connection.cores:
                if a != b:
                    graph.setdefault(a, []).append((b, connection.index))
    return graph


def shortest_paths(hardware: MultiCore, source: int, target: int) -> tuple[tuple[int, ...], ...]:
    """Every fewest-hop path from `source` to `target` as connection indices, in a fixed order."""
    return _paths(hardware, source, target)


@lru_cache(maxsize=4096)
def _paths(hardware: MultiCore, source: int, target: int) -> tuple[tuple[int, ...], ...]:
    if source == target:
        return ((),)
    graph = neighbours(hardware)
    distance = {target: 0}
    frontier = [target]
    while frontier:  # distances to the target, so the walk below only steps closer
        following = []
        for core in frontier:
            for other, _ in graph.get(core, ()):
                if other not in distance:
                    distance[other] = distance[core] + 1
                    following.append(other)
        frontier = following
    if source not in distance:
        return ()
    paths: list[tuple[int, ...]] = []

    def walk(core: int, taken: tuple[int, ...]) -> None:
        if len(paths) >= MAX_PATHS:
            return
        if core == target:
            paths.append(taken)
            return
        for other, connection in graph.get(core, ()):
            if distance.get(other) == distance[core] - 1:
                walk(other, taken + (connection,))

    walk(source, ())
    return tuple(paths)
