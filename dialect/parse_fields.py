"""The parser's intermediate values (a dict with its keys' locations, a layer
body's tagged lines) and the checks that turn them into typed IR fields.

Every check raises a DiagnosticError at the offending key's location.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from dsec.compiler.diagnostics import error
from dsec.compiler.location import Loc
from dsec.dialect.accelerator import Accelerator, ImcArray
from dsec.dialect.attributes import ELEMENT_BITS, TensorType
from dsec.dialect.multicore import COMPUTE, OFFCHIP, Connection, Core, MultiCore


@dataclass(frozen=True)
class BufferLine:
    """`buffer @mem [I, O]` inside a nest body, before the nest knows its depth."""
    name: str
    operands: tuple[str, ...]
    loc: Loc


@dataclass
class Entry:
    key: str
    value: object
    loc: Loc


@dataclass
class AttrDict:
    """A parsed `{key = value, ...}`, keeping each key's location."""

    entries: list[Entry]
    loc: Loc

    def by_key(self) -> dict[str, Entry]:
        result: dict[str, Entry] = {}
        for entry in self.entries:
            if entry.key in result:
                raise error(f"duplicate key '{entry.key}'", entry.loc)
            result[entry.key] = entry
        return result


def plain(value: object) -> object:
    """A generic attribute value with the parser's helpers removed."""
    if isinstance(value, AttrDict):
        return {k: plain(e.value) for k, e in value.by_key().items()}
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value


@dataclass
class BodyItem:
    """One line of a layer body, tagged by kind."""

    kind: str
    value: object
    loc: Loc


def positive_int(value: object, loc: Loc, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise error(f"{what} must be a positive integer, got {show(value)}", loc)
    return value


def show(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    return str(plain(value))


def typed_fields(d: AttrDict, schema: dict[str, type], what: str,
                 optional: dict[str, type] | None = None) -> dict[str, object]:
    """Check a dict against {key: type}: every schema key required, the
    optional ones allowed, no others."""
    entries = d.by_key()
    allowed = {**schema, **(optional or {})}
    for key, entry in entries.items():
        if key not in allowed:
            raise error(f"unknown key '{key}' in {what}; expected one of: {', '.join(allowed)}", entry.loc)
    result: dict[str, object] = {}
    for key, kind in allowed.items():
        if key not in entries:
            if key in schema:
                raise error(f"{what} is missing '{key}'", d.loc)
            continue
        value = entries[key].value
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise error(f"'{key}' in {what} must be {kind.__name__}, got {show(value)}", entries[key].loc)
        result[key] = value
    return result


def imc_array(entry: Entry) -> ImcArray:
    if not isinstance(entry.value, AttrDict):
        raise error("'imc' in array must be a dict like {type = \"analog\", input_precision = [8, 8], ...}",
                    entry.loc)
    values = typed_fields(entry.value, {"type": str, "input_precision": tuple, "bit_serial_precision": int,
                                         "adc_resolution": int}, "imc")
    precision = values["input_precision"]
    if values["type"] not in ("analog", "digital"):
        raise error(f"'type' in imc must be \"analog\" or \"digital\", got {values['type']!r}", entry.loc)
    if len(precision) != 2 or not all(isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in precision):
        raise error("'input_precision' in imc must be [activation bits, weight bits]", entry.loc)
    return ImcArray(values["type"], precision[0], precision[1], values["bit_serial_precision"],
                    values["adc_resolution"])


# A loop dimension or precision past this is a typo, not a layer; the search would factor it for ever.
MAX_SIZE = 2**31 - 1


def int_dict(d: AttrDict, what: str) -> dict[str, int]:
    sizes = {key: positive_int(e.value, e.loc, f"'{key}' in {what}") for key, e in d.by_key().items()}
    for key, size in sizes.items():
        if size > MAX_SIZE:
            raise error(f"'{key}' in {what} is {size}; sizes up to {MAX_SIZE} are supported", d.by_key()[key].loc)
    return sizes


def unique(pairs: list[tuple[str, object, Loc]], what: str) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value, loc in pairs:
        if key in result:
            raise error(f"duplicate {what} '{key}'", loc)
        result[key] = value
    return result


def parse_tensor_type(text: str, loc: Loc) -> TensorType:
    body = text[len("tensor<"):-1]
    parts = body.split("x")
    element = parts[-1]
    if element not in ELEMENT_BITS:
        raise error(f"unknown element type '{element}' in {text}; expected one of: {', '.join(ELEMENT_BITS)}", loc)
    if parts[:-1] == ["*"]:
        return TensorType(None, element)
    shape: list[int | None] = []
    for part in parts[:-1]:
        if part == "?":
            shape.append(None)
        elif part.isdigit():
            shape.append(int(part))
        else:
            raise error(f"bad dimension '{part}' in {text}; expected a number or '?'", loc)
    return TensorType(tuple(shape), element)


@dataclass
class CnLine:
    fields: dict


def is_cn(item: object) -> bool:
    return isinstance(item, CnLine)


@dataclass
class RawMulticore:
    name: str
    fields: "AttrDict"
    items: list
    loc: Loc


def multicore_of(raw: RawMulticore, main: Accelerator) -> MultiCore:
    """The multi-core accelerator, with each core's accelerator looked up by name."""
    accelerators = {main.name: main}
    for item in raw.items:
        if isinstance(item, Accelerator):
            if item.name in accelerators:
                raise error(f"accelerator @{item.name} is declared twice", item.loc)
            accelerators[item.name] = item
    offchip = typed_fields(raw.fields, {"offchip": int}, "multicore")["offchip"]
    cores, connections = [], []
    for item in raw.items:
        if isinstance(item, tuple) and item[0] == "core":
            _, number, name, fields, loc = item
            if name not in accelerators:
                raise error(f"core {number} names accelerator @{name}, which is not declared", loc)
            if number != len(cores):
                raise error(f"core {number} is out of order; cores are numbered 0, 1, ... in order", loc)
            values = typed_fields(fields, {}, f"core {number}", {"kind": str, "operator_types": tuple,
                                                                     "input_bits": int, "accumulator_bits": int})
            cores.append(Core(number, values.get("kind", COMPUTE), accelerators[name],
                              tuple(values.get("operator_types", ())), values.get("input_bits"),
                              values.get("accumulator_bits"), loc))
        elif isinstance(item, tuple):
            _, kind, name, members, fields, loc = item
            connection = Connection(len(connections), kind, members, 0.0, 0.0, loc)
            if name != connection.name:
                raise error(f"connection @{name} must be called @{connection.name} (its kind and position)", loc)
            values = typed_fields(fields, {"bandwidth": float, "unit_energy": float}, f"connection @{name}")
            connections.append(Connection(connection.index, kind, members, values["bandwidth"],
                                          values["unit_energy"], loc))
    if not 0 <= offchip < len(cores) or cores[offchip].kind != OFFCHIP:
        raise error(f"multicore's offchip core {offchip} is not a core of kind offchip", raw.loc)
    return MultiCore(raw.name, tuple(cores), tuple(connections), offchip, raw.loc)
