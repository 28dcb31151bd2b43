"""Sweep cost against the number of points: 1, 8 and 32 points of the same work
(conv3x3 on tpu_like, each point renamed so that no result is shared or cached),
run serially (CPU seconds of this process) and on the local process pool (wall
seconds, and the CPU seconds of this process and its workers). Linear cost means
a constant time per point.

    python benchmarks/sweep_scaling.py [--counts 1 8 32] [--jobs 2]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from dsec.dse.spec import load_sweep_file
from dsec.dse.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]


def sweep_of(count: int, tag: str, folder: Path) -> str:
    """`count` points of equal work, named apart so that no search result is shared (the mapper's cache is
    keyed by the accelerator, name included, and forked workers inherit this process's)."""
    path = folder / f"sweep_{tag}_{count}.yaml"
    points = "".join(f"  - {{name: {tag}_{count}_{i}}}\n" for i in range(count))
    path.write_text(f"models: [{ROOT / 'examples' / 'models' / 'conv3x3.onnx'}]\n"
                    f"accelerator: {ROOT / 'examples' / 'arch' / 'tpu_like.yaml'}\npoints:\n{points}")
    return str(path)


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    print(f"{'points':>6} {'serial cpu s':>12} {'per point':>9} {'local wall s':>12} {'per point':>9} "
          f"{'local cpu s':>11} {'per point':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        run_sweep(load_sweep_file(sweep_of(1, "warm_up", Path(tmp))), backend="serial")  # imports, first-call costs
        for count in args.counts:
            start = time.process_time()
            serial = run_sweep(load_sweep_file(sweep_of(count, "serial", Path(tmp))), backend="serial")
            serial_cpu = time.process_time() - start
            cpu, wall = cpu_seconds(), time.perf_counter()
            local = run_sweep(load_sweep_file(sweep_of(count, "local", Path(tmp))), backend="local", jobs=args.jobs)
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            assert [r["status"] for r in serial.rows] == ["ok"] * count
            assert [r["energy_pj"] for r in local.rows] == [r["energy_pj"] for r in serial.rows]
            print(f"{count:>6} {serial_cpu:>12.2f} {serial_cpu / count:>9.3f} {wall:>12.2f} {wall / count:>9.3f} "
                  f"{cpu:>11.2f} {cpu / count:>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
