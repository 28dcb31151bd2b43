"""From a Stream mapping to the decisions the scheduler takes as given: how each layer is cut
(inter-core splits, the fused group's intra-core tiles), which core runs each part, and the
order ready CNs are taken in (layer-fused: tile by tile through a group; layer-by-layer:
layer by layer)."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from dsec.compiler.diagnostics import Diagnostic, DiagnosticError, Group
from dsec.dialect.ops import LayerOp, Module
from dsec.dialect.multicore import MultiCore
from dsec.multicore.mapping_loader import StreamMapping, resolve_dim
from dsec.multicore.tiling import CNGraph, LayerTiling

FUSED, LAYER_BY_LAYER = "fused", "layer-by-layer"


@dataclass(frozen=True)
class Plan:
    tilings: dict[str, LayerTiling]  # layer symbol -> cuts
    cores: dict[str, tuple[int, ...]]  # layer symbol -> the core of each inter-core part
    order: str  # fused or layer-by-layer


def plan_from_mapping(module: Module, hardware: MultiCore, mapping: StreamMapping, order: str | None
                      ) -> tuple[Plan, list[Diagnostic]]:
    """`order` None follows the mapping (fused when a group tiles its layers); layer-by-layer drops
    the intra-core tiles. Raises DiagnosticError naming the mapping's file, line and key."""
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    layers = module.layers()
    by_name = {layer.name: layer for layer in layers}
    errors += _unknown_layers(mapping, list(by_name))
    cores: dict[str, tuple[int, ...]] = {}
    splits: dict[str, tuple[tuple[str, int], ...]] = {}
    for layer in layers:
        entry = mapping.layer(layer.name)
        if entry is None:
            capable = hardware.cores_for(layer.op_type)
            if not capable:
                errors.append(Diagnostic("error", f"no core runs layer '{layer.name}' ({layer.op_type})", layer.loc))
                continue
            cores[layer.symbol] = (capable[0].id,)
            warnings.append(_unmapped_warning(layer, capable[0].id, bool(mapping.layers)))
            continue
        errors += _core_errors(entry.cores, layer, hardware, entry.loc)
        cores[layer.symbol] = entry.cores
        resolved = []
        for split in entry.splits:
            dim = resolve_dim(split.dim, layer.op_type, layer.dims)
            if dim is None:
                errors.append(Diagnostic("error", f"inter_core_tiling of '{layer.name}' names dim '{split.dim}', "
                                                  f"which it does not have (dims: {', '.join(layer.dims)})", split.loc))
            elif problem := _split_problem(layer, dim, split.count):
                errors.append(Diagnostic("error", f"inter_core_tiling of '{layer.name}': {problem}", split.loc))
            else:
                resolved.append((dim, split.count))
        splits[layer.symbol] = tuple(resolved)
    tiles, groups, fused = _group_tiles(layers, mapping, errors)
    if errors:
        raise DiagnosticError(errors + warnings)
    order = order or (FUSED if fused else LAYER_BY_LAYER)
    tilings = {layer.symbol: LayerTiling(splits.get(layer.symbol, ()),
                                         tiles.get(layer.symbol) if order == FUSED else None,
                                         groups[layer.symbol] if order == FUSED else index)
               for index, layer in enumerate(layers)}
    return Plan(tilings, cores, order), warnings


