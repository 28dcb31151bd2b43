"""Parse the textual dsec IR (grammar: dialect/dsec.lark) into a Module.

Syntax errors and malformed attributes become DiagnosticError with the file,
line and column; no Lark or Python exception escapes for bad input.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from dsec.compiler.diagnostics import DiagnosticError, error
from dsec.compiler.location import Loc
from dsec.dialect.accelerator import Accelerator, ImcArray, Memory, Port
from dsec.dialect.multicore import COMPUTE, OFFCHIP, Connection, Core, MultiCore
from dsec.dialect.attributes import (
    ELEMENT_BITS,
    Access,
    AffineExpr,
    Buffer,
    Compute,
    Constraints,
    Locality,
    Loop,
    Nest,
    Spatial,
    SpatialUnroll,
    TensorType,
)
from dsec.dialect.ops import ConstOp, InputOp, LayerOp, Module, MoveOp, ReturnOp, Value

GRAMMAR_FILE = "dsec.lark"


def load_grammar() -> str:
    return resources.files("dsec.dialect").joinpath(GRAMMAR_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _lark(strict: bool = False) -> Lark:
    # The builder runs inside the LALR parser (no parse tree: twice as fast).
    # Strict mode (regex-collision checks) is exercised by a test; the checks
    # cost time at every start, so the tool itself builds without them.
    return Lark(load_grammar(), parser="lalr", strict=strict, maybe_placeholders=True,
                transformer=_Builder())


_PARSE_LOCK = threading.Lock()  # the builder inside the cached parser holds the file name


def parse_module(text: str, filename: str = "<stdin>") -> Module:
    """Parse one module. Raises DiagnosticError on any malformed input."""
    parser = _lark()
    with _PARSE_LOCK:
        parser.options.transformer.filename = filename
        try:
            return parser.parse(text)
        except UnexpectedInput as exc:
            raise _syntax_error(exc, text, filename) from None


# Human names for the grammar's terminals, used in "expected ..." messages.
_TERMINAL_NAMES = {
    "SYMBOL": "a symbol like @name", "VALUE": "a value like %name", "TENSOR": "a tensor type",
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "LBRACE": "'{'",
    "RBRACE": "'}'", "LSQB": "'['", "RSQB": "']'", "LPAR": "'('", "RPAR": "')'",
    "COMMA": "','", "EQUAL": "'='", "COLON": "':'", "DOT": "'.'", "PLUS": "'+'",
    "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "$END": "end of input",
}


def _expected(names: set[str]) -> str:
    pretty = []
    for name in sorted(names):
        if name in _TERMINAL_NAMES:
            pretty.append(_TERMINAL_NAMES[name])
        elif name in _lark_terminals():
            pattern = _lark_terminals()[name].pattern
            pretty.append(f"'{pattern.value}'" if pattern.type == "str" else name)
        else:  # lark's own markers, such as '<END-OF-FILE>' where input may end
            pretty.append("end of input" if "END" in name else name)
    return ", ".join(sorted(set(pretty)))


def _lark_terminals() -> dict:
    return {t.name: t for t in _lark().terminals}


def _end_of(text: str, filename: str) -> Loc:
    lines = text.split("\n")
    return Loc(filename, len(lines), len(lines[-1]) + 1)


def _syntax_error(exc: UnexpectedInput, text: str, filename: str) -> DiagnosticError:
    loc = Loc(filename, exc.line if exc.line > 0 else 1, exc.column if exc.column > 0 else 1)
    if isinstance(exc, UnexpectedCharacters):
        return error(f"unexpected character {exc.char!r}", loc)
    if isinstance(exc, UnexpectedEOF):
        return error(f"unexpected end of input; expected {_expected(set(exc.expected))}", _end_of(text, filename))
    assert isinstance(exc, UnexpectedToken)
    if exc.token.type == "$END":
        return error(f"unexpected end of input; expected {_expected(exc.expected)}", _end_of(text, filename))
    return error(f"unexpected {exc.token.value!r}; expected {_expected(exc.expected)}", loc)


# ---- the tree -> IR builder ------------------------------------------------


@dataclass(frozen=True)
class _BufferLine:
    """`buffer @mem [I, O]` inside a nest body, before the nest knows its depth."""
    name: str
    operands: tuple[str, ...]
    loc: Loc


@dataclass
class _Entry:
    key: str
    value: object
    loc: Loc


@dataclass
class _Dict:
    """A parsed `{key = value, ...}`, keeping each key's location."""

    entries: list[_Entry]
    loc: Loc

    def by_key(self) -> dict[str, _Entry]:
        result: dict[str, _Entry] = {}
        for entry in self.entries:
            if entry.key in result:
                raise error(f"duplicate key '{entry.key}'", entry.loc)
            result[entry.key] = entry
        return result


