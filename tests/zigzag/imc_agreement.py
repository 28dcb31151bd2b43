"""dsec's cost of each IMC reference case (tests/zigzag/imc_reference.json),
runnable alone for a table:

    python tests/zigzag/imc_agreement.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from agreement import dsec_cost  # noqa: E402
from imc_reference_cases import CASES  # noqa: E402

REFERENCE = ROOT / "tests" / "zigzag" / "imc_reference.json"
ARCH = ROOT / "tests" / "fixtures" / "imc"


def load_reference() -> dict:
    return json.loads(REFERENCE.read_text())


def imc_cost(case: dict, order: list) -> dict:
    return dsec_cost(case, order, ARCH)


def main() -> None:
    cases = {c["name"]: c for c in CASES}
    print(f"{'case':<16} {'zigzag pJ':>14} {'dsec pJ':>14} {'dE %':>8} {'zz cycles':>10} {'dsec cyc':>10}")
    for entry in load_reference()["cases"]:
        zz = entry["zigzag"]
        cost = imc_cost(cases[entry["name"]], zz["order"])
        de = 100 * (cost["energy_pj"] / zz["energy_pj"] - 1)
        print(f"{entry['name']:<16} {zz['energy_pj']:>14.1f} {cost['energy_pj']:>14.1f} {de:>8.4f} "
              f"{zz['latency_cycles']:>10.0f} {cost['latency_cycles']:>10.0f}")
        for part, value in zz["mac_energy_breakdown"].items():
            ours = cost["macro"][part]
            if abs(ours - value) > 1e-3 * max(abs(value), 1e-9) + 0.01:
                print(f"    {part:<22} zigzag {value:.2f} dsec {ours:.2f}")


if __name__ == "__main__":
    main()
