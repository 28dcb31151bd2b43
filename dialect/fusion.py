"""Activation fusion in the IR: which layers fuse-elementwise may fold into
their producer, and the verifier's rules for `fuses [...]` and `fused into @p`.

A layer is unary elementwise when its body reads one operand at exactly the
output's index (`O[B, K, OY, OX] = relu(I[B, K, OY, OX])`): each output element
needs one input element, so the producer's output path can apply it as it
writes. Functions that read a whole row (softmax, normalizations over a
dimension) look the same in the body and are excluded by name."""

from __future__ import annotations

from dsec.compiler.diagnostics import Diagnostic
from dsec.dialect.graph import storage_roots, tensor_reads
from dsec.dialect.ops import LayerOp, Module

# Body functions that are not elementwise although their access is.
ROW_FUNCTIONS = {"softmax", "logsoftmax", "hardmax", "layernormalization", "instancenormalization",
                 "lpnormalization", "meanvariancenormalization"}


def is_unary_elementwise(layer: LayerOp) -> bool:
    compute = layer.compute
    return (compute.accumulate == "=" and len(compute.inputs) == 1
            and compute.inputs[0].indices == compute.output.indices
            and compute.operator.lower() not in ROW_FUNCTIONS and compute.operator != "")


def data_operand(layer: LayerOp) -> str | None:
    """The SSA value the body's one input reads."""
    role = layer.compute.inputs[0].operand
    return dict(layer.operands).get(role)


def fusion_producer(module: Module, layer: LayerOp, layers: dict[str, LayerOp] | None = None,
                    reads: dict | None = None) -> LayerOp | None:
    """The layer `layer` can be fused into: the producer of its input, when the input is
    stored by that layer (no data movement between) and `layer` is its only reader.
    A producer that is itself fused hands on its own producer (chains fold into the root)."""
    if not is_unary_elementwise(layer):
        return None
    value = data_operand(layer)
    layers = layers if layers is not None else {op.result.name: op for op in module.layers()}
    reads = reads if reads is not None else tensor_reads(module)
    producer = layers.get(value) if value is not None else None
    if producer is None or storage_roots(module).get(value, value) != value:
        return None
    if [getattr(read.op, "symbol", None) for read in reads.get(value, [])] != [layer.symbol]:
        return None
    if producer.fused_into is not None:
        return next((op for op in layers.values() if op.symbol == producer.fused_into), None)
    return producer


def verify_fusion(module: Module) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    by_symbol = {layer.symbol: layer for layer in module.layers()}
    for layer in module.layers():
        for symbol in layer.fuses:
            fused = by_symbol.get(symbol)
            if fused is None:
                out.append(_err(f"layer @{layer.symbol} fuses @{symbol}, which is not a layer of the module", layer))
            elif fused.fused_into != layer.symbol:
                out.append(_err(f"layer @{layer.symbol} fuses @{symbol}, but @{symbol} does not say "
                                f"'fused into @{layer.symbol}'", layer))
        if layer.fused_into is None:
            continue
        producer = by_symbol.get(layer.fused_into)
        where = f"layer @{layer.symbol} is fused into @{layer.fused_into}"
        if producer is None:
            out.append(_err(f"{where}, which is not a layer of the module", layer))
            continue
        if layer.symbol not in producer.fuses:
            out.append(_err(f"{where}, but @{layer.fused_into} does not list it in 'fuses'", layer))
        if layer.fuses:
            out.append(_err(f"{where} and fuses layers itself; a chain is fused into its first producer", layer))
        if not is_unary_elementwise(layer):
            out.append(_err(f"{where}, but only unary elementwise layers (O[i] = f(I[i])) can be fused", layer))
        elif (found := fusion_producer(module, layer)) is None or found.symbol != producer.symbol:
            out.append(_err(f"{where}, but its input is not @{layer.fused_into}'s output (or a layer fused into "
                            f"it) read by it alone", layer))
        if layer.spatial is not None or layer.nest is not None:
            out.append(_err(f"{where} and has a mapping; a fused layer runs in its producer's output path and "
                            f"has none", layer))
    return out


def _err(message: str, layer: LayerOp) -> Diagnostic:
    return Diagnostic("error", message, layer.loc)
