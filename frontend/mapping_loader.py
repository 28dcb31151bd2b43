"""Read a ZigZag mapping YAML: a list of entries looked up by layer name, then
operator type, then `default`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dsec.compiler.diagnostics import Diagnostic
from dsec.compiler.location import Loc
from dsec.frontend.yaml_source import Checker, YNode, load_yaml, read_text_file
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Constraints, Loop, Spatial, SpatialUnroll

ENTRY_KEYS = ["name"]
ENTRY_OPTIONAL = ["spatial_mapping", "spatial_mapping_hint", "temporal_ordering", "memory_operand_links"]
LAYER_OPERANDS = ("O", "W", "I")
DEFAULT_LINKS = {"O": "O", "W": "I2", "I": "I1"}
_UNROLL = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*,\s*(\d+)\s*$")


@dataclass(frozen=True)
class MappingEntry:
    name: str
    spatial: tuple[SpatialUnroll, ...] | None = None
    hint: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    order: tuple[Loop, ...] | None = None
    links: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LINKS))
    loc: Loc | None = None


@dataclass
class MappingSpec:
    entries: dict[str, MappingEntry]
    warnings: list[Diagnostic] = field(default_factory=list)

    def lookup(self, *keys: str) -> MappingEntry:
        """The first entry matching one of the keys (layer name, operator
        types...), else `default`, else ZigZag's default links only."""
        for key in (*keys, "default"):
            if key in self.entries:
                return self.entries[key]
        return MappingEntry("default")


def load_mapping_file(path: str, accelerator: Accelerator) -> MappingSpec:
    return load_mapping(read_text_file(path, "mapping file"), path, accelerator)


def load_mapping(text: str, filename: str, accelerator: Accelerator) -> MappingSpec:
    root, warnings = load_yaml(text, filename)
    check = Checker(warnings)
    entries: dict[str, MappingEntry] = {}
    if root is None or not root.is_list():
        check.fail("a mapping file is a list of entries, each with a 'name' (layer name, operator type or "
                   "'default')", root.loc if root else Loc(filename, 1, 1))
    for node in root.value:
        entry = _entry(node, accelerator, check)
        if entry is None:
            continue
        if entry.name in entries:
            check.warning(f"mapping entry '{entry.name}' is given twice (line {entries[entry.name].loc.line} and "
                          f"line {node.loc.line}); the later one is used", node.loc)
        entries[entry.name] = entry
    check.raise_if_errors()
    return MappingSpec(entries, [d for d in check.diagnostics if d.severity != "error"])


def _entry(node: YNode, acc: Accelerator, check: Checker) -> MappingEntry | None:
    if not check.keys(node, "a mapping entry", ENTRY_KEYS, ENTRY_OPTIONAL):
        return None
    name = check.typed(node, "name", str, "a mapping entry")
    if name is None:
        return None
    where = f"mapping entry '{name}'"
    array_dims = list(acc.array_sizes)
    spatial = hint = order = None
    if node.value.get("spatial_mapping") is not None and node.value["spatial_mapping"].value is not None:
        spatial = _spatial(node.value["spatial_mapping"], where, acc, check)
    if "spatial_mapping_hint" in node.value:
        hint = _hint(node.value["spatial_mapping_hint"], where, array_dims, check)
    if "temporal_ordering" in node.value:
        order = _order(node.value["temporal_ordering"], where, check)
    links = dict(DEFAULT_LINKS)
    if "memory_operand_links" in node.value:
        links = _links(node.value["memory_operand_links"], where, acc, check)
    return MappingEntry(name, spatial, hint, order, links, node.loc)


def _array_dim(dim: str, loc: Loc, where: str, acc: Accelerator, check: Checker) -> bool:
    if dim not in acc.array_sizes:
        check.error(f"{where} uses '{dim}', which is not an array dimension of {acc.name} "
                    f"({', '.join(acc.array_sizes)})", loc)
        return False
    return True


def _spatial(node: YNode, where: str, acc: Accelerator, check: Checker) -> tuple[SpatialUnroll, ...] | None:
    if not node.is_map():
        check.error(f"spatial_mapping of {where} must map array dimensions to lists like ['K, 32']", node.loc)
        return None
    unrolls = []
    for array_dim, items in node.value.items():
        if not _array_dim(array_dim, node.key_locs[array_dim], f"spatial_mapping of {where}", acc, check):
            continue
        values = items.value if items.is_list() else [items]
        loops = []
        for item in values:
            match = _UNROLL.match(item.value) if isinstance(item.value, str) else None
            if match is None or int(match.group(2)) < 1:
                check.error(f"spatial_mapping entry {item.value!r} of {where} must look like 'K, 32' "
                            f"(a loop dimension, then a positive factor)", item.loc)
                continue
            loops.append(Loop(match.group(1), int(match.group(2)), item.loc))
        unrolls.append(SpatialUnroll(array_dim, tuple(loops), node.key_locs[array_dim]))
    return tuple(unrolls)


