"""Read Stream's mapping YAML (stream-dse 2.1.1): per layer its `core_allocation` and
`inter_core_tiling`, and `fused_groups` with their `intra_core_tiling`.

Dims may be given as Stream writes them (`D2`, by position in Stream's loop order of the op) or
by dsec's names (`OY`). They are checked against the model later (`resolve_dim`), with the
file, line and key of the entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsec.compiler.diagnostics import Diagnostic
from dsec.compiler.location import Loc
from dsec.frontend.yaml_source import Checker, YNode, load_yaml, read_text_file

# Stream's loop order of each op (stream/parser/onnx/*.py): `Dk` is the k-th.
STREAM_DIMS = {
    "Conv": ("B", "OX", "OY", "FX", "FY", "C", "K", "G"),
}


@dataclass(frozen=True)
class Split:
    dim: str  # as written: D6 or K
    count: int
    loc: Loc


@dataclass(frozen=True)
class LayerEntry:
    name: str
    cores: tuple[int, ...]  # the cores the layer's inter-core parts go to, in order
    splits: tuple[Split, ...]
    loc: Loc


@dataclass(frozen=True)
class Tile:
    layer: str
    dim: str
    size: int  # loop iterations per tile
    loc: Loc


@dataclass(frozen=True)
class FusedGroup:
    name: str
    layers: tuple[str, ...]
    tiles: tuple[Tile, ...]
    loc: Loc
    layer_locs: tuple[Loc, ...] = ()  # where each of `layers` is written


@dataclass(frozen=True)
class StreamMapping:
    layers: tuple[LayerEntry, ...]
    groups: tuple[FusedGroup, ...]

    def layer(self, name: str) -> LayerEntry | None:
        return next((entry for entry in self.layers if entry.name == name), None)


def load_stream_mapping_file(path: str) -> tuple[StreamMapping, list[Diagnostic]]:
    root, warnings = load_yaml(read_text_file(path, "mapping file"), path)
    check = Checker(warnings)
    if root is None:
        check.fail("the mapping file is empty", Loc(path, 1, 1))
    if root.is_list():
        root = YNode({"layers": root}, root.loc, {"layers": root.loc})
    if not check.keys(root, "the mapping", ["layers"], ["fused_groups", "runtime_args"], Loc(path, 1, 1)):
        check.raise_if_errors()
    layers = _layers(root.value["layers"], check)
    groups = _groups(root.value.get("fused_groups"), check)
    check.raise_if_errors()
    return StreamMapping(tuple(layers), tuple(groups)), [d for d in check.diagnostics if d.severity != "error"]


def _positive(node: YNode, key: str, where: str, check: Checker) -> int:
    value = check.typed(node, key, int, where, 1)
    if value <= 0:
        check.error(f"'{key}' of {where} must be a positive integer, got {value}", node.value[key].loc)
        return 1
    return value


def _layers(node: YNode, check: Checker) -> list[LayerEntry]:
    if not node.is_list():
        check.error("'layers' must be a list of layers with their core_allocation", node.loc)
        return []
    entries: list[LayerEntry] = []
    for item in node.value:
        if not check.keys(item, "a layer of the mapping", ["name", "core_allocation"], ["inter_core_tiling", "kernel"],
                          item.loc):
            continue
        name = check.typed(item, "name", str, "a layer of the mapping", "")
        where = f"layer '{name}' of the mapping"
        if "kernel" in item.value and item.value["kernel"].value not in (None, {}):
            check.error(f"'kernel' of {where} names an AIE kernel; dsec maps layers with its own search, "
                        f"remove it", item.key_locs["kernel"])
        cores = _allocation(item.value["core_allocation"], where, check)
        splits = _splits(item.value.get("inter_core_tiling"), where, check)
        product = 1
        for split in splits:
            product *= split.count
        if cores and product != len(cores):
            check.error(f"{where} splits into {product} part(s) by inter_core_tiling but core_allocation lists "
                        f"{len(cores)} core(s); give one core per part", item.value["core_allocation"].loc)
        if any(entry.name == name for entry in entries):
            check.error(f"layer '{name}' is given twice in the mapping", item.loc)
        entries.append(LayerEntry(name, cores, splits, item.loc))
    return entries


def _allocation(node: YNode, where: str, check: Checker) -> tuple[int, ...]:
    groups = node.value if node.is_list() else None
    if (not groups or not all(g.is_list() for g in groups)
            or not all(isinstance(c.value, int) and not isinstance(c.value, bool) for g in groups for c in g.value)):
        check.error(f"'core_allocation' of {where} must be a list of core-id lists, e.g. [[0, 1]]", node.loc)
        return ()
    if len(groups) > 1:
        check.error(f"'core_allocation' of {where} gives {len(groups)} alternatives; dsec takes one list of cores "
                    f"(use allocate-cores{{search=true}} to search allocations)", node.loc)
    return tuple(c.value for c in groups[0].value)


def _splits(node: YNode | None, where: str, check: Checker) -> tuple[Split, ...]:
    if node is None or node.value is None:
        return ()
    if not node.is_list() or not all(entry.is_list() for entry in node.value):
        check.error(f"'inter_core_tiling' of {where} must be a list of lists of {{dim, split}}", node.loc)
        return ()
    splits = []
    for entry in node.value:
        for item in entry.value:
            if check.keys(item, f"an inter_core_tiling entry of {where}", ["dim", "split"], [], item.loc):
                splits.append(Split(check.typed(item, "dim", str, where, "?"),
                                    _positive(item, "split", where, check), item.loc))
    return tuple(splits)


def _groups(node: YNode | None, check: Checker) -> list[FusedGroup]:
    """The groups as written; their layers are checked against the model and `layers` with the
    model at hand (multicore/plan.py), so that a renamed layer is reported as such."""
    if node is None or node.value is None:
        return []
    if not node.is_list():
        check.error("'fused_groups' must be a list of groups", node.loc)
        return []
    groups = []
    for item in node.value:
        if not check.keys(item, "a fused group", ["name", "layers"], ["intra_core_tiling"], item.loc):
            continue
        name = check.typed(item, "name", str, "a fused group", "")
        where = f"fused group '{name}'"
        members = item.value["layers"]
        layers = [m.value for m in members.value] if members.is_list() else []
        if not members.is_list() or not layers or not all(isinstance(m, str) for m in layers):
            check.error(f"'layers' of {where} must list layer names", members.loc)
            continue
        groups.append(FusedGroup(name, tuple(layers), _tiles(item.value.get("intra_core_tiling"), where, check),
                                 item.loc, tuple(m.loc for m in members.value)))
    return groups


def _tiles(node: YNode | None, where: str, check: Checker) -> tuple[Tile, ...]:
    if node is None or node.value is None:
        return ()
    if not node.is_list():
        check.error(f"'intra_core_tiling' of {where} must be a list of {{dim: Layer.D2, tile: 4}}", node.loc)
        return ()
    tiles = []
    for item in node.value:
        if not check.keys(item, f"an intra_core_tiling entry of {where}", ["dim", "tile"], [], item.loc):
            continue
        text = check.typed(item, "dim", str, where, "")
        layer, dot, dim = text.rpartition(".")
        if not dot:
            check.error(f"'dim' of an intra_core_tiling entry of {where} must be LAYER.DIM, e.g. Conv1.D2",
                        item.value["dim"].loc)
            continue
        tiles.append(Tile(layer, dim, _positive(item, "tile", where, check), item.value["dim"].loc))
    return tuple(tiles)


def resolve_dim(dim: str, op_type: str, dims: dict[str, int]) -> str | None:
    """dsec's name of a mapping's dim for a layer, or None when the layer has no such dim."""
    if dim in dims:
        return dim
    if dim[:1] == "D" and dim[1:].isdigit():
        names = STREAM_DIMS.get(op_type, ())
        position = int(dim[1:])
        if position < len(names) and names[position] in dims:
            return names[position]
    return None
