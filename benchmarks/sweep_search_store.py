"""What the sweep's search store (DIR/cache/search, mapper/search_store.py) saves
on the example sweep (ResNet-18, 3 array shapes x 3 global buffers): CPU seconds
of `dsec sweep` and its workers, with and without stored searches.

    python benchmarks/sweep_search_store.py [--jobs 2] [--within-run]

1. the example from an empty cache; 2. again with the points' files removed (every
point lowered again, every search read back); 3./4. a second sweep of the same nine
accelerators with fuse_elementwise false (every point new), without a cache and with
the first sweep's; with --within-run, 5./6. one sweep crossing the nine with
fuse_elementwise true and false, without a cache and with an empty one. Each table
is checked to equal the one computed without a cache. Needs the cacti extra.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "sweeps" / "resnet18_array_x_gb.yaml"


def variant(folder: Path, name: str, extra: str) -> Path:
    """The example sweep with absolute paths and `extra` lines added."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("../models/", f"{ROOT / 'examples' / 'models'}/")
    text = text.replace("accelerator: tpu_like_cacti.yaml", f"accelerator: {EXAMPLE.parent / 'tpu_like_cacti.yaml'}")
    text = text.replace("name: resnet18_array_x_gb", f"name: {name}")
    path = folder / f"{name}.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sweep(path: Path, out: Path, jobs: int, *cache: str) -> tuple[float, str]:
    """CPU seconds of one `dsec sweep` (its workers included) and its table."""
    before = children_cpu()
    subprocess.run([sys.executable, "-m", "dsec", "sweep", str(path), "-o", str(out), "-j", str(jobs), *cache],
                   check=True, capture_output=True)
    return children_cpu() - before, (out / "results.jsonl").read_text(encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--within-run", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        example = variant(folder, "example", "")
        unfused = variant(folder, "unfused", "options: {fuse_elementwise: false}\n")
        cache = folder / "cache"
        cold, table = sweep(example, folder / "a", args.jobs, "--cache", str(cache))
        stored = len(list((cache / "search").glob("*.json")))
        rows.append(("example, empty cache", cold, True))
        for point in cache.glob("*.json"):
            point.unlink()
        again, same = sweep(example, folder / "b", args.jobs, "--cache", str(cache))
        rows.append(("example, points removed, searches kept", again, same == table))
        alone, reference = sweep(unfused, folder / "c", args.jobs, "--no-cache")
        rows.append(("unfused, --no-cache", alone, True))
        shared, same = sweep(unfused, folder / "d", args.jobs, "--cache", str(cache))
        rows.append(("unfused, the example's cache", shared, same == reference))
        if args.within_run:
            crossed = variant(folder, "both", "")
            # A third axis, under `axes:` right after the example's last one.
            lines = crossed.read_text(encoding="utf-8").splitlines()
            at = max(i for i, line in enumerate(lines) if line.startswith("  gb_bits:"))
            lines.insert(at + 1, "  fuse: {key: options.fuse_elementwise, values: [true, false]}")
            crossed.write_text("\n".join(lines) + "\n", encoding="utf-8")
            alone, reference = sweep(crossed, folder / "e", args.jobs, "--no-cache")
            rows.append(("fusion axis, --no-cache", alone, True))
            shared, same = sweep(crossed, folder / "f", args.jobs, "--cache", str(folder / "cache2"))
            rows.append(("fusion axis, empty cache", shared, same == reference))
    print(f"{'sweep':<40} {'cpu s':>7}  same table")
    for name, cpu, same in rows:
        print(f"{name:<40} {cpu:>7.1f}  {'yes' if same else 'NO'}")
    print(f"searches stored by the first sweep: {stored}")
    return 0 if all(same for _, _, same in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