def _hint(node: YNode, where: str, array_dims: list[str], check: Checker):
    if not node.is_map():
        check.error(f"spatial_mapping_hint of {where} must map array dimensions to lists of loop dimensions",
                    node.loc)
        return None
    hints = []
    for array_dim, items in node.value.items():
        if array_dim not in array_dims:
            # Hints are allowed choices, not demands: one file serves arrays of several shapes.
            check.warning(f"spatial_mapping_hint of {where} names '{array_dim}', which this accelerator does not "
                          f"have ({', '.join(array_dims)}); that hint is not used", node.key_locs[array_dim])
            continue
        if not items.is_list() or not all(isinstance(v.value, str) for v in items.value):
            check.error(f"spatial_mapping_hint of {where} for {array_dim} must be a list of loop dimensions",
                        items.loc)
            continue
        hints.append((array_dim, tuple(v.value for v in items.value)))
    return tuple(hints)


def _order(node: YNode, where: str, check: Checker) -> tuple[Loop, ...] | None:
    if not node.is_list():
        check.error(f"temporal_ordering of {where} must be a list of [dimension, factor] pairs, innermost first",
                    node.loc)
        return None
    loops = []
    for item in node.value:
        pair = [v.value for v in item.value] if item.is_list() else None
        if (pair is None or len(pair) != 2 or not isinstance(pair[0], str)
                or not (pair[1] == "*" or (isinstance(pair[1], int) and not isinstance(pair[1], bool) and pair[1] > 0))):
            check.error(f"temporal_ordering entries of {where} must be [dimension, factor] with a positive factor "
                        f"or '*', got {item.plain()!r}", item.loc)
            continue
        loops.append(Loop(pair[0], None if pair[1] == "*" else pair[1], item.loc))
    return tuple(loops)


def _links(node: YNode, where: str, acc: Accelerator, check: Checker) -> dict[str, str]:
    links = dict(DEFAULT_LINKS)
    if not check.keys(node, f"memory_operand_links of {where}", [], list(LAYER_OPERANDS)):
        return links
    held = {op for mem in acc.memories for op in mem.operands}
    for operand, item in node.value.items():
        if not isinstance(item.value, str) or item.value not in held:
            check.error(f"memory_operand_links of {where} links {operand} to {item.value!r}, which no memory of "
                        f"{acc.name} holds ({', '.join(sorted(held))})", item.loc)
            continue
        links[operand] = item.value
    for memory_operand in sorted(set(links.values())):
        sharing = [op for op in LAYER_OPERANDS if links[op] == memory_operand]
        if len(sharing) > 1:
            given = ", ".join(f"{op}{'' if op in node.value else ' (by default)'}" for op in sharing)
            check.error(f"memory_operand_links of {where} link {given} to {memory_operand}; each operand needs its own "
                        f"memory operand", node.loc)
    return links


def constraints_for(entry: MappingEntry, layer_dims: dict[str, int]) -> Constraints | None:
    """The entry as requirements on one layer. Hints and orderings over a dim
    the layer does not have are dropped: an entry (`default`, an operator type)
    applies to layers of many shapes, as in ZigZag. The spatial mapping is kept
    whole: where it unrolls dims the layer lacks, spatial-unroll searches the
    part that applies beside generated candidates (mapper/spatial.py)."""
    spatial = None
    if entry.spatial is not None:
        unrolls = tuple(unroll for unroll in entry.spatial if unroll.loops)
        spatial = Spatial(unrolls, entry.loc) if unrolls else None
    hint = None
    if entry.hint is not None:
        hint = tuple((array_dim, tuple(d for d in dims if d in layer_dims)) for array_dim, dims in entry.hint)
    order = None
    if entry.order is not None:
        order = tuple(loop for loop in entry.order if loop.dim in layer_dims) or None
    constraints = Constraints(spatial=spatial, hint=hint, order=order, loc=entry.loc, entry=entry.name)
    return None if constraints.is_empty() else constraints