def _names(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def _close(name: str, names: list[str]) -> str | None:
    import difflib  # only when a name is wrong

    close = difflib.get_close_matches(name, names, n=1)
    return close[0] if close else None


def _not_in_model(what: str, name: str, names: list[str]) -> str:
    close = _close(name, names)
    return (f"{what} names layer '{name}', which is not in the model"
            + (f"; did you mean '{close}'?" if close else f" (its layers: {_names(names)})"))


def _unknown_layers(mapping: StreamMapping, names: list[str]) -> list[Diagnostic]:
    """`layers` entries and fused-group members that the model does not have, and group members
    that `layers` does not list (unless an unknown entry is a misspelling of them: that entry's
    error says so)."""
    errors = [Diagnostic("error", _not_in_model("the mapping", entry.name, names), entry.loc)
              for entry in mapping.layers if entry.name not in names]
    listed = {entry.name for entry in mapping.layers}
    misspelt = {_close(entry.name, names) for entry in mapping.layers if entry.name not in names}
    for group in mapping.groups:
        locs = group.layer_locs or (group.loc,) * len(group.layers)
        for name, loc in zip(group.layers, locs):
            if name not in names:
                errors.append(Diagnostic("error", _not_in_model(f"fused group '{group.name}'", name, names), loc))
            elif name not in listed and name not in misspelt:
                errors.append(Diagnostic("error", f"fused group '{group.name}' names layer '{name}', which 'layers' "
                                                  f"of the mapping does not list; give it an entry with its "
                                                  f"core_allocation", loc))
    return errors


def _split_problem(layer: LayerOp, dim: str, count: int) -> str | None:
    """What is wrong with cutting `dim` of `layer` into `count` parts (tile-layers refuses the same
    in the IR; here the error points into the mapping file)."""
    if dim not in {d for index in layer.compute.output.indices for d in index.dims()}:
        return (f"cutting {dim}, a reduction dim, is not supported (its parts would exchange partial sums); "
                f"cut an output dim instead")
    if count > layer.dims[dim]:
        return f"{dim} = {layer.dims[dim]} cannot be cut into {count} parts"
    return None


def _core_errors(cores: tuple[int, ...], layer: LayerOp, hardware: MultiCore, loc) -> list[Diagnostic]:
    errors = []
    running = [str(core.id) for core in hardware.cores if core.runs(layer.op_type)]
    for core in cores:
        if not 0 <= core < len(hardware.cores):
            errors.append(Diagnostic("error", f"core_allocation of '{layer.name}' names core {core}, which "
                                              f"{hardware.name} does not have (its cores: "
                                              f"{', '.join(str(c.id) for c in hardware.cores)}; those that run "
                                              f"{layer.op_type}: {', '.join(running) or 'none'})", loc))
        elif not hardware.core(core).runs(layer.op_type):
            offchip = " (it is the off-chip core, DRAM)" if core == hardware.offchip else ""
            errors.append(Diagnostic("error", f"core_allocation of '{layer.name}' names core {core}, which does not "
                                              f"run {layer.op_type}{offchip}; cores that do: "
                                              f"{', '.join(running) or 'none'}", loc))
    return errors


def _unmapped_warning(layer: LayerOp, core: int, has_mapping: bool) -> Diagnostic:
    """One per layer; layers that share it print as one warning (group_diagnostics)."""
    cause = "is not in the mapping" if has_mapping else "has no mapping (none given)"
    head = ("layers not in the mapping" if has_mapping else "no mapping given: layers") + \
        " run on the first core that runs their op type"
    return Diagnostic("warning", f"layer '{layer.name}' {cause}; it runs on core {core}, the first that runs "
                                 f"{layer.op_type}", layer.loc,
                      group=Group(f"multicore unmapped {has_mapping}", head, None, layer.name,
                                  f"core {core} ({layer.op_type})"))


def _group_tiles(layers: list[LayerOp], mapping: StreamMapping, errors: list[Diagnostic]):
    """Per layer: its tile (dim, tiles) and its group's position; and whether any group tiles."""
    by_name = {layer.name: layer for layer in layers}
    index = {layer.symbol: i for i, layer in enumerate(layers)}
    groups: dict[str, int] = {}
    tiles: dict[str, tuple[str, int]] = {}
    fused = False
    for group in mapping.groups:
        members = [by_name[name] for name in group.layers if name in by_name]
        if not members:
            continue
        for layer in members:
            groups.setdefault(layer.symbol, min(index[m.symbol] for m in members))
        if len(group.tiles) > 1:
            errors.append(Diagnostic("error", f"fused group '{group.name}' tiles {len(group.tiles)} dims; dsec tiles "
                                              f"one dim per group", group.tiles[1].loc))
            continue
        for tile in group.tiles:
            named = by_name.get(tile.layer)
            dim = resolve_dim(tile.dim, named.op_type, named.dims) if named is not None else None
            if named is None or named not in members or dim is None:
                errors.append(Diagnostic("error", f"intra_core_tiling of '{group.name}' names '{tile.layer}.{tile.dim}'"
                                                  f", not a dim of a layer of the group", tile.loc))
                continue
            count = ceil(named.dims[dim] / tile.size)
            axis = _output_axis(named, dim)
            for layer in members:
                other = _axis_dim(layer, axis) if axis is not None else None
                if other is not None and count > 1:
                    tiles[layer.symbol] = (other, min(count, layer.dims[other]))
            fused = fused or count > 1
    for layer in layers:
        groups.setdefault(layer.symbol, index[layer.symbol])
    return tiles, groups, fused


def _output_axis(layer: LayerOp, dim: str) -> int | None:
    return next((axis for axis, index in enumerate(layer.compute.output.indices) if index.dims() == (dim,)), None)


def _axis_dim(layer: LayerOp, axis: int) -> str | None:
    indices = layer.compute.output.indices
    return indices[axis].dims()[0] if axis < len(indices) and len(indices[axis].dims()) == 1 else None


def cn_allocation(graph: CNGraph, plan: Plan) -> dict[int, int]:
    return {cn.id: plan.cores[cn.layer][cn.part % len(plan.cores[cn.layer])] for cn in graph.cns}


def cn_priority(graph: CNGraph, order: str) -> dict[int, tuple]:
    """Fused: a group's tiles one after the other, each through the group's layers; layer-by-layer:
    each layer whole before the next."""
    if order == FUSED:
        return {cn.id: (cn.group, cn.tile, cn.layer_index, cn.part, cn.id) for cn in graph.cns}
    return {cn.id: (cn.layer_index, cn.part, cn.tile, cn.id) for cn in graph.cns}
