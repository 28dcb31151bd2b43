"""`fuse-elementwise`: fold a unary elementwise layer (Relu, Clip, Sigmoid,
BatchNormalization at inference...) into the layer that produces its input,
when nothing else reads that tensor: real accelerators apply it in the
producer's output path instead of streaming the tensor through the memories
again.

Both layers show it: the producer gets `fuses [@relu]`, the fused layer
`fused into @conv1`. The search passes leave a fused layer unmapped;
cost-annotate gives it its compute energy only (no memory traffic, no cycles
of its own) and leaves the producer's cost as it is, so per-layer numbers
still match ZigZag, which does not cost such layers. A chain (Conv ->
BatchNormalization -> Relu) folds into its first producer. A layer already
mapped is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dsec.compiler.pass_base import Pass, PassContext
from dsec.dialect.fusion import fusion_producer
from dsec.dialect.graph import tensor_reads
from dsec.dialect.ops import LayerOp, Module


@dataclass
class FuseElementwisePass(Pass):
    name = "fuse-elementwise"
    summary = "Fold unary elementwise layers into the layer that produces their input (costed, not mapped)"

    def run(self, module: Module, ctx: PassContext) -> Module:
        reads = tensor_reads(module)
        current = {layer.result.name: layer for layer in module.layers()}
        fuses: dict[str, list[str]] = {}
        for layer in module.layers():
            if layer.fused_into is not None or layer.fuses or layer.spatial is not None or layer.nest is not None:
                continue
            producer = fusion_producer(module, layer, current, reads)
            if producer is None:
                continue
            current[layer.result.name] = replace(layer, fused_into=producer.symbol)
            fuses.setdefault(producer.symbol, []).append(layer.symbol)
        if not fuses:
            return module

        def rewrite(op):
            if not isinstance(op, LayerOp):
                return op
            op = current[op.result.name]
            return replace(op, fuses=op.fuses + tuple(fuses[op.symbol])) if op.symbol in fuses else op

        return replace(module, ops=tuple(rewrite(op) for op in module.ops))
