"""Regenerate the small example models in examples/models/ with onnx.helper.

    python tools/make_examples.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import onnx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from reference_cases import build_model  # noqa: E402

MODELS = {
    # ResNet-18's 3x3 convolution of stage 2 (64 -> 64 channels, 28x28).
    "conv3x3.onnx": ("conv", 1, 64, 64, 28, 3, 1, 1),
}

if __name__ == "__main__":
    for name, shape in MODELS.items():
        onnx.save(build_model(shape), ROOT / "examples" / "models" / name)
        print(f"wrote examples/models/{name}")
