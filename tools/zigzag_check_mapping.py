"""Check `dsec lower --emit zigzag-mapping` both ways: the mappings dsec finds
for a model, written as a ZigZag mapping YAML, must give the same numbers when
dsec reads them back (`--mapping`) and when ZigZag (zigzag-dse 3.9.1) runs them.

    python tools/zigzag_check_mapping.py                       # ResNet-18 on tpu_like
    python tools/zigzag_check_mapping.py --model examples/models/conv3x3.onnx \\
        --arch examples/arch/eyeriss_like.yaml --mapping examples/mapping/default.yaml
    python tools/zigzag_check_mapping.py --no-zigzag           # dsec's round trip only
    python tools/zigzag_check_mapping.py --mapping '' --mixed  # dsec's own (mixed) unrollings
    python tools/zigzag_check_mapping.py --zigzag-python /work/venvs/zigzag/bin/python

Steps: dsec maps the model with the base mapping file (report as JSON, and
the mapping emitted as ZigZag YAML); dsec maps it again with the emitted file;
ZigZag maps it with the emitted file (its own process, through its API). Per
layer it prints the energy and latency of all three; exit status 1 when the
round trip changes a total or ZigZag differs on a layer by more than float noise.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 1e-6  # relative; ZigZag and dsec sum the same terms in other orders


def zigzag_worker(model: str, arch: str, mapping: str, out: str) -> None:
    """Runs under ZigZag's Python: its numbers for the given mapping, per layer."""
    import logging

    from zigzag.api import get_hardware_performance_zigzag

    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as dump:
        _, _, cmes = get_hardware_performance_zigzag(
            workload=model, accelerator=arch, mapping=mapping, opt="energy", dump_folder=dump,
            pickle_filename=f"{dump}/cmes.pickle", loma_show_progress_bar=False)
    layers = [{"name": cme.layer.name, "energy": cme.energy_total, "latency": cme.latency_total2}
              for cme, _ in cmes[0][1]]
    Path(out).write_text(json.dumps(layers))


def run(command: list[str], what: str) -> None:
    done = subprocess.run(command, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        sys.exit(f"{what} failed ({done.returncode}):\n{done.stderr[-3000:]}")


def dsec_lower(args, mapping: Path, emit: str, out: Path) -> None:
    dsec = Path(sys.executable).with_name("dsec")
    run([str(dsec), "lower", args.model, "--arch", args.arch, *(["--mapping", str(mapping)] if mapping else []),
         "--emit", emit, "-o", str(out), "--jobs", str(args.jobs), *(["--mixed"] if args.mixed else [])],
        f"dsec lower --emit {emit}")


def layer_rows(path: Path) -> dict[str, dict]:
    return {row["name"]: row for row in json.loads(path.read_text())["layers"] if row.get("status") == "ok"}


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), 1.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(ROOT / "examples/models/resnet18.onnx"))
    parser.add_argument("--arch", default=str(ROOT / "examples/arch/tpu_like.yaml"))
    parser.add_argument("--mapping", default=str(ROOT / "examples/mapping/tpu_like.yaml"),
                        help="the mapping file dsec searches with first ('' for none)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--mixed", action="store_true", help="let dsec's search unroll several dims per array dim")
    parser.add_argument("--zigzag-python", default=sys.executable, help="a Python with zigzag-dse 3.9.1")
    parser.add_argument("--no-zigzag", action="store_true", help="check dsec's round trip only")
    parser.add_argument("--keep", help="folder to keep the emitted mapping and the JSON reports in")
    parser.add_argument("--zigzag-worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.zigzag_worker:
        zigzag_worker(*args.zigzag_worker)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        base = Path(args.mapping) if args.mapping else None
        emitted, first, again = work / "emitted.yaml", work / "dsec.json", work / "dsec-emitted.json"
        dsec_lower(args, base, "json", first)
        dsec_lower(args, base, "zigzag-mapping", emitted)
        dsec_lower(args, emitted, "json", again)
        zigzag = {}
        if not args.no_zigzag:
            out = work / "zigzag.json"
            run([args.zigzag_python, __file__, "--zigzag-worker", str(Path(args.model).resolve()),
                 str(Path(args.arch).resolve()), str(emitted), str(out)], "ZigZag")
            zigzag = {row["name"]: row for row in json.loads(out.read_text())}
        return compare(args, layer_rows(first), layer_rows(again), zigzag,
                       json.loads(first.read_text())["totals"], json.loads(again.read_text())["totals"])


def compare(args, first: dict, again: dict, zigzag: dict, first_totals: dict, again_totals: dict) -> int:
    base = Path(args.mapping).name if args.mapping else "-"
    print(f"{Path(args.model).name} on {Path(args.arch).stem}, base mapping {base}, {datetime.date.today().isoformat()}")
    print(f"{'layer':<46} {'dsec pJ':>12} {'again pJ':>12} {'ZigZag pJ':>12} {'dsec cyc':>10} {'again cyc':>10} "
          f"{'ZigZag cyc':>10}")
    failures = []
    for name, row in first.items():
        back = again.get(name, {})
        zz = zigzag.get(name)
        cells = [row["energy_pj"], back.get("energy_pj", float("nan")), zz["energy"] if zz else None,
                 row["latency_cycles"], back.get("latency_cycles", float("nan")), zz["latency"] if zz else None]
        text = " ".join(f"{c:>12.6g}" if c is not None else f"{'-':>12}" for c in cells[:3])
        text += " " + " ".join(f"{c:>10.6g}" if c is not None else f"{'-':>10}" for c in cells[3:])
        if zz and not (close(zz["energy"], row["energy_pj"]) and close(zz["latency"], row["latency_cycles"])):
            failures.append(f"ZigZag differs on {name}")
            text += "  ZigZag differs"
        print(f"{name[-46:]:<46} {text}")
    missing = [name for name in zigzag if name not in first]
    if missing:
        failures.append(f"ZigZag maps layers dsec does not: {', '.join(missing)}")
    same = all(close(first_totals[k], again_totals[k]) for k in ("energy_pj", "latency_cycles"))
    if not same or first_totals["mapped"] != again_totals["mapped"]:
        failures.append(f"dsec's totals change when it reads its own mapping back: {first_totals} vs {again_totals}")
    zz_layers = [name for name in first if name in zigzag]
    print(f"totals: dsec {first_totals['energy_pj']:.8g} pJ {first_totals['latency_cycles']:.8g} cycles; read back "
          f"{again_totals['energy_pj']:.8g} pJ {again_totals['latency_cycles']:.8g} cycles"
          + (f"; ZigZag ran {len(zigzag)} layers, {len(zz_layers)} compared" if zigzag else ""))
    for failure in failures:
        print("FAIL:", failure)
    print("all equal" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
