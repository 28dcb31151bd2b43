"""Diagnostics in MLIR's form: `file:line:col: error: message`, then the source
line and a caret under the column."""

from __future__ import annotations

from dataclasses import dataclass, field

from dsec.compiler.location import Loc

SEVERITIES = ("error", "warning", "remark", "note")


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: str
    message: str
    loc: Loc | None = None
    # An error confined to one layer: the layer is left unmapped and the
    # pipeline goes on with the others (the run still fails).
    layer_only: bool = False

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
        if diagnostic.loc is None:
            return f"dsec: {diagnostic.severity}: {diagnostic.message}"
        head = f"{diagnostic.loc}: {diagnostic.severity}: {diagnostic.message}"
        source_line = self.line(diagnostic.loc)
        if source_line is None:
            return head
        # Keep tabs in the caret line so the caret stays under its column.
        pad = "".join(c if c == "\t" else " " for c in source_line[: diagnostic.loc.col - 1])
        return f"{head}\n{source_line}\n{pad}^"


@dataclass
class DiagnosticEngine:
    """Collects diagnostics from the parser, the verifier and the passes."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def emit(self, severity: str, message: str, loc: Loc | None = None) -> None:
        self.diagnostics.append(Diagnostic(severity, message, loc))

    def error(self, message: str, loc: Loc | None = None) -> None:
        self.emit("error", message, loc)

    def layer_error(self, message: str, loc: Loc | None = None) -> None:
        self.diagnostics.append(Diagnostic("error", message, loc, layer_only=True))

    def warning(self, message: str, loc: Loc | None = None) -> None:
        self.emit("warning", message, loc)

    def remark(self, message: str, loc: Loc | None = None) -> None:
        self.emit("remark", message, loc)

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)
