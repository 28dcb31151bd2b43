"""The inputs of benchmarks/suite.py: accelerators unlike ZigZag's examples
(array sides that are not powers of two, register files of one to three
words, per-PE memories of a few kbit under a small SRAM and no DRAM) and
small models (grouped and depthwise convolutions, a VGG-style stack, an
attention block), all in ZigZag's formats so both tools read them unchanged.

    python benchmarks/suite_inputs.py            # rewrite benchmarks/suite/arch/*.yaml
    python benchmarks/suite_inputs.py --models DIR   # also write the ONNX models to DIR

The models are built at run time (onnx.helper, zero weights: only shapes
matter), so no binary file is kept in the repository.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import onnx
from onnx import TensorProto, helper

ROOT = Path(__file__).resolve().parent.parent
ARCH_DIR = ROOT / "benchmarks/suite/arch"
MAPPING = ROOT / "benchmarks/suite/mapping.yaml"


# ------------------------------------------------------------ accelerators

def _memory(size: int, r_cost: float, w_cost: float, operands: list[str], served: list[str], bandwidth: int
            ) -> dict:
    """One read_write port per operand, serving every direction it has."""
    ports = []
    for number, operand in enumerate(operands, 1):
        directions = ["fh", "tl", "fl", "th"] if operand == "O" else ["fh", "tl"]
        ports.append({"name": f"rw_port_{number}", "type": "read_write", "bandwidth_min": min(8, bandwidth),
                      "bandwidth_max": bandwidth, "allocation": [f"{operand}, {d}" for d in directions]})
    return {"size": size, "r_cost": r_cost, "w_cost": w_cost, "area": 0, "latency": 1, "operands": operands,
            "ports": ports, "served_dimensions": served}


def _sram(size: int, bandwidth: int = 128) -> dict:
    return _memory(size, 20.0 + size / 2 ** 16, 25.0 + size / 2 ** 16, ["I1", "I2", "O"], ["D1", "D2"], bandwidth)


ARCHITECTURES = {
    # 13x11 PEs, one-word registers, a 4 kbit memory per PE for all three operands.
    "mesh13x11_rf1": ((13, 11), {
        "rf_w": _memory(8, 0.02, 0.03, ["I2"], [], 8),
        "rf_i": _memory(8, 0.02, 0.03, ["I1"], [], 8),
        "rf_o": _memory(16, 0.03, 0.04, ["O"], [], 16),
        "pe_mem": _memory(4096, 0.4, 0.5, ["I1", "I2", "O"], [], 32),
        "sram": _sram(2 ** 20),
    }),
    # 7x5 PEs, two-word registers, inputs from a 2 kbit buffer per row (shared along D2).
    "row7x5_rf2": ((7, 5), {
        "rf_w": _memory(16, 0.02, 0.03, ["I2"], [], 8),
        "rf_o": _memory(32, 0.03, 0.04, ["O"], [], 16),
        "row_i": _memory(2048, 0.3, 0.4, ["I1"], ["D2"], 16),
        "pe_mem": _memory(3072, 0.4, 0.5, ["I2", "O"], [], 32),
        "sram": _sram(2 ** 19, 64),
    }),
    # 12x10 PEs, three-word weight registers, a 3 kbit memory per PE.
    "grid12x10_rf3": ((12, 10), {
        "rf_w": _memory(24, 0.02, 0.03, ["I2"], [], 8),
        "rf_i": _memory(8, 0.02, 0.03, ["I1"], [], 8),
        "rf_o": _memory(16, 0.03, 0.04, ["O"], [], 16),
        "pe_mem": _memory(3072, 0.4, 0.5, ["I1", "I2", "O"], [], 32),
        "sram": _sram(2 ** 21, 256),
    }),
    # 9x15 PEs, one-word registers, weights from a buffer per column (D1 shares it),
    # inputs from one per row (D2 shares it).
    "bcast9x15_rf1": ((9, 15), {
        "rf_w": _memory(8, 0.02, 0.03, ["I2"], [], 8),
        "rf_i": _memory(8, 0.02, 0.03, ["I1"], [], 8),
        "rf_o": _memory(16, 0.03, 0.04, ["O"], [], 16),
        "col_w": _memory(8192, 0.6, 0.7, ["I2"], ["D1"], 32),
        "row_i": _memory(8192, 0.6, 0.7, ["I1"], ["D2"], 32),
        "sram": _sram(2 ** 20),
    }),
    # 6x5 PEs with a 2 kbit memory each and nothing else but the SRAM.
    "pe6x5_mem2k": ((6, 5), {
        "pe_mem": _memory(2048, 0.3, 0.4, ["I1", "I2", "O"], [], 16),
        "sram": _sram(2 ** 19, 64),
    }),
}


def architecture_yaml(name: str) -> str:
    import yaml

    (d1, d2), memories = ARCHITECTURES[name]
    document = {"name": name, "operational_array": {"unit_energy": 0.04, "unit_area": 1, "dimensions": ["D1", "D2"],
                                                    "sizes": [d1, d2]},
                "memories": memories}
    header = "# Written by benchmarks/suite_inputs.py (zigzag-dse 3.9.1 accelerator schema; sizes in bits).\n"
    return header + yaml.safe_dump(document, sort_keys=False)


MAPPING_YAML = """\
# No spatial mapping: both tools generate the candidates.
- name: default
  memory_operand_links:
    O: O
    W: I2
    I: I1
