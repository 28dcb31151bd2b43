"""`dsec import` on every shipped fixture: every ONNX model with every
accelerator, verified and round-tripped through the printer."""

from pathlib import Path

import pytest

from dsec.frontend.importer import import_model
from dsec.dialect.parser import parse_module
from dsec.dialect.printer import print_module
from dsec.dialect.verifier import verify_module

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MODELS = [FIXTURES / "onnx" / "resnet18.onnx", FIXTURES / "seed-lowmem" / "BasicNetwork.onnx",
          FIXTURES / "seed-lowmem" / "BasicNetwork_no_kernel_shape.onnx"]
ARCHS = sorted((FIXTURES / "arch").glob("*.yaml")) + [FIXTURES / "seed-lowmem" / "accelerator.yaml"]
MAC_OPS = {"Conv", "Gemm", "MatMul"}


@pytest.mark.parametrize("arch", ARCHS, ids=lambda p: p.stem)
@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_every_fixture_imports_verifies_and_round_trips(model, arch):
    result = import_model(str(model), str(arch))
    assert verify_module(result.module) == []
    text = print_module(result.module)
    assert print_module(parse_module(text)) == text


def test_resnet18_has_21_compute_layers():
    module = import_model(str(MODELS[0]), str(ARCHS[0])).module
    compute = [layer for layer in module.layers() if layer.op_type in MAC_OPS]
    assert len(compute) == 21
    assert compute[0].name == "/conv1/Conv"
    assert compute[-1].dims == {"D": 1, "C": 512, "K": 1000}


@pytest.mark.parametrize("model", MODELS[1:], ids=lambda p: p.stem)
def test_basic_network_conv_dims(model):
    module = import_model(str(model), str(FIXTURES / "seed-lowmem" / "accelerator.yaml"),
                          str(FIXTURES / "seed-lowmem" / "mapping.yaml")).module
    convs = [layer.dims for layer in module.layers() if layer.op_type == "Conv"]
    assert convs == [
        {"B": 1, "K": 6, "C": 3, "OY": 156, "OX": 116, "FY": 5, "FX": 5},
        {"B": 1, "K": 16, "C": 6, "OY": 74, "OX": 54, "FY": 5, "FX": 5},
    ]


def test_mapping_entries_reach_the_layers():
    module = import_model(str(MODELS[0]), str(FIXTURES / "arch" / "edge_tpu_like.yaml"),
                          str(FIXTURES / "mapping" / "edge_tpu_like.yaml")).module
    by_name = {layer.name: layer for layer in module.layers()}
    conv = by_name["/conv1/Conv"].constraints
    assert str(conv.spatial) == "D1(K = 8) D2(C = 8) D3(OX = 4) D4(OY = 4)"
    # Kept whole (the pools lack C; its factor 1 collapses nothing, so the mapping is applied as given).
    assert str(by_name["/maxpool/MaxPool"].constraints.spatial) == "D1(G = 8) D2(C = 1) D3(OX = 1) D4(OY = 1)"
    assert str(by_name["/layer1/layer1.0/Add"].constraints.spatial) == "D1(G = 8) D2(C = 1) D3(OX = 1) D4(OY = 1)"
