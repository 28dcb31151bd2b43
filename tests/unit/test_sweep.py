"""Sweeps (dse/): the sweep file's checks, points from axes or a list, error and
infeasible points as rows, the cache, and the Pareto front. Small: conv3x3 on
tpu_like, a few points, run serially or on two processes."""

from __future__ import annotations

import csv
import io
import textwrap
from pathlib import Path

import pytest

from dsec.compiler.diagnostics import DiagnosticError
from dsec.dse.pareto import front
from dsec.dse.spec import load_sweep_file
from dsec.dse.sweep import run_sweep
from dsec.dse.table import read_jsonl, summary, to_csv, to_jsonl

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "examples" / "models" / "conv3x3.onnx"
ARCH = ROOT / "examples" / "arch" / "tpu_like.yaml"


def sweep_file(tmp_path: Path, body: str) -> str:
    path = tmp_path / "sweep.yaml"
    path.write_text(f"models: [{MODEL}]\naccelerator: {ARCH}\n" + textwrap.dedent(body))
    return str(path)


def test_cross_product_of_axes_and_cache(tmp_path):
    spec = load_sweep_file(sweep_file(tmp_path, """
        axes:
          array: {key: operational_array.sizes, values: [[8, 8], [16, 16]]}
          rf: {values: [{memories.rf_128B.size: 1024}, {memories.rf_128B.size: 512}]}
        objectives: [energy, area]
    """))
    first = run_sweep(spec, backend="local", jobs=2, cache_dir=str(tmp_path / "cache"))
    assert [(r["array"], r["rf"]) for r in first.rows] == [([8, 8], 1024), ([8, 8], 512), ([16, 16], 1024),
                                                          ([16, 16], 512)]
    assert [r["status"] for r in first.rows] == ["ok"] * 4
    assert [r["area"] for r in first.rows] == [64.0, 64.0, 256.0, 256.0]  # unit_area 1 per PE
    assert first.computed == 4 and first.cached == 0
    for row in first.rows:
        assert row["edp"] == pytest.approx(row["energy_pj"] * row["latency_cycles"])
        assert row["energy_per_mac"] == pytest.approx(row["energy_pj"] / row["macs"])
        parts = row["energy_breakdown_pj"]
        total = parts["mac"] + sum(sum(ops.values()) for term, ops in parts.items() if term != "mac")
        assert total == pytest.approx(row["energy_pj"])
    again = run_sweep(spec, backend="serial", cache_dir=str(tmp_path / "cache"))
    assert again.computed == 0 and again.cached == 4
    assert again.rows == first.rows


def test_explicit_points_identical_inputs_run_once_and_bad_points_are_rows(tmp_path):
    spec = load_sweep_file(sweep_file(tmp_path, """
        points:
          - {memories.sram_2MB.size: 16777216}
          - {memories.sram_2MB.size: 16777216}
          - {memories.sram_2MB.size: 64}
          - {memories.sram_2MB.ports.r_port_1.bandwidth_max: 64}
          - {operational_array.sizes: [0, 4]}
    """))
    result = run_sweep(spec, backend="serial")
    status = [r["status"] for r in result.rows]
    assert status == ["ok", "ok", "infeasible", "ok", "error"]
    assert result.computed == 4  # the two equal points once
    assert result.rows[0]["energy_pj"] == result.rows[1]["energy_pj"]
    infeasible = result.rows[2]
    assert infeasible["energy_pj"] is None and "sram_2MB" in infeasible["reason"]
    assert "array sizes must be positive integers" in result.rows[4]["reason"]
    assert result.rows[3]["energy_pj"] != result.rows[0]["energy_pj"]  # 64-bit words: more reads
    text = summary(result.rows, result.params, result.objectives)
    assert "5 points: 3 ok, 2 not mapped" in text and "point 4: error:" in text


