"""A seeded search over which cores run each layer's inter-core parts, scored by the list
scheduler (latency, energy), returning the Pareto set and the point the objective picks.

Small spaces are enumerated (exact). Larger ones get an elitist genetic search in the spirit
of Stream's NSGA-II: each generation keeps the non-dominated allocations found so far and
mutates them (one layer moved to another capable core, or two layers swapped); every choice
draws from one `random.Random(seed)`, so the same seed gives the same answer."""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import product

from dsec.compiler.diagnostics import error
from dsec.dialect.ops import Module
from dsec.multicore.evaluate import cn_costs
from dsec.multicore.ir import plan_of
from dsec.multicore.plan import FUSED, cn_allocation, cn_priority
from dsec.multicore.scheduler import list_schedule
from dsec.multicore.tiling import tile_layers

Genome = tuple[tuple[int, ...], ...]  # per layer, the core of each inter-core part


@dataclass(frozen=True)
class Point:
    genome: Genome
    latency: int
    energy: float


@dataclass(frozen=True)
class SearchResult:
    pareto: tuple[Point, ...]  # by latency
    chosen: dict[str, tuple[int, ...]]  # layer symbol -> cores
    layers: tuple[str, ...]
    evaluated: int

    def describe(self) -> str:
        return "; ".join(f"({p.latency}, {p.energy:.4g}, {list(map(list, p.genome))})" for p in self.pareto)


def pareto_front(points: list[Point]) -> list[Point]:
    front = [p for p in points if not any(q.latency <= p.latency and q.energy <= p.energy and
                                          (q.latency, q.energy) != (p.latency, p.energy) for q in points)]
    unique = {(p.latency, p.energy): p for p in sorted(front, key=lambda p: p.genome, reverse=True)}
    return sorted(unique.values(), key=lambda p: (p.latency, p.energy, p.genome))


def _score(point: Point, objective: str) -> tuple:
    value = {"latency": point.latency, "energy": point.energy, "edp": point.latency * point.energy}[objective]
    return value, point.latency, point.energy, point.genome


def search_allocation(module: Module, seed: int, generations: int, population: int, objective: str) -> SearchResult:
    hardware = module.multicore
    plan = plan_of(module)
    graph = tile_layers(module, plan.tilings)
    layers = tuple(layer.symbol for layer in module.layers())
    op_types = {layer.symbol: layer.op_type for layer in module.layers()}
    choices = []
    for symbol in layers:
        capable = tuple(core.id for core in hardware.cores_for(op_types[symbol]))
        if not capable:
            raise error(f"no core runs layer @{symbol} ({op_types[symbol]})", module.loc)
        choices.append([capable] * len(plan.cores[symbol]))
    if generations < 1 or population < 2:
        raise error("allocate-cores: the search needs generations >= 1 and population >= 2", module.loc)
    seen: dict[Genome, Point] = {}

    def evaluate(genome: Genome) -> Point:
        if genome not in seen:
            cores = dict(zip(layers, genome))
            allocation = cn_allocation(graph, plan.__class__(plan.tilings, cores, FUSED))
            costs = cn_costs(module, hardware, graph, allocation)
            schedule = list_schedule(hardware, graph, allocation, costs, cn_priority(graph, FUSED))
            seen[genome] = Point(genome, schedule.latency, schedule.energy()["total"])
        return seen[genome]

    flat = [options for layer in choices for options in layer]
    space = 1
    for options in flat:
        space *= len(options)
    shape = [len(layer) for layer in choices]
    if space <= generations * population:
        for assignment in product(*flat):
            evaluate(_genome(assignment, shape))
    else:
        rng = random.Random(seed)
        start = _genome(tuple(plan.cores[s][i] if plan.cores[s][i] in flat[k] else flat[k][0]
                              for k, (s, i) in enumerate((s, i) for s in layers for i in range(len(plan.cores[s])))),
                        shape)
        parents = [evaluate(start)]
        for _ in range(generations):
            for _ in range(population):
                evaluate(_mutate(rng.choice(parents).genome, flat, shape, rng))
            parents = pareto_front(list(seen.values()))
    front = pareto_front(list(seen.values()))
    best = min(front, key=lambda p: _score(p, objective))
    return SearchResult(tuple(front), dict(zip(layers, best.genome)), layers, len(seen))


def _genome(assignment: tuple[int, ...], shape: list[int]) -> Genome:
    genome, at = [], 0
    for size in shape:
        genome.append(tuple(assignment[at:at + size]))
        at += size
    return tuple(genome)


def _mutate(genome: Genome, flat: list[tuple[int, ...]], shape: list[int], rng: random.Random) -> Genome:
    genes = [core for layer in genome for core in layer]
    if len(genes) > 1 and rng.random() < 0.3:
        a, b = rng.sample(range(len(genes)), 2)
        if genes[b] in flat[a] and genes[a] in flat[b]:
            genes[a], genes[b] = genes[b], genes[a]
            return _genome(tuple(genes), shape)
    gene = rng.randrange(len(genes))
    genes[gene] = rng.choice(flat[gene])
    return _genome(tuple(genes), shape)