"""


# ------------------------------------------------------------------ models

class _Builder:
    def __init__(self, name: str, shape: list[int]):
        self.name, self.nodes, self.weights, self.count = name, [], [], 0
        self.input = helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)
        self.last = "input"

    def _fresh(self, kind: str) -> str:
        self.count += 1
        return f"{kind}{self.count}"

    def weight(self, shape: list[int]) -> str:
        name = self._fresh("w")
        size = 1
        for s in shape:
            size *= s
        self.weights.append(helper.make_tensor(name, TensorProto.FLOAT, shape, [0.0] * size))
        return name

    def node(self, op: str, inputs: list[str], **attributes) -> str:
        out = self._fresh(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attributes))
        self.last = out
        return out

    def conv(self, c_in: int, c_out: int, kernel: int, stride: int = 1, group: int = 1, relu: bool = False) -> str:
        w = self.weight([c_out, c_in // group, kernel, kernel])
        out = self.node("Conv", [self.last, w], kernel_shape=[kernel, kernel], strides=[stride, stride],
                        pads=[kernel // 2] * 4, group=group)
        return self.node("Relu", [out]) if relu else out

    def model(self) -> onnx.ModelProto:
        inferred = None
        graph = helper.make_graph(self.nodes, self.name, [self.input], [], self.weights)
        built = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        inferred = onnx.shape_inference.infer_shapes(built)
        last = next(v for v in inferred.graph.value_info if v.name == self.last)
        inferred.graph.output.append(last)
        return inferred


def depthwise_separable() -> onnx.ModelProto:
    b = _Builder("depthwise_separable", [1, 8, 24, 24])
    b.conv(8, 16, 3, relu=True)
    b.conv(16, 16, 3, group=16)
    b.conv(16, 32, 1, relu=True)
    b.conv(32, 32, 3, stride=2, group=32)
    b.conv(32, 32, 1)
    return b.model()


def grouped() -> onnx.ModelProto:
    b = _Builder("grouped", [1, 16, 16, 16])
    b.conv(16, 32, 3, group=4)
    b.conv(32, 32, 3, group=8, relu=True)
    b.conv(32, 24, 1)
    b.conv(24, 24, 3, stride=2, group=24)
    return b.model()


def vgg_stack() -> onnx.ModelProto:
    b = _Builder("vgg_stack", [1, 3, 32, 32])
    b.conv(3, 16, 3, relu=True)
    b.conv(16, 16, 3, relu=True)
    b.node("MaxPool", [b.last], kernel_shape=[2, 2], strides=[2, 2])
    b.conv(16, 32, 3, relu=True)
    b.conv(32, 32, 3)
    b.node("MaxPool", [b.last], kernel_shape=[2, 2], strides=[2, 2])
    b.conv(32, 64, 3)
    return b.model()


def attention() -> onnx.ModelProto:
    """One head of self-attention over 16 tokens of width 32, and its output projection."""
    b = _Builder("attention", [16, 32])
    x = b.last
    q = b.node("MatMul", [x, b.weight([32, 32])])
    k = b.node("MatMul", [x, b.weight([32, 32])])
    v = b.node("MatMul", [x, b.weight([32, 32])])
    kt = b.node("Transpose", [k], perm=[1, 0])
    scores = b.node("MatMul", [q, kt])
    weights = b.node("Softmax", [scores], axis=-1)
    mixed = b.node("MatMul", [weights, v])
    b.node("MatMul", [mixed, b.weight([32, 32])])
    return b.model()


MODELS = {"depthwise_separable": depthwise_separable, "grouped": grouped, "vgg_stack": vgg_stack,
          "attention": attention}


def write_models(directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, build in MODELS.items():
        paths[name] = directory / f"{name}.onnx"
        onnx.save(build(), str(paths[name]))
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, help="also write the ONNX models to this folder")
    args = parser.parse_args()
    ARCH_DIR.mkdir(parents=True, exist_ok=True)
    for name in ARCHITECTURES:
        (ARCH_DIR / f"{name}.yaml").write_text(architecture_yaml(name))
    MAPPING.write_text(MAPPING_YAML)
    print(f"wrote {len(ARCHITECTURES)} accelerators to {ARCH_DIR.relative_to(ROOT)} and {MAPPING.relative_to(ROOT)}")
    if args.models:
        for path in write_models(args.models).values():
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
