"""What a pass is: a small dataclass whose fields are its typed options, with a
name and `run(module, ctx) -> Module`. A pass returns a new module and never
mutates the one it was given."""

from __future__ import annotations

import dataclasses
import functools
import typing
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from dsec.compiler.diagnostics import DiagnosticEngine
from dsec.dialect.ops import LayerOp, Module


@dataclass
class PassContext:
    """What a pass may use besides the module: where to report, and where a
    long-running pass tells how far it is (pass name, layers done, total)."""

    diagnostics: DiagnosticEngine = field(default_factory=DiagnosticEngine)
    progress: typing.Callable[[str, int, int], None] | None = None

    def report_progress(self, pass_name: str) -> typing.Callable[[int, int], None] | None:
        if self.progress is None:
            return None
        return lambda done, total: self.progress(pass_name, done, total)


class OptionError(ValueError):
    """A pipeline option that does not exist or does not parse."""


def option(default, help: str):  # noqa: A002 - mirrors dataclasses.field's vocabulary
    """A pass option: a dataclass field with a help text."""
    return field(default=default, metadata={"help": help})


@dataclass
class Pass(ABC):
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    @abstractmethod
    def run(self, module: Module, ctx: PassContext) -> Module:
        """Return the transformed module; report problems to ctx.diagnostics."""

    @classmethod
    def options(cls) -> dict[str, dataclasses.Field]:
        return {f.name.replace("_", "-"): f for f in dataclasses.fields(cls)}

    @classmethod
    def from_options(cls, values: dict[str, str]) -> "Pass":
        """Build the pass from `key=value` strings, checking names and types."""
        known = cls.options()
        hints = _type_hints(cls) if values else {}
        kwargs = {}
        for key, text in values.items():
            if key not in known:
                valid = ", ".join(known) or "none"
                raise OptionError(f"unknown option '{key}' for pass '{cls.name}'; valid options: {valid}")
            f = known[key]
            kwargs[f.name] = parse_option_value(text, hints[f.name], key, cls.name)
        return cls(**kwargs)

    def pipeline_text(self) -> str:
        """This pass in pipeline syntax, with the options that differ from defaults."""
        changed = []
        for key, f in self.options().items():
            value = getattr(self, f.name)
            if value != f.default:
                changed.append(f"{key}={format_option_value(value)}")
        return f"{self.name}{{{' '.join(changed)}}}" if changed else self.name


@functools.cache
def _type_hints(cls: type) -> dict[str, object]:
    """A pass class's option types (evaluating its string annotations compiles each: once per class)."""
    return typing.get_type_hints(cls)


def rewrite_layers(module: Module, rewrite: typing.Callable[[LayerOp], LayerOp]) -> Module:
    """The module with every layer replaced by rewrite(layer); other ops kept."""
    return dataclasses.replace(
        module, ops=tuple(rewrite(op) if isinstance(op, LayerOp) else op for op in module.ops))


def format_option_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_option_value(text: str, kind, key: str, pass_name: str):
    where = f"option '{key}' of pass '{pass_name}'"
    if typing.get_origin(kind) is Literal:
        choices = typing.get_args(kind)
        if text not in choices:
            raise OptionError(f"{where} expects one of {', '.join(choices)}, got '{text}'")
        return text
    if kind is bool:
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise OptionError(f"{where} expects true or false, got '{text}'")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise OptionError(f"{where} expects an integer, got '{text}'") from None
    if kind is float:
        try:
            return float(text)
        except ValueError:
            raise OptionError(f"{where} expects a number, got '{text}'") from None
    return text
