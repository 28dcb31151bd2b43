"""Set dotted keys in an accelerator's YAML data: `memories.sram.size`,
`memories.sram.ports.r_port_1.bandwidth_max` (a port by name or index),
`operational_array.sizes`. A key must name something that is there, or a key
the accelerator schema allows (so a typo is an error, not a silently new key)."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

from dsec.frontend.arch_loader import ARRAY_KEYS, ARRAY_OPTIONAL, MEMORY_KEYS, MEMORY_OPTIONAL, PORT_KEYS
from dsec.frontend.yaml_source import did_you_mean

ALLOWED_NEW = {"memories": MEMORY_KEYS + MEMORY_OPTIONAL, "operational_array": ARRAY_KEYS + ARRAY_OPTIONAL,
               "ports": PORT_KEYS}


def accelerator_data(path: str) -> object:
    """An accelerator file's YAML data, parsed once however many points use it (callers copy
    before changing it: apply_overrides does)."""
    stat = Path(path).stat()
    return _yaml_data(path, stat.st_mtime_ns, stat.st_size)


@functools.cache
def _yaml_data(path: str, mtime_ns: int, size: int) -> object:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


class OverrideError(ValueError):
    pass


def apply_overrides(data: dict, assignments: tuple[tuple[str, object], ...]) -> dict:
    """A copy of `data` with every assignment made."""
    result = copy.deepcopy(data)
    for key, value in assignments:
        _set(result, key, value)
    return result


def _set(data: dict, key: str, value: object) -> None:
    parts = key.split(".")
    node: object = data
    for depth, part in enumerate(parts[:-1]):
        node = _child(node, part, key, parts[depth - 1] if depth else "")
    leaf = parts[-1]
    if isinstance(node, list):
        node[_index(node, leaf, key)] = copy.deepcopy(value)
        return
    if not isinstance(node, dict):
        raise OverrideError(f"'{key}': '{'.'.join(parts[:-1])}' is a value, not a mapping")
    section = parts[-3] if len(parts) >= 3 else parts[0]
    allowed = ALLOWED_NEW.get(section, [])
    if leaf not in node and leaf not in allowed:
        raise OverrideError(f"'{key}': no key '{leaf}'{did_you_mean(leaf, list(node) + allowed)}")
    node[leaf] = copy.deepcopy(value)


def _child(node: object, part: str, key: str, parent: str) -> object:
    if isinstance(node, dict):
        if part not in node:
            raise OverrideError(f"'{key}': no '{part}' in {parent or 'the accelerator'}"
                                f"{did_you_mean(part, [str(k) for k in node])}")
        return node[part]
    if isinstance(node, list):
        return node[_index(node, part, key)]
    raise OverrideError(f"'{key}': '{parent}' is a value, not a mapping")


def _index(items: list, part: str, key: str) -> int:
    """A list item by position or, for ports, by name."""
    if part.isdigit() and int(part) < len(items):
        return int(part)
    names = [item.get("name") for item in items if isinstance(item, dict)]
    if part in names:
        return names.index(part)
    raise OverrideError(f"'{key}': no item '{part}' (give an index below {len(items)} or a name: "
                        f"{', '.join(str(n) for n in names if n)})")
