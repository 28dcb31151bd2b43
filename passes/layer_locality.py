"""`layer-locality`: keep a layer's output where the next layer reads it.

Layer-by-layer evaluation fetches every input from the top of the hierarchy
and writes every output back there. This pass walks the layers in execution
order and, for each layer's output, picks the lowest memory that holds it for
the producer and for every reader (through moves that only pass data on),
such that the tensor fits there alongside the other tensors kept there, and
the producer, every reader and every layer that runs while the tensor waits
for its last reader (a residual branch) still have a mapping that fits and
together cost no more (by the objective) than with the tensor at the top.
Keeping can cost more: an output kept in a memory that cannot hold its
partial sums forces every reduction loop below it, and the weights are then
fetched again for each output tile. Fit and cost are the mapping search's
own answers, with this pass's options, so the mapping passes later find the
same answers in the search cache.

The decision is each layer's `locality` line: the memory that is an operand's
top memory for the layer, and the bits tensors kept for later layers occupy
in a memory meanwhile (see dsec.cost.locality). Graph inputs and outputs,
weights, and tensors an op dsec does not model reads stay at the top;
with `graph-outputs-on-chip`, a graph output is kept like any other tensor,
until the end of the network (ZigZag's locality leaves the network's output
on chip).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import prod
from typing import Callable, Iterable, Literal

from dsec.compiler.pass_base import Pass, PassContext, option, rewrite_layers
from dsec.cost.locality import cut_accelerator, memory_instances, memory_operand_tops
from dsec.cost.workload import layer_view
from dsec.dialect.accelerator import Accelerator, Memory
from dsec.dialect.attributes import Locality
from dsec.dialect.graph import storage_roots, tensor_reads
from dsec.dialect.ops import LayerOp, Module, ReturnOp, operand_shapes
from dsec.mapper.layer import SpatialOptions, layer_key, best_score, remember, search_layer
from dsec.mapper.parallel import run_tasks
from dsec.mapper.within import OVER, best_score_within, layer_searched
from dsec.mapper.spatial import wholly_applies
from dsec.mapper.temporal import DEFAULT_LPF_LIMIT, TemporalOptions


@dataclass
class Placement:
    """The decisions so far: per layer, operand role -> memory, and memory -> live bits."""

    keep: dict[str, dict[str, str]]
    live: dict[str, dict[str, int]]

    def locality(self, layer: LayerOp) -> Locality | None:
        keep = self.keep.get(layer.symbol, {})
        live = self.live.get(layer.symbol, {})
        if not keep and not live:
            return None
        roles = [role for role, _ in layer.operands] + [layer.compute.output.operand]
        return Locality(tuple((role, keep[role]) for role in roles if role in keep), tuple(sorted(live.items())))


@dataclass
class LayerLocalityPass(Pass):
    name = "layer-locality"
    summary = "Keep each layer's output in the lowest memory that holds it until its last reader"
    # The fit of a choice is the mapping search's answer: same options as spatial-unroll's.
    candidates: int = option(3, "spatial candidates the fit check searches per layer (as spatial-unroll)")
    mixed: bool = option(False, "let one array dimension unroll several loop dims (as spatial-unroll)")
    objective: Literal["energy", "latency", "edp", "pareto"] = option("energy",
                                                                      "objective of the fit and cost checks' search")
    lpf_limit: int = option(DEFAULT_LPF_LIMIT, "loop prime factors of the fit check's temporal search")
    jobs: int = option(1, "layers searched in parallel ahead of the decisions (0: all cores); results do not change")
    time_limit: float = option(0.0, "seconds each layer's fit check may search (0: no limit), as spatial-unroll's")
    graph_outputs_on_chip: bool = option(False, "keep the network's outputs on chip too, until the end (as ZigZag)")

    def run(self, module: Module, ctx: PassContext) -> Module:
        if self.candidates < 1 or self.lpf_limit < 1 or self.jobs < 0 or self.time_limit < 0:
            ctx.diagnostics.error(f"{self.name}: candidates and lpf-limit must be at least 1, jobs and time-limit at least 0 "
                                  f"(got {self.pipeline_text()})")
            return module
        if any(layer.locality is not None for layer in module.layers()):
            ctx.diagnostics.warning(f"{self.name}: the module already has locality decisions; kept as they are "
                                    f"(delete the `locality` lines to decide again)", module.loc)
            return module
        placement = self.decide(module, ctx)
        return rewrite_layers(module, lambda layer: replace(layer, locality=placement.locality(layer)))

    def decide(self, module: Module, ctx: PassContext) -> Placement:
        layers = module.layers()
        position = {layer.symbol: index for index, layer in enumerate(layers)}
        shapes = module.value_shapes()
        views = {layer.symbol: layer_view(layer, operand_shapes(layer, shapes)) for layer in layers}
        reads = tensor_reads(module)
        roots = storage_roots(module)
        placement = Placement({}, {})
        bits: dict[str, int] = {}  # kept tensor -> its bits
        producers = {layer.result.name: layer for layer in layers}

        spatial_options = SpatialOptions(self.candidates, self.mixed)
        temporal_options = TemporalOptions(self.objective, self.lpf_limit, time_limit=self.time_limit)

        def task(layer: LayerOp, keep: dict[str, str], live: tuple[tuple[str, int], ...]) -> tuple:
            tops = memory_operand_tops(layer.links, Locality(tuple(keep.items()), live))
            return (views[layer.symbol], cut_accelerator(module.accelerator, tops, live), layer.constraints,
                    spatial_options, temporal_options)

        def cost(layer: LayerOp, placed: Placement) -> tuple[float, float] | None:
            live = tuple(sorted(placed.live.get(layer.symbol, {}).items()))
            return best_score(*task(layer, placed.keep.get(layer.symbol, {}), live))

        def within(layer: LayerOp, placed: Placement, limit: float) -> tuple[float, float] | None | str:
            live = tuple(sorted(placed.live.get(layer.symbol, {}).items()))
            return best_score_within(*task(layer, placed.keep.get(layer.symbol, {}), live), limit)

        def cached(layer: LayerOp, placed: Placement) -> bool:
            live = tuple(sorted(placed.live.get(layer.symbol, {}).items()))
            return layer_searched(*task(layer, placed.keep.get(layer.symbol, {}), live))

        if self.jobs != 1:  # search the likely cases on all workers first; the decisions then hit the cache
            likely = [task(layer, keep, ()) for layer in layers for keep in
                      likely_keeps(layer, module.accelerator, reads, producers, roots) if layer.constraints is None
                      or layer.constraints.spatial is None or not wholly_applies(layer.constraints.spatial,
                                                                                 layer.dims)]
            unique = list({layer_key(*t): t for t in likely}.values())
            for searched, found in zip(unique, run_tasks(search_layer, unique, self.jobs,
                                                         ctx.report_progress(self.name))):
                remember(*searched, found)

        for producer in layers:
            tensor = producer.result.name
            read_by = reads.get(tensor, [])
            readers = [r for r in read_by if not (self.graph_outputs_on_chip and isinstance(r.op, ReturnOp))]
            size = tensor_bits(producer)
            if (not readers and len(read_by) == len(readers)) or size is None \
                    or any(not isinstance(r.op, LayerOp) for r in readers) \
                    or any(r.op.spatial is not None for r in readers) or producer.spatial is not None:
                continue  # read outside the layers dsec maps, or already mapped: stays at the top
            # A graph output kept on chip stays there to the end of the network.
            last = len(layers) if len(readers) < len(read_by) else max(position[r.op.symbol] for r in readers)
            waiting = [layer for layer in layers[position[producer.symbol] + 1:last]
                       if all(r.op is not layer for r in readers)]
            reading = [layers[i] for i in sorted({position[r.op.symbol] for r in readers})]
            affected = [producer, *reading, *waiting]
            at_top: dict[str, tuple[float, float]] = {}  # each affected layer's exact score with it at the top
            for memory in shared_memories(module.accelerator, producer, readers):
                if not room_for(memory, module.accelerator, size, affected, placement, bits, roots):
                    continue
                trial = _with_tensor(placement, producer, readers, waiting, memory.name, size)
                kept = total(cost(layer, trial) for layer in affected)
                if kept is None:
                    continue  # a layer has no mapping that fits
                if not cheaper_at_top(kept, affected, lambda layer, limit: within(layer, placement, limit),
                                      lambda layer: cached(layer, placement), at_top):
                    placement = trial
                    bits[tensor] = size
                    break
        return placement


def cheaper_at_top(kept: tuple[float, float], affected: list[LayerOp],
                   within: Callable[[LayerOp, float], tuple[float, float] | None | str],
                   searched: Callable[[LayerOp], bool], known: dict[str, tuple[float, float]]) -> bool:
    """Whether the affected layers cost less with the tensor at the top than
    `kept` (then it stays there). Each layer is searched only as far as the
    question needs: against the part of `kept` the layers before it leave
    (`within`: mapper/within.py; OVER when it surely costs more). A layer over
    it, or one with no mapping at the top, settles it: the tensor is kept.
    `known`: exact scores found so far; those and the `searched` ones (cached)
    go first, as they cost nothing."""
    scores = []
    for layer in sorted(affected, key=lambda layer: not (layer.symbol in known or searched(layer))):
        if layer.symbol not in known:
            # Over this, the total is surely more than kept's, rounding included.
            found = within(layer, kept[0] * (1 + 1e-9) - sum(score[0] for score in scores))
            if found is None or found == OVER:
                return False
            known[layer.symbol] = found
        scores.append(known[layer.symbol])
    return not kept <= total(known[layer.symbol] for layer in affected)  # summed in the plain order


def total(scores: Iterable[tuple[float, float] | None]) -> tuple[float, float] | None:
    """The layers' scores summed term by term (objective, tie-breaker); None
    as soon as one layer has no mapping (the rest are not searched)."""
    summed = (0.0, 0.0)
    for score in scores:
        if score is None:
            return None
        summed = tuple(a + b for a, b in zip(summed, score))
    return tuple(float(f"{value:.12g}") for value in summed)


def likely_keeps(layer: LayerOp, accelerator: Accelerator, reads: dict, producers: dict[str, LayerOp],
                 roots: dict[str, str]) -> list[dict[str, str]]:
    """The localities the decisions most often check a layer under: each input
    in the lowest memory its producer and readers share, the output at the top
    (the layer checked as a reader) or at its own lowest shared memory (as the
    producer)."""
    def lowest(tensor: str) -> str | None:
        readers = reads.get(tensor, [])
        if tensor not in producers or not readers or any(not isinstance(r.op, LayerOp) for r in readers):
            return None
        shared = shared_memories(accelerator, producers[tensor], readers)
        return shared[0].name if shared else None

    keep = {role: memory for role, value in layer.operands if (memory := lowest(roots.get(value, value)))}
    own = lowest(layer.result.name)
    return [keep, {**keep, layer.compute.output.operand: own}] if own else [keep]


def tensor_bits(producer: LayerOp) -> int | None:
    """Bits of a layer's output tensor at its final precision (None if its shape is not static)."""
    shape = producer.result.type.shape
    if shape is None or any(d is None for d in shape):
        return None
    output = producer.compute.output.operand
    return prod(shape) * producer.precision.get(f"{output}_final", producer.precision[output])


