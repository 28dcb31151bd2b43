"""The ZigZag agreement cases: one layer, one architecture, one fixed mapping each.

Shared by `tools/zigzag_reference.py` (which runs zigzag-dse on them) and by
`tests/unit/test_zigzag_agreement.py` (which runs dsec on them). Only onnx is
needed here, so both environments can import it.
"""

from __future__ import annotations

import onnx
from onnx import TensorProto, helper

LINKS = {"O": "O", "W": "I2", "I": "I1"}

# name, model (kind and shape), architecture (tests/fixtures/arch), spatial
# unrolling per array dimension. The temporal ordering of each case is the one
# ZigZag's LOMA picked (recorded in the reference file with its numbers).
CASES = [
    # ResNet-18-like convolutions on the TPU-like 32x32 systolic array.
    dict(name="tpu_conv1", arch="tpu_like", model=("conv", 1, 3, 64, 56, 7, 2, 3), spatial={"D1": [("K", 32)], "D2": [("C", 3)]}),
    dict(name="tpu_conv3x3_64", arch="tpu_like", model=("conv", 1, 64, 64, 28, 3, 1, 1), spatial={"D1": [("K", 32)], "D2": [("C", 32)]}),
    dict(name="tpu_conv3x3_s2", arch="tpu_like", model=("conv", 1, 64, 128, 28, 3, 2, 1), spatial={"D1": [("K", 32)], "D2": [("C", 32)]}),
    dict(name="tpu_conv1x1_s2", arch="tpu_like", model=("conv", 1, 64, 128, 28, 1, 2, 0), spatial={"D1": [("K", 32)], "D2": [("C", 32)]}),
    dict(name="tpu_conv_k70", arch="tpu_like", model=("conv", 1, 48, 70, 14, 3, 1, 1), spatial={"D1": [("K", 32)], "D2": [("C", 32)]}),
    dict(name="tpu_conv_c20_ox", arch="tpu_like", model=("conv", 1, 20, 40, 14, 3, 1, 1), spatial={"D1": [("K", 32)], "D2": [("OX", 14)]}),
    dict(name="tpu_gemm", arch="tpu_like", model=("gemm", 4, 512, 100), spatial={"D1": [("K", 32)], "D2": [("C", 32)]}),
    dict(name="tpu_mixed", arch="tpu_like", model=("conv", 1, 16, 64, 14, 3, 1, 1), spatial={"D1": [("K", 32)], "D2": [("C", 2), ("FX", 3), ("FY", 3)]}),
    # Edge-TPU-like 8x8x4x4 array.
    dict(name="edge_conv3x3", arch="edge_tpu_like", model=("conv", 1, 64, 64, 28, 3, 1, 1), spatial={"D1": [("K", 8)], "D2": [("C", 8)], "D3": [("OX", 4)], "D4": [("OY", 4)]}),
    dict(name="edge_conv1", arch="edge_tpu_like", model=("conv", 1, 3, 64, 56, 7, 2, 3), spatial={"D1": [("K", 8)], "D2": [("C", 3)], "D3": [("OX", 4)], "D4": [("OY", 4)]}),
    dict(name="edge_conv_s2", arch="edge_tpu_like", model=("conv", 1, 32, 64, 14, 3, 2, 1), spatial={"D1": [("K", 8)], "D2": [("C", 8)], "D3": [("OX", 4)], "D4": [("OY", 4)]}),
    dict(name="edge_conv1x1", arch="edge_tpu_like", model=("conv", 1, 128, 256, 7, 1, 1, 0), spatial={"D1": [("K", 8)], "D2": [("C", 8)], "D3": [("OX", 4)], "D4": [("OY", 4)]}),
    dict(name="edge_conv_odd", arch="edge_tpu_like", model=("conv", 1, 12, 20, 13, 3, 1, 1), spatial={"D1": [("K", 8)], "D2": [("C", 8)], "D3": [("OX", 4)], "D4": [("OY", 4)]}),
    dict(name="edge_gemm", arch="edge_tpu_like", model=("gemm", 16, 256, 64), spatial={"D1": [("K", 8)], "D2": [("C", 8)], "D3": [("D", 4)], "D4": [("D", 4)]}),
    # Eyeriss-like 14x12 array (sizes that rarely divide it).
    dict(name="eyeriss_conv3x3", arch="eyeriss_like", model=("conv", 1, 32, 64, 28, 3, 1, 1), spatial={"D1": [("K", 14)], "D2": [("C", 12)]}),
    dict(name="eyeriss_conv_oy", arch="eyeriss_like", model=("conv", 1, 16, 32, 28, 3, 1, 1), spatial={"D1": [("OY", 14)], "D2": [("FY", 3), ("C", 4)]}),
    dict(name="eyeriss_conv1", arch="eyeriss_like", model=("conv", 1, 3, 32, 56, 7, 2, 3), spatial={"D1": [("K", 14)], "D2": [("C", 3)]}),
    dict(name="eyeriss_conv1x1", arch="eyeriss_like", model=("conv", 1, 64, 128, 14, 1, 1, 0), spatial={"D1": [("K", 14)], "D2": [("C", 12)]}),
    dict(name="eyeriss_gemm", arch="eyeriss_like", model=("gemm", 8, 300, 120), spatial={"D1": [("K", 14)], "D2": [("C", 12)]}),
    # ZigZag's gemm_l1 accelerator (8x8x8) with its mapping's unrolling (D0 -> D, D1 -> C, D2 -> K).
    dict(name="gemm_l1_64", arch="gemm_l1", model=("gemm", 64, 64, 64), spatial={"D1": [("D", 8)], "D2": [("K", 8)], "D3": [("C", 8)]}),
    dict(name="gemm_l1_128", arch="gemm_l1", model=("gemm", 128, 128, 128), spatial={"D1": [("D", 8)], "D2": [("K", 8)], "D3": [("C", 8)]}),
    dict(name="gemm_l1_odd", arch="gemm_l1", model=("gemm", 60, 100, 36), spatial={"D1": [("D", 8)], "D2": [("K", 8)], "D3": [("C", 8)]}),
]


