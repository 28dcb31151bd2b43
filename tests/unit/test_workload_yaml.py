"""ZigZag workload YAML: the same layers as from ONNX give the same IR bodies and,
mapped with the same fixed mapping, the same numbers."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
from onnx import helper

from dsec.compiler.lower import LowerOptions, lower
from dsec.dialect.parser import parse_module
from dsec.dialect.printer import print_module
from dsec.frontend.importer import import_model
from dsec.frontend.mapping_loader import MappingSpec
from dsec.frontend.workload_graph import workload_ops
from dsec.frontend.workload_yaml import load_workload

ROOT = Path(__file__).resolve().parents[2]
WORKLOAD = ROOT / "tests/fixtures/workload/resnet18_layers.yaml"
FIXED_MAPPING = ROOT / "tests/fixtures/workload/resnet18_layers_tpu_like.yaml"
RESNET = ROOT / "examples/models/resnet18.onnx"
TPU = ROOT / "examples/arch/tpu_like.yaml"
NAMES = ["/conv1/Conv", "/layer2/layer2.0/conv1/Conv", "/layer2/layer2.0/downsample/downsample.0/Conv", "/fc/Gemm"]


def onnx_layers(path: Path = RESNET) -> dict:
    module = import_model(str(path), str(TPU)).module
    return {layer.name: layer for layer in module.layers()}


def test_shipped_example_is_the_fixture():
    assert (ROOT / "examples/workloads/resnet18_layers.yaml").read_text() == WORKLOAD.read_text()


def test_workload_layers_have_the_onnx_bodies():
    from_onnx = onnx_layers()
    module = import_model(str(WORKLOAD), str(TPU)).module
    layers = list(module.layers())
    assert [layer.name for layer in layers] == NAMES
    for layer in layers:
        expected = from_onnx[layer.name]
        assert layer.dims == expected.dims
        assert layer.compute == expected.compute
        assert layer.precision == expected.precision
        assert layer.links == expected.links
        shapes = module.value_shapes()
        onnx_shapes = import_model(str(RESNET), str(TPU)).module.value_shapes()
        assert shapes[dict(layer.operands)["I"]] == onnx_shapes[dict(expected.operands)["I"]]
    text = print_module(module)
    assert print_module(parse_module(text, "workload.dsec")) == text


def cut_onnx(names: list[str], out: Path) -> Path:
    """The named nodes of ResNet-18 alone, each reading graph inputs."""
    model = onnx.load(str(RESNET), load_external_data=False)
    model = onnx.shape_inference.infer_shapes(model)
    infos = {v.name: v for v in [*model.graph.value_info, *model.graph.input, *model.graph.output]}
    nodes = [n for n in model.graph.node if n.name in names]
    inits = {t.name: t for t in model.graph.initializer}
    inputs = [infos[n.input[0]] for n in nodes]
    outputs = [infos[n.output[0]] for n in nodes]
    used = [inits[name] for n in nodes for name in n.input[1:] if name in inits]
    graph = helper.make_graph(nodes, "resnet18_layers", inputs, outputs, used)
    onnx.save(helper.make_model(graph, opset_imports=model.opset_import), str(out))
    return out


def test_workload_lowers_to_the_onnx_numbers(tmp_path):
    model = cut_onnx(NAMES, tmp_path / "layers.onnx")
    options = LowerOptions(jobs=1)
    from_onnx = lower(str(model), str(TPU), str(FIXED_MAPPING), options)
    from_yaml = lower(str(WORKLOAD), str(TPU), str(FIXED_MAPPING), options)
    assert from_onnx.ok and from_yaml.ok
    onnx_rows = {row["name"]: row for row in from_onnx.report["layers"]}
    yaml_rows = {row["name"]: row for row in from_yaml.report["layers"]}
    assert set(yaml_rows) == set(NAMES)
    for name in NAMES:
        assert yaml_rows[name]["energy_pj"] == onnx_rows[name]["energy_pj"], name
        assert yaml_rows[name]["latency_cycles"] == onnx_rows[name]["latency_cycles"], name
    assert from_yaml.report["totals"] == from_onnx.report["totals"]
    # The fixed mapping is complete: nothing was searched.
    assert all(layer.search is None or "temporal" not in layer.search for layer in from_yaml.module.layers())


POOL_AND_ADD = """\
- id: 0
  name: /maxpool/MaxPool
  operator_type: MaxPool
  equation: O[b][g][oy][ox]+=W[fx][fy]*I[b][g][iy][ix]
  dimension_relations: [iy=2*oy+1*fy, ix=2*ox+1*fx]
  loop_dims: [B, G, OY, OX, FY, FX]
  loop_sizes: [1, 64, 56, 56, 3, 3]
  operand_precision: {I: 8, W: 0, O: 8, O_final: 8}
  operand_source: {I: 0, W: 0}
  pr_loop_dims: [IY, IX]
  pr_loop_sizes: [112, 112]
  padding: [[1, 1], [1, 1]]