def _plain(value: object) -> object:
    """A generic attribute value with the parser's helpers removed."""
    if isinstance(value, _Dict):
        return {k: _plain(e.value) for k, e in value.by_key().items()}
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


@dataclass
class _Item:
    """One line of a layer body, tagged by kind."""

    kind: str
    value: object
    loc: Loc


def _positive_int(value: object, loc: Loc, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise error(f"{what} must be a positive integer, got {_show(value)}", loc)
    return value


def _show(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    return str(_plain(value))


def _typed_fields(d: _Dict, schema: dict[str, type], what: str,
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
            raise error(f"'{key}' in {what} must be {kind.__name__}, got {_show(value)}", entries[key].loc)
        result[key] = value
    return result


def _imc_array(entry: _Entry) -> ImcArray:
    if not isinstance(entry.value, _Dict):
        raise error("'imc' in array must be a dict like {type = \"analog\", input_precision = [8, 8], ...}",
                    entry.loc)
    values = _typed_fields(entry.value, {"type": str, "input_precision": tuple, "bit_serial_precision": int,
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


def _int_dict(d: _Dict, what: str) -> dict[str, int]:
    sizes = {key: _positive_int(e.value, e.loc, f"'{key}' in {what}") for key, e in d.by_key().items()}
    for key, size in sizes.items():
        if size > MAX_SIZE:
            raise error(f"'{key}' in {what} is {size}; sizes up to {MAX_SIZE} are supported", d.by_key()[key].loc)
    return sizes


def _unique(pairs: list[tuple[str, object, Loc]], what: str) -> dict[str, object]:
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
class _CnLine:
    fields: dict


def _is_cn(item: object) -> bool:
    return isinstance(item, _CnLine)


@dataclass
class _RawMulticore:
    name: str
    fields: "_Dict"
    items: list
    loc: Loc


def _multicore(raw: _RawMulticore, main: Accelerator) -> MultiCore:
    """The multi-core accelerator, with each core's accelerator looked up by name."""
    accelerators = {main.name: main}
    for item in raw.items:
        if isinstance(item, Accelerator):
            if item.name in accelerators:
                raise error(f"accelerator @{item.name} is declared twice", item.loc)
            accelerators[item.name] = item
    offchip = _typed_fields(raw.fields, {"offchip": int}, "multicore")["offchip"]
    cores, connections = [], []
    for item in raw.items:
        if isinstance(item, tuple) and item[0] == "core":
            _, number, name, fields, loc = item
            if name not in accelerators:
                raise error(f"core {number} names accelerator @{name}, which is not declared", loc)
            if number != len(cores):
                raise error(f"core {number} is out of order; cores are numbered 0, 1, ... in order", loc)
            values = _typed_fields(fields, {}, f"core {number}", {"kind": str, "operator_types": tuple,
                                                                     "input_bits": int, "accumulator_bits": int})
            cores.append(Core(number, values.get("kind", COMPUTE), accelerators[name],
                              tuple(values.get("operator_types", ())), values.get("input_bits"),
                              values.get("accumulator_bits"), loc))
        elif isinstance(item, tuple):
            _, kind, name, members, fields, loc = item
            connection = Connection(len(connections), kind, members, 0.0, 0.0, loc)
            if name != connection.name:
                raise error(f"connection @{name} must be called @{connection.name} (its kind and position)", loc)
            values = _typed_fields(fields, {"bandwidth": float, "unit_energy": float}, f"connection @{name}")
            connections.append(Connection(connection.index, kind, members, values["bandwidth"],
                                          values["unit_energy"], loc))
    if not 0 <= offchip < len(cores) or cores[offchip].kind != OFFCHIP:
        raise error(f"multicore's offchip core {offchip} is not a core of kind offchip", raw.loc)
    return MultiCore(raw.name, tuple(cores), tuple(connections), offchip, raw.loc)


class _Builder(Transformer):
    """Builds IR objects from the grammar's rules as the parser reduces them."""

    def __init__(self, filename: str = "<stdin>"):
        super().__init__()
        self.filename = filename

    def _tok(self, token: Token) -> Loc:
        return Loc(self.filename, token.line, token.column)

    # -- generic attributes ---------------------------------------------------

    def number(self, children):
        minus, token = children
        text = str(token)
        value: int | float = float(text) if any(c in text for c in ".eE") else int(text)
        return -value if minus is not None else value

    def string(self, children):
        return self._string(children[0])

    def _string(self, token: Token) -> str:
        try:
            return json.loads(token)
        except json.JSONDecodeError:
            raise error(f"invalid escape in string {token}", self._tok(token)) from None

    def true(self, children):
        return True

    def false(self, children):
        return False

    def list(self, children):
        return tuple(c for c in children if c is not None)

    def entry(self, children):
        key, value = children
        name = self._string(key) if key.type == "STRING" else str(key)
        return _Entry(name, value, self._tok(key))

    def dict(self, children):
        brace, *entries = children
        return _Dict([e for e in entries if e is not None], self._tok(brace))

    def name_list(self, children):
        return [c for c in children if c is not None]

    # -- accelerator ----------------------------------------------------------

    def size_entry(self, children):
        name, size = children
        loc = self._tok(name)
        return str(name), _positive_int(self.number([None, size]), loc, f"size of array dimension {name}"), loc

    def array(self, children):
        *sizes, fields = children
        dims = _unique([s for s in sizes if s is not None], "array dimension")
        entries = fields.by_key()
        systolic = entries.pop("systolic_dimensions", None)
        imc = entries.pop("imc", None)
        values = _typed_fields(_Dict(list(entries.values()), fields.loc), {"unit_energy": float, "unit_area": float},
                               "array")
        if systolic is not None:
            if not isinstance(systolic.value, tuple) or not all(isinstance(d, str) for d in systolic.value):
                raise error("'systolic_dimensions' in array must be a list of strings", systolic.loc)
            values["systolic_dimensions"] = systolic.value
        if imc is not None:
            values["imc"] = _imc_array(imc)
        return tuple(dims.items()), values

    def allocation(self, children):
        operand, direction = children
        return str(operand), str(direction), self._tok(operand)

    def port(self, children):
        symbol, kind, fields, *allocations = children
        values = _typed_fields(fields, {"bandwidth_min": int, "bandwidth_max": int}, f"port {symbol}")
        return Port(
            name=symbol[1:], type=str(kind), bandwidth_min=values["bandwidth_min"],
            bandwidth_max=values["bandwidth_max"],
            allocation=tuple((op, d) for op, d, _ in (a for a in allocations if a is not None)),
            loc=self._tok(symbol),
        )

    def memory(self, children):
        symbol, operands, served, fields, *ports = children
        schema = {"size": int, "r_cost": float, "w_cost": float, "area": float, "latency": int}
        values = _typed_fields(fields, schema, f"memory {symbol}", {"force_double_buffering": bool})
        return Memory(
            name=symbol[1:], operands=tuple(str(o) for o in operands),
            served_dimensions=tuple(str(s) for s in served), ports=tuple(ports),
            loc=self._tok(symbol), **values,
        )

    def accelerator(self, children):
        symbol, (dims, values), *memories = children
        return Accelerator(name=symbol[1:], array=dims, unit_energy=values["unit_energy"],
                           unit_area=values["unit_area"], memories=tuple(memories),
                           systolic_dimensions=values.get("systolic_dimensions", ()), loc=self._tok(symbol),
                           imc=values.get("imc"))

    def options(self, children):
        return _plain(children[0])

    # -- ops --------------------------------------------------------------

    def value_list(self, children):
        return list(children)

    def tensor_list(self, children):
        return [parse_tensor_type(str(t), self._tok(t)) for t in children]

    def _single_result(self, results: list[Token], tensor: Token, op: str) -> Value:
        if len(results) != 1:
            raise error(f"{op} defines exactly one value, got {len(results)}", self._tok(results[0]))
        return Value(results[0][1:], parse_tensor_type(str(tensor), self._tok(tensor)))

    def input_op(self, children):
        results, name, tensor = children
        return InputOp(self._single_result(results, tensor, "dsec.input"), self._string(name), self._tok(results[0]))

    def const_op(self, children):
        results, name, tensor = children
        return ConstOp(self._single_result(results, tensor, "dsec.const"), self._string(name), self._tok(results[0]))

    def role_operand(self, children):
        role, value = children
        return str(role), value[1:], self._tok(role)

    def layer_op(self, children):
        results, symbol, op_type, *operands, tensor, body = children
        loc = self._tok(results[0])
        result = self._single_result(results, tensor, "dsec.layer")
        bound = _unique([o for o in operands if o is not None], "operand role")
        return LayerOp(result=result, symbol=symbol[1:], op_type=self._string(op_type),
                       operands=tuple(bound.items()), loc=loc, **body)

    def move_op(self, children):
        results, kind, symbol, op_type, *rest = children
        *operands, types, attrs = rest
        if len(types) != len(results):
            raise error(f"{len(results)} results but {len(types)} types", self._tok(results[0]))
        values = tuple(Value(r[1:], t) for r, t in zip(results, types))
        return MoveOp(results=values, symbol=symbol[1:], op_type=self._string(op_type),
                      operands=tuple(o[1:] for o in operands if o is not None), attrs=_plain(attrs),
                      opaque=kind == "dsec.opaque", loc=self._tok(results[0]))

    def return_op(self, children):
        keyword, *values = children
        return ReturnOp(tuple(v[1:] for v in values if v is not None), self._tok(keyword))

    def module(self, children):
        symbol, accelerator, multicore, options, *ops, ret, schedule = children
        all_ops = tuple(ops) + ((ret,) if ret is not None else ())
        hardware = _multicore(multicore, accelerator) if multicore is not None else None
        return Module(name=symbol[1:], accelerator=accelerator, options=options, ops=all_ops,
                      loc=self._tok(symbol), multicore=hardware, schedule=schedule)

    # -- multi-core -------------------------------------------------------------

    def multicore(self, children):
        keyword, symbol, fields, *items = children
        return _RawMulticore(symbol[1:], fields, [i for i in items if i is not None], self._tok(symbol))

    def mc_core(self, children):
        number, symbol, fields = children
        return ("core", int(number), symbol[1:], fields, self._tok(number))

    def mc_connection(self, children):
        kind, symbol, *rest = children
        *cores, fields = rest
        return ("connection", str(kind), symbol[1:], tuple(int(c) for c in cores if c is not None), fields,
                self._tok(kind))

    def schedule(self, children):
        keyword, fields, *items = children
        items = [i for i in items if i is not None]
        return {**_plain(fields), "transfers": tuple(i for i in items if "tensor" in i),
                "occupancy": tuple(i for i in items if "core" in i)}

    def occupancy(self, children):
        name, fields = children
        return {"core": self._string(name), **_plain(fields)}

    def transfer(self, children):
        name, fields = children
        return {"tensor": self._string(name), **_plain(fields)}

    def tiling(self, children):
        return _plain(children[1])

    def cn(self, children):
        keyword, number, fields = children
        return _CnLine({"id": int(number), **_plain(fields)})

    def start(self, children):
        return children[0]

    # -- layer body ---------------------------------------------------------

    def layer_body(self, children):
        name, dims, compute, precision, links, fusion, *rest = children
        *requires, locality, spatial, search, nest, cost, tiling = [r for r in rest if not _is_cn(r)]
        cns = tuple(r.fields for r in rest if _is_cn(r))
        constraints = self._constraints([r for r in requires if r is not None])
        nested_spatial = nest[1] if nest is not None else None
        if spatial is not None and nested_spatial is not None:
            raise error("spatial mapping given twice: inside the nest and before it", spatial.loc)
        return dict(
            name=name if name is not None else "",
            dims=dims, compute=compute, precision=precision, links=links,
            constraints=constraints,
            locality=locality,
            spatial=spatial if spatial is not None else nested_spatial,
            nest=nest[0] if nest is not None else None,
            search=search,
            cost=cost,
            tiling=tiling,
            cns=cns,
            fuses=fusion.value if fusion is not None and fusion.kind == "fuses" else (),
            fused_into=fusion.value if fusion is not None and fusion.kind == "fused_into" else None,
        )

    def fuses(self, children):
        keyword, *symbols = children
        names = [str(s)[1:] for s in symbols]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise error(f"fuses lists @{duplicated[0]} twice", self._tok(keyword))
        return _Item("fuses", tuple(names), self._tok(keyword))

    def fused_into(self, children):
        keyword, symbol = children
        return _Item("fused_into", str(symbol)[1:], self._tok(keyword))

    def _constraints(self, requires: list[_Item]) -> Constraints | None:
        if not requires:
            return None
        found = _unique([(r.kind, r.value, r.loc) for r in requires], "requirement")
        return Constraints(spatial=found.get("spatial"), hint=found.get("hint"), order=found.get("order"),
                           loc=requires[0].loc)

    def layer_name(self, children):
        return self._string(children[0])

    def dims(self, children):
        return _int_dict(children[0], "dims")

    def precision(self, children):
        return _int_dict(children[0], "precision")

    def link(self, children):
        operand, memory_operand = children
        return str(operand), str(memory_operand), self._tok(operand)

    def links(self, children):
        return _unique([c for c in children if c is not None], "link for operand")

    def cost(self, children):
        return _plain(children[0])

    def keep(self, children):
        role, memory = children
        return _Item("keep", (str(role), memory[1:]), self._tok(role))

    def held(self, children):
        memory, bits = children
        loc = self._tok(memory)
        return _Item("live", (memory[1:], _positive_int(bits, loc, f"live bits of {memory}")), loc)

    def locality(self, children):
        keyword, *items = children
        items = [i for i in items if isinstance(i, _Item)]
        keep = _unique([(*i.value, i.loc) for i in items if i.kind == "keep"], "locality for operand")
        live = _unique([(*i.value, i.loc) for i in items if i.kind == "live"], "live bits for memory")
        return Locality(keep=tuple(keep.items()), live=tuple(live.items()), loc=self._tok(keyword))

    def search(self, children):
        return _plain(children[0])

    def term_dim(self, children):
        return (str(children[0]), 1)

    def term_scaled(self, children):
        coeff, _star, name = children
        return (str(name), _positive_int(self.number([None, coeff]), self._tok(coeff), "a coefficient"))

    def term_const(self, children):
        value = self.number([None, children[0]])
        if not isinstance(value, int):
            raise error(f"index offsets must be integers, got {value}", self._tok(children[0]))
        return value

    def affine(self, children):
        first_sign, first, *rest = children
        signed = [(-1 if first_sign is not None else 1, first)]
        signed += [(-1 if rest[i] == "-" else 1, rest[i + 1]) for i in range(0, len(rest), 2)]
        coeffs: dict[str, int] = {}
        constant = 0
        for sign, term in signed:
            if isinstance(term, tuple):
                coeffs[term[0]] = coeffs.get(term[0], 0) + sign * term[1]
            else:
                constant += sign * term
        return AffineExpr(tuple((d, c) for d, c in coeffs.items() if c != 0), constant)

    def access(self, children):
        name, *indices = children
        return Access(str(name), tuple(i for i in indices if i is not None), self._tok(name))

    def acc_sum(self, children):
        return "+="

    def acc_max(self, children):
        return "max="

    def acc_min(self, children):
        return "min="

    def acc_assign(self, children):
        return "="

    def rhs_access(self, children):
        return "", (children[0],)

    def rhs_binary(self, children):
        left, operator, right = children
        return str(operator), (left, right)

    def rhs_call(self, children):
        name, *args = children
        return str(name), tuple(args)

    def compute(self, children):
        output, accumulate, (operator, inputs) = children
        return Compute(output, accumulate, operator, inputs, loc=output.loc)

    # -- mapping ------------------------------------------------------------

    def loop(self, children):
        dim, factor = children
        loc = self._tok(dim)
        return Loop(str(dim), _positive_int(self.number([None, factor]), loc, f"factor of loop {dim}"), loc)

    def unroll(self, children):
        array_dim, *loops = children
        return SpatialUnroll(str(array_dim), tuple(loops), self._tok(array_dim))

    def spatial(self, children):
        keyword, *unrolls = children
        return Spatial(tuple(unrolls), self._tok(keyword))

    def require_spatial(self, children):
        keyword, *unrolls = children
        return _Item("spatial", Spatial(tuple(unrolls), self._tok(keyword)), self._tok(keyword))

    def hint_entry(self, children):
        array_dim, dims = children
        return str(array_dim), tuple(str(d) for d in dims), self._tok(array_dim)

    def require_hint(self, children):
        keyword, *entries = children
        hints = _unique(entries, "hint for array dimension")
        return _Item("hint", tuple(hints.items()), self._tok(keyword))

    def order_fixed(self, children):
        return self.loop(children)

    def order_rest(self, children):
        return Loop(str(children[0]), None, self._tok(children[0]))

    def require_order(self, children):
        keyword, *loops = children
        return _Item("order", tuple(c for c in loops if c is not None), self._tok(keyword))

    def buffer(self, children):
        symbol, operands = children
        return _BufferLine(symbol[1:], tuple(str(o) for o in operands), self._tok(symbol))

    def for_loop(self, children):
        loop, body = children
        return loop, body

    def nest_body(self, children):
        # buffer* (for_loop | spatial)?: the body may end with a buffer line or be empty.
        buffers = [c for c in children if isinstance(c, _BufferLine)]
        inner = children[-1] if children and not isinstance(children[-1], _BufferLine) else None
        return buffers, inner

    def nest(self, children):
        # Walk the nest outside in, then number buffer positions from the inside.
        outer_loops: list[Loop] = []
        placed: list[tuple[_BufferLine, int]] = []
        keyword, (buffers, inner) = children
        while True:
            placed += [(b, len(outer_loops)) for b in buffers]
            if isinstance(inner, tuple):
                loop, (buffers, inner) = inner
                outer_loops.append(loop)
                continue
            break
        depth = len(outer_loops)
        nest = Nest(
            loops=tuple(reversed(outer_loops)),
            buffers=tuple(Buffer(b.name, b.operands, depth - level, b.loc) for b, level in placed),
            loc=self._tok(keyword),
        )
        return nest, inner
