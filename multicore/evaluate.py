"""One multi-core evaluation: cut the layers into CNs, cost each CN on its core, schedule."""

from __future__ import annotations

from dataclasses import dataclass

from dsec.dialect.ops import Module
from dsec.multicore.cn_cost import CNCost, CNSearch, cn_cost
from dsec.dialect.multicore import MultiCore
from dsec.multicore.plan import Plan, cn_allocation, cn_priority
from dsec.multicore.schedule_types import Schedule
from dsec.multicore.scheduler import list_schedule
from dsec.multicore.tiling import CNGraph, tile_layers


@dataclass(frozen=True)
class Evaluation:
    graph: CNGraph
    allocation: dict[int, int]
    costs: dict[int, CNCost]
    schedule: Schedule


def cn_costs(module: Module, hardware: MultiCore, graph: CNGraph, allocation: dict[int, int],
             objective: str = "latency", search: CNSearch = CNSearch()) -> dict[int, CNCost]:
    layers = {layer.symbol: layer for layer in module.layers()}
    shapes = module.value_shapes()
    return {cn.id: cn_cost(layers[cn.layer], {d: (lo, hi) for d, lo, hi in cn.loops}, shapes,
                           hardware.core(allocation[cn.id]), objective, search) for cn in graph.cns}


def evaluate(module: Module, hardware: MultiCore, plan: Plan, objective: str = "latency") -> Evaluation:
    graph = tile_layers(module, plan.tilings)
    allocation = cn_allocation(graph, plan)
    costs = cn_costs(module, hardware, graph, allocation, objective)
    schedule = list_schedule(hardware, graph, allocation, costs, cn_priority(graph, plan.order))
    return Evaluation(graph, allocation, costs, schedule)
