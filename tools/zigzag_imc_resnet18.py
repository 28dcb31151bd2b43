"""Run ZigZag's own IMC expectations (ResNet-18, aimc/dimc, default_imc) and record them per layer.

zigzag-dse is not a dependency of dsec; run this in its own environment (each macro
takes 6-17 minutes):

    /work/venvs/zigzag/bin/python tools/zigzag_imc_resnet18.py [--macro aimc|dimc]

Settings are ZigZag's API defaults as its tests use them (get_hardware_performance_zigzag_imc:
latency objective, 3 spatial mappings, lpf 6, inter-layer locality stages on). Writes
tests/zigzag/imc_resnet18.json: totals, tclk, area and each layer's energy, cycles,
spatial mapping and temporal ordering, with the date and ZigZag's version.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "zigzag" / "imc_resnet18.json"
FIXTURES = ROOT / "tests" / "fixtures"


def layer_record(cme) -> dict:
    layer = cme.layer
    order = [[str(dim), float(factor) if int(factor) != factor else int(factor)]
             for level in cme.temporal_mapping.mapping_dic_origin[layer.output_operand] for dim, factor in level]
    try:
        spatial = {str(d): [[str(ld), float(f)] for ld, f in u.items()] for d, u in cme.spatial_mapping.items()}
    except (AttributeError, TypeError):
        spatial = str(cme.spatial_mapping)
    return {
        "name": layer.name,
        "id": layer.id,
        "energy_pj": cme.energy_total,
        "mac_energy_pj": cme.mac_energy,
        "mac_energy_breakdown": {k: float(v) for k, v in getattr(cme, "mac_energy_breakdown", {}).items()},
        "latency_cycles": cme.latency_total2,
        "ideal_temporal_cycles": cme.ideal_temporal_cycle,
        "spatial": spatial,
        "order": order,
    }


def run(macro: str, folder: Path) -> dict:
    from zigzag.api import get_hardware_performance_zigzag

    start = time.process_time()
    wall = time.time()
    energy, latency, tclk, area, cmes = get_hardware_performance_zigzag(
        str(FIXTURES / "onnx" / "resnet18.onnx"), str(FIXTURES / "imc" / f"{macro}.yaml"),
        str(FIXTURES / "imc" / "default_imc.yaml"), in_memory_compute=True,
        dump_folder=str(folder / macro), loma_show_progress_bar=False)
    cpu = time.process_time() - start
    layers = []
    for cme, _extra in cmes[0][1]:
        try:
            layers.append(layer_record(cme))
        except Exception as error:  # noqa: BLE001 - record what ZigZag gives, never lose the totals
            layers.append({"name": str(getattr(cme, "layer", "?")), "error": repr(error)})
    return {"energy_pj": energy, "latency_cycles": latency, "tclk_ns": tclk, "area_mm2": area,
            "cpu_s": round(cpu, 1), "wall_s": round(time.time() - wall, 1), "layers": layers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--macro", choices=["aimc", "dimc"], action="append")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    document = json.loads(OUT.read_text()) if OUT.exists() else {}
    document.update({"generator": "tools/zigzag_imc_resnet18.py", "zigzag_version": version("zigzag-dse"),
                     "date": datetime.date.today().isoformat()})
    with tempfile.TemporaryDirectory() as tmp:
        for macro in args.macro or ["aimc", "dimc"]:
            document[macro] = run(macro, Path(tmp))
            print(f"{macro}: {document[macro]['energy_pj']:.2f} pJ {document[macro]['latency_cycles']:.0f} cycles "
                  f"cpu {document[macro]['cpu_s']} s", flush=True)
            tmp_path = OUT.with_suffix(".tmp")
            tmp_path.write_text(json.dumps(document, indent=1) + "\n")
            tmp_path.replace(OUT)


if __name__ == "__main__":
    sys.exit(main())
