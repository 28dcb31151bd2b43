"""Run zigzag-dse on the IMC agreement cases and write the reference numbers.

zigzag-dse is not a dependency of dsec; run this in its own environment:

    /work/venvs/zigzag/bin/python tools/zigzag_imc_reference.py   # writes tests/zigzag/imc_reference.json

For each case ZigZag's LOMA first picks a temporal ordering (lpf_limit 4,
energy objective); that ordering is then given back as a complete
temporal_ordering, so the recorded numbers are ZigZag's cost of one fixed
mapping: the macro's energy per component, the memories' energy, the latency
parts, tclk and area.

zigzag-dse 3.9.1 crashes in its precharge code (cells holding more than one
weight): it reads `data_elem_move_count.rd_out_to_low` from a DataMovePattern,
which has no such attribute. This script gives DataMovePattern that attribute,
returning the count the code means (the weights the cells read out towards the
multipliers), so the precharge case has ZigZag's intended number.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from imc_reference_cases import CASES  # noqa: E402
import zigzag_reference  # noqa: E402
from zigzag_reference import record  # noqa: E402

OUT = ROOT / "tests" / "zigzag" / "imc_reference.json"
ARCH = ROOT / "tests" / "fixtures" / "imc"


def patch_precharge() -> None:
    from zigzag.hardware.architecture.memory_port import DataDirection
    from zigzag.mapping.data_movement import DataMoveAttr, DataMovePattern

    def moved(pattern):
        counts = pattern.get_attribute(DataMoveAttr.DATA_ELEM_MOVE_COUNT)
        return SimpleNamespace(rd_out_to_low=counts.get(DataDirection.RD_OUT_TO_LOW))

    DataMovePattern.data_elem_move_count = property(moved)


def imc_record(cme) -> dict:
    result = record(cme)
    result["mac_energy_breakdown"] = {k: float(v) for k, v in cme.mac_energy_breakdown.items()}
    result["tclk_ns"] = cme.tclk
    result["area_mm2"] = cme.area_total
    return result


def evaluate(case: dict, order, folder: Path) -> dict:
    return zigzag_reference.evaluate(case, order, folder, ARCH, imc_record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="run one case (by name) and print it, without writing the file")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    patch_precharge()
    cases = [c for c in CASES if args.only in (None, c["name"])]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            try:
                searched = evaluate(case, None, Path(tmp))
                fixed = evaluate(case, searched["order"], Path(tmp))
            except Exception as error:  # noqa: BLE001 - a ZigZag crash is recorded, not hidden
                print(f"{case['name']:<20} ZigZag failed: {error!r}", flush=True)
                out.append({"name": case["name"], "zigzag_error": repr(error)})
                continue
            out.append({"name": case["name"], "zigzag": fixed})
            print(f"{case['name']:<20} {fixed['energy_pj']:>16.2f} pJ {fixed['latency_cycles']:>12.1f} cycles",
                  flush=True)
    if args.only:
        print(json.dumps(out, indent=1))
        return
    document = {"generator": "tools/zigzag_imc_reference.py", "zigzag_version": version("zigzag-dse"),
                "date": datetime.date.today().isoformat(), "cases": out}
    tmp_path = OUT.with_suffix(".tmp")
    tmp_path.write_text(json.dumps(document, indent=1) + "\n")
    tmp_path.replace(OUT)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(out)} cases)")


if __name__ == "__main__":
    main()
