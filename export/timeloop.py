"""The mappings dsec found, as Timeloop v0.4 map.yaml: one YAML document per
layer (`---` between them), each a `mapping:` list of temporal, spatial and
bypass directives per storage level, outermost level first, with factors for
all seven CNN-layer dims (N K C P Q R S) and permutations innermost first.

Timeloop sees one chain of storage levels and one loop split per level, and
needs perfect factors. A dsec mapping fits when it is
- perfectly factorized: per dim, spatial times temporal factors equal its size
  (no non-dividing unrolling);
- even: every operand a memory holds keeps its tile at the same point of the
  nest, so the memories form one chain, each owning the loops down to the
  next; and no dim appears twice among one level's loops (directly nested loops
  of one dim are merged into one);
- a tree: an array dim's unrolling sits at the innermost memory shared along
  it, and every memory above shares it too (a memory shared along D3 below one
  copied along D3, as on edge_tpu_like, has no Timeloop counterpart).
Other layers are left out with one grouped warning saying why.
"""

from __future__ import annotations

from dsec.compiler.diagnostics import Diagnostic
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Loop
from dsec.dialect.ops import LayerOp, Module

# dsec's loop dims -> Timeloop's CNN-layer problem dims (R, P along the width)
TIMELOOP_DIMS = {"B": "N", "D": "N", "K": "K", "C": "C", "OX": "P", "OY": "Q", "FX": "R", "FY": "S"}
ALL_DIMS = "NKCPQRS"
DATASPACES = {"W": "Weights", "I": "Inputs", "O": "Outputs"}


class NotRepresentable(Exception):
    """Why a layer's mapping has no Timeloop map.yaml."""


def timeloop_mapping(module: Module) -> tuple[str, list[Diagnostic]]:
    documents = []
    skipped: dict[str, list[str]] = {}  # reason -> layers
    for layer in module.layers():
        if layer.fused_into is not None:
            continue  # applied in its producer's output path (fuse-elementwise): no mapping of its own
        try:
            documents.append(_document(layer, module.accelerator))
        except NotRepresentable as reason:
            skipped.setdefault(str(reason), []).append(layer.name or layer.symbol)
    warnings = []
    if skipped:
        count = sum(len(layers) for layers in skipped.values())
        reasons = "; ".join(f"{reason} ({', '.join(layers)})" for reason, layers in skipped.items())
        warnings.append(Diagnostic("warning", f"timeloop: {count} layer(s) left out, their mapping has no "
                                              f"Timeloop map.yaml: {reasons}"))
    return "---\n".join(documents), warnings


def _document(layer: LayerOp, acc: Accelerator) -> str:
    names = _dim_names(layer)
    if layer.spatial is None or layer.nest is None or not layer.nest.buffers:
        raise NotRepresentable("not mapped")
    spatial, temporal = layer.spatial.factors(), layer.nest.factors()
    for dim, size in layer.dims.items():
        if spatial.get(dim, 1) * temporal.get(dim, 1) != size:
            raise NotRepresentable(f"{dim} = {size} is split {spatial.get(dim, 1)} spatial x "
                                   f"{temporal.get(dim, 1)} temporal: not a perfect factorization")
    levels = _levels(layer, acc)
    loops = layer.nest.loops
    lines = [f"# {layer.name or layer.symbol} on {acc.name}: Timeloop problem dims " +
             ", ".join(f"{t} = {d}" for d, t in names.items()), "mapping:"]
    spatial_at = _spatial_targets(layer, acc, [memory for memory, _, _ in levels])
    for index, (memory, position, operands) in enumerate(levels):
        inner = levels[index + 1][1] if index + 1 < len(levels) else 0
        own = _merge_adjacent(loops[inner:position])
        seen = [loop.dim for loop in own]
        twice = sorted({d for d in seen if seen.count(d) > 1})
        if twice:
            raise NotRepresentable(f"{', '.join(twice)} {'appears' if len(twice) == 1 else 'appear'} twice among "
                                   f"@{memory}'s loops")
        factors = {names[loop.dim]: loop.factor for loop in own}
        order = [names[loop.dim] for loop in own]
        lines += _directive(memory, "temporal", factors, order)
        if memory in spatial_at:
            x, y = spatial_at[memory]
            lines += _directive(memory, "spatial", {names[d]: f for d, f in x + y},
                                [names[d] for d, _ in x + y], split=len(x))
        kept = [DATASPACES[op] for op in ("W", "I", "O") if op in operands]
        lines += [f"  - target: {memory}", "    type: bypass", f"    keep: [{', '.join(kept)}]",
                  f"    bypass: [{', '.join(DATASPACES[op] for op in ('W', 'I', 'O') if DATASPACES[op] not in kept)}]"]
    return "\n".join(lines) + "\n"


