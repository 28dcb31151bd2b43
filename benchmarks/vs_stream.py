"""dsec against Stream (stream-dse 2.1.1) on the shipped multi-core cases: latency, energy and
wall time side by side, each tool a fresh process on the same hardware, model and mapping files.

    python benchmarks/vs_stream.py                          # every case
    python benchmarks/vs_stream.py --only 2conv             # cases whose name has '2conv'
    python benchmarks/vs_stream.py --stream-python /path/to/stream-venv/bin/python
    python benchmarks/vs_stream.py --only "2conv fused" --terms   # and each tool's energy terms

stream-dse 2.1.1 needs Python >= 3.12, so it runs in its own environment (`--stream-python`, or
DSEC_STREAM_PYTHON; default /work/venvs/stream/bin/python) with stream-dse==2.1.1 and six
installed (its zigzag imports six undeclared; when that environment lacks six, this Python's
six.py is put on Stream's PYTHONPATH, alone in a folder). Stream is given each mapping as is; for the
layer-by-layer rows of a fused mapping it gets the same file with one group per layer
(tile 1 over D0), which is what `dsec lower --layer-by-layer` schedules. Stream's energy is the
energy family of its allocation solve (nodes + transfers). Times: wall clock and CPU time (user +
system) of the whole process, start-up included; on a shared machine wall time counts the other
processes' work too, so the speed-up is CPU time over CPU time. Each case also runs dsec with
each CN searched as widely as stream-dse 2.1.1 searches (`--spatial-candidates 1 --lpf-limit 6`,
column "@1,6"). dsec's bytecode is compiled first (compileall), as pip does when it
installs a package (stream-dse's was, at its install): an editable install run with
PYTHONDONTWRITEBYTECODE would otherwise compile dsec's sources in every process.
docs/multicore.md explains why the numbers differ.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
STREAM = ROOT / "tests/fixtures/stream"
OWN = ROOT / "tests/fixtures/multicore"
TPU_QUAD = STREAM / "hardware/tpu_like_quad_core.yaml"
TWO_CONV = STREAM / "2conv_1_8_32_32_16_32_3.onnx"
# name, model, hardware, mapping, order for dsec (None: as the mapping says)
CASES = [
    ("2conv lbl", TWO_CONV, TPU_QUAD, STREAM / "map_fixed_lbl.yaml", None),
    ("2conv fused rows4", TWO_CONV, TPU_QUAD, STREAM / "map_fixed_fused_rows4.yaml", None),
    ("2conv ksplit4 lbl", TWO_CONV, TPU_QUAD, STREAM / "map_ksplit4_fused_rows4.yaml", "layer-by-layer"),
    ("2conv ksplit4 fused rows4", TWO_CONV, TPU_QUAD, STREAM / "map_ksplit4_fused_rows4.yaml", None),
    ("resnet18_first3 lbl", STREAM / "resnet18_first3.onnx", TPU_QUAD, OWN / "resnet18_first3_fused.yaml",
     "layer-by-layer"),
    ("resnet18_first3 fused", STREAM / "resnet18_first3.onnx", TPU_QUAD, OWN / "resnet18_first3_fused.yaml", None),
    ("resnet18_first8 lbl", STREAM / "resnet18_first8.onnx", TPU_QUAD, OWN / "resnet18_first8_fused.yaml",
     "layer-by-layer"),
    ("resnet18_first8 fused", STREAM / "resnet18_first8.onnx", TPU_QUAD, OWN / "resnet18_first8_fused.yaml", None),
]

STREAM_RUNNER = """
import json, sys, logging
logging.disable(logging.CRITICAL)
import stream.stages.estimation.zigzag_cost_estimator as zigzag_estimator
from stream.api import evaluate_mapping, SolveOptions
# Each node's ZigZag cost as Stream computes it (recorded, not changed), for --terms.
nodes = {}
_estimate = zigzag_estimator.ZigZagCostEstimator.estimate
def estimate(self, node, core):
    entry = _estimate(self, node, core)
    nodes[f"{node.name}@core{core.id}"] = {"energy_pj": entry.energy_total, "cycles": entry.latency_total}
    return entry
zigzag_estimator.ZigZagCostEstimator.estimate = estimate
hardware, model, mapping, out = sys.argv[1:5]
estimate = evaluate_mapping(hardware, model, out, mapping, SolveOptions(artifacts=False))
groups = [g.get("performance", {}).get("energy", {}) for g in (estimate.context.get("group_allocations") or {}).values()]
print("RESULT " + json.dumps({"cycles": estimate.cycles, "energy_pj": sum(g.get("total_pj", 0.0) for g in groups),
                              "groups": groups, "nodes": nodes}))
