"""Run the mutation fuzzer and print the count of internal errors (target 0).

    python tests/fuzz/run.py [--count 1000] [--seed 1] [--show 5] [--save FOLDER]

Each failure is listed with its kind, target, seed file and the exception; with
--save, the mutated inputs are written to FOLDER to reproduce them with
`dsec opt FILE -p PIPELINE`. Exit 1 when any case failed.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mutate import run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=5, help="failures printed in full")
    parser.add_argument("--save", type=Path, help="folder to write the failing inputs to")
    args = parser.parse_args()
    start = time.process_time()
    count, failures = run(args.count, args.seed)
    kinds = collections.Counter(f.kind for f in failures)
    print(f"seed {args.seed}: {count} mutated inputs, {kinds['internal error']} internal errors, "
          f"{kinds['round trip']} round-trip failures, {kinds['timeout']} timeouts "
          f"({time.process_time() - start:.1f} s CPU)")
    distinct = collections.Counter((f.kind, f.detail.split(" (")[0][:120]) for f in failures)
    for (kind, detail), n in distinct.most_common():
        print(f"  {n:4d} x {kind}: {detail}")
    for index, failure in enumerate(failures[: args.show]):
        print(f"--- {failure.kind} on {failure.target} from {failure.seed_file}: {failure.detail}")
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for index, failure in enumerate(failures):
            suffix = ".dsec" if failure.target.startswith("ir") else ".yaml"
            (args.save / f"case{index:04d}{suffix}").write_text(failure.text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
