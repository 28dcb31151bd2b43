"""Run zigzag-dse on the agreement cases and write the reference numbers.

zigzag-dse is not a dependency of dsec; run this in its own environment:

    python3 -m venv /tmp/zz && /tmp/zz/bin/pip install zigzag-dse==3.9.1 six
    /tmp/zz/bin/python tools/zigzag_reference.py   # writes tests/zigzag/reference.json

For each case ZigZag's LOMA first picks a temporal ordering (lpf_limit 4,
energy objective); that ordering is then given back as a complete
temporal_ordering, so the recorded numbers are ZigZag's cost of one fixed
mapping, which dsec must reproduce.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from reference_cases import CASES, build_model, mapping_yaml  # noqa: E402

OUT = ROOT / "tests" / "zigzag" / "reference.json"
ARCH = ROOT / "tests" / "fixtures" / "arch"


def chosen_cme(results):
    """The per-layer cost model evaluation out of ZigZag's nested result."""
    # [(network total, [(layer cme, extra info)])]
    return results[0][1][0][0]


def record(cme) -> dict:
    layer = cme.layer
    ordering = [[str(dim), int(factor)] for level in cme.temporal_mapping.mapping_dic_origin[layer.output_operand]
                for dim, factor in level]
    memory = {}
    for op, levels in cme.mem_energy_breakdown.items():
        for level, energy in enumerate(levels):
            memory.setdefault(str(op), []).append(energy)
    return {
        "energy_pj": cme.energy_total,
        "mac_energy_pj": cme.mac_energy,
        "memory_energy_pj": memory,
        "latency_cycles": cme.latency_total2,
        "ideal_temporal_cycles": cme.ideal_temporal_cycle,
        "stall_cycles": cme.stall_slack_comb,
        "onloading_cycles": cme.data_onloading_cycle,
        "offloading_cycles": cme.data_offloading_cycle,
        "order": ordering,
    }


def evaluate(case: dict, order, folder: Path, arch_folder: Path = ARCH, record_cme=record) -> dict:
    """ZigZag's numbers for one case at a fixed order (the IMC script passes its folder and record)."""
    from zigzag.api import get_hardware_performance_zigzag
    import onnx

    model_path = folder / f"{case['name']}.onnx"
    onnx.save(build_model(case["model"]), model_path)
    mapping_path = folder / f"{case['name']}.yaml"
    mapping_path.write_text(mapping_yaml(case, order))
    _, _, results = get_hardware_performance_zigzag(
        str(model_path), str(arch_folder / f"{case['arch']}.yaml"), str(mapping_path), opt="energy",
        dump_folder=str(folder / case["name"]), loma_show_progress_bar=False, lpf_limit=4)
    return record_cme(chosen_cme(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="run one case (by name) and print it, without writing the file")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    cases = [c for c in CASES if args.only in (None, c["name"])]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            searched = evaluate(case, None, Path(tmp))
            fixed = evaluate(case, searched["order"], Path(tmp))
            out.append({"name": case["name"], "zigzag": fixed})
            print(f"{case['name']:<20} {fixed['energy_pj']:>16.2f} pJ {fixed['latency_cycles']:>12.1f} cycles",
                  flush=True)
    if args.only:
        print(json.dumps(out, indent=1))
        return
    document = {
        "generator": "tools/zigzag_reference.py",
        "zigzag_version": version("zigzag-dse"),
        "date": datetime.date.today().isoformat(),
        "cases": out,
    }
    text = json.dumps(document, indent=1) + "\n"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = OUT.with_suffix(".tmp")
    tmp_path.write_text(text)
    tmp_path.replace(OUT)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(out)} cases)")


if __name__ == "__main__":
    main()
