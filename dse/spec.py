"""A sweep file: models, a base accelerator (and mapping), axes over accelerator
keys or whole files, or an explicit list of points, and the Pareto objectives.

    name: array_x_gb                       # optional; the file's stem by default
    models: [../models/resnet18.onnx]      # paths are relative to the sweep file
    accelerator: ../arch/tpu_like.yaml
    mapping: ../mapping/tpu_like.yaml      # optional
    options: {objective: energy, lpf_limit: 6}   # dsec lower's options, checked as it checks them
    axes:                                  # the cross product of the axes ...
      array: {key: operational_array.sizes, values: [[16, 16], [32, 32]]}
      gb:                                  # ... an axis may set several keys per value
        values:
          - {memories.sram_2MB.size: 4194304, memories.sram_2MB.r_cost: 104.0}
          - {memories.sram_2MB.size: 16777216, memories.sram_2MB.r_cost: 416.16}
    # points: [{operational_array.sizes: [16, 16]}, ...]   # ... or an explicit list instead
    objectives: [energy, latency, area]    # the Pareto front's metrics (2 or 3)

A key is a dotted path into the accelerator YAML (`memories.NAME.KEY`,
`memories.NAME.ports.PORT.KEY` with a port's name or index,
`operational_array.KEY`), or `accelerator`, `mapping` (whole files) or
`options.FIELD`. Problems are reported with the sweep file's line and key."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dsec.compiler.location import Loc
from dsec.dse.overrides import OverrideError, accelerator_data, apply_overrides
from dsec.frontend.yaml_source import Checker, YNode, did_you_mean, load_yaml, read_text_file

TOP_KEYS = ["models", "accelerator"]
TOP_OPTIONAL = ["name", "mapping", "options", "axes", "points", "objectives"]
# LowerOptions fields a sweep may set (dsec lower's options), with their YAML types.
OPTION_FIELDS = {"objective": str, "spatial_candidates": int, "mixed": bool, "lpf_limit": int,
                 "data_locality": bool, "fuse_elementwise": bool, "time_limit": float,
                 "graph_outputs_on_chip": bool}
# Options checked alone with the ones they need; _check_option_combinations checks each point's whole set.
NEEDS = {"graph_outputs_on_chip": {"data_locality": True}}
METRICS = ("energy", "latency", "area", "edp")
FILE_KEYS = ("accelerator", "mapping")


@dataclass(frozen=True)
class Setting:
    """One value of an axis: the keys it sets, and how it shows in the table."""
    assignments: tuple[tuple[str, object], ...]
    label: object


@dataclass(frozen=True)
class Axis:
    name: str
    settings: tuple[Setting, ...]


@dataclass
class SweepSpec:
    name: str
    path: str  # the sweep file
    models: list[str]
    accelerator: str
    mapping: str | None
    options: dict[str, object]
    axes: list[Axis]  # crossed; an explicit `points` list is one axis named "setting"
    objectives: tuple[str, ...]
    warnings: list = field(default_factory=list)


def load_sweep_file(path: str) -> SweepSpec:
    """Read and check a sweep file. Raises DiagnosticError with every problem."""
    text = read_text_file(path, "sweep file")
    root, warnings = load_yaml(text, path)
    check = Checker(warnings)
    here = Path(path).resolve().parent
    if root is None:
        check.fail("the sweep file is empty", Loc(path, 1, 1))
    if not check.keys(root, "the sweep file", TOP_KEYS, TOP_OPTIONAL, Loc(path, 1, 1)):
        check.raise_if_errors()
    models = _paths(root.value["models"], here, "models", check)
    accelerator = _path(root.value["accelerator"], here, "accelerator", check)
    mapping = _path(root.value["mapping"], here, "mapping", check) if "mapping" in root.value else None
    options = _options(root.value["options"], check) if "options" in root.value else {}
    if "axes" in root.value and "points" in root.value:
        check.error("give either 'axes' (their cross product) or 'points' (an explicit list), not both",
                    root.key_locs["points"])
    axes = _axes(root.value["axes"], here, check) if "axes" in root.value else []
    if "points" in root.value:
        axes = [_points(root.value["points"], here, check)]
    objectives = _objectives(root, check)
    name = check.typed(root, "name", str, "the sweep file", Path(path).stem)
    check.raise_if_errors()
    _check_option_combinations(options, axes, root, check)
    check.raise_if_errors()
    _check_keys_name_the_accelerator(accelerator, axes, root, check)
    check.raise_if_errors()
    return SweepSpec(name, path, models, accelerator, mapping, options, axes, objectives,
                     [d for d in check.diagnostics if d.severity != "error"])


def _path(node: YNode, here: Path, key: str, check: Checker) -> str:
    if not isinstance(node.value, str):
        check.error(f"'{key}' must be a file path", node.loc)
        return ""
    path = here / node.value
    if not path.is_file():
        check.error(f"'{key}': no file '{node.value}' (paths are relative to the sweep file)", node.loc)
    return str(path)


def _paths(node: YNode, here: Path, key: str, check: Checker) -> list[str]:
    if not node.is_list() or not node.value:
        check.error(f"'{key}' must be a non-empty list of file paths", node.loc)
        return []
    return [_path(item, here, key, check) for item in node.value]


def _options(node: YNode, check: Checker) -> dict[str, object]:
    if not check.keys(node, "options", [], list(OPTION_FIELDS)):
        return {}
    return {key: _option_value(key, node.value[key], check) for key in OPTION_FIELDS if key in node.value}


def _option_value(field: str, node: YNode, check: Checker) -> object:
    """An option's value, checked as dsec lower checks it (LowerOptions), so a
    wrong value is an error at its line before any point runs, not an error row per point."""
    from dsec.compiler.lower import OBJECTIVES, LowerOptions

    value = node.plain()
    kind = OPTION_FIELDS[field]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
        shown = "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else repr(value)
        check.error(f"option '{field}' must be {_KIND_NAMES[kind]}, got {shown}", node.loc)
        return value
    try:
        LowerOptions(**{field: value, **NEEDS.get(field, {})})
    except ValueError as exc:
        hint = did_you_mean(value, list(OBJECTIVES)) if field == "objective" else ""
        check.error(f"option {exc}{hint}", node.loc)
    return value


def _check_option_combinations(options: dict[str, object], axes: list[Axis], root: YNode, check: Checker) -> None:
    """Each point's options together, as dsec lower checks its flags together
    (graph_outputs_on_chip needs data_locality): the first point whose set is not
    valid is an error at the axis that set its options last, or at `options`."""
    from dsec.compiler.lower import LowerOptions

    option_axes = [axis for axis in axes
                   if any(key.startswith("options.") for s in axis.settings for key, _ in s.assignments)]
    for combination in itertools.product(*(axis.settings for axis in option_axes)):
        chosen = dict(options)
        for setting in combination:
            chosen |= {key.removeprefix("options."): value for key, value in setting.assignments
                       if key.startswith("options.")}
        try:
            LowerOptions(**chosen)
        except ValueError as exc:
            if option_axes:
                axis = option_axes[-1]
                block = "points" if "points" in root.value else "axes"
                loc = (root.value["axes"].key_locs.get(axis.name) if block == "axes" else None) or root.key_locs[block]
                where = "a point" if block == "points" else f"axis '{axis.name}'"
                shown = ", ".join(f"{key}: {str(value).lower() if isinstance(value, bool) else value}"
                                  for key, value in sorted(chosen.items()))
                check.error(f"{where}: the options {{{shown}}}: {exc}", loc)
            else:
                check.error(f"options: {exc}", root.key_locs["options"])
            return


_KIND_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _objectives(root: YNode, check: Checker) -> tuple[str, ...]:
    if "objectives" not in root.value:
        return ("energy", "latency")
    node = root.value["objectives"]
    names = [item.value for item in node.value] if node.is_list() else []
    if not 2 <= len(names) <= 3 or len(set(names)) != len(names) or not set(names) <= set(METRICS):
        check.error(f"'objectives' must list 2 or 3 of {', '.join(METRICS)}, e.g. [energy, latency]", node.loc)
        return ("energy", "latency")
    return tuple(names)


def _axes(node: YNode, here: Path, check: Checker) -> list[Axis]:
    if not node.is_map() or not node.value:
        check.error("'axes' must map each axis's name to {key: ..., values: [...]} or {values: [{key: value}]}",
                    node.loc)
        return []
    axes = []
    for name, axis in node.value.items():
        where = f"axis '{name}'"
        if not check.keys(axis, where, ["values"], ["key"], node.key_locs[name]):
            continue
        values = axis.value["values"]
        if not values.is_list() or not values.value:
            check.error(f"'values' of {where} must be a non-empty list", values.loc)
            continue
        if "key" in axis.value:
            key = axis.value["key"]
            if not isinstance(key.value, str):
                check.error(f"'key' of {where} must be a dotted key, e.g. memories.sram.size", key.loc)
                continue
            _check_key(key.value, key.loc, check)
            settings = [Setting(((key.value, _value(key.value, v, here, check)),), v.plain()) for v in values.value]
        else:
            settings = [_setting(v, here, where, check) for v in values.value]
        axes.append(Axis(name, tuple(settings)))
    return axes


def _points(node: YNode, here: Path, check: Checker) -> Axis:
    if not node.is_list() or not node.value:
        check.error("'points' must be a non-empty list of {key: value} mappings", node.loc)
        return Axis("setting", ())
    settings = [_setting(item, here, "a point", check) for item in node.value]
    # The table shows a listed point's every key: "memories.gb.size=1024, memories.gb.r_cost=2.5".
    return Axis("setting", tuple(Setting(s.assignments, ", ".join(f"{k}={v}" for k, v in s.assignments))
                                 for s in settings))


def _setting(node: YNode, here: Path, where: str, check: Checker) -> Setting:
    """A {key: value, ...} mapping; its label is its first value (the one the table and plots show)."""
    if not node.is_map() or not node.value:
        check.error(f"each value of {where} must be a mapping of dotted keys to values", node.loc)
        return Setting((), None)
    for key in node.value:
        _check_key(key, node.key_locs[key], check)
    assignments = tuple((key, _value(key, value, here, check)) for key, value in node.value.items())
    return Setting(assignments, next(iter(node.value.values())).plain())


def _value(key: str, node: YNode, here: Path, check: Checker) -> object:
    """Whole-file keys hold paths relative to the sweep file; options are checked; the others plain YAML values."""
    if key in FILE_KEYS:
        return _path(node, here, key, check)
    field = key.removeprefix("options.")
    if key.startswith("options.") and field in OPTION_FIELDS:
        return _option_value(field, node, check)
    return node.plain()


def _check_keys_name_the_accelerator(accelerator: str, axes: list[Axis], root: YNode, check: Checker) -> None:
    """Where every point uses the base accelerator, a key that names nothing in it is the sweep
    file's mistake (every point would fail alike): an error at its axis, before any point runs.
    (With an axis over accelerator files, a key may exist in some of them: checked per point.)"""
    settings = [(axis, setting) for axis in axes for setting in axis.settings]
    if any(key == "accelerator" for _, setting in settings for key, _ in setting.assignments):
        return
    try:
        base = accelerator_data(accelerator)
    except (OSError, yaml.YAMLError):
        return  # the points report it, as for any accelerator file that cannot be read
    reported = set()
    for axis, setting in settings:
        for key, value in setting.assignments:
            if key in FILE_KEYS or key.startswith("options.") or (axis.name, key) in reported:
                continue
            try:
                apply_overrides(base, ((key, value),))
            except OverrideError as exc:
                reported.add((axis.name, key))
                block = "points" if "points" in root.value else "axes"
                loc = (root.value["axes"].key_locs.get(axis.name) if block == "axes" else None) or root.key_locs[block]
                where = "a point" if block == "points" else f"axis '{axis.name}'"
                check.error(f"{where}: in {Path(accelerator).name}, {exc}", loc)


def _check_key(key: str, loc: Loc, check: Checker) -> None:
    """The key's form; whether it names something in the accelerator is checked per point."""
    head, _, rest = key.partition(".")
    if key in FILE_KEYS:
        return
    if head == "options":
        if rest not in OPTION_FIELDS:
            check.error(f"'{key}': no option '{rest}'{did_you_mean(rest, list(OPTION_FIELDS))} "
                        f"(options: {', '.join(OPTION_FIELDS)})", loc)
        return
    if head not in ("memories", "operational_array", "name") or (head != "name" and not rest):
        check.error(f"'{key}' is not an accelerator key: expected memories.NAME.KEY, operational_array.KEY, "
                    f"accelerator, mapping or options.FIELD", loc)
