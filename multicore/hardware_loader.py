"""Read Stream's multi-core hardware YAML (stream-dse 2.1.1, `zigzag` namespace) into a MultiCore.

Cores come by file (resolved as Stream does: `./x.yaml` beside the file, a bare name in `cores/`
then beside it) or inline. Compute cores are ZigZag accelerators read by dsec's own loader, so
their errors carry the core file's line and key; every error of the top file does too.
"""

from __future__ import annotations

import os

from dsec.compiler.diagnostics import Diagnostic, DiagnosticError
from dsec.compiler.location import Loc
from dsec.dialect.accelerator import Accelerator
from dsec.frontend.arch_loader import _memories, accelerator_from_yaml
from dsec.frontend.yaml_source import Checker, YNode, load_yaml, read_text_file
from dsec.dialect.multicore import COMPUTE, OFFCHIP, Connection, Core, MultiCore

TOP_KEYS = ["name", "cores", "offchip_core_id", "core_connectivity"]
TOP_OPTIONAL = ["unit_energy_cost", "core_coordinates", "core_memory_sharing"]
TOP_UNSUPPORTED = ["bandwidth", "reconfiguration", "memory_aliases", "kernel_library", "technology_node"]
CONNECTION_KEYS = ["cores", "bandwidth"]
CONNECTION_OPTIONAL = ["type", "unit_energy_cost"]
CORE_EXTRA_KEYS = ("type", "operator_types", "operand_precision", "banks")
# Stream's element types (stream.datatypes.ELEMENT_BITS).
ELEMENT_BITS = {"int4": 4, "int8": 8, "uint8": 8, "int16": 16, "int24": 24, "bf16": 16, "fp16": 16, "int32": 32,
                "fp32": 32}


def load_multicore_file(path: str) -> tuple[MultiCore, list[Diagnostic]]:
    """The accelerator and its warnings. Raises DiagnosticError with every error found."""
    root, warnings = load_yaml(read_text_file(path, "multi-core hardware file"), path)
    check = Checker(warnings)
    if root is None:
        check.fail("the multi-core hardware file is empty", Loc(path, 1, 1))
    for key in TOP_UNSUPPORTED:
        if root.is_map() and key in root.value:
            check.error(f"'{key}' is not supported yet (dsec models the zigzag namespace of Stream's hardware "
                        f"files); remove it", root.key_locs[key])
    if not check.keys(root, "the multi-core hardware", TOP_KEYS, TOP_OPTIONAL + TOP_UNSUPPORTED, Loc(path, 1, 1)):
        check.raise_if_errors()
    name = check.typed(root, "name", str, "the multi-core hardware", "multicore")
    cores = _cores(root.value["cores"], os.path.dirname(path), check)
    ids = {core.id for core in cores}
    offchip = check.typed(root, "offchip_core_id", int, "the multi-core hardware", -1)
    if {core.id: core.kind for core in cores}.get(offchip) != OFFCHIP:
        check.error(f"offchip_core_id {offchip} must name a core of type offchip (cores: "
                    f"{', '.join(str(i) for i in sorted(ids))})", root.value["offchip_core_id"].loc)
    default_energy = check.typed(root, "unit_energy_cost", float, "the multi-core hardware", 0.0)
    connections = _connections(root.value["core_connectivity"], ids, default_energy, check)
    _coordinates(root, ids, check)
    if "core_memory_sharing" in root.value and root.value["core_memory_sharing"].value not in (None, []):
        check.error("'core_memory_sharing' is not supported yet; give the cores a link instead",
                    root.key_locs["core_memory_sharing"])
    check.raise_if_errors()
    hardware = MultiCore(name, tuple(sorted(cores, key=lambda c: c.id)), tuple(connections), offchip, root.loc)
    _check_reachable(hardware, root.key_locs["core_connectivity"], check)
    check.raise_if_errors()
    return hardware, [d for d in check.diagnostics if d.severity != "error"]


