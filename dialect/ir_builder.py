"""The grammar's rules -> IR objects: the Lark transformer the LALR parser
runs as it reduces (dialect/parser.py builds the parser around it)."""

from __future__ import annotations

import json

from lark import Token, Transformer

from dsec.compiler.diagnostics import error
from dsec.compiler.location import Loc
from dsec.dialect.accelerator import Accelerator, Memory, Port
from dsec.dialect.attributes import (
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
)
from dsec.dialect.ops import ConstOp, InputOp, LayerOp, Module, MoveOp, ReturnOp, Value
from dsec.dialect.parse_fields import (
    AttrDict,
    BodyItem,
    BufferLine,
    CnLine,
    Entry,
    RawMulticore,
    imc_array,
    int_dict,
    is_cn,
    multicore_of,
    parse_tensor_type,
    plain,
    positive_int,
    typed_fields,
    unique,
)


class IRBuilder(Transformer):
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
        return Entry(name, value, self._tok(key))

    def dict(self, children):
        brace, *entries = children
        return AttrDict([e for e in entries if e is not None], self._tok(brace))

    def name_list(self, children):
        return [c for c in children if c is not None]

    # -- accelerator ----------------------------------------------------------

    def size_entry(self, children):
        name, size = children
        loc = self._tok(name)
        return str(name), positive_int(self.number([None, size]), loc, f"size of array dimension {name}"), loc

    def array(self, children):
        *sizes, fields = children
        dims = unique([s for s in sizes if s is not None], "array dimension")
        entries = fields.by_key()
        systolic = entries.pop("systolic_dimensions", None)
        imc = entries.pop("imc", None)
        values = typed_fields(AttrDict(list(entries.values()), fields.loc), {"unit_energy": float, "unit_area": float},
                               "array")
        if systolic is not None:
            if not isinstance(systolic.value, tuple) or not all(isinstance(d, str) for d in systolic.value):
                raise error("'systolic_dimensions' in array must be a list of strings", systolic.loc)
            values["systolic_dimensions"] = systolic.value
        if imc is not None:
            values["imc"] = imc_array(imc)
        return tuple(dims.items()), values

    def allocation(self, children):
        operand, direction = children
        return str(operand), str(direction), self._tok(operand)

    def port(self, children):
        symbol, kind, fields, *allocations = children
        values = typed_fields(fields, {"bandwidth_min": int, "bandwidth_max": int}, f"port {symbol}")
        return Port(
            name=symbol[1:], type=str(kind), bandwidth_min=values["bandwidth_min"],
            bandwidth_max=values["bandwidth_max"],
            allocation=tuple((op, d) for op, d, _ in (a for a in allocations if a is not None)),
            loc=self._tok(symbol),
        )

    def memory(self, children):
        symbol, operands, served, fields, *ports = children
        schema = {"size": int, "r_cost": float, "w_cost": float, "area": float, "latency": int}
        values = typed_fields(fields, schema, f"memory {symbol}", {"force_double_buffering": bool})
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
        return plain(children[0])

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
        bound = unique([o for o in operands if o is not None], "operand role")
        return LayerOp(result=result, symbol=symbol[1:], op_type=self._string(op_type),
                       operands=tuple(bound.items()), loc=loc, **body)

    def move_op(self, children):
        results, kind, symbol, op_type, *rest = children
        *operands, types, attrs = rest
        if len(types) != len(results):
            raise error(f"{len(results)} results but {len(types)} types", self._tok(results[0]))
        values = tuple(Value(r[1:], t) for r, t in zip(results, types))
        return MoveOp(results=values, symbol=symbol[1:], op_type=self._string(op_type),
                      operands=tuple(o[1:] for o in operands if o is not None), attrs=plain(attrs),
                      opaque=kind == "dsec.opaque", loc=self._tok(results[0]))

    def return_op(self, children):
        keyword, *values = children
        return ReturnOp(tuple(v[1:] for v in values if v is not None), self._tok(keyword))

    def module(self, children):
        symbol, accelerator, multicore, options, *ops, ret, schedule = children
        all_ops = tuple(ops) + ((ret,) if ret is not None else ())
        hardware = multicore_of(multicore, accelerator) if multicore is not None else None
        return Module(name=symbol[1:], accelerator=accelerator, options=options, ops=all_ops,
                      loc=self._tok(symbol), multicore=hardware, schedule=schedule)

    # -- multi-core -------------------------------------------------------------

    def multicore(self, children):
        keyword, symbol, fields, *items = children
        return RawMulticore(symbol[1:], fields, [i for i in items if i is not None], self._tok(symbol))

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
        return {**plain(fields), "transfers": tuple(i for i in items if "tensor" in i),
                "occupancy": tuple(i for i in items if "core" in i)}

    def occupancy(self, children):
        name, fields = children
        return {"core": self._string(name), **plain(fields)}

    def transfer(self, children):
        name, fields = children
        return {"tensor": self._string(name), **plain(fields)}

    def tiling(self, children):
        return plain(children[1])

    def cn(self, children):
        keyword, number, fields = children
        return CnLine({"id": int(number), **plain(fields)})

    def start(self, children):
        return children[0]

    # -- layer body ---------------------------------------------------------

    def layer_body(self, children):
        name, dims, compute, precision, links, fusion, *rest = children
        *requires, locality, spatial, search, nest, cost, tiling = [r for r in rest if not is_cn(r)]
        cns = tuple(r.fields for r in rest if is_cn(r))
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
        return BodyItem("fuses", tuple(names), self._tok(keyword))

    def fused_into(self, children):
        keyword, symbol = children
        return BodyItem("fused_into", str(symbol)[1:], self._tok(keyword))

    def _constraints(self, requires: list[BodyItem]) -> Constraints | None:
        if not requires:
            return None
        found = unique([(r.kind, r.value, r.loc) for r in requires], "requirement")
        return Constraints(spatial=found.get("spatial"), hint=found.get("hint"), order=found.get("order"),
                           loc=requires[0].loc)

    def layer_name(self, children):
        return self._string(children[0])

    def dims(self, children):
        return int_dict(children[0], "dims")

    def precision(self, children):
        return int_dict(children[0], "precision")

    def link(self, children):
        operand, memory_operand = children
        return str(operand), str(memory_operand), self._tok(operand)

    def links(self, children):
        return unique([c for c in children if c is not None], "link for operand")

    def cost(self, children):
        return plain(children[0])

    def keep(self, children):
        role, memory = children
        return BodyItem("keep", (str(role), memory[1:]), self._tok(role))

    def held(self, children):
        memory, bits = children
        loc = self._tok(memory)
        return BodyItem("live", (memory[1:], positive_int(bits, loc, f"live bits of {memory}")), loc)

    def locality(self, children):
        keyword, *items = children
        items = [i for i in items if isinstance(i, BodyItem)]
        keep = unique([(*i.value, i.loc) for i in items if i.kind == "keep"], "locality for operand")
        live = unique([(*i.value, i.loc) for i in items if i.kind == "live"], "live bits for memory")
        return Locality(keep=tuple(keep.items()), live=tuple(live.items()), loc=self._tok(keyword))

    def search(self, children):
        return plain(children[0])

    def term_dim(self, children):
        return (str(children[0]), 1)

    def term_scaled(self, children):
        coeff, _star, name = children
        return (str(name), positive_int(self.number([None, coeff]), self._tok(coeff), "a coefficient"))

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
        return Loop(str(dim), positive_int(self.number([None, factor]), loc, f"factor of loop {dim}"), loc)

    def unroll(self, children):
        array_dim, *loops = children
        return SpatialUnroll(str(array_dim), tuple(loops), self._tok(array_dim))

    def spatial(self, children):
        keyword, *unrolls = children
        return Spatial(tuple(unrolls), self._tok(keyword))

    def require_spatial(self, children):
        keyword, *unrolls = children
        return BodyItem("spatial", Spatial(tuple(unrolls), self._tok(keyword)), self._tok(keyword))

    def hint_entry(self, children):
        array_dim, dims = children
        return str(array_dim), tuple(str(d) for d in dims), self._tok(array_dim)

    def require_hint(self, children):
        keyword, *entries = children
        hints = unique(entries, "hint for array dimension")
        return BodyItem("hint", tuple(hints.items()), self._tok(keyword))

    def order_fixed(self, children):
        return self.loop(children)

    def order_rest(self, children):
        return Loop(str(children[0]), None, self._tok(children[0]))

    def require_order(self, children):
        keyword, *loops = children
        return BodyItem("order", tuple(c for c in loops if c is not None), self._tok(keyword))

    def buffer(self, children):
        symbol, operands = children
        return BufferLine(symbol[1:], tuple(str(o) for o in operands), self._tok(symbol))

    def for_loop(self, children):
        loop, body = children
        return loop, body

    def nest_body(self, children):
        # buffer* (for_loop | spatial)?: the body may end with a buffer line or be empty.
        buffers = [c for c in children if isinstance(c, BufferLine)]
        inner = children[-1] if children and not isinstance(children[-1], BufferLine) else None
        return buffers, inner

    def nest(self, children):
        # Walk the nest outside in, then number buffer positions from the inside.
        outer_loops: list[Loop] = []
        placed: list[tuple[BufferLine, int]] = []
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
