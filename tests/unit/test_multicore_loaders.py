"""Stream's hardware and mapping YAML: the shipped files load; mistakes name file, line and key."""

from __future__ import annotations

import os

import pytest

from dsec.compiler.diagnostics import DiagnosticError
from dsec.multicore.hardware_loader import load_multicore_file
from dsec.multicore.mapping_loader import load_stream_mapping_file, resolve_dim
from dsec.multicore.routing import shortest_paths

STREAM = os.path.join(os.path.dirname(__file__), "..", "fixtures", "stream")
TPU_QUAD = os.path.join(STREAM, "hardware", "tpu_like_quad_core.yaml")


def test_tpu_like_quad_core():
    hardware, warnings = load_multicore_file(TPU_QUAD)
    assert warnings == []
    assert [(c.id, c.kind, c.accelerator.name) for c in hardware.cores][:2] == [(0, "compute", "tpu_like"),
                                                                               (1, "compute", "tpu_like")]
    assert hardware.offchip == 6 and hardware.core(6).port_bandwidth() == 64
    assert (hardware.core(0).input_bits, hardware.core(0).accumulator_bits) == (8, 32)
    assert hardware.core(4).runs("MaxPool") and not hardware.core(4).runs("Conv")
    assert [c.id for c in hardware.cores_for("Relu")] == [5]
    assert [c.id for c in hardware.cores_for("Conv")] == [0, 1, 2, 3]
    bus = hardware.connections[-1]
    assert (bus.kind, bus.cores, bus.bandwidth, bus.unit_energy) == ("bus", (0, 1, 2, 3, 4, 5, 6), 128.0, 0.0)
    # 0 -> 1: the link and the bus are one hop each; 0 -> 2: only the bus is.
    assert shortest_paths(hardware, 0, 1) == ((0,), (12,))
    assert shortest_paths(hardware, 0, 2) == ((12,),)


@pytest.mark.parametrize("name", ["eyeriss_like_dual_core", "eyeriss_like_quad_core", "eyeriss_like_single_core",
                                  "meta_prototype_dual_core_simd_offchip"])
def test_other_shipped_hardware_loads(name):
    hardware, _ = load_multicore_file(os.path.join(STREAM, "hardware", f"{name}.yaml"))
    assert hardware.compute_cores


def _errors(path) -> list[str]:
    with pytest.raises(DiagnosticError) as info:
        load_multicore_file(str(path)) if "hw" in os.path.basename(str(path)) else load_stream_mapping_file(str(path))
    return [f"{d.loc.line}:{d.message}" if d.loc else d.message for d in info.value.diagnostics]


def test_hardware_mistakes_name_line_and_key(tmp_path):
    core = tmp_path / "cores"
    core.mkdir()
    (core / "c.yaml").write_text(open(os.path.join(STREAM, "hardware", "cores", "tpu_like.yaml")).read())
    (core / "off.yaml").write_text(open(os.path.join(STREAM, "hardware", "cores", "offchip.yaml")).read())
    hw = tmp_path / "hw.yaml"
    hw.write_text("name: x\ncores:\n  0: c.yaml\n  1: missing.yaml\n  2: off.yaml\noffchip_core_id: 0\n"
                  "core_connectivity:\n  - type: link\n    cores: [0, 1, 2]\n    bandwidth: -1\n    colour: red\n"
                  "bandwidth: {}\n")
    errors = _errors(hw)
    assert any(e.startswith("4:core file 'missing.yaml' of core 1 not found") for e in errors)
    assert any(e.startswith("6:offchip_core_id 0 must name a core of type offchip") for e in errors)
    assert any(e.startswith("11:unknown key 'colour' in core_connectivity[0]") for e in errors)
    assert any(e.startswith("12:'bandwidth' is not supported yet") for e in errors)


def test_core_file_mistakes_point_into_the_core_file(tmp_path):
    text = open(os.path.join(STREAM, "hardware", "cores", "tpu_like.yaml")).read()
    (tmp_path / "c.yaml").write_text(text.replace("type: zigzag.compute", "type: aie2.compute")
                                     .replace("unit_energy: 0.04", "unit_energi: 0.04"))
    (tmp_path / "off.yaml").write_text(open(os.path.join(STREAM, "hardware", "cores", "offchip.yaml")).read())
    hw = tmp_path / "hw.yaml"
    hw.write_text("name: x\ncores: {0: ./c.yaml, 1: ./off.yaml}\noffchip_core_id: 1\n"
                  "core_connectivity: [{type: link, cores: [0, 1], bandwidth: 8}]\n")
    with pytest.raises(DiagnosticError) as info:
        load_multicore_file(str(hw))
    assert any(d.loc.file.endswith("c.yaml") and d.loc.line == 2 and "aie2.compute" in d.message
               for d in info.value.diagnostics)


def test_shipped_mappings():
    mapping, _ = load_stream_mapping_file(os.path.join(STREAM, "map_ksplit4_fused_rows4.yaml"))
    conv1 = mapping.layer("Conv1")
    assert conv1.cores == (0, 1, 2, 3) and [(s.dim, s.count) for s in conv1.splits] == [("D6", 4)]
    assert [(t.layer, t.dim, t.size) for t in mapping.groups[0].tiles] == [("Conv1", "D2", 4)]
    dims = {"B": 1, "K": 16, "OX": 32, "OY": 32, "C": 8, "FX": 3, "FY": 3}
    assert resolve_dim("D2", "Conv", dims) == "OY" and resolve_dim("D6", "Conv", dims) == "K"
    assert resolve_dim("OY", "Relu", {"OY": 4}) == "OY" and resolve_dim("D9", "Conv", dims) is None


def test_mapping_mistakes_name_line_and_key(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("layers:\n- name: Conv1\n  core_allocation: [[0, 1]]\n"
                    "- name: Conv2\n  core_allocation: [[1]]\n  inter_core_tiling: [[{dim: D6, split: 0}]]\n"
                    "fused_groups:\n- name: G\n  layers: [Conv1, Conv3]\n  intra_core_tiling:\n  - dim: D2\n    tile: 4\n")
    errors = _errors(path)
    assert any(e.startswith("3:layer 'Conv1' of the mapping splits into 1 part(s)") for e in errors)
    assert any(e.startswith("6:'split' of layer 'Conv2' of the mapping must be a positive integer") for e in errors)
    assert not any("Conv3" in e for e in errors)  # checked with the model (test_multicore_cli.py)
    assert any(e.startswith("11:'dim' of an intra_core_tiling entry of fused group 'G' must be LAYER.DIM")
               for e in errors)
