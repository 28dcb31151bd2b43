"""Pipeline strings in MLIR's option syntax: `a,b{key=value other=value}`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dsec.compiler.pass_base import OptionError, Pass


class PipelineError(ValueError):
    """A pipeline string that does not parse; `column` is 1-based."""

    def __init__(self, message: str, column: int):
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class PassSpec:
    name: str
    options: dict[str, str]
    column: int


_NAME = re.compile(r"\s*([A-Za-z][A-Za-z0-9_-]*)\s*")
_OPTION = re.compile(r"\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(\"[^\"]*\"|[^\s}\"]+)\s*")


def parse_pipeline_specs(text: str) -> list[PassSpec]:
    specs: list[PassSpec] = []
    pos = 0
    if not text.strip():
        return specs
    while True:
        match = _NAME.match(text, pos)
        if not match:
            raise PipelineError("expected a pass name", pos + 1)
        name, column = match.group(1), match.start(1) + 1
        pos = match.end()
        options: dict[str, str] = {}
        if pos < len(text) and text[pos] == "{":
            pos += 1
            while True:
                while pos < len(text) and text[pos].isspace():
                    pos += 1
                if pos < len(text) and text[pos] == "}":
                    pos += 1
                    break
                opt = _OPTION.match(text, pos)
                if not opt:
                    raise PipelineError(f"expected 'key=value' or '}}' in the options of '{name}'", pos + 1)
                if opt.group(1) in options:
                    raise PipelineError(f"option '{opt.group(1)}' given twice for '{name}'", opt.start(1) + 1)
                options[opt.group(1)] = opt.group(2).strip('"')
                pos = opt.end()
            while pos < len(text) and text[pos].isspace():
                pos += 1
        specs.append(PassSpec(name, options, column))
        if pos == len(text):
            return specs
        if text[pos] != ",":
            raise PipelineError(f"expected ',' or end of pipeline after '{name}'", pos + 1)
        pos += 1


def build_pipeline(text: str, registry: dict[str, type[Pass]]) -> list[Pass]:
    """Parse a pipeline string into pass instances, naming what is valid on error."""
    passes = []
    for spec in parse_pipeline_specs(text):
        cls = registry.get(spec.name)
        if cls is None:
            raise PipelineError(f"unknown pass '{spec.name}'; valid passes: {', '.join(sorted(registry))}",
                                spec.column)
        try:
            passes.append(cls.from_options(spec.options))
        except OptionError as exc:
            raise PipelineError(str(exc), spec.column) from None
    return passes