"""


def layer_by_layer_mapping(path: Path, directory: str) -> Path:
    """The mapping with one fused group per layer, untiled: Stream's layer-by-layer."""
    data = yaml.safe_load(path.read_text())
    data["fused_groups"] = [{"name": f"G{i}", "layers": [layer["name"]],
                             "intra_core_tiling": [{"dim": f"{layer['name']}.D0", "tile": 1}]}
                            for i, layer in enumerate(data["layers"])]
    target = Path(directory) / f"lbl_{path.name}"
    target.write_text(yaml.safe_dump(data, sort_keys=False))
    return target


def timed(command: list[str], env: dict | None = None) -> tuple[subprocess.CompletedProcess, float, float]:
    """The finished process, its wall time and its CPU time (user + system, children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done, wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def stream_width_hardware(directory: str) -> Path:
    """The quad-core hardware with the TPU-like core computing on bf16, the 2-conv model's element
    type, which stream-dse 2.1.1 computes and moves at (it takes only the accumulator from a core's
    operand_precision)."""
    folder = Path(directory) / "hardware_bf16"
    shutil.copytree(TPU_QUAD.parent, folder)
    core = folder / "cores" / "tpu_like.yaml"
    text = core.read_text()
    assert "  input: int8\n" in text, "tpu_like.yaml's operand_precision changed; update this benchmark"
    core.write_text(text.replace("  input: int8\n", "  input: bf16\n"))
    return folder / TPU_QUAD.name


# dsec counting as stream-dse 2.1.1 does: 16-bit tensors, each CN's mapping for the least latency.
STREAM_WIDTH = ["--precision", "I=16,W=16,O=32,O_final=16", "--objective", "latency"]
# dsec searching each CN as widely as stream-dse 2.1.1 does: one spatial mapping, LOMA at lpf 6.
STREAM_SEARCH = ["--spatial-candidates", "1", "--lpf-limit", "6"]


def run_dsec(model: Path, hardware: Path, mapping: Path, order: str | None, extra: list[str] = ()) -> dict:
    command = [sys.executable, "-m", "dsec", "lower", str(model), "--arch", str(hardware), "--mapping", str(mapping),
               "--emit", "json", *extra] + ([f"--{order}"] if order else [])
    done, wall, cpu = timed(command)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    report = json.loads(done.stdout)
    return {"cycles": report["latency_cycles"], "energy_pj": report["energy_pj"]["total"],
            "terms": report["energy_pj"], "wall": wall, "cpu": cpu}


def stream_environment(python: str, directory: str) -> dict | None:
    """The environment Stream runs in: its zigzag imports `six` undeclared; when Stream's Python
    lacks it, this Python's six.py (a single file, the `bench-stream` extra installs it) is put on
    its PYTHONPATH, alone in a folder of its own. None when neither has six."""
    if subprocess.run([python, "-c", "import six"], capture_output=True).returncode == 0:
        return dict(os.environ)
    spec = importlib.util.find_spec("six")
    if spec is None or spec.origin is None:
        return None
    folder = Path(directory) / "six_only"
    folder.mkdir(exist_ok=True)
    shutil.copy(spec.origin, folder / "six.py")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}


def run_stream(python: str, env: dict, model: Path, hardware: Path, mapping: Path, directory: str) -> dict:
    """A fresh output folder per case: Stream caches its node costs there (core_cost_lut)."""
    out = tempfile.mkdtemp(prefix="stream_out_", dir=directory)
    done, wall, cpu = timed([python, "-c", STREAM_RUNNER, str(hardware), str(model), str(mapping), out], env)
    line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": tail[:100]}
    return {**json.loads(line[len("RESULT "):]), "wall": wall, "cpu": cpu}


def _cell(result: dict, key: str, scale: float = 1.0, digits: int = 0) -> str:
    if "error" in result:
        return "error"
    return f"{result[key] / scale:.{digits}f}"


def _ratio(theirs: dict, ours: dict) -> str:
    """Stream's CPU time over dsec's."""
    return f"{theirs['cpu'] / ours['cpu']:.1f}x" if "error" not in ours and "error" not in theirs else "-"


def compile_dsec() -> None:
    """Write dsec's .pyc files, as an installed package has them."""
    compileall.compile_dir(str(ROOT), quiet=1, rx=re.compile(r"[/\\](\.venv|tests|build|dist)[/\\]"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream-python", default=os.environ.get("DSEC_STREAM_PYTHON",
                                                                  "/work/venvs/stream/bin/python"))
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--terms", action="store_true",
                        help="also print each case's energy terms: dsec's by kind, Stream's per group (iterations x "
                             "(nodes + transfers)) and each node's ZigZag energy")
    args = parser.parse_args()
    has_stream = Path(args.stream_python).exists()
    compile_dsec()
    header = (f"{'case':<26}{'dsec cycles':>12}{'@1,6 cycles':>12}{'Stream cycles':>14}{'dsec uJ':>9}{'@1,6 uJ':>9}"
              f"{'Stream uJ':>10}{'dsec wall s':>12}{'Stream wall s':>14}{'dsec cpu s':>11}{'@1,6 cpu s':>11}"
              f"{'Stream cpu s':>13}{'cpu ratio':>10}{'@1,6 ratio':>11}")
    print(header)
    print("@1,6: dsec with " + " ".join(STREAM_SEARCH) + " (each CN searched as widely as stream-dse 2.1.1 does); "
          "ratios: Stream's CPU time / dsec's")
    errors: list[str] = []
    terms: list[tuple[str, dict, dict, dict]] = []
    with tempfile.TemporaryDirectory() as directory:
        env = stream_environment(args.stream_python, directory) if has_stream else None
        if has_stream and env is None:
            print(f"{args.stream_python} cannot import six and neither can this Python: pip install six (into "
                  f"either), or pip install 'dsec[bench-stream]' into Stream's environment", file=sys.stderr)
            return 2
        for name, model, hardware, mapping, order in CASES:
            if args.only not in name:
                continue
            ours = run_dsec(model, hardware, mapping, order)
            narrow = run_dsec(model, hardware, mapping, order, STREAM_SEARCH)
            stream_mapping = layer_by_layer_mapping(mapping, directory) if order == "layer-by-layer" else mapping
            theirs = run_stream(args.stream_python, env, model, hardware, stream_mapping, directory) if has_stream else {
                "error": "no stream python"}
            print(f"{name:<26}{_cell(ours, 'cycles'):>12}{_cell(narrow, 'cycles'):>12}{_cell(theirs, 'cycles'):>14}"
                  f"{_cell(ours, 'energy_pj', 1e6, 2):>9}{_cell(narrow, 'energy_pj', 1e6, 2):>9}"
                  f"{_cell(theirs, 'energy_pj', 1e6, 2):>10}{_cell(ours, 'wall', 1, 2):>12}"
                  f"{_cell(theirs, 'wall', 1, 2):>14}{_cell(ours, 'cpu', 1, 2):>11}{_cell(narrow, 'cpu', 1, 2):>11}"
                  f"{_cell(theirs, 'cpu', 1, 2):>13}{_ratio(theirs, ours):>10}{_ratio(theirs, narrow):>11}", flush=True)
            errors += [f"{name}: {who}: {r['error']}" for who, r in (("dsec", ours), ("dsec @1,6", narrow),
                                                                      ("Stream", theirs)) if "error" in r]
            if args.terms:
                alike = run_dsec(model, stream_width_hardware(tempfile.mkdtemp(dir=directory)), mapping, order,
                                 STREAM_WIDTH)
                terms.append((name, ours, theirs, alike))
    for line in errors:
        print(line)
    for name, ours, theirs, alike in terms:
        print_terms(name, ours, theirs, alike)
    return 0


def print_terms(name: str, ours: dict, theirs: dict, alike: dict) -> None:
    print(f"\n{name}")
    for label, result in (("dsec", ours), ("dsec at bf16, latency objective", alike)):
        if "terms" in result:
            print(f"  {label} pJ: " + ", ".join(f"{kind} {value:.2f}" for kind, value in result["terms"].items())
                  + f"; {result['cycles']} cycles")
    for index, group in enumerate(theirs.get("groups", [])):
        per = group.get("per_iteration_pj") or 0.0
        iterations = group.get("total_pj", 0.0) / per if per else 0.0
        print(f"  Stream group {index}: {iterations:g} iterations x (nodes {group.get('node_pj_per_iteration', 0):.2f}"
              f" + transfers {group.get('transfer_pj_per_iteration', 0):.2f}) pJ = {group.get('total_pj', 0):.2f} pJ")
    for node, cost in theirs.get("nodes", {}).items():
        print(f"  Stream node {node}: {cost['energy_pj']:.2f} pJ, {cost['cycles']:g} cycles")


if __name__ == "__main__":
    sys.exit(main())
