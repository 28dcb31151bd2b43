"""Diagnostics in MLIR's form: `file:line:col: error: message`, then the source
line and a caret under the column.

A diagnostic that repeats per layer (the same mapping entry adjusted on many
layers) carries a Group; group_diagnostics merges those with the same key into
one diagnostic that names the layers. The CLI, dsec.lower and dsec.run_pipeline
group before they hand diagnostics out."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field, replace

from dsec.compiler.location import Loc

SEVERITIES = ("error", "warning", "remark", "note")


@dataclass(frozen=True, slots=True)
class Group:
    """How a per-layer diagnostic merges with its repeats.

    Diagnostics of one severity with equal `key`s print as one: `head` at
    `loc` (e.g. the mapping entry that caused them), then each distinct
    `detail` once, with the layers it hit. A key that stands alone prints as
    the plain diagnostic."""

    key: str  # e.g. "mapping entry " + the entry's location
    head: str  # "mapping entry 'default': spatial_mapping reduced to fit"
    loc: Loc | None  # where the merged diagnostic points
    layer: str  # the layer this one hit, as the report names it ("@conv1_Conv")
    detail: str  # this diagnostic's message without the layer
    noun: str = "layer"  # what `layer` names ("node" for ONNX nodes that are not layers)


def per_mapping_entry(entry: str | None, entry_loc: Loc | None, layer: str, what: str, detail: str) -> Group:
    """The Group of a diagnostic that a mapping entry causes on every layer it
    applies to: `what` says what happened to the entry ("spatial_mapping reduced
    to fit"), `detail` what happened on `layer`, without naming the layer."""
    name = f"mapping entry '{entry}'" if entry else "mapping entry"
    # One group per entry and kind of event: two heads never merge into one.
    return Group(f"mapping entry {entry} {entry_loc}: {what}", f"{name}: {what}", entry_loc, layer, detail)


def per_given_spatial(spatial: str, loc: Loc | None, layer: str, what: str, detail: str) -> Group:
    """per_mapping_entry for a layer read from IR, which keeps its mapping
    entry's spatial_mapping (`require spatial ...`) but not the entry's name:
    the layers given the same spatial mapping merge under it."""
    return Group(f"require spatial {spatial}: {what}", f"require spatial {spatial}: {what}", loc, layer, detail)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: str
    message: str
    loc: Loc | None = None
    # An error confined to one layer: the layer is left unmapped and the
    # pipeline goes on with the others (the run still fails).
    layer_only: bool = False
    group: Group | None = None

    def __str__(self) -> str:
        """As the command line prints it: `file:line:col: error: ...`, the source
        line and a caret (the file is read if it exists), or `dsec: error: ...`."""
        return SourceManager().render(self)


class DiagnosticError(Exception):
    """Raised when input cannot be processed; carries what to tell the user.
    Its str is every diagnostic as the command line prints it."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic, sources: SourceManager | None = None):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = diagnostics
        self.sources = sources
        # The module a pipeline left when a layer could not be mapped (dsec.run_pipeline).
        self.module = None
        super().__init__("; ".join(d.message for d in diagnostics))

    def __reduce__(self):
        # Raised in a worker process (mapper/parallel.py), it crosses back whole.
        return (DiagnosticError, (self.diagnostics, self.sources))

    def __str__(self) -> str:
        sources = self.sources or SourceManager()
        return "\n".join(sources.render(d) for d in self.diagnostics)


def error(message: str, loc: Loc | None = None) -> DiagnosticError:
    """Shorthand for `raise error(...)`."""
    return DiagnosticError(Diagnostic("error", message, loc))


@dataclass
class SourceManager:
    """The texts diagnostics point into, by file name."""

    sources: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, text: str) -> None:
        self.sources[name] = text

    def line(self, loc: Loc) -> str | None:
        text = self.sources.get(loc.file)
        if text is None:
            text = self._read(loc.file)
        if text is None:
            return None
        lines = text.split("\n")
        if 1 <= loc.line <= len(lines):
            return lines[loc.line - 1].rstrip("\r")
        return None

    def _read(self, name: str) -> str | None:
        """Files named by diagnostics (accelerator and mapping YAML) are read
        only when a diagnostic points into them."""
        try:
            with open(name, encoding="utf-8") as handle:
                self.sources[name] = handle.read()
        except (OSError, UnicodeDecodeError):
            return None
        return self.sources[name]

    def render(self, diagnostic: Diagnostic) -> str:
        """The first line of the message, the source line and caret, then the
        message's other lines (a merged group's details)."""
        first, *rest = diagnostic.message.split("\n")
        if diagnostic.loc is None:
            return "\n".join([f"dsec: {diagnostic.severity}: {first}", *rest])
        lines = [f"{diagnostic.loc}: {diagnostic.severity}: {first}"]
        source_line = self.line(diagnostic.loc)
        if source_line is not None:
            # Keep tabs in the caret line so the caret stays under its column.
            pad = "".join(c if c == "\t" else " " for c in source_line[: diagnostic.loc.col - 1])
            lines += [source_line, f"{pad}^"]
        return "\n".join(lines + rest)


def group_diagnostics(diagnostics: list[Diagnostic], width: int = 110) -> list[Diagnostic]:
    """Each set of grouped diagnostics (same severity and Group.key) as one
    diagnostic, where the first of them stood; the others unchanged and in order.
    Merged details are wrapped to `width` columns."""
    members: dict[tuple[str, str], list[Diagnostic]] = {}
    order: list[Diagnostic | tuple[str, str]] = []
    for diagnostic in diagnostics:
        if diagnostic.group is None:
            order.append(diagnostic)
            continue
        key = (diagnostic.severity, diagnostic.group.key)
        if key not in members:
            members[key] = []
            order.append(key)
        members[key].append(diagnostic)
    return [item if isinstance(item, Diagnostic) else _merged(members[item], width) for item in order]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _merged(group: list[Diagnostic], width: int) -> Diagnostic:
    if len(group) == 1:
        return group[0]
    first = group[0].group
    layers_by_detail: dict[tuple[str, Loc | None], list[str]] = {}
    for diagnostic in group:
        # A member that points where its own group does (each layer's line of an IR file) adds no location.
        loc = None if diagnostic.loc == diagnostic.group.loc else diagnostic.loc
        layers = layers_by_detail.setdefault((diagnostic.group.detail, loc), [])
        if diagnostic.group.layer not in layers:
            layers.append(diagnostic.group.layer)
    hit = {d.group.layer for d in group}
    lines = [f"{first.head}, on {_count(len(hit), first.noun)}:"]
    for (detail, loc), layers in layers_by_detail.items():
        where = "" if loc is None or loc == first.loc else (
            f" (line {loc.line})" if first.loc is not None and loc.file == first.loc.file else f" ({loc})")
        text = f"{detail}{where} on {_count(len(layers), first.noun)}: {', '.join(layers)}"
        lines += textwrap.wrap(text, width, initial_indent="  ", subsequent_indent="      ",
                               break_on_hyphens=False, break_long_words=False)
    return replace(group[0], message="\n".join(lines), loc=first.loc, group=None,
                   layer_only=all(d.layer_only for d in group))


@dataclass
class DiagnosticEngine:
    """Collects diagnostics from the parser, the verifier and the passes."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def emit(self, severity: str, message: str, loc: Loc | None = None, group: Group | None = None) -> None:
        self.diagnostics.append(Diagnostic(severity, message, loc, group=group))

    def error(self, message: str, loc: Loc | None = None) -> None:
        self.emit("error", message, loc)

    def layer_error(self, message: str, loc: Loc | None = None, group: Group | None = None) -> None:
        self.diagnostics.append(Diagnostic("error", message, loc, layer_only=True, group=group))

    def warning(self, message: str, loc: Loc | None = None, group: Group | None = None) -> None:
        self.emit("warning", message, loc, group)

    def remark(self, message: str, loc: Loc | None = None) -> None:
        self.emit("remark", message, loc)

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)
