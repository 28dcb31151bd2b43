"""`dsec lower MODEL --arch MULTICORE.yaml --mapping MAP.yaml [--fused/--layer-by-layer]`: the
report, JSON and the Perfetto trace (Chrome trace JSON, one track per core and link)."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from dsec.compiler import cli

STREAM = os.path.join(os.path.dirname(__file__), "..", "fixtures", "stream")
MODEL = os.path.join(STREAM, "2conv_1_8_32_32_16_32_3.onnx")
HARDWARE = os.path.join(STREAM, "hardware", "tpu_like_quad_core.yaml")


def _lower(*args: str):
    return CliRunner().invoke(cli.main, ["lower", MODEL, "--arch", HARDWARE, *args])


def test_report_and_json(tmp_path):
    mapping = os.path.join(STREAM, "map_fixed_fused_rows4.yaml")
    text = _lower("--mapping", mapping)
    assert text.exit_code == 0, text.output
    assert "multi-core schedule of TwoConv on tpu_like_quad_core (fused, 16 CNs" in text.output
    assert "core0" in text.output and "bus12" in text.output and "core6.port" in text.output
    fused = json.loads(_lower("--mapping", mapping, "--emit", "json").output)
    whole = json.loads(_lower("--mapping", mapping, "--emit", "json", "--layer-by-layer").output)
    assert (fused["order"], fused["cns"], whole["order"], whole["cns"]) == ("fused", 16, "layer-by-layer", 2)
    assert fused["latency_cycles"] <= whole["latency_cycles"]
    energy = fused["energy_pj"]
    assert energy["total"] == pytest.approx(energy["cn"] + energy["links"] + energy["memory_ends"] + energy["offchip"])
    assert 0 < fused["cores"]["core1"]["utilization"] <= 1
    # --objective reaches the schedule pass: each CN's mapping on its core minimises latency instead.
    fast = json.loads(_lower("--mapping", mapping, "--emit", "json", "--objective", "latency").output)
    assert fast["latency_cycles"] < fused["latency_cycles"]


def test_single_core_flags_are_refused_for_a_zigzag_accelerator():
    arch = os.path.join(STREAM, "hardware", "cores", "tpu_like.yaml")
    result = CliRunner().invoke(cli.main, ["lower", MODEL, "--arch", arch, "--fused"])
    assert result.exit_code == 1 and "--fused, --layer-by-layer, --trace and --memory-plot are for multi-core" in result.output


@pytest.mark.parametrize("flag", [["--data-locality"], ["--graph-outputs-on-chip"], ["--pipeline", "foo"],
                                  ["--no-mixed"], ["--jobs", "2"], ["--time-limit", "1"]])
def test_single_core_search_flags_are_refused_for_a_multicore_accelerator(flag):
    result = _lower("--mapping", os.path.join(STREAM, "map_fixed_fused_rows4.yaml"), *flag)
    assert result.exit_code == 1
    assert "shape the single-core search; the multi-core flow maps each CN with the search's defaults" in result.output
    assert flag[0].removeprefix("--no-") in result.output.replace("--mixed/--no-mixed", "mixed")


def test_cn_search_flags_reach_the_schedule():
    """--spatial-candidates and --lpf-limit shape each CN's search (Stream's own: 1 and 6); one
    spatial candidate finds CN mappings of no less energy, and here of more."""
    mapping = os.path.join(STREAM, "map_fixed_fused_rows4.yaml")
    wide = _lower("--mapping", mapping, "--emit", "json")
    narrow = _lower("--mapping", mapping, "--emit", "json", "--spatial-candidates", "1", "--lpf-limit", "6")
    assert wide.exit_code == 0 and narrow.exit_code == 0, narrow.output
    assert json.loads(narrow.output)["energy_pj"]["cn"] > json.loads(wide.output)["energy_pj"]["cn"]


def test_mapping_mistake_is_a_located_error(tmp_path):
    bad = tmp_path / "map.yaml"
    bad.write_text("layers:\n- name: Conv1\n  core_allocation: [[5]]\n- name: Conv9\n  core_allocation: [[0]]\n")
    result = _lower("--mapping", str(bad))
    assert result.exit_code == 1
    assert "map.yaml:2:3: error: core_allocation of 'Conv1' names core 5, which does not run Conv" in result.output
    assert "map.yaml:4:3: error: the mapping names layer 'Conv9', which is not in the model; did you mean" in result.output
    assert "Traceback" not in result.output


def test_a_split_that_cannot_be_made_points_into_the_mapping(tmp_path):
    bad = tmp_path / "map.yaml"
    bad.write_text("layers:\n- name: Conv1\n  core_allocation: [[0, 1]]\n  inter_core_tiling: [[{dim: D5, split: 2}]]\n"
                   "- name: Conv2\n  core_allocation: [[0, 1, 2, 3]]\n  inter_core_tiling: [[{dim: B, split: 4}]]\n")
    result = _lower("--mapping", str(bad))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "map.yaml:4:24: error: inter_core_tiling of 'Conv1': cutting C, a reduction dim, is not supported" in result.output
    assert "map.yaml:7:24: error: inter_core_tiling of 'Conv2': B = 1 cannot be cut into 4 parts" in result.output


def test_a_core_that_does_not_exist_is_named_as_such(tmp_path):
    bad = tmp_path / "map.yaml"
    bad.write_text("layers:\n- name: Conv1\n  core_allocation: [[9]]\n- name: Conv2\n  core_allocation: [[6]]\n")
    result = _lower("--mapping", str(bad))
    assert result.exit_code == 1
    assert ("map.yaml:2:3: error: core_allocation of 'Conv1' names core 9, which tpu_like_quad_core does not have "
            "(its cores: 0, 1, 2, 3, 4, 5, 6; those that run Conv: 0, 1, 2, 3)") in result.output
    assert ("map.yaml:4:3: error: core_allocation of 'Conv2' names core 6, which does not run Conv (it is the "
            "off-chip core, DRAM); cores that do: 0, 1, 2, 3") in result.output


def test_a_renamed_layer_is_reported_as_not_in_the_model(tmp_path):
    """A renamed `layers` entry is the error, not the fused group that still names the real layer."""
    text = open(os.path.join(STREAM, "map_fixed_fused_rows4.yaml")).read().replace("name: Conv1\n", "name: Conv1x\n")
    bad = tmp_path / "map.yaml"
    bad.write_text(text)
    result = _lower("--mapping", str(bad))
    assert result.exit_code == 1
    assert "error: the mapping names layer 'Conv1x', which is not in the model; did you mean 'Conv1'?" in result.output
    assert "fused group" not in result.output
    # A group member the model does not have is reported at the member, with its own suggestion;
    # one the model has but `layers` does not list says so.
    bad.write_text("layers:\n- name: Conv1\n  core_allocation: [[0]]\nfused_groups:\n- name: G\n"
                   "  layers: [Conv1, Conv2, Cnv3]\n")
    result = _lower("--mapping", str(bad))
    assert ("map.yaml:6:26: error: fused group 'G' names layer 'Cnv3', which is not in the model; did you mean "
            "'Conv2'?") in result.output
    assert ("map.yaml:6:19: error: fused group 'G' names layer 'Conv2', which 'layers' of the mapping does not list; "
            "give it an entry with its core_allocation") in result.output


def test_layers_without_a_mapping_warn_once():
    result = _lower("--emit", "json")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "warning" in line]
    assert warnings == ["dsec: warning: no mapping given: layers run on the first core that runs their op type, "
                        "on 2 layers:"], result.output
    assert "  core 0 (Conv) on 2 layers: Conv1, Conv2" in result.output


def check_chrome_trace(trace: dict) -> dict[str, list[dict]]:
    """The Chrome trace event format's rules for what dsec writes: complete events (ph X) with a
    name, integer ts/dur >= 0, pid and tid, and thread names (ph M) for every track. Returns the
    events by track name."""
    names = {}
    for event in trace["traceEvents"]:
        assert {"name", "ph", "pid", "tid"} <= set(event)
        if event["ph"] == "M" and event["name"] == "thread_name":
            names[(event["pid"], event["tid"])] = event["args"]["name"]
    tracks: dict[str, list[dict]] = {name: [] for name in names.values()}
    for event in trace["traceEvents"]:
        if event["ph"] == "X":
            assert isinstance(event["ts"], int) and isinstance(event["dur"], int) and event["dur"] >= 0
            tracks[names[(event["pid"], event["tid"])]].append(event)
    return tracks


def test_trace_has_one_track_per_core_and_link(tmp_path):
    path = tmp_path / "trace.json"
    result = _lower("--mapping", os.path.join(STREAM, "map_ksplit4_fused_rows4.yaml"), "--trace", str(path))
    assert result.exit_code == 0, result.output
    # The report on stdout; one line on stderr says where the trace went.
    assert f"trace: {path} (64 CNs, " in result.stderr and "trace:" not in result.stdout
    tracks = check_chrome_trace(json.loads(path.read_text()))
    cores = [name for name in tracks if name.startswith("core") and "port" not in name]
    links = [name for name in tracks if name.startswith(("link", "bus")) or name.endswith(".port")]
    assert len(cores) == 6 and len(links) == 14  # cores 0-5 (6 is DRAM), 12 links, the bus, the port
    assert sum(len(tracks[c]) for c in cores) == 64  # every CN once
    for events in tracks.values():  # a track never runs two things at once
        spans = sorted((e["ts"], e["ts"] + e["dur"]) for e in events)
        assert all(end <= start for (_, end), (start, _) in zip(spans, spans[1:]))


def test_trace_loads_in_perfettos_trace_processor(tmp_path):
    trace_processor = pytest.importorskip("perfetto.trace_processor")
    path = tmp_path / "trace.json"
    assert _lower("--mapping", os.path.join(STREAM, "map_fixed_fused_rows4.yaml"), "--trace", str(path)).exit_code == 0
    try:
        processor = trace_processor.TraceProcessor(trace=str(path))
    except Exception as exc:  # noqa: BLE001 - the package fetches its trace_processor binary on first use
        pytest.skip(f"perfetto's trace processor binary is not available here: {type(exc).__name__}")
    threads = {row.name for row in processor.query("select name from thread")}
    assert {"core0 (tpu_like)", "core1 (tpu_like)", "bus12", "core6.port"} <= threads
    assert len(list(processor.query("select id from slice where category = 'cn'"))) == 16


def test_memory_plot(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "memory.svg"
    result = _lower("--mapping", os.path.join(STREAM, "map_fixed_fused_rows4.yaml"), "--memory-plot", str(path))
    assert result.exit_code == 0, result.output
    svg = path.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "peak memory bits" in result.output and f"memory plot: {path}" in result.stderr