def _cores(node: YNode, directory: str, check: Checker) -> list[Core]:
    if not node.is_map() or not node.value:
        check.error("'cores' must map each core id (0, 1, ...) to a core file or an inline core", node.loc)
        return []
    cores = []
    for key, entry in node.value.items():
        loc = node.key_locs[key]
        if not key.isdigit():
            check.error(f"core id '{key}' must be a whole number", loc)
            continue
        core = _core(int(key), entry, directory, loc, check)
        if core is not None:
            cores.append(core)
    ids = sorted(int(k) for k in node.value if k.isdigit())
    if ids and ids != list(range(len(ids))):
        check.error(f"core ids must be 0, 1, ... {len(ids) - 1} without gaps, got {ids}", node.loc)
    return cores


def _core(core_id: int, entry: YNode, directory: str, loc: Loc, check: Checker) -> Core | None:
    if isinstance(entry.value, str):
        path = resolve_core_path(entry.value, directory)
        if path is None:
            check.error(f"core file '{entry.value}' of core {core_id} not found (looked in "
                        f"'{os.path.join(directory, 'cores')}' and '{directory or '.'}')", entry.loc)
            return None
        try:
            root, warnings = load_yaml(read_text_file(path, f"core file of core {core_id}"), path)
        except DiagnosticError as exc:
            check.diagnostics += exc.diagnostics
            return None
        check.diagnostics += warnings
        if root is None:
            check.error(f"the core file '{path}' is empty", Loc(path, 1, 1))
            return None
        return _core_from_yaml(core_id, root, path, check)
    if entry.is_map():
        return _core_from_yaml(core_id, entry, loc.file, check)
    check.error(f"core {core_id} must be a core file name or an inline core description", entry.loc)
    return None


def resolve_core_path(name: str, directory: str) -> str | None:
    candidates = ([os.path.join(directory, name)] if name.startswith("./") or "/" in name else
                  [os.path.join(directory, "cores", name), os.path.join(directory, name)])
    if os.path.isabs(name):
        candidates = [name]
    return next((os.path.normpath(p) for p in candidates if os.path.isfile(p)), None)


def _core_from_yaml(core_id: int, root: YNode, filename: str, check: Checker) -> Core | None:
    if not root.is_map():
        check.error(f"core {core_id} must be a mapping of keys to values", root.loc)
        return None
    kind = _core_kind(core_id, root, check)
    if kind is None:
        return None
    if kind == OFFCHIP:
        return _offchip_core(core_id, root, filename, check)
    if "banks" in root.value:
        check.error(f"'banks' of core {core_id} is not supported yet (dsec models one memory bank); remove it",
                    root.key_locs["banks"])
    try:
        spec = accelerator_from_yaml(root, [], filename, CORE_EXTRA_KEYS)
    except DiagnosticError as exc:
        check.diagnostics += exc.diagnostics
        return None
    check.diagnostics += spec.warnings
    where = f"core {core_id}"
    operator_types = ()
    if "operator_types" in root.value:
        item = root.value["operator_types"]
        if not item.is_list() or not all(isinstance(v.value, str) for v in item.value):
            check.error(f"'operator_types' of {where} must be a list of ONNX op types", item.loc)
        else:
            operator_types = tuple(v.value for v in item.value)
    input_bits, accumulator_bits = _precision(root, where, check)
    return Core(core_id, COMPUTE, spec.accelerator, operator_types, input_bits, accumulator_bits, root.loc)


def _core_kind(core_id: int, root: YNode, check: Checker) -> str | None:
    raw = check.typed(root, "type", str, f"core {core_id}", "zigzag.compute")
    namespace, _, kind = raw.rpartition(".")
    if namespace not in ("", "zigzag") or kind not in (COMPUTE, OFFCHIP):
        where = root.value["type"].loc if "type" in root.value else root.loc
        check.error(f"core {core_id} has type '{raw}'; dsec models zigzag.compute and zigzag.offchip cores "
                    f"(the aie2 namespace and memory/shim cores are not supported)", where)
        return None
    return kind


def _offchip_core(core_id: int, root: YNode, filename: str, check: Checker) -> Core | None:
    where = f"off-chip core {core_id}"
    check.keys(root, where, ["memories"], ["name", "type", "operational_array"], root.loc)
    if "memories" not in root.value:
        return None
    memories = _memories(root.value["memories"], ["D1", "D2"], check)
    if len(memories) != 1:
        check.error(f"{where} must have exactly one memory (its DRAM), got {len(memories)}", root.value["memories"].loc)
        return None
    name = check.typed(root, "name", str, where, "offchip")
    accelerator = Accelerator(name, (("D1", 1),), 0.0, 0.0, tuple(memories), loc=Loc(filename, 1, 1))
    return Core(core_id, OFFCHIP, accelerator, loc=root.loc)