@pytest.mark.parametrize("body, message", [
    ("axes: {a: {key: memories.x.size, values: [1]}}\npoints: [{memories.x.size: 1}]\n", "not both"),
    ("axes: {a: {key: bogus.size, values: [1]}}\n", "'bogus.size' is not an accelerator key"),
    ("axes: {a: {key: options.objectiv, values: [energy]}}\n", "did you mean 'objective'"),
    ("axes: {a: {keys: operational_array.sizes, values: [1]}}\n", "unknown key 'keys' in axis 'a'"),
    ("objectives: [energy]\n", "'objectives' must list 2 or 3"),
    ("mapping: nowhere.yaml\n", "no file 'nowhere.yaml'"),
    ("options: {objective: energi}\n", "option objective: 'energi' is not one of energy, latency, edp,"
                                       " pareto; did you mean 'energy'?"),
    ("axes: {a: {key: options.objective, values: [energy, latncy]}}\n", "did you mean 'latency'?"),
    ("points: [{options.lpf_limit: 0}]\n", "option lpf_limit: 0 is not a whole number >= 1"),
    ("options: {time_limit: -1}\n", "option time_limit: -1.0 is not a number of seconds >= 0"),
    ("options: {fuse_elementwise: 1}\n", "option 'fuse_elementwise' must be true or false, got 1"),
    ("options: {graph_outputs_on_chip: 1}\n", "option 'graph_outputs_on_chip' must be true or false, got 1"),
    ("options: {graph_outputs_on_chip: true}\n", "options: graph_outputs_on_chip: keeps outputs with the "
                                                 "layer-locality pass; set data_locality too"),
    ("options: {graph_outputs_on_chip: true}\naxes: {loc: {key: options.data_locality, values: [true, false]}}\n",
     "axis 'loc': the options {data_locality: false, graph_outputs_on_chip: true}: graph_outputs_on_chip: keeps"),
    ("points: [{options.data_locality: false, options.graph_outputs_on_chip: true}]\n", "a point: the options"),
    ("options: {spatial_candidates: [3]}\n", "option 'spatial_candidates' must be an integer, got a list"),
    # Keys that name nothing in the accelerator every point uses: the sweep file's mistake, before any point runs.
    ("axes: {gb: {key: memories.sram_2M.size, values: [64]}}\n",
     "axis 'gb': in tpu_like.yaml, 'memories.sram_2M.size': no 'sram_2M' in memories; did you mean 'sram_2MB'?"),
    ("points: [{memories.sram_2MB.sise: 64}]\n", "a point: in tpu_like.yaml, 'memories.sram_2MB.sise': no key 'sise'; "
                                                 "did you mean 'size'?"),
    ("points: [{memories.sram_2MB.ports.w_port_9.bandwidth_max: 1024}]\n", "no item 'w_port_9'"),
])
def test_sweep_file_mistakes_name_the_line_and_key(tmp_path, body, message):
    path = sweep_file(tmp_path, body)
    with pytest.raises(DiagnosticError) as caught:
        load_sweep_file(path)
    diagnostic = next(d for d in caught.value.diagnostics if message in d.message)
    assert diagnostic.loc.file == path and diagnostic.loc.line >= 3


def test_option_values_are_checked_before_any_point_runs(tmp_path, monkeypatch):
    import dsec.compiler.lower

    monkeypatch.setattr(dsec.compiler.lower, "lower", lambda *a, **k: pytest.fail("a point ran"))
    path = sweep_file(tmp_path, "options: {objective: energi, mixed: true}\n")
    with pytest.raises(DiagnosticError) as caught:
        load_sweep_file(path)
    (error,) = [d for d in caught.value.diagnostics if d.severity == "error"]
    assert (error.loc.file, error.loc.line) == (path, 3) and "energi" in error.message


