"""dsec's search on ZigZag's IMC macros against ZigZag-IMC's own expectations
(ResNet-18, default_imc.yaml, ZigZag's API defaults: objective latency, 3
spatial mappings, lpf 6, mixed unrollings; its IMC API also runs its
inter-layer locality stages, hence dsec with and without --data-locality, and
with --graph-outputs-on-chip, which leaves the network's output on chip as
ZigZag's locality does).

    python benchmarks/imc_vs_zigzag.py [--macro aimc|dimc] [--layers]

ZigZag's side is read from tests/zigzag/imc_resnet18.json (made by
tools/zigzag_imc_resnet18.py under zigzag-dse 3.9.1: 2.5-4 CPU minutes per
macro). ZigZag maps the 21 Conv/Gemm layers; dsec's totals are compared over
the same layers. dsec runs as `dsec lower` in a fresh process; its CPU time is
the child's user + system time. `--layers` prints both tools' cycles per layer.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "zigzag" / "imc_resnet18.json"


# Name -> the flags of one dsec run.
RUNS = {"": [], " locality": ["--data-locality"], " loc+outputs": ["--data-locality", "--graph-outputs-on-chip"]}


def run_dsec(macro: str, flags: list[str], lpf: int, out: Path) -> tuple[float, float, dict]:
    dsec = Path(sys.executable).with_name("dsec")
    command = [str(dsec), "lower", str(ROOT / "examples/models/resnet18.onnx"),
               "--arch", str(ROOT / f"examples/arch/{macro}.yaml"),
               "--mapping", str(ROOT / "examples/mapping/default_imc.yaml"), "--objective", "latency",
               "--spatial-candidates", "3", "--lpf-limit", str(lpf), "--mixed", "--emit", "json", "-o", str(out),
               *flags]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"dsec lower failed on {macro}:\n{done.stderr[-2000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, wall, json.loads(out.read_text())


def mapped_like_zigzag(report: dict) -> list[dict]:
    return [layer for layer in report["layers"] if layer["op"] in ("Conv", "Gemm")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--macro", choices=["aimc", "dimc"], action="append")
    parser.add_argument("--layers", action="store_true", help="print the cycles of each layer")
    parser.add_argument("--lpf-limit", type=int, default=6, help="dsec's (ZigZag's is 6, dsec's default 8)")
    args = parser.parse_args()
    reference = json.loads(REFERENCE.read_text())
    print(f"ZigZag {reference['zigzag_version']} numbers of {reference['date']} ({REFERENCE.relative_to(ROOT)})")
    print(f"{'macro':<6} {'tool':<22} {'energy pJ':>18} {'cycles':>11} {'time us':>10} {'CPU s':>7} {'wall s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for macro in args.macro or ["aimc", "dimc"]:
            zz = reference.get(macro)
            if zz is None:
                print(f"{macro}: no ZigZag numbers yet (run tools/zigzag_imc_resnet18.py)")
                continue
            tclk = zz["tclk_ns"]
            print(f"{macro:<6} {'zigzag (locality)':<22} {zz['energy_pj']:>18.2f} {zz['latency_cycles']:>11.0f} "
                  f"{zz['latency_cycles'] * tclk / 1e3:>10.1f} {zz['cpu_s']:>7.1f} {zz['wall_s']:>7.1f}")
            runs = {}
            for suffix, flags in RUNS.items():
                cpu, wall, report = run_dsec(macro, flags, args.lpf_limit, Path(tmp) / f"{macro}-{len(flags)}.json")
                layers = mapped_like_zigzag(report)
                energy = sum(layer["energy_pj"] for layer in layers)
                cycles = sum(layer["latency_cycles"] for layer in layers)
                name = f"dsec lpf {args.lpf_limit}{suffix}"
                runs[name] = {layer["name"]: layer for layer in layers}
                verdict = "no worse" if cycles <= zz["latency_cycles"] else "WORSE"
                print(f"{macro:<6} {name:<22} {energy:>18.2f} {cycles:>11.0f} {cycles * tclk / 1e3:>10.1f} "
                      f"{cpu:>7.1f} {wall:>7.1f}  latency {verdict} than ZigZag ({len(layers)} layers)")
            if args.layers:
                print(f"  {'layer':<46} {'zigzag':>9} {'dsec':>9} {'loc':>9} {'loc+out':>9}  dsec's spatial (loc+out)")
                for layer in zz["layers"]:
                    rows = [runs[f"dsec lpf {args.lpf_limit}{suffix}"].get(layer["name"], {}) for suffix in RUNS]
                    cycles = " ".join(f"{row.get('latency_cycles', float('nan')):>9.0f}" for row in rows)
                    print(f"  {layer['name']:<46} {layer['latency_cycles']:>9.0f} {cycles}  {rows[-1].get('spatial', '?')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
