"""--emit zigzag-mapping read back by dsec gives the same mapping and totals on
every example accelerator; ZigZag's own validator accepts the file (when
zigzag-dse is installed); --emit timeloop leaves out uneven mappings. The whole
ResNet-18 round trip, and ZigZag's numbers, are tools/zigzag_check_mapping.py's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import onnx
import pytest
import yaml
from onnx import helper

from dsec.compiler.lower import LowerOptions, lower
from dsec.dialect.attributes import Buffer, Nest
from dsec.export.timeloop import timeloop_mapping
from dsec.export.zigzag_mapping import zigzag_mapping

ROOT = Path(__file__).resolve().parents[2]
CONV3X3 = ROOT / "examples/models/conv3x3.onnx"
RESNET = ROOT / "examples/models/resnet18.onnx"
CASES = {"tpu_like": "tpu_like", "edge_tpu_like": "edge_tpu_like", "eyeriss_like": "default"}


def lower_case(model: Path, arch: str, mapping: Path | None, **options):
    result = lower(str(model), str(ROOT / f"examples/arch/{arch}.yaml"), mapping and str(mapping),
                   LowerOptions(jobs=1, **options))
    assert result.ok, [d.message for d in result.diagnostics if d.severity == "error"]
    return result


def assert_round_trip(model: Path, arch: str, tmp_path: Path, example_mapping: bool = True, **options):
    base = ROOT / f"examples/mapping/{CASES[arch]}.yaml" if example_mapping else None
    first = lower_case(model, arch, base, **options)
    text, warnings = zigzag_mapping(first.module)
    assert warnings == []
    emitted = tmp_path / f"{arch}.yaml"
    emitted.write_text(text)
    again = lower_case(model, arch, emitted)
    assert again.report["totals"] == first.report["totals"]
    for a, b in zip(first.module.layers(), again.module.layers(), strict=True):
        assert (a.name, a.spatial, a.nest) == (b.name, b.spatial, b.nest)
    assert zigzag_mapping(again.module)[0] == text
    return first, text


@pytest.mark.parametrize("arch", list(CASES))
def test_conv3x3_round_trip(arch, tmp_path):
    assert_round_trip(CONV3X3, arch, tmp_path)


def test_mixed_unrolling_round_trip(tmp_path):
    # No mapping file: the search unrolls K on both array dims, D2(K = 2, C = 16).
    first, text = assert_round_trip(CONV3X3, "tpu_like", tmp_path, example_mapping=False, mixed=True)
    entry = yaml.safe_load(text)[0]
    assert any(len(unrolls) > 1 for unrolls in entry["spatial_mapping"].values())


def resnet_prefix(tmp_path: Path, convs: int) -> Path:
    model = onnx.load(str(RESNET), load_external_data=False)
    graph = model.graph
    last = [i for i, node in enumerate(graph.node) if node.op_type == "Conv"][convs - 1]
    nodes = list(graph.node[: last + 1])
    used = {name for node in nodes for name in node.input}
    made = {name for node in nodes for name in node.output}
    infos = [info for info in graph.value_info if info.name in made]
    output = next(info for info in infos if info.name == nodes[-1].output[0])
    cut = helper.make_graph(nodes, "prefix", list(graph.input), [output],
                            [t for t in graph.initializer if t.name in used], value_info=infos)
    path = tmp_path / "prefix.onnx"
    onnx.save(helper.make_model(cut, opset_imports=model.opset_import), str(path))
    return path


def test_resnet18_prefix_round_trip_on_eyeriss_like(tmp_path):
    # conv1 (C = 3 on 12 PEs, K = 64 on 14: non-dividing), pooling, ReLUs, an Add.
    first, text = assert_round_trip(resnet_prefix(tmp_path, 4), "eyeriss_like", tmp_path)
    names = [entry["name"] for entry in yaml.safe_load(text)]
    # The ReLUs are fused into their convolutions: no mapping of their own, no entry.
    assert names == [layer.name for layer in first.module.layers() if layer.fused_into is None] + ["default"]
    assert any(layer.fused_into for layer in first.module.layers())


def test_zigzag_accepts_the_file(tmp_path):
    validator = pytest.importorskip("zigzag.parser.mapping_validator")
    first = lower_case(CONV3X3, "eyeriss_like", ROOT / "examples/mapping/default.yaml")
    checked = validator.MappingValidator(yaml.safe_load(zigzag_mapping(first.module)[0]))
    assert checked.validate()


def test_timeloop_leaves_out_uneven_mappings():
    first = lower_case(CONV3X3, "tpu_like", ROOT / "examples/mapping/tpu_like.yaml")
    text, warnings = timeloop_mapping(first.module)
    assert text.startswith("# layer on tpu_like") and warnings == []
    # Cut sram_2MB's output tile lower than its input tile: one memory, two cut points.
    layer = next(iter(first.module.layers()))
    buffers = tuple(b for b in layer.nest.buffers if b.memory != "sram_2MB")
    uneven = (Buffer("sram_2MB", ("I",), len(layer.nest.loops)), Buffer("sram_2MB", ("O",), 4))
    layer = replace(layer, nest=Nest(layer.nest.loops, buffers[:1] + uneven + buffers[1:]))
    module = replace(first.module, ops=tuple(layer if getattr(op, "symbol", None) == layer.symbol else op
                                             for op in first.module.ops))
    text, warnings = timeloop_mapping(module)
    assert text == ""
    assert [w.message for w in warnings] == [
        "timeloop: 1 layer(s) left out, their mapping has no Timeloop map.yaml: uneven: @sram_2MB cuts its "
        "operands' loops at different points (I at 6, O at 4 innermost loops) (layer)"]


def test_timeloop_merges_directly_nested_loops_and_groups_reasons():
    # conv1's fixed order runs OY = 7 directly inside OY = 16: one Timeloop loop Q = 112.
    first = lower_case(ROOT / "tests/fixtures/workload/resnet18_layers.yaml", "tpu_like",
                       ROOT / "tests/fixtures/workload/resnet18_layers_tpu_like.yaml")
    text, warnings = timeloop_mapping(first.module)
    documents = text.split("---\n")
    assert len(documents) == 2 and documents[0].startswith("# /conv1/Conv on tpu_like")
    assert "  - target: rf_128B\n    type: temporal\n    factors: N=1 K=2 C=1 P=112 Q=112 R=1 S=1\n" \
           "    permutation: QPKNCRS\n" in documents[0]
    assert [w.message for w in warnings] == [
        "timeloop: 2 layer(s) left out, their mapping has no Timeloop map.yaml: OX, OY appear twice among "
        "@rf_128B's loops (/layer2/layer2.0/downsample/downsample.0/Conv); K = 1000 is split 32 spatial x 32 "
        "temporal: not a perfect factorization (/fc/Gemm)"]
