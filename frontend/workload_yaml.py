"""Read a ZigZag 3.9 workload YAML (a list of layers, each a loop nest given by
an equation, loop sizes and dimension relations) into the layers the importer
turns into IR, with file:line:key errors.

Each layer becomes the LayerBody the ONNX lowering builds for the same layer:
the same dims, the same body (`O[...] += I[...] * W[...]`, inputs in the order
I, W), windows `s*OX + d*FX - pad` from `ix=s*ox+d*fx` and the begin padding.
An input's extent along a window axis follows ZigZag (layer_node.py): the
`pr_loop_sizes` when given, else the window's size less both paddings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dsec.compiler.location import Loc
from dsec.cost.workload import window_size
from dsec.dialect.attributes import Access, AffineExpr, Compute
from dsec.frontend.yaml_source import Checker, YNode, did_you_mean, load_yaml

REQUIRED = ["id", "operator_type", "equation", "loop_dims", "loop_sizes", "operand_precision"]
OPTIONAL = ["name", "dimension_relations", "operand_source", "pr_loop_dims", "pr_loop_sizes", "padding"]
# zigzag/parser/workload_validator.py's ALLOWED_OPERATORS
OPERATOR_TYPES = ["Max", "Conv", "Pooling", "Add", "Conv_downsample", "Gemm", "Pool", "MaxPool", "AveragePool",
                  "GlobalAveragePool"]
MAX_REDUCTIONS = {"Max", "MaxPool"}
PRECISION_KEYS = ["I", "W", "O", "O_final"]
INPUTS = ("I", "W")
_OPERAND = r"([A-Za-z])((?:\[\w*\])*)"
_EQUATION = re.compile(rf"^\s*{_OPERAND}\s*(\+?=)\s*{_OPERAND}\s*([*+])\s*{_OPERAND}\s*$")
_RELATION = re.compile(r"^\s*(\w+)\s*=\s*(?:(\w+)\s*\*\s*)?(\w+)\s*\+\s*(?:(\w+)\s*\*\s*)?(\w+)\s*$")
EQUATION_FORM = "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]"


@dataclass(frozen=True)
class Relation:
    """`ix = 2*ox + 1*fx`: an index that slides over two loop dims."""

    name: str
    dim_a: str
    scale_a: int
    dim_b: str
    scale_b: int


@dataclass(frozen=True)
class WorkloadLayer:
    id: int
    name: str
    operator_type: str
    dims: dict[str, int]
    compute: Compute
    shapes: dict[str, tuple[int, ...]]  # per operand (O, I, W): its tensor's shape
    precision: dict[str, int]  # the file's bits for O, O_final and the inputs kept
    sources: dict[str, int]  # input operand -> id of the layer producing it (absent: a network input)
    loc: Loc


def load_workload(text: str, filename: str) -> tuple[list[WorkloadLayer], list]:
    """The layers of a workload file and its warnings; DiagnosticError with
    every error of the file when it is invalid."""
    root, warnings = load_yaml(text, filename)
    check = Checker(warnings)
    if root is None or not root.is_list() or not root.value:
        check.fail("a ZigZag workload file is a list of layers, each with id, operator_type, equation "
                   f"(e.g. {EQUATION_FORM}), loop_dims, loop_sizes and operand_precision",
                   root.loc if root else Loc(filename, 1, 1))
    layers: list[WorkloadLayer] = []
    seen: dict[int, Loc] = {}
    for node in root.value:
        layer = _layer(node, check)
        if layer is None:
            continue
        if layer.id in seen:
            check.error(f"layer id {layer.id} is given twice (line {seen[layer.id].line} and line "
                        f"{layer.loc.line}); ids name layers in operand_source, so they must be unique", layer.loc)
            continue
        _check_sources(layer, node, seen, check)
        seen[layer.id] = layer.loc
        layers.append(layer)
    check.raise_if_errors()
    return layers, [d for d in check.diagnostics if d.severity != "error"]


def _layer(node: YNode, check: Checker) -> WorkloadLayer | None:
    if not check.keys(node, "a workload layer", REQUIRED, OPTIONAL):
        return None
    layer_id = check.typed(node, "id", int, "a workload layer")
    if layer_id is None:
        return None
    where = f"layer {layer_id}"
    name = node.value["name"].value if "name" in node.value else None
    if name is not None and not isinstance(name, str):
        check.error(f"'name' of {where} must be a string, got {name!r}", node.value["name"].loc)
        name = None
    name = name if name is not None else f"Layer{layer_id}"  # ZigZag's default name
    where = f"layer {layer_id} ('{name}')"
    errors = len(check.diagnostics)
    operator_type = check.typed(node, "operator_type", str, where)
    if operator_type is not None and operator_type not in OPERATOR_TYPES:
        check.error(f"operator_type '{operator_type}' of {where} is not one ZigZag's workload parser accepts"
                    f"{did_you_mean(operator_type, OPERATOR_TYPES)} (one of: {', '.join(OPERATOR_TYPES)})",
                    node.value["operator_type"].loc)
    dims = _dims(node, where, check)
    relations = _relations(node, where, dims, check)
    accesses = _equation(node, where, dims, relations, check)
    precision = _precision(node, where, check)
    padding, pr_sizes = _padding(node, where, relations, check)
    sources = _sources(node, where, check)
    if len(check.diagnostics) > errors and any(d.severity == "error" for d in check.diagnostics[errors:]):
        return None
    output, reduce, operator, inputs = accesses
    missing = [op for op, _ in inputs if op not in precision]  # O and O_final are checked as required keys
    if missing:
        check.error(f"operand_precision of {where} gives no bits for {', '.join(missing)} "
                    f"(the equation uses them)", node.value["operand_precision"].loc)
        return None
    kept = [(op, index) for op, index in inputs if precision[op] > 0]  # 0 bits: ZigZag's placeholder operand
    if not kept:
        check.error(f"operand_precision of {where} gives 0 bits to both inputs; a layer reads at least one",
                    node.value["operand_precision"].loc)
        return None
    accumulate = ("max=" if operator_type in MAX_REDUCTIONS else "+=") if reduce else "="
    if not reduce and (summed := _reduction_dims(dims, output)):
        check.warning(f"equation of {where} assigns O with '=' although {', '.join(summed)} do not index O: "
                      f"each output keeps one product, not their sum; write '+=' to accumulate",
                      node.value["equation"].loc)
    compute = Compute(
        _access("O", output, dims, relations, padding), accumulate, operator if len(kept) == 2 else "",
        tuple(_access(op, index, dims, relations, padding) for op, index in sorted(kept, key=_input_order)))
    shapes = {op: _shape(index, dims, relations, padding, pr_sizes) for op, index in [("O", output), *kept]}
    bits = {op: precision[op] for op in ("O", "O_final", *dict(kept))}
    return WorkloadLayer(layer_id, name, operator_type, dims, compute, shapes, bits,
                         {op: src for op, src in sources.items() if src != layer_id and op in dict(kept)}, node.loc)


def _input_order(item: tuple[str, list[str]]) -> int:
    return INPUTS.index(item[0])


def _dims(node: YNode, where: str, check: Checker) -> dict[str, int]:
    items = check.typed(node, "loop_dims", list, where, [])
    sizes = [item.value for item in check.typed(node, "loop_sizes", list, where, [])]
    names = [item.value for item in items]
    dims: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item.value, str) or not re.fullmatch(r"[A-Za-z]\w*", item.value):
            check.error(f"loop_dims of {where} must be names like K or OX, got {item.value!r}", item.loc)
        elif item.value.upper() in dims:
            check.error(f"loop dim '{item.value}' of {where} is given twice", item.loc)
        elif i < len(sizes):
            size = sizes[i]
            if not isinstance(size, int) or isinstance(size, bool) or size < 1:
                check.error(f"loop_sizes of {where}: the size of {item.value} must be a positive integer, "
                            f"got {size!r}", node.value["loop_sizes"].value[i].loc)
            dims[item.value.upper()] = size
    if names and len(names) != len(sizes):
        check.error(f"{where} has {len(names)} loop_dims but {len(sizes)} loop_sizes; give one size per dim",
                    node.value["loop_sizes"].loc)
    return dims


def _relations(node: YNode, where: str, dims: dict[str, int], check: Checker) -> dict[str, Relation]:
    relations: dict[str, Relation] = {}
    for item in check.typed(node, "dimension_relations", list, where, []) and node.value["dimension_relations"].value:
        match = _RELATION.match(item.value) if isinstance(item.value, str) else None
        scales = [match.group(2) or "1", match.group(4) or "1"] if match else []
        if match is None or not all(s.isdigit() for s in scales):
            check.error(f"dimension_relations of {where}: {item.value!r} must look like 'ix=2*ox+1*fx' "
                        f"(an index = integer*dim + integer*dim)", item.loc)
            continue
        name, dim_a, dim_b = match.group(1).upper(), match.group(3).upper(), match.group(5).upper()
        unknown = [d for d in (dim_a, dim_b) if d not in dims]
        if unknown:
            check.error(f"dimension_relations of {where}: '{item.value}' uses {', '.join(unknown)}, which "
                        f"loop_dims does not list", item.loc)
        elif name in dims or name in relations:
            check.error(f"dimension_relations of {where}: '{name}' is already "
                        f"{'a loop dim' if name in dims else 'defined'}; each relation defines a new index",
                        item.loc)
        else:
            relations[name] = Relation(name, dim_a, int(scales[0]), dim_b, int(scales[1]))
    return relations


def _equation(node: YNode, where: str, dims: dict[str, int], relations: dict[str, Relation], check: Checker):
    text = check.typed(node, "equation", str, where)
    if text is None:
        return None
    loc = node.value["equation"].loc
    match = _EQUATION.match(text)
    if match is None:
        check.error(f"equation of {where} must look like '{EQUATION_FORM}' (an output O, '+=' or '=', and two "
                    f"operands joined by '*' or '+'), got {text!r}", loc)
        return None
    out, out_idx, assign, a, a_idx, operator, b, b_idx = match.groups()
    operands = [(out, out_idx), (a, a_idx), (b, b_idx)]
    if out != "O" or sorted((a, b)) != ["I", "W"]:
        check.error(f"equation of {where} must write O from I and W (ZigZag's layer operands), got "
                    f"{out}, {a} and {b}", loc)
        return None
    indices = {op: re.findall(r"\[(\w*)\]", idx) for op, idx in operands}
    for op, names in indices.items():
        for index in names:
            if index and index.upper() not in dims and index.upper() not in relations:
                check.error(f"equation of {where}: index '{index}' of {op} is neither in loop_dims nor defined by "
                            f"dimension_relations", loc)
    return indices["O"], assign == "+=", operator, [(op, indices[op]) for op in (a, b)]


def _reduction_dims(dims: dict[str, int], output_indices: list[str]) -> list[str]:
    """Loop dims of more than one iteration that do not index the output: an '=' there drops products."""
    indexed = {index.upper() for index in output_indices}
    return [dim for dim, size in dims.items() if size > 1 and dim not in indexed]


def _precision(node: YNode, where: str, check: Checker) -> dict[str, int]:
    item = node.value["operand_precision"]
    if not check.keys(item, f"operand_precision of {where}", ["O", "O_final"], ["I", "W"],
                      node.key_locs["operand_precision"]):
        return {}
    bits = {}
    for key in item.value:
        value = check.typed(item, key, int, f"operand_precision of {where}")
        if value is not None and value < 0:
            check.error(f"operand_precision of {where}: {key} must be 0 or more bits, got {value}",
                        item.value[key].loc)
        elif value is not None:
            bits[key] = value
    return bits


def _padding(node: YNode, where: str, relations: dict[str, Relation], check: Checker):
    """Begin and end padding, and given extents, per window index."""
    padding: dict[str, tuple[int, int]] = {}
    sizes: dict[str, int] = {}
    pr_dims = node.value.get("pr_loop_dims")
    if pr_dims is not None and pr_dims.value is not None and not pr_dims.is_list():
        check.error(f"pr_loop_dims of {where} must be a list of window indices like [IX, IY]", pr_dims.loc)
        return padding, sizes
    if pr_dims is None or pr_dims.value is None:
        for key in ("padding", "pr_loop_sizes"):
            if node.value.get(key) is not None and node.value[key].value is not None:
                check.error(f"{key} of {where} needs pr_loop_dims to say which indices it is for",
                            node.key_locs[key])
        return padding, sizes
    names = []
    for item in pr_dims.value:
        name = str(item.value).upper()
        if name not in relations:
            check.error(f"pr_loop_dims of {where} names '{item.value}', which no dimension_relation defines"
                        f"{did_you_mean(name, list(relations))}", item.loc)
        names.append(name)
    for key in ("padding", "pr_loop_sizes"):
        values = node.value.get(key)
        if values is None or values.value is None:
            continue
        if not values.is_list() or len(values.value) != len(names):
            check.error(f"{key} of {where} must be a list with one entry per pr_loop_dims entry ({len(names)})",
                        values.loc)
            continue
        for name, item in zip(names, values.value):
            if key == "padding":
                pair = item.plain()
                if (not isinstance(pair, list) or len(pair) != 2
                        or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in pair)):
                    check.error(f"padding of {where} for {name} must be [begin, end] (two integers >= 0), "
                                f"got {pair!r}", item.loc)
                    continue
                padding[name] = (pair[0], pair[1])
            elif not isinstance(item.value, int) or isinstance(item.value, bool) or item.value < 1:
                check.error(f"pr_loop_sizes of {where} for {name} must be a positive integer, got {item.value!r}",
                            item.loc)
            else:
                sizes[name] = item.value
    return padding, sizes


def _sources(node: YNode, where: str, check: Checker) -> dict[str, int]:
    item = node.value.get("operand_source")
    if item is None or item.value is None:
        return {}
    if not check.keys(item, f"operand_source of {where}", [], list(INPUTS), node.key_locs["operand_source"]):
        return {}
    return {key: value for key in item.value
            if (value := check.typed(item, key, int, f"operand_source of {where}")) is not None}


def _check_sources(layer: WorkloadLayer, node: YNode, earlier: dict[int, Loc], check: Checker) -> None:
    for operand, source in layer.sources.items():
        if source not in earlier:
            check.error(f"operand_source of layer {layer.id} ('{layer.name}'): {operand} comes from layer {source}, "
                        f"which is not listed before it (list producers before their readers; the layer's own id "
                        f"marks a network input or constant)", node.value["operand_source"].value[operand].loc)


def _access(operand: str, names: list[str], dims: dict[str, int], relations: dict[str, Relation],
            padding: dict[str, tuple[int, int]]) -> Access:
    return Access(operand, tuple(_index(name.upper(), dims, relations, padding) for name in names if name))


def _index(name: str, dims: dict[str, int], relations: dict[str, Relation],
           padding: dict[str, tuple[int, int]]) -> AffineExpr:
    if name in dims:
        return AffineExpr(((name, 1),))
    rel = relations[name]
    terms = tuple((d, s) for d, s in ((rel.dim_a, rel.scale_a), (rel.dim_b, rel.scale_b)) if s != 0)
    return AffineExpr(terms, -padding.get(name, (0, 0))[0])


def _shape(names: list[str], dims: dict[str, int], relations: dict[str, Relation],
           padding: dict[str, tuple[int, int]], pr_sizes: dict[str, int]) -> tuple[int, ...]:
    shape = []
    for name in (n.upper() for n in names if n):
        if name in dims:
            shape.append(dims[name])
        elif name in pr_sizes:
            shape.append(pr_sizes[name])
        else:
            rel = relations[name]
            size = window_size(rel.scale_a, dims[rel.dim_a], rel.scale_b, dims[rel.dim_b])
            size -= sum(padding.get(name, (0, 0)))
            shape.append(max(size, 1))
    return tuple(shape)