def shared_memories(accelerator: Accelerator, producer: LayerOp, readers: list) -> list[Memory]:
    """Memories, lowest first, that hold the producer's output and every
    reader's operand, below the top of the producer's output hierarchy."""
    output = producer.links.get(producer.compute.output.operand)
    hierarchy = accelerator.hierarchy(output) if output else ()
    needed = {output} | {r.op.links.get(r.role) for r in readers}
    return [m for m in hierarchy[:-1] if needed <= set(m.operands)]


def room_for(memory: Memory, accelerator: Accelerator, size: int, affected: list[LayerOp], placement: Placement,
             bits: dict[str, int], roots: dict[str, str]) -> bool:
    """Whether the tensor fits in all copies of `memory` next to what each
    affected layer keeps there already (a quick test before the searches)."""
    capacity = memory.size * memory_instances(accelerator, memory)
    for layer in affected:
        keep = placement.keep.get(layer.symbol, {})
        values = [*layer.operands, (layer.compute.output.operand, layer.result.name)]
        kept = sum(bits.get(roots.get(value, value), 0) for role, value in values if keep.get(role) == memory.name)
        if size + kept + placement.live.get(layer.symbol, {}).get(memory.name, 0) > capacity:
            return False
    return True


def _with_tensor(placement: Placement, producer: LayerOp, readers: list, waiting: list[LayerOp], memory: str,
                 size: int) -> Placement:
    keep = {symbol: dict(roles) for symbol, roles in placement.keep.items()}
    live = {symbol: dict(held) for symbol, held in placement.live.items()}
    keep.setdefault(producer.symbol, {})[producer.compute.output.operand] = memory
    for read in readers:
        keep.setdefault(read.op.symbol, {})[read.role] = memory
    for layer in waiting:
        held = live.setdefault(layer.symbol, {})
        held[memory] = held.get(memory, 0) + size
    return Placement(keep, live)
