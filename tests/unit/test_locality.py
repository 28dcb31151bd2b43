"""Inter-layer data locality: the hierarchy a layer sees once tensors stay
on chip (cost/locality.py), and `dsec lower --data-locality` end to end."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import dsec
from dsec.compiler import cli
from dsec.frontend.arch_loader import load_accelerator_file
from dsec.cost.locality import cut_accelerator, memory_instances, memory_operand_tops
from dsec.dialect.attributes import Locality

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SEED = FIXTURES / "seed-lowmem"


def names(memories) -> list[str]:
    return [m.name for m in memories]


def test_a_kept_operand_leaves_the_memories_above_its_memory():
    tpu = load_accelerator_file(str(FIXTURES / "arch" / "tpu_like.yaml")).accelerator
    cut = cut_accelerator(tpu, (("I1", ("sram_2MB",)),), ())
    assert names(cut.hierarchy("I1")) == ["sram_2MB"]
    assert names(cut.hierarchy("O")) == names(tpu.hierarchy("O"))
    dram = cut.memory("dram")
    assert dram.operands == ("I2", "O")
    assert all(memory_operand != "I1" for port in dram.ports for memory_operand, _ in port.allocation)
    assert cut.memory("sram_2MB") == tpu.memory("sram_2MB")


def test_a_memory_left_with_no_operand_is_dropped():
    tpu = load_accelerator_file(str(FIXTURES / "arch" / "tpu_like.yaml")).accelerator
    cut = cut_accelerator(tpu, (("I1", ("sram_2MB",)), ("O", ("sram_2MB",)), ("I2", ("rf_128B",))), ())
    assert "dram" not in names(cut.memories)


def test_live_bits_are_shared_by_a_memory_s_copies():
    # seed-lowmem's core_mem has one copy per PE (160 x 120); 19201 live bits take ceil(19201 / 19200) = 2 of each.
    acc = load_accelerator_file(str(SEED / "accelerator.yaml")).accelerator
    core = acc.memory("core_mem")
    assert memory_instances(acc, core) == 19200
    assert memory_instances(acc, acc.memory("sram")) == 1
    cut = cut_accelerator(acc, (), (("core_mem", 19201), ("sram", 1000)))
    assert cut.memory("core_mem").size == 12000 - 2
    assert cut.memory("sram").size == 5000000 - 1000


def test_roles_sharing_a_memory_operand_are_cut_only_when_all_are_kept():
    links = {"I": "I1", "X": "I1", "W": "I2", "O": "O"}
    assert memory_operand_tops(links, Locality((("I", "buf"),))) == ()
    both = memory_operand_tops(links, Locality((("I", "buf"), ("X", "sram"))))
    assert both == (("I1", ("buf", "sram")),)


def lower_seed(locality: bool):
    # LOMA's default space (lpf 6) keeps this test about locality, not the order search; the Relus
    # are costed as layers (as in docs/locality.md's numbers), not fused into their convolutions.
    return dsec.lower(str(SEED / "BasicNetwork.onnx"), arch=str(SEED / "accelerator.yaml"),
                      mapping=str(SEED / "mapping.yaml"), spatial_candidates=10, objective="latency",
                      data_locality=locality, lpf_limit=6, fuse_elementwise=False)


def test_seed_lowmem_with_locality_maps_with_ten_candidates_and_is_faster():
    off, on = lower_seed(False), lower_seed(True)
    assert off.ok and on.ok, [str(d) for d in on.diagnostics]
    kept = {layer.symbol: dict(layer.locality.keep) for layer in on.module.layers() if layer.locality}
    # The graph input and output stay at the top; everything between stays in the PEs' core_mem.
    assert kept["node_conv2d"] == {"O": "core_mem"}
    assert kept["node_MatMul_6"] == {"I": "core_mem", "O": "core_mem"}
    assert kept["node_linear"] == {"I": "core_mem"}
    assert on.report["totals"]["latency_cycles"] < off.report["totals"]["latency_cycles"] / 2
    assert on.report["totals"]["energy_pj"] < off.report["totals"]["energy_pj"]


def test_graph_outputs_on_chip_keeps_the_last_output_and_needs_data_locality(tmp_path):
    def last_layer(outputs_on_chip: bool):
        result = dsec.lower(str(SEED / "BasicNetwork.onnx"), arch=str(SEED / "accelerator.yaml"),
                            mapping=str(SEED / "mapping.yaml"), spatial_candidates=2, objective="latency",
                            data_locality=True, graph_outputs_on_chip=outputs_on_chip, lpf_limit=6)
        assert result.ok, [str(d) for d in result.diagnostics]
        return result.module.layers()[-1], result.report["layers"][-1]

    (at_top, at_top_row), (on_chip, on_chip_row) = last_layer(False), last_layer(True)
    assert "O" not in dict(at_top.locality.keep) and dict(on_chip.locality.keep)["O"] == "core_mem"
    # node_linear no longer writes its output back through sram (623 cycles with it, 8 without).
    assert on_chip_row["latency_cycles"] < at_top_row["latency_cycles"] / 10
    result = CliRunner().invoke(cli.main, ["lower", str(SEED / "BasicNetwork.onnx"), "--arch",
                                           str(SEED / "accelerator.yaml"), "--graph-outputs-on-chip"])
    assert result.exit_code == 1
    assert "--graph-outputs-on-chip keeps the outputs with layer-locality; give --data-locality too" in result.output


def test_data_locality_with_a_given_pipeline_is_not_silently_ignored():
    result = dsec.lower(str(SEED / "BasicNetwork.onnx"), arch=str(SEED / "accelerator.yaml"), pipeline="",
                        data_locality=True)
    # An empty pipeline costs no layer, an error of its own; the point here is the warning.
    assert result.module is not None
    assert any(d.severity == "warning" and "--data-locality only shape the default pipeline" in d.message
               for d in result.diagnostics)
