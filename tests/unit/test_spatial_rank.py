"""Spatial candidates are ranked as ZigZag 3.9.1 ranks them
(SpatialMapping.get_performance_indicator): PEs used u plus
u / (largest total unrolling of one dim) - 1."""

from pathlib import Path

import dsec
from dsec.compiler.lower import LowerOptions
from dsec.cost.workload import layer_view
from dsec.dialect.ops import operand_shapes
from dsec.mapper.spatial import performance_indicator, spatial_candidates

SEED = Path(__file__).resolve().parents[1] / "fixtures/seed-lowmem"


def test_indicator_by_hand():
    # 8 x 120 = 960 PEs over two dims: 960 + 960 / 120 - 1.
    assert performance_indicator((("D1", (("C", 8),)), ("D2", (("D", 120),)))) == 967.0
    # 160 x 6 = 960 PEs of one dim: no bonus.
    assert performance_indicator((("D1", (("D", 160),)), ("D2", (("D", 6),)))) == 960.0
    # Mixed on one array dimension: K 4 x C 2 = 8 PEs, largest dim total 4: 8 + 2 - 1.
    assert performance_indicator((("D1", (("K", 4), ("C", 2))),)) == 9.0


def test_seed_matmul_keeps_zigzags_candidate():
    # ZigZag 3.9.1 with 10 generated mappings maps the seed network's MatMul
    # (D 999, C 16, K 10 on 160 x 120 PEs) with D1: C 8, D2: D 120 at 51820.6 pJ;
    # ranking by PEs alone put four D x D unrollings of 960 PEs before it.
    found = dsec.lower(str(SEED / "BasicNetwork.onnx"), str(SEED / "accelerator.yaml"), str(SEED / "mapping.yaml"),
                       LowerOptions(pipeline="fuse-elementwise"))
    module = found.module
    layer = next(layer for layer in module.layers() if layer.name == "node_MatMul_6")
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    candidates = [str(c.spatial) for c in spatial_candidates(view, module.accelerator, None, False, 10)]
    assert "D1(C = 8) D2(D = 120)" in candidates
    assert candidates.index("D1(C = 8) D2(D = 120)") < candidates.index("D1(D = 160) D2(D = 6)")
