"""`dsec lower` and `dsec.lower` on the shipped fixtures and examples: every
model maps on every architecture, `--jobs` changes nothing, and running the
pipeline pass by pass through printed text gives the same IR as one process."""

from __future__ import annotations

import re

import subprocess
import sys
from pathlib import Path

import pytest

import dsec
from dsec.compiler.lower import LowerOptions, default_pipeline
from dsec.compiler.pipeline import build_pipeline
from dsec.passes import PASSES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
ARCHS = ["tpu_like", "edge_tpu_like", "eyeriss_like", "gemm_l1"]
SMALL_MODELS = [FIXTURES / "seed-lowmem" / "BasicNetwork.onnx",
                FIXTURES / "seed-lowmem" / "BasicNetwork_no_kernel_shape.onnx"]


def dsec_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dsec", *map(str, args)], input=stdin,
                          capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("candidates", [10, 20])
@pytest.mark.parametrize("model", SMALL_MODELS, ids=lambda p: p.stem)
def test_seed_lowmem_maps_with_many_spatial_candidates(model, candidates):
    # ZigZag's users were told to ask for 2 or 3 candidates on this accelerator.
    run = dsec_cli("lower", model, "--arch", FIXTURES / "seed-lowmem" / "accelerator.yaml",
                   "--mapping", FIXTURES / "seed-lowmem" / "mapping.yaml", "--spatial-candidates", candidates,
                   "--jobs", "2")
    assert run.returncode == 0, run.stderr
    assert "total: 8/8 layers mapped" in run.stdout
    assert "search: 6 layers searched" in run.stdout  # the two Relus are fused into their convolutions


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("model", SMALL_MODELS, ids=lambda p: p.stem)
def test_every_small_fixture_model_maps_on_every_arch(model, arch):
    result = dsec.lower(str(model), str(FIXTURES / "arch" / f"{arch}.yaml"))
    assert result.ok, [d.message for d in result.diagnostics if d.severity == "error"]
    totals = result.report["totals"]
    assert totals["mapped"] == totals["layers"] > 0
    assert all(layer.cost and "energy_pj" in layer.cost for layer in result.module.layers())


@pytest.mark.parametrize("arch", ["tpu_like", "edge_tpu_like", "eyeriss_like"])
def test_resnet18_maps_on_the_archs_that_can_hold_it(arch):
    result = dsec.lower(str(FIXTURES / "onnx" / "resnet18.onnx"), str(FIXTURES / "arch" / f"{arch}.yaml"),
                        jobs=2)
    assert result.ok, [d.message for d in result.diagnostics if d.severity == "error"]
    assert result.report["totals"]["mapped"] == 48


def test_resnet18_on_gemm_l1_reports_the_layers_its_only_memory_cannot_hold():
    # gemm_l1 has no DRAM: its top memory, @l1, holds 4 Mbit, and 11 layers' tensors do
    # not fit in it whole (layer 4's 3x3 convolutions alone have 2.36M 8-bit weights).
    # ZigZag raises MemoryHierarchyTooSmallException for them; dsec maps the other 37
    # and says by how much each of these misses. The first Relu, which did not fit either
    # as a layer of its own, is fused into conv1 (fuse-elementwise): applied in its output path.
    result = dsec.lower(str(FIXTURES / "onnx" / "resnet18.onnx"), str(FIXTURES / "arch" / "gemm_l1.yaml"), jobs=2)
    errors = [d.message for d in result.diagnostics if d.severity == "error"]
    assert len(errors) == 11
    # 3 candidates, or more where others tie with the third in ZigZag's rank
    assert all(re.search(r"none of the \d+ spatial candidates fits the memories", e) and "bits of 4194304" in e
               for e in errors)
    assert any("W in @l1, needs 18874368 bits of 4194304" in e for e in errors)
    assert not any("relu_Relu:" in e for e in errors)
    assert result.report["totals"]["mapped"] == 37


def test_jobs_do_not_change_the_result():
    model, arch = SMALL_MODELS[0], FIXTURES / "arch" / "eyeriss_like.yaml"
    serial = dsec_cli("lower", model, "--arch", arch, "--emit", "ir", "--jobs", "1")
    parallel = dsec_cli("lower", model, "--arch", arch, "--emit", "ir", "--jobs", "2")
    assert serial.returncode == parallel.returncode == 0, serial.stderr + parallel.stderr
    assert serial.stdout == parallel.stdout


EXAMPLES = [("conv3x3.onnx", "tpu_like", "tpu_like_fixed.yaml"), ("conv3x3.onnx", "eyeriss_like", None),
            ("resnet18.onnx", "tpu_like", None), ("resnet18.onnx", "edge_tpu_like", "edge_tpu_like.yaml"),
            ("resnet18.onnx", "eyeriss_like", None),
            # The default mapping collapses on its depthwise layers and Adds: searched candidates in the IR.
            ("mobilenet_blocks.onnx", "eyeriss_like", "default.yaml")]


@pytest.mark.parametrize("model,arch,mapping", EXAMPLES)
def test_pass_by_pass_through_text_equals_one_process(model, arch, mapping, tmp_path):
    args = [ROOT / "examples" / "models" / model, "--arch", ROOT / "examples" / "arch" / f"{arch}.yaml"]
    if mapping:
        args += ["--mapping", ROOT / "examples" / "mapping" / mapping]
    imported = dsec_cli("import", *args)
    assert imported.returncode == 0, imported.stderr
    once = dsec_cli("lower", *args, "--emit", "ir", "--jobs", "2")
    assert once.returncode == 0, once.stderr
    text = imported.stdout
    for step in build_pipeline(default_pipeline(LowerOptions(jobs=2)), PASSES):
        run = dsec_cli("opt", "-", "-p", step.pipeline_text(), stdin=text)
        assert run.returncode == 0, run.stderr
        text = run.stdout
    assert text == once.stdout