- id: 1
  name: /layer1/layer1.0/Add
  operator_type: Add
  equation: O[b][g][oy][ox]=W[b][g][oy][ox]+I[b][g][oy][ox]
  loop_dims: [B, G, OY, OX]
  loop_sizes: [1, 64, 56, 56]
  operand_precision: {W: 8, I: 8, O: 16, O_final: 8}
  operand_source: {W: 0, I: 1}
"""


def test_pooling_and_add_match_onnx():
    # W of 0 bits is ZigZag's placeholder: the layer reads I alone, as ONNX's MaxPool does.
    layers, warnings = load_workload(POOL_AND_ADD, "pool_add.yaml")
    assert warnings == []
    ops, _, warnings = workload_ops(layers, MappingSpec({}), {})
    assert warnings == []
    built = {op.name: op for op in ops if hasattr(op, "compute")}
    from_onnx = onnx_layers()
    for name in ("/maxpool/MaxPool", "/layer1/layer1.0/Add"):
        assert built[name].compute == from_onnx[name].compute, name
        assert built[name].dims == from_onnx[name].dims
        assert built[name].precision == from_onnx[name].precision
    # The Add reads the pool's output (operand_source W: 0) and a network input.
    add = built["/layer1/layer1.0/Add"]
    assert dict(add.operands)["W"] == built["/maxpool/MaxPool"].result.name
    assert ops[-1].operands == (add.result.name,)


@pytest.mark.parametrize("precision, expected", [({}, {"I": 8, "W": 8, "O": 16, "O_final": 8}),
                                                 ({"I": 4, "O": 24}, {"I": 4, "W": 8, "O": 24, "O_final": 8})])
def test_command_line_precision_wins_over_the_file(precision, expected):
    layers, _ = load_workload(WORKLOAD.read_text(), str(WORKLOAD))
    ops, _, _ = workload_ops(layers, MappingSpec({}), precision)
    assert next(op for op in ops if hasattr(op, "compute")).precision == expected


def test_input_extent_without_pr_loop_sizes_follows_zigzag():
    # ZigZag (layer_node.py): the window's extent less both paddings.
    text = WORKLOAD.read_text().replace("  pr_loop_sizes: [224, 224]\n", "")
    layers, _ = load_workload(text, "w.yaml")
    assert layers[0].shapes["I"] == (1, 3, 2 * 111 + 7 - 6, 2 * 111 + 7 - 6)


def test_a_reader_whose_windows_do_not_fit_its_producer_is_warned():
    # ZigZag's own resnet18.yaml gives 3x3 convs no padding: 56x56 outputs read as 58x58.
    text = POOL_AND_ADD
    conv = """\
- id: 2
  operator_type: Conv
  equation: O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]
  dimension_relations: [iy=1*oy+1*fy, ix=1*ox+1*fx]
  loop_dims: [B, K, C, OY, OX, FY, FX]
  loop_sizes: [1, 64, 64, 56, 56, 3, 3]
  operand_precision: {W: 8, I: 8, O: 16, O_final: 8}
  operand_source: {I: 1, W: 2}
"""
    layers, _ = load_workload(text + conv, "chain.yaml")
    _, _, warnings = workload_ops(layers, MappingSpec({}), {})
    assert [w.message for w in warnings] == [
        "layer 2 ('Layer2') reads I from layer 1 as 1x64x58x58 (its loop sizes, dimension_relations and padding) but "
        "layer 1 writes 1x64x56x56; dsec cuts the windows at the written tensor, where ZigZag counts 1x64x58x58: give "
        "padding or pr_loop_sizes to make them agree"]
    assert warnings[0].loc.line == len(text.splitlines()) + 1


def test_an_assignment_over_reduction_loops_is_warned():
    # `O=...` instead of `O+=...` over C, FY and FX keeps one product per output, silently a different layer.
    text = WORKLOAD.read_text()
    layers, warnings = load_workload(text, "w.yaml")
    assert not [w for w in warnings if "assigns O with '='" in w.message]
    layers, warnings = load_workload(text.replace("]+=W[", "]=W[", 1), "w.yaml")
    said = [w for w in warnings if "assigns O with '='" in w.message]
    assert len(said) == 1 and "C, FX, FY do not index O" in said[0].message and said[0].severity == "warning"
