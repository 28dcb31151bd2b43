"""The mappings dsec found, as a ZigZag 3.9 mapping YAML: per layer (by its
name) the spatial_mapping, the complete temporal_ordering (innermost first)
and the memory_operand_links. ZigZag runs a complete ordering as given
(LayerTemporalOrdering.is_complete), and so does dsec's temporal-tile; both
then place the tiles in the memories by the same greedy rule, so the file
gives back the same mapping in either tool.

Loop dims keep dsec's names. ZigZag's ONNX parser names a kernel's first
axis (its height) FX but the output's width OX; for square kernels with equal
strides and dilations that is dsec's naming, otherwise ZigZag costs another
layer shape and its numbers differ: those layers of an ONNX model get one
warning (a workload YAML names its dims alike in both tools).
"""

from __future__ import annotations

import json
import os

from dsec.compiler.diagnostics import Diagnostic, DiagnosticError
from dsec.dialect.ops import LayerOp, Module
from dsec.frontend.mapping_loader import DEFAULT_LINKS
from dsec.frontend.model_file import read_model_file


def zigzag_mapping(module: Module) -> tuple[str, list[Diagnostic]]:
    """The YAML text and the warnings (layers not written, layers ZigZag's
    ONNX parser names differently)."""
    lines = [f"# The mappings dsec found for {module.options.get('model', module.name)} on "
             f"{module.accelerator.name}: per layer, the spatial unrolling, the complete temporal",
             "# ordering (innermost loop first) and the operand links. Read by `dsec lower --mapping` and by ZigZag;",
             "# a layer not listed falls to `default`, which leaves its mapping to the tool's search."]
    unmapped, asymmetric, shared = [], [], []
    from_onnx = _read_from_onnx(module)
    names: set[str] = set()
    for layer in module.layers():
        if layer.fused_into is not None:
            continue  # applied in its producer's output path (fuse-elementwise): no mapping of its own
        if layer.spatial is None or layer.nest is None:
            unmapped.append(layer.symbol)
            continue
        name = layer.name or layer.symbol
        if name in names:
            shared.append(name)
            continue
        names.add(name)
        if from_onnx and _zigzag_onnx_differs(layer):
            asymmetric.append(name)
        lines += _entry(name, layer, [a for a, _ in module.accelerator.array])
    lines += ["- name: default", "  memory_operand_links: " + _flow(DEFAULT_LINKS)]
    warnings = []
    if unmapped:
        warnings.append(Diagnostic("warning", f"zigzag-mapping: {len(unmapped)} layer(s) have no mapping to write "
                                              f"and fall to the file's `default` entry: {', '.join(unmapped)}"))
    if shared:
        warnings.append(Diagnostic("warning", f"zigzag-mapping: both tools look entries up by layer name, so layers "
                                              f"named like an earlier one get its entry: {', '.join(shared)}"))
    if asymmetric:
        warnings.append(Diagnostic(
            "warning", f"zigzag-mapping: ZigZag's ONNX parser pairs the kernel's height (FX) with the output's width "
                       f"(OX), so for {len(asymmetric)} layer(s) with non-square kernels or unequal strides it costs "
                       f"another shape than dsec and reports other numbers: {', '.join(asymmetric)}"))
    return "\n".join(lines) + "\n", warnings


def _entry(name: str, layer: LayerOp, array_dims: list[str]) -> list[str]:
    lines = [f"- name: {json.dumps(name)}", "  spatial_mapping:"]
    used = {u.array_dim: [(lp.dim, lp.factor) for lp in u.loops] for u in layer.spatial.unrolls if u.loops}
    # ZigZag generates an unrolling for an array dimension the file leaves out (and an
    # empty spatial_mapping reads as none given in both tools): an idle one gets a factor of 1.
    idle = [(next(iter(layer.dims)), 1)]
    for array_dim in array_dims:
        lines.append(f"    {array_dim}:")
        lines += [f"      - {dim}, {factor}" for dim, factor in used.get(array_dim, idle)]
    loops = [loop for loop in layer.nest.loops if (loop.factor or 1) > 1]
    lines.append("  temporal_ordering:" + ("" if loops else " []"))
    lines += [f"    - [{loop.dim}, {loop.factor}]" for loop in loops]
    # ZigZag's mapping schema requires all three links, also for a layer with one input.
    links = {operand: layer.links.get(operand, DEFAULT_LINKS[operand]) for operand in ("O", "W", "I")}
    lines.append("  memory_operand_links: " + _flow(links))
    return lines


def _flow(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in mapping.items()) + "}"


def _read_from_onnx(module: Module) -> bool:
    """Whether ZigZag would read the module's model with its ONNX parser (not a workload YAML)."""
    model = module.options.get("model")
    if not isinstance(model, str) or not os.path.isfile(model):
        return True  # an onnx.ModelProto given to the Python API
    try:
        return read_model_file(model)[0] == "onnx"
    except DiagnosticError:
        return True


def _zigzag_onnx_differs(layer: LayerOp) -> bool:
    """A window whose two axes differ in kernel size, stride or dilation."""
    dims = layer.dims
    if dims.get("FX", 1) != dims.get("FY", 1):
        return True
    windows = {}
    for access in layer.compute.inputs:
        for index in access.indices:
            coeffs = dict(index.terms)
            if len(coeffs) == 2:
                windows[frozenset(coeffs)] = coeffs
    y, x = windows.get(frozenset(("OY", "FY"))), windows.get(frozenset(("OX", "FX")))
    return y is not None and x is not None and (y["OY"], y["FY"]) != (x["OX"], x["FX"])
