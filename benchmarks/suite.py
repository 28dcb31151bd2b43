"""dsec's search time on accelerators unlike ZigZag's examples, against
ZigZag 3.9.1 at the same number of spatial candidates.

    python benchmarks/suite.py                       # every case, ZigZag's stored numbers
    python benchmarks/suite.py --case pe6x5 --zigzag # run ZigZag too (minutes per case)
    python benchmarks/suite.py --zigzag --write-reference

The cases are every accelerator of benchmarks/suite/arch (written by
benchmarks/suite_inputs.py) with every model built there, and the seed case
of tests/fixtures/seed-lowmem. dsec runs as `dsec lower --jobs 1` (ZigZag's
LOMA is one process too), a fresh process per case, timed wall and CPU.
ZigZag runs under --zigzag-python (default: /work/venvs/zigzag/bin/python,
else this interpreter) with nb_spatial_mappings_generated equal to dsec's
--spatial-candidates and its default lpf_limit 6; its times and per-layer
values are kept in benchmarks/suite/zigzag_reference.json with
--write-reference, so later runs compare without running it again.

Per case it prints dsec's wall and CPU time, ZigZag's wall time and the
ratio of ZigZag's time to dsec's (CPU over CPU where ZigZag's CPU time was
recorded, wall over wall for older references), the layers both map, and how many of those dsec maps worse (its
objective above ZigZag's by more than float noise) with the worst ratio.
Exit status 1 when a target is missed: a case over --target-seconds, a ratio
under 10x, a layer worse.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from suite_inputs import ARCH_DIR, MAPPING, MODELS, write_models  # noqa: E402

REFERENCE = ROOT / "benchmarks/suite/zigzag_reference.json"
SEED = ROOT / "tests/fixtures/seed-lowmem"
ZIGZAG_PYTHON = Path("/work/venvs/zigzag/bin/python")
RATIO_TARGET = 10.0
TOLERANCE = 1e-6  # float noise between two cost models that agree


def cases(models: dict[str, Path]) -> dict[str, tuple[Path, Path, Path]]:
    """name -> (model, accelerator, mapping)."""
    found = {f"seed-lowmem/BasicNetwork": (SEED / "BasicNetwork.onnx", SEED / "accelerator.yaml",
                                           SEED / "mapping.yaml")}
    for arch in sorted(ARCH_DIR.glob("*.yaml")):
        for name, path in models.items():
            found[f"{arch.stem}/{name}"] = (path, arch, MAPPING)
    return found


# ---------------------------------------------------------------- ZigZag side

def zigzag_worker(model: str, arch: str, mapping: str, objective: str, candidates: int, out: str) -> None:
    """Runs under ZigZag's interpreter: its per-layer choices and values to `out` as JSON."""
    import logging

    from zigzag.api import get_hardware_performance_zigzag

    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as dump:
        _, _, cmes = get_hardware_performance_zigzag(
            workload=model, accelerator=arch, mapping=mapping, opt=objective, dump_folder=dump,
            pickle_filename=f"{dump}/cmes.pickle", nb_spatial_mappings_generated=candidates,
            loma_show_progress_bar=False)
    layers = [{"name": cme.layer.name, "energy": cme.energy_total, "latency": cme.latency_total2,
               "spatial": str(cme.layer.spatial_mapping)} for cme, _ in cmes[0][1]]
    Path(out).write_text(json.dumps({"layers": layers}))


def run_zigzag(python: Path, case: str, inputs: tuple[Path, Path, Path], objective: str, candidates: int,
               timeout: float, work: Path) -> dict:
    out = work / f"zigzag-{case.replace('/', '-')}.json"
    command = [str(python), __file__, "--zigzag-worker", *map(str, inputs), objective, str(candidates), str(out)]
    before = _children_cpu()
    start = time.perf_counter()
    try:
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": round(time.perf_counter() - start, 1), "status": f"timeout after {timeout:.0f} s"}
    seconds = round(time.perf_counter() - start, 1)
    cpu = round(_children_cpu() - before, 1)
    if done.returncode or not out.exists():
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"seconds": seconds, "cpu_seconds": cpu, "status": f"failed: {last[:200]}"}
    layers = json.loads(out.read_text())["layers"]
    return {"seconds": seconds, "cpu_seconds": cpu, "status": "ok",
            "layers": {layer["name"]: layer[objective] for layer in layers}}


