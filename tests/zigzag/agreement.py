"""dsec's cost of each ZigZag reference case (tests/zigzag/reference.json).

Builds the case's one-layer ONNX model and mapping file, imports them with the
case's architecture, runs the given-mapping pipeline and returns the layer's
cost attribute. Used by the agreement test and runnable alone for a table:

    python tests/zigzag/agreement.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from reference_cases import CASES, build_model, mapping_yaml  # noqa: E402

from dsec.frontend.importer import import_model  # noqa: E402
from dsec.compiler.pass_base import PassContext  # noqa: E402
from dsec.compiler.pass_manager import PassManager  # noqa: E402
from dsec.passes import PASSES  # noqa: E402

REFERENCE = ROOT / "tests" / "zigzag" / "reference.json"
PIPELINE = ("spatial-unroll", "temporal-tile", "memory-alloc", "cost-annotate")


def load_reference() -> dict:
    return json.loads(REFERENCE.read_text())


def dsec_cost(case: dict, order: list, arch_dir: Path = ROOT / "tests" / "fixtures" / "arch") -> dict:
    import onnx

    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "case.onnx"
        onnx.save(build_model(case["model"]), model)
        mapping = Path(tmp) / "mapping.yaml"
        mapping.write_text(mapping_yaml(case, [tuple(x) for x in order]))
        arch = arch_dir / f"{case['arch']}.yaml"
        result = import_model(str(model), str(arch), str(mapping))
    ctx = PassContext()
    module = PassManager([PASSES[name]() for name in PIPELINE]).run(result.module, ctx)
    errors = [d.message for d in ctx.diagnostics.diagnostics if d.severity == "error"]
    if module is None or errors:
        raise RuntimeError("; ".join(errors) or "pipeline failed")
    return module.layers()[0].cost


def main() -> None:
    reference = load_reference()
    cases = {c["name"]: c for c in CASES}
    print(f"{'case':<18} {'zigzag pJ':>14} {'dsec pJ':>14} {'dE %':>7} {'zz cycles':>10} {'dsec cyc':>10} {'dL %':>7}")
    for entry in reference["cases"]:
        zz = entry["zigzag"]
        cost = dsec_cost(cases[entry["name"]], zz["order"])
        de = 100 * (cost["energy_pj"] / zz["energy_pj"] - 1)
        dl = 100 * (cost["latency_cycles"] / zz["latency_cycles"] - 1)
        print(f"{entry['name']:<18} {zz['energy_pj']:>14.1f} {cost['energy_pj']:>14.1f} {de:>7.2f} "
              f"{zz['latency_cycles']:>10.0f} {cost['latency_cycles']:>10.0f} {dl:>7.2f}")


if __name__ == "__main__":
    main()
