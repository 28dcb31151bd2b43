"""YAML read through PyYAML's safe loader, keeping where every key and value
came from, so a validation error can name the file, line and key.

A key given twice is reported as a warning with both lines, and the later one
wins, as in PyYAML: existing ZigZag files with a repeated key keep working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn

import yaml

from dsec.compiler.diagnostics import Diagnostic, DiagnosticError
from dsec.compiler.location import Loc


@dataclass
class YNode:
    """A YAML value with its location. `value` is a dict of str -> YNode, a
    list of YNode, or a plain scalar."""

    value: object
    loc: Loc
    key_locs: dict[str, Loc] = field(default_factory=dict)  # for mappings: where each key is

    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def plain(self) -> object:
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def read_text_file(path: str, what: str) -> str:
    """The text of a user's file, or a DiagnosticError saying which file and why."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise DiagnosticError(Diagnostic("error", f"cannot read {what} '{path}': {exc.strerror}")) from None
    except UnicodeDecodeError:
        raise DiagnosticError(Diagnostic("error", f"{what} '{path}' is not UTF-8 text")) from None


def _loc(filename: str, node: yaml.Node) -> Loc:
    return Loc(filename, node.start_mark.line + 1, node.start_mark.column + 1)


# libyaml's parser when PyYAML has it (15x faster on the multi-core hardware files); its nodes carry
# the same marks. A text it refuses is parsed again by the pure-Python one, whose messages are the
# ones users know.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, filename: str) -> tuple[YNode | None, list[Diagnostic]]:
    """Parse YAML text into located nodes, with warnings for repeated keys.
    Raises DiagnosticError for YAML that does not parse."""
    try:
        try:
            root = yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Loc(filename, mark.line + 1, mark.column + 1) if mark else None
        raise DiagnosticError(Diagnostic("error", f"invalid YAML: {exc.problem or exc}", loc)) from None
    except yaml.YAMLError as exc:
        raise DiagnosticError(Diagnostic("error", f"invalid YAML: {exc}", Loc(filename, 1, 1))) from None
    if root is None:
        return None, []
    warnings: list[Diagnostic] = []
    constructor = yaml.SafeLoader("")
    return _convert(root, filename, constructor, warnings), warnings


def _convert(node: yaml.Node, filename: str, constructor: yaml.SafeLoader, warnings: list[Diagnostic]) -> YNode:
    loc = _loc(filename, node)
    if isinstance(node, yaml.MappingNode):
        values: dict[str, YNode] = {}
        key_locs: dict[str, Loc] = {}
        for key_node, value_node in node.value:
            key = str(constructor.construct_object(key_node, deep=True))
            key_loc = _loc(filename, key_node)
            if key in values:
                warnings.append(Diagnostic(
                    "warning", f"key '{key}' is given twice (line {key_locs[key].line} and line {key_loc.line}); "
                               f"the later one is used", key_loc))
            values[key] = _convert(value_node, filename, constructor, warnings)
            key_locs[key] = key_loc
        return YNode(values, loc, key_locs)
    if isinstance(node, yaml.SequenceNode):
        return YNode([_convert(item, filename, constructor, warnings) for item in node.value], loc)
    return YNode(constructor.construct_object(node, deep=True), loc)


def did_you_mean(word: str, choices: list[str]) -> str:
    import difflib  # only when a word is wrong

    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


class Checker:
    """Collects every validation error of one file instead of stopping at the first."""

    def __init__(self, diagnostics: list[Diagnostic] | None = None):
        self.diagnostics: list[Diagnostic] = list(diagnostics or [])  # e.g. the YAML reader's warnings

    def error(self, message: str, loc: Loc | None) -> None:
        self.diagnostics.append(Diagnostic("error", message, loc))

    def warning(self, message: str, loc: Loc | None) -> None:
        self.diagnostics.append(Diagnostic("warning", message, loc))

    def fail(self, message: str, loc: Loc | None) -> NoReturn:
        """An error after which the file cannot be read further: raised with all found so far."""
        self.error(message, loc)
        raise DiagnosticError(self.diagnostics)

    def raise_if_errors(self) -> None:
        if any(d.severity == "error" for d in self.diagnostics):
            raise DiagnosticError(self.diagnostics)

    def keys(self, node: YNode, where: str, required: list[str], optional: list[str], loc: Loc | None = None) -> bool:
        """Check a mapping's keys: required present, no unknown ones. Missing
        keys are reported at `loc` (the key that holds this mapping), if given.
        False when the mapping cannot be read further (not a mapping, or a
        required key missing); unknown keys are reported but do not stop."""
        if not node.is_map():
            self.error(f"{where} must be a mapping of keys to values", loc or node.loc)
            return False
        ok = True
        allowed = required + optional
        for key in node.value:
            if key not in allowed:
                self.error(f"unknown key '{key}' in {where}{did_you_mean(key, allowed)} "
                           f"(expected: {', '.join(allowed)})", node.key_locs[key])
        for key in required:
            if key not in node.value:
                self.error(f"{where} is missing required key '{key}'", loc or node.loc)
                ok = False
        return ok

    def typed(self, node: YNode, key: str, kind: type, where: str, default=None):
        """The value of `key`, checked to be of `kind` (int for float is fine)."""
        if key not in node.value:
            return default
        item = node.value[key]
        value = item.value
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
            self.error(f"'{key}' of {where} must be {_kind_name(kind)}, got {_show(value)}", item.loc)
            return default
        return value


def _kind_name(kind: type) -> str:
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false",
            list: "a list", dict: "a mapping"}.get(kind, kind.__name__)


def _show(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)