def build_model(model: tuple) -> onnx.ModelProto:
    """A one-layer ONNX model, shape-inferred (ZigZag needs the shapes)."""
    kind = model[0]
    if kind == "conv":
        _, batch, channels, kernels, size, kernel, stride, pad = model
        out = (size + 2 * pad - kernel) // stride + 1
        x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, channels, size, size])
        y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [batch, kernels, out, out])
        w = helper.make_tensor("weight", TensorProto.FLOAT, [kernels, channels, kernel, kernel],
                               [0.0] * (kernels * channels * kernel * kernel))
        node = helper.make_node("Conv", ["input", "weight"], ["output"], name="layer", kernel_shape=[kernel, kernel],
                                strides=[stride, stride], pads=[pad] * 4)
    elif kind == "gemm":
        _, rows, inner, cols = model
        x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [rows, inner])
        y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [rows, cols])
        w = helper.make_tensor("weight", TensorProto.FLOAT, [inner, cols], [0.0] * (inner * cols))
        node = helper.make_node("Gemm", ["input", "weight"], ["output"], name="layer")
    else:
        raise ValueError(f"unknown model kind {kind}")
    graph = helper.make_graph([node], "case", [x], [y], [w])
    built = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return onnx.shape_inference.infer_shapes(built)


def mapping_yaml(case: dict, order: list[tuple[str, int]] | None) -> str:
    """The ZigZag mapping file of a case (also read by dsec unchanged)."""
    lines = ["- name: default", "  spatial_mapping:"]
    for array_dim, loops in case["spatial"].items():
        lines.append(f"    {array_dim}:")
        lines += [f"      - {dim}, {factor}" for dim, factor in loops]
    if order:
        lines.append("  temporal_ordering:")
        lines += [f"    - [{dim}, {factor}]" for dim, factor in order]
    lines.append("  memory_operand_links:")
    lines += [f"    {k}: {v}" for k, v in LINKS.items()]
    return "\n".join(lines) + "\n"
