"""The multi-core decisions as IR attributes, and back: a layer's `tiling` (its cut and cores),
its `cn` lines (loops, dependencies, core, time), and the module's `schedule`."""

from __future__ import annotations

from dsec.compiler.diagnostics import error
from dsec.dialect.ops import LayerOp, Module
from dsec.multicore.plan import Plan
from dsec.multicore.schedule_types import Schedule, occupancy
from dsec.multicore.tiling import CNGraph, LayerTiling


def tiling_attr(tiling: LayerTiling, cores: tuple[int, ...]) -> dict:
    attr: dict = {"group": tiling.group, "cores": cores}
    if tiling.splits:
        attr["splits"] = dict(tiling.splits)
    if tiling.tile:
        attr["tile"] = {tiling.tile[0]: tiling.tile[1]}
    return attr


def layer_tiling(layer: LayerOp) -> LayerTiling:
    attr = layer.tiling or {}
    tile = next(iter(attr.get("tile", {}).items()), None)
    return LayerTiling(tuple(attr.get("splits", {}).items()), tile, attr.get("group", 0))


def plan_of(module: Module) -> Plan:
    """The cuts and cores the module's layers carry (a layer without `tiling`: an error)."""
    missing = [layer for layer in module.layers() if layer.tiling is None]
    if missing:
        raise error(f"layer @{missing[0].symbol} has no tiling; import the model with a multi-core accelerator "
                    f"and a mapping, or add `tiling {{group = 0, cores = [0]}}`", missing[0].loc)
    return Plan({layer.symbol: layer_tiling(layer) for layer in module.layers()},
                {layer.symbol: tuple(layer.tiling["cores"]) for layer in module.layers()}, "fused")


def cn_lines(graph: CNGraph, layer: str, cut_dims: set[str]) -> tuple[dict, ...]:
    lines = []
    for cn in graph.cns:
        if cn.layer != layer:
            continue
        loops = {dim: (lo, hi) for dim, lo, hi in cn.loops if dim in cut_dims}
        after = tuple(sorted(set(graph.predecessors(cn.id))))
        lines.append({"id": cn.id, "part": cn.part, "tile": cn.tile, "group": cn.group, "loops": loops,
                      "after": after})
    return tuple(lines)


def check_cn_lines(module: Module, graph: CNGraph) -> None:
    """The CN lines must be those the tiling gives: edit the tiling, not the CNs' loops."""
    for layer in module.layers():
        cut = {dim for dim, _ in layer_tiling(layer).splits} | ({layer_tiling(layer).tile[0]}
                                                               if layer_tiling(layer).tile else set())
        expected = cn_lines(graph, layer.symbol, cut)
        found = tuple({k: v for k, v in cn.items() if k in ("id", "part", "tile", "group", "loops", "after")}
                      for cn in layer.cns)
        if found != expected:
            raise error(f"layer @{layer.symbol}: its cn lines are not those its tiling gives; edit `tiling` and "
                        f"rerun tile-layers", layer.loc)


def allocation_of(module: Module) -> dict[int, int]:
    allocation = {}
    for layer in module.layers():
        for cn in layer.cns:
            if "core" not in cn:
                raise error(f"layer @{layer.symbol}: cn {cn['id']} has no core; run allocate-cores first", layer.loc)
            allocation[cn["id"]] = cn["core"]
    return allocation


def schedule_attr(schedule: Schedule, hardware) -> dict:
    latency = schedule.latency
    busy: dict[str, int] = {}
    moved: dict[str, int] = {}
    for slot in schedule.slots:
        name = hardware.core(slot.core).name
        busy[name] = busy.get(name, 0) + slot.end - slot.start
    for transfer in schedule.transfers:
        for resource in transfer.resources:
            busy[resource] = busy.get(resource, 0) + transfer.end - transfer.start
            moved[resource] = moved.get(resource, 0) + transfer.bits
    energy = {key: round(value, 2) for key, value in schedule.energy().items()}
    held = occupancy(schedule)
    cores = {c.name: {"busy": busy.get(c.name, 0), "utilization": _share(busy.get(c.name, 0), latency),
                      "peak_bits": max(bits for _, bits in held[c.id]), "capacity_bits": c.capacity_bits}
             for c in hardware.cores if c.id != hardware.offchip}
    resources = [c.name for c in hardware.connections] + [f"{hardware.core(hardware.offchip).name}.port"]
    links = {name: {"busy": busy.get(name, 0), "bits": moved.get(name, 0),
                    "utilization": _share(busy.get(name, 0), latency)} for name in resources}
    transfers = tuple({"tensor": t.tensor, "from": t.source, "to": t.target, "bits": t.bits, "start": t.start,
                       "end": t.end, "via": t.resources, "why": t.why} for t in schedule.transfers)
    memory = tuple({"core": hardware.core(core).name, "at": tuple(t for t, _ in line), "bits": tuple(b for _, b in line)}
                   for core, line in held.items())
    return {"latency_cycles": latency, "energy_pj": energy, "cores": cores, "links": links, "transfers": transfers,
            "occupancy": memory}


def _share(busy: int, latency: int) -> float:
    return round(busy / latency, 4) if latency else 0.0