def conv_relu_model(path: Path) -> Path:
    """A 3x3 convolution (8 -> 8 channels on 8 x 8) and a Relu on its output."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper

    weight = helper.make_tensor("w", TensorProto.FLOAT, [8, 8, 3, 3], np.zeros(8 * 8 * 9).tolist())
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["y"], ["z"])], "conv_relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 8, 8])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 8, 8, 8])], [weight])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def test_sweeps_set_fuse_elementwise_and_time_limit_as_lower_does(tmp_path, monkeypatch):
    import dsec.compiler.lower

    seen = []
    real = dsec.compiler.lower.lower

    def recording(model, arch, mapping=None, options=None, **kw):
        seen.append(options)
        return real(model, arch, mapping, options, **kw)
    monkeypatch.setattr(dsec.compiler.lower, "lower", recording)
    path = tmp_path / "sweep.yaml"
    path.write_text(f"models: [{conv_relu_model(tmp_path / 'conv_relu.onnx')}]\naccelerator: {ARCH}\n"
                    "options: {time_limit: 30}\n"
                    "axes: {fuse: {key: options.fuse_elementwise, values: [true, false]}}\n")
    fused, apart = run_sweep(load_sweep_file(str(path)), backend="serial").rows
    assert [o.fuse_elementwise for o in seen] == [True, False] and [o.time_limit for o in seen] == [30.0, 30.0]
    assert fused["status"] == apart["status"] == "ok"
    # Fused, the Relu costs one operation per element at unit_energy and moves nothing; apart it is a layer
    # of its own whose tensors go through the memories.
    assert fused["energy_pj"] < apart["energy_pj"]
    assert fused["latency_cycles"] < apart["latency_cycles"]


def test_sweeps_set_graph_outputs_on_chip_as_lower_does(tmp_path):
    spec = load_sweep_file(sweep_file(tmp_path, """
        options: {data_locality: true}
        axes: {outputs: {key: options.graph_outputs_on_chip, values: [false, true]}}
    """))
    written, kept = run_sweep(spec, backend="serial").rows
    assert written["status"] == kept["status"] == "ok"
    # Kept on chip, the network's output is not written back to DRAM (dsec lower --data-locality
    # --graph-outputs-on-chip gives the same totals).
    assert kept["energy_pj"] < written["energy_pj"]


def test_whole_file_and_option_axes(tmp_path):
    spec = load_sweep_file(sweep_file(tmp_path, f"""
        axes:
          arch: {{key: accelerator, values: [{ARCH}, {ROOT / "examples" / "arch" / "edge_tpu_like.yaml"}]}}
          objective: {{key: options.objective, values: [energy, latency]}}
    """))
    rows = run_sweep(spec, backend="serial").rows
    assert [r["accelerator"] for r in rows] == ["tpu_like", "tpu_like", "edge_tpu_like", "edge_tpu_like"]
    assert rows[1]["latency_cycles"] <= rows[0]["latency_cycles"]
    assert rows[0]["energy_pj"] <= rows[1]["energy_pj"]


def test_pareto_front_by_hand():
    points = [(1, 5), (2, 2), (5, 1), (3, 3), (2, 2), (6, 6)]
    assert front(points) == [True, True, True, False, True, False]
    assert front([(1, 1, 9), (1, 1, 8)]) == [False, True]


def test_tables_round_trip_and_flatten():
    rows = [{"point": 0, "model": "m", "status": "ok", "energy_pj": 2.0, "array": [8, 8],
             "energy_breakdown_pj": {"mac": 1.0, "sram": {"I": 1.0}}, "pareto": True}]
    assert read_jsonl(to_jsonl(rows)) == rows
    flat = next(csv.DictReader(io.StringIO(to_csv(rows))))
    assert flat["energy_pj.sram.I"] == "1.0" and flat["energy_pj.mac"] == "1.0" and flat["array"] == "[8, 8]"


def test_every_model_is_crossed_with_every_point(tmp_path):
    from dsec.dse.points import expand

    other = ROOT / "examples" / "models" / "resnet18.onnx"
    path = tmp_path / "sweep.yaml"
    path.write_text(f"models: [{MODEL}, {other}]\naccelerator: {ARCH}\n"
                    "axes:\n  a: {key: operational_array.sizes, values: [[8, 8], [16, 16]]}\n"
                    "  o: {key: options.objective, values: [energy, latency]}\n")
    points = expand(load_sweep_file(str(path)))
    assert [(Path(p.model).stem, dict(p.params)["a"], dict(p.options)["objective"]) for p in points] == [
        (m, a, o) for m in ("conv3x3", "resnet18") for a in ([8, 8], [16, 16]) for o in ("energy", "latency")]
    assert points[1].overrides == (("operational_array.sizes", [8, 8]),)


def test_a_crash_in_one_point_is_its_row(tmp_path, monkeypatch):
    import dsec.compiler.lower

    spec = load_sweep_file(sweep_file(tmp_path, "points: [{operational_array.sizes: [8, 8]}]\n"))
    monkeypatch.setattr(dsec.compiler.lower, "lower", lambda *a, **k: 1 / 0)
    (row,) = run_sweep(spec, backend="serial").rows
    assert row["status"] == "error" and "internal error (a bug in dsec" in row["reason"]
    assert "ZeroDivisionError" in row["reason"]