def _merge_adjacent(loops) -> list[Loop]:
    """`for OY = 16 { for OY = 7 {` is one loop OY = 112: Timeloop allows one loop per dim per level."""
    merged: list[Loop] = []
    for loop in loops:
        if merged and merged[-1].dim == loop.dim:
            merged[-1] = Loop(loop.dim, merged[-1].factor * loop.factor)
        else:
            merged.append(loop)
    return merged


def _dim_names(layer: LayerOp) -> dict[str, str]:
    access = {a.operand for a in layer.compute.inputs}
    if layer.compute.accumulate != "+=" or layer.compute.operator != "*" or access != {"I", "W"}:
        raise NotRepresentable("not a multiply-accumulate O += I * W (Timeloop's CNN layer)")
    names = {}
    for dim, size in layer.dims.items():
        if dim not in TIMELOOP_DIMS:
            if size > 1:
                raise NotRepresentable(f"dim {dim} has no Timeloop CNN-layer counterpart")
            continue
        if TIMELOOP_DIMS[dim] in names.values():
            raise NotRepresentable(f"two dims would both be Timeloop's {TIMELOOP_DIMS[dim]}")
        names[dim] = TIMELOOP_DIMS[dim]
    return names


def _levels(layer: LayerOp, acc: Accelerator) -> list[tuple[str, int, set[str]]]:
    """(memory, position, operands kept), outermost first."""
    held: dict[str, dict[str, int]] = {}
    for buffer in layer.nest.buffers:
        for operand in buffer.operands:
            held.setdefault(buffer.memory, {})[operand] = buffer.position
    order = [m.name for m in acc.memories]
    levels = []
    for memory, positions in held.items():
        if len(set(positions.values())) > 1:
            where = ", ".join(f"{op} at {pos}" for op, pos in positions.items())
            raise NotRepresentable(f"uneven: @{memory} cuts its operands' loops at different points ({where} "
                                   f"innermost loops)")
        levels.append((memory, next(iter(positions.values())), set(positions)))
    return sorted(levels, key=lambda level: (-level[1], -order.index(level[0])))


def _spatial_targets(layer: LayerOp, acc: Accelerator, chain: list[str]):
    """Per memory: the (X, Y) spatial loops of its fanout."""
    memories = {m.name: m for m in acc.memories}
    targets: dict[str, tuple[list, list]] = {}
    for unroll in layer.spatial.unrolls:
        loops = [(loop.dim, loop.factor) for loop in unroll.loops if (loop.factor or 1) > 1]
        if not loops:
            continue
        serving = [name for name in chain if unroll.array_dim in memories[name].served_dimensions]
        target = serving[-1] if serving else chain[0]
        above = chain[:chain.index(target)]
        copied = [name for name in above if unroll.array_dim not in memories[name].served_dimensions]
        if copied:
            raise NotRepresentable(f"not a tree: @{target} is shared along {unroll.array_dim} but @{copied[-1]} "
                                   f"above it is not")
        x, y = targets.setdefault(target, ([], []))
        side = x if not x and not y else y
        if {d for d, _ in loops} & {d for d, _ in x + y}:
            raise NotRepresentable(f"a dim is unrolled on two array dims under @{target}")
        side.extend(loops)
    return targets


def _directive(target: str, kind: str, factors: dict[str, int], order: list[str], split: int | None = None):
    listed = order + [d for d in ALL_DIMS if d not in order]
    lines = [f"  - target: {target}", f"    type: {kind}",
             "    factors: " + " ".join(f"{d}={factors.get(d, 1)}" for d in ALL_DIMS),
             f"    permutation: {''.join(listed)}"]
    if split is not None:
        lines.append(f"    split: {split}")
    return lines

