"""ResNet-18's last layer (fc) on ZigZag's aimc with the mapping ZigZag chose
(tests/zigzag/imc_resnet18.json), costed by zigzag-dse with its IMC API's
inter-layer locality stages off and on: shows where ZigZag's and dsec's
ResNet-18 totals differ (the network's output left on chip or written back).

    /work/venvs/zigzag/bin/python tools/zigzag_imc_last_layer.py
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from reference_cases import build_model, mapping_yaml  # noqa: E402


def main() -> None:
    import onnx
    from zigzag.api import get_hardware_performance_zigzag

    logging.disable(logging.WARNING)
    layer = json.loads((ROOT / "tests/zigzag/imc_resnet18.json").read_text())["aimc"]["layers"][-1]
    case = dict(name="fc", model=("gemm", 1, 512, 1000), spatial={"D1": [("K", 64)], "D2": [("C", 128)]})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        onnx.save(build_model(case["model"]), folder / "fc.onnx")
        (folder / "fc.yaml").write_text(mapping_yaml(case, layer["order"]))
        print(f"{'locality stages':<16} {'cycles':>8} {'stall':>6} {'onload':>6} {'offload':>7} {'energy pJ':>16}")
        for locality in (False, True):
            *_, results = get_hardware_performance_zigzag(
                str(folder / "fc.onnx"), str(ROOT / "tests/fixtures/imc/aimc.yaml"), str(folder / "fc.yaml"),
                opt="latency", dump_folder=str(folder / "out"), loma_show_progress_bar=False,
                in_memory_compute=locality)
            cme = results[0][1][0][0]
            print(f"{'on' if locality else 'off':<16} {cme.latency_total2:>8.0f} {cme.stall_slack_comb:>6.0f} "
                  f"{cme.data_onloading_cycle:>6.0f} {cme.data_offloading_cycle:>7.0f} {cme.energy_total:>16.2f}")


if __name__ == "__main__":
    main()