def _precision(root: YNode, where: str, check: Checker) -> tuple[int | None, int | None]:
    if "operand_precision" not in root.value:
        return None, None
    node = root.value["operand_precision"]
    if not check.keys(node, f"operand_precision of {where}", [], ["input", "accumulator"], root.key_locs[
            "operand_precision"]):
        return None, None
    bits = []
    for key in ("input", "accumulator"):
        value = node.value[key].value if key in node.value else None
        if value is not None and value not in ELEMENT_BITS:
            check.error(f"'{key}' of operand_precision of {where} is '{value}'; expected one of "
                        f"{', '.join(ELEMENT_BITS)}", node.value[key].loc)
            value = None
        bits.append(ELEMENT_BITS[value] if value is not None else None)
    return bits[0], bits[1]


def _connections(node: YNode, ids: set[int], default_energy: float, check: Checker) -> list[Connection]:
    if not node.is_list():
        check.error("'core_connectivity' must be a list of links and buses", node.loc)
        return []
    connections = []
    for index, item in enumerate(node.value):
        where = f"core_connectivity[{index}]"
        if not check.keys(item, where, CONNECTION_KEYS, CONNECTION_OPTIONAL, item.loc):
            continue
        kind = check.typed(item, "type", str, where, "link")
        if kind not in ("link", "bus"):
            check.error(f"'type' of {where} must be link or bus, got '{kind}'", item.value["type"].loc)
        cores_node = item.value["cores"]
        cores = [c.value for c in cores_node.value] if cores_node.is_list() else []
        if not cores_node.is_list() or len(cores) < 2 or not all(isinstance(c, int) for c in cores):
            check.error(f"'cores' of {where} must list at least two core ids", cores_node.loc)
            continue
        if unknown := [c for c in cores if c not in ids]:
            check.error(f"{where} connects unknown core {unknown[0]}", cores_node.loc)
        if kind == "link" and len(cores) != 2:
            check.error(f"{where} is a link, which joins exactly two cores; use type: bus for {len(cores)}",
                        cores_node.loc)
        bandwidth = check.typed(item, "bandwidth", float, where, 1.0)
        if bandwidth <= 0:
            check.error(f"'bandwidth' of {where} must be positive (bits per cycle)", item.value["bandwidth"].loc)
        energy = check.typed(item, "unit_energy_cost", float, where, default_energy)
        if energy < 0:
            check.error(f"'unit_energy_cost' of {where} must not be negative (pJ per bit)",
                        item.value["unit_energy_cost"].loc)
        connections.append(Connection(index, kind, tuple(cores), bandwidth, energy, item.loc))
    return connections


def _coordinates(root: YNode, ids: set[int], check: Checker) -> None:
    """Checked, not used: the zigzag namespace routes by connectivity, not by position."""
    if "core_coordinates" not in root.value or root.value["core_coordinates"].value is None:
        return
    node = root.value["core_coordinates"]
    if not node.is_map():
        check.error("'core_coordinates' must map core ids to [x, y]", node.loc)
        return
    for key, value in node.value.items():
        if not key.isdigit() or int(key) not in ids:
            check.error(f"core_coordinates names unknown core '{key}'", node.key_locs[key])
        elif not value.is_list() or len(value.value) != 2 or not all(isinstance(v.value, int) for v in value.value):
            check.error(f"coordinates of core {key} must be [x, y] integers", value.loc)


def _check_reachable(hardware: MultiCore, loc: Loc, check: Checker) -> None:
    from dsec.multicore.routing import neighbours

    graph = neighbours(hardware)
    seen, frontier = {hardware.offchip}, [hardware.offchip]
    while frontier:
        core = frontier.pop()
        for other, _ in graph.get(core, ()):
            if other not in seen:
                seen.add(other)
                frontier.append(other)
    for core in hardware.compute_cores:
        if core.id not in seen:
            check.error(f"core {core.id} has no path to the off-chip core {hardware.offchip} in core_connectivity",
                        loc)