def _children_cpu() -> float:
    """CPU seconds of the waited-for children so far: on a shared machine a
    run's wall time counts the others' work too, its CPU time does not."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------ dsec side

def run_dsec(inputs: tuple[Path, Path, Path], objective: str, candidates: int, extra: list[str], work: Path
             ) -> dict:
    model, arch, mapping = inputs
    out = work / "dsec.json"
    out.unlink(missing_ok=True)
    dsec = Path(sys.executable).with_name("dsec")
    command = [str(dsec), "lower", str(model), "--arch", str(arch), "--mapping", str(mapping), "--objective",
               objective, "--spatial-candidates", str(candidates), "--jobs", "1", "--emit", "json", "-o", str(out),
               *extra]
    before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - before
    rows = json.loads(out.read_text())["layers"] if out.exists() else []
    values = {row["name"]: (row["energy_pj"] if objective == "energy" else row["latency_cycles"])
              for row in rows if row["status"] == "ok"}
    limited = [row["name"] for row in rows if "time_limit_hit" in json.dumps(row.get("search") or {})]
    return {"wall": wall, "cpu": cpu, "returncode": done.returncode, "layers": values, "limited": limited}


# ------------------------------------------------------------------- the run

def _speed_up(ours: dict, theirs: dict) -> float:
    """ZigZag's time over dsec's: CPU over CPU where ZigZag's CPU time was
    recorded (a fair ratio on a shared machine, where wall times count the
    other processes' work), else wall over wall."""
    if "cpu_seconds" in theirs:
        return theirs["cpu_seconds"] / ours["cpu"]
    return theirs["seconds"] / ours["wall"]


def compare(name: str, ours: dict, theirs: dict | None, target: float) -> bool:
    zz = f"{theirs['seconds']:8.1f}" if theirs else f"{'-':>8}"
    line = f"{name:<38} {ours['wall']:7.2f} {ours['cpu']:7.2f} {zz}"
    met = ours["wall"] <= target and ours["returncode"] == 0
    if theirs and theirs["status"] == "ok":
        both = [layer for layer in theirs["layers"] if layer in ours["layers"]]
        ratios = [ours["layers"][layer] / theirs["layers"][layer] for layer in both]
        worse = sum(r > 1 + TOLERANCE for r in ratios)
        speed = _speed_up(ours, theirs)
        line += f" {speed:7.1f}x {len(both):>3}/{len(ours['layers']):<3} {worse:>5} {max(ratios, default=1):8.4f}"
        met = met and speed >= RATIO_TARGET and not worse
    else:
        line += f"  ZigZag: {theirs['status'] if theirs else 'not run'}"
        met = False  # the ratio and the quality are unchecked
    if ours["returncode"]:
        line += f"  dsec exit {ours['returncode']}"
    if ours["limited"]:
        line += f"  time limit hit on {len(ours['limited'])} layers (not an exact search)"
        met = False
    print(line + ("" if met else "  MISSED"), flush=True)
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", help="run the cases whose name contains this (repeatable)")
    parser.add_argument("--candidates", type=int, default=10, help="spatial candidates for both tools (10)")
    parser.add_argument("--objective", default="energy", choices=["energy", "latency"])
    parser.add_argument("--zigzag", action="store_true", help="run ZigZag now (else its stored numbers)")
    parser.add_argument("--zigzag-python", type=Path, default=ZIGZAG_PYTHON if ZIGZAG_PYTHON.exists() else
                        Path(sys.executable), help="an interpreter with zigzag-dse 3.9.1")
    parser.add_argument("--zigzag-timeout", type=float, default=900, help="seconds per ZigZag case (900)")
    parser.add_argument("--write-reference", action="store_true", help=f"store ZigZag's numbers in "
                        f"{REFERENCE.relative_to(ROOT)}")
    parser.add_argument("--target-seconds", type=float, default=10.0, help="dsec's wall time target per case (10)")
    parser.add_argument("--dsec-arg", action="append", default=[], help="one more argument to dsec lower")
    parser.add_argument("--zigzag-worker", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.zigzag_worker:
        model, arch, mapping, objective, candidates, out = args.zigzag_worker
        zigzag_worker(model, arch, mapping, objective, int(candidates), out)
        return 0
    reference = json.loads(REFERENCE.read_text()) if REFERENCE.exists() else {"cases": {}}
    print(f"dsec suite, {datetime.date.today().isoformat()}, {os.cpu_count()} cores, objective {args.objective}, "
          f"--spatial-candidates {args.candidates}" + (f", dsec {' '.join(args.dsec_arg)}" if args.dsec_arg else ""))
    print(f"{'case':<38} {'dsec s':>7} {'cpu s':>7} {'ZigZag s':>8} {'ratio':>8} {'both':>7} {'worse':>5} "
          f"{'worst':>8}")
    all_met = True
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, inputs in cases(write_models(work / "models")).items():
            if args.case and not any(part in name for part in args.case):
                continue
            key = f"{name}/{args.objective}/{args.candidates}"
            theirs = reference["cases"].get(key)
            if args.zigzag:
                theirs = run_zigzag(args.zigzag_python, name, inputs, args.objective, args.candidates,
                                    args.zigzag_timeout, work)
                if args.write_reference:
                    reference["cases"][key] = {**theirs, "date": datetime.date.today().isoformat()}
                    reference["zigzag"] = "zigzag-dse 3.9.1, lpf_limit 6 (its default)"
                    partial = REFERENCE.with_suffix(".partial")
                    partial.write_text(json.dumps(reference, indent=1, sort_keys=True) + "\n")
                    os.replace(partial, REFERENCE)
            ours = run_dsec(inputs, args.objective, args.candidates, args.dsec_arg, work)
            all_met = compare(name, ours, theirs, args.target_seconds) and all_met
    print(f"\nall targets {'met' if all_met else 'NOT met'} (dsec under {args.target_seconds:g} s per case, "
          f">= {RATIO_TARGET:g}x ZigZag's time, no layer worse; a case without ZigZag's numbers or stopped by a "
          f"time limit is not met)")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
