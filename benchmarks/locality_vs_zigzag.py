"""dsec's layer-locality against ZigZag's exploit_data_locality (zigzag-dse
3.9.1), on ResNet-18 and on the seed-lowmem bug report.

    pip install -e '.[bench]'
    python benchmarks/locality_vs_zigzag.py              # every case below
    python benchmarks/locality_vs_zigzag.py --case seed-lowmem-10

For each case it runs ZigZag with locality off and on and dsec with and
without --data-locality, and prints the network totals, then per layer ZigZag
maps: where each tool keeps the layer's input and output, each tool's
objective with locality, and dsec's cost of ZigZag's mapping under ZigZag's
locality decisions (replayed: ZigZag's spatial mapping and loop order, and
its kept memories written into the IR as `locality` lines, carried through
the Relu/MaxPool/Add layers ZigZag does not map), which separates cost-model
differences from decision differences. A ZigZag failure is reported, not fatal.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vs_zigzag import ROOT, zigzag_mapping_yaml  # noqa: E402

SEED = ROOT / "tests/fixtures/seed-lowmem"
RESNET = ROOT / "examples/models/resnet18.onnx"
# name -> (model, arch, mapping, objective, spatial candidates)
CASES = {
    "resnet18-tpu_like": (RESNET, ROOT / "examples/arch/tpu_like.yaml", ROOT / "examples/mapping/tpu_like.yaml",
                          "energy", 3),
    "resnet18-edge_tpu_like": (RESNET, ROOT / "examples/arch/edge_tpu_like.yaml",
                               ROOT / "examples/mapping/edge_tpu_like.yaml", "energy", 3),
    "resnet18-eyeriss_like": (RESNET, ROOT / "examples/arch/eyeriss_like.yaml", ROOT / "examples/mapping/default.yaml",
                              "energy", 3),
    # The bug report's setting (ZigZag dies on it) and the 2 candidates its users fell back to.
    "seed-lowmem-10": (SEED / "BasicNetwork.onnx", SEED / "accelerator.yaml", SEED / "mapping.yaml", "latency", 10),
    "seed-lowmem-2": (SEED / "BasicNetwork.onnx", SEED / "accelerator.yaml", SEED / "mapping.yaml", "latency", 2),
}


# ---------------------------------------------------------------- ZigZag side

def zigzag_worker(model: str, arch: str, mapping: str, objective: str, candidates: int, locality: bool,
                  out: str) -> None:
    """Runs in its own process; ZigZag's per-layer results and kept memories go to `out` as JSON."""
    import logging

    import zigzag.stages.exploit_data_locality_stages as stages
    from zigzag.api import get_hardware_performance_zigzag

    logging.disable(logging.INFO)
    kept: dict[str, dict[str, str]] = {}
    search = stages.SearchInterLayerDataLocalityStage
    decide = search.update_top_mem_level

    def record(self):  # ZigZag keeps its decisions in the stage; read them as it makes them
        decide(self)
        names = [level.name for level in self.core_mem_level_list]
        for layer in self.workload_no_dummy.topological_sort():
            levels = self.mem_update_list[layer.id]
            links = layer.memory_operand_links
            kept[layer.name] = {
                "I": names[levels[links.layer_to_mem_op(layer.get_act_layer_op())]],
                "O": names[levels[links.layer_to_mem_op(layer.output_operand)]],
                "W": names[self.mem_update_weight]}

    search.update_top_mem_level = record
    result: dict = {"layers": [], "error": None}
    try:
        with tempfile.TemporaryDirectory() as dump:
            _, _, cmes = get_hardware_performance_zigzag(
                workload=model, accelerator=arch, mapping=mapping, opt=objective,
                nb_spatial_mappings_generated=candidates, exploit_data_locality=locality,
                dump_folder=dump, pickle_filename=f"{dump}/cmes.pickle", loma_show_progress_bar=False)
    except Exception as exc:  # noqa: BLE001 - ZigZag's failure is a result here
        result["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        Path(out).write_text(json.dumps(result))
        return
    for cme, _ in cmes[0][1]:
        origin = cme.temporal_mapping.mapping_dic_origin
        order = [[str(dim), _number(size)] for level in origin[next(iter(origin))] for dim, size in level]
        spatial = {str(oa): [[str(dim), _number(f)] for dim, f in unrolls.items() if dim is not None and
                             str(dim) != "None"] for oa, unrolls in cme.layer.spatial_mapping.items()}
        result["layers"].append({"name": cme.layer.name, "energy": cme.energy_total, "latency": cme.latency_total2,
                                 "spatial": {oa: u for oa, u in spatial.items() if u}, "order": order,
                                 "kept": kept.get(cme.layer.name)})
    Path(out).write_text(json.dumps(result))


def _number(value):
    return int(value) if float(value).is_integer() else float(value)


def run_zigzag(case: str, locality: bool, work: Path) -> tuple[float, dict]:
    model, arch, mapping, objective, candidates = CASES[case]
    out = work / f"zigzag-{case}-{int(locality)}.json"
    command = [sys.executable, __file__, "--zigzag-worker", str(model), str(arch), str(mapping), objective,
               str(candidates), str(int(locality)), str(out)]
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if not out.exists():
        return seconds, {"layers": [], "error": f"worker exited {done.returncode}: {done.stderr[-500:]}"}
    return seconds, json.loads(out.read_text())


# ------------------------------------------------------------------ dsec side

def run_dsec(case: str, locality: bool, jobs: int, work: Path) -> tuple[float, dict | None]:
    model, arch, mapping, objective, candidates = CASES[case]
    out = work / f"dsec-{case}-{int(locality)}.json"
    dsec = Path(sys.executable).with_name("dsec")
    command = [str(dsec), "lower", str(model), "--arch", str(arch), "--mapping", str(mapping), "--objective",
               objective, "--spatial-candidates", str(candidates), "--jobs", str(jobs), "--emit", "json",
               "-o", str(out)] + (["--data-locality"] if locality else [])
    start = time.perf_counter()
    done = subprocess.run(command, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode or not out.exists():
        print(f"dsec lower exited {done.returncode} on {case}: {done.stderr[-500:]}")
        return seconds, None
    return seconds, json.loads(out.read_text())


def dsec_kept(case: str) -> dict[str, dict[str, str]]:
    """dsec's locality decisions per layer name (the layer-locality pass alone)."""
    import dsec
    model, arch, mapping, objective, candidates = CASES[case]
    result = dsec.lower(str(model), str(arch), str(mapping), spatial_candidates=candidates, objective=objective,
                        pipeline=f"layer-locality{{candidates={candidates} objective={objective}}}")
    return {layer.name: dict(layer.locality.keep) for layer in result.module.layers() if layer.locality}


def replay(case: str, zz_layers: list[dict], work: Path) -> dict[str, dict]:
    """dsec's cost of ZigZag's mappings under ZigZag's locality decisions."""
    from dsec.frontend.importer import ImportOptions, import_model
    from dsec.compiler.pass_base import PassContext
    from dsec.compiler.pass_manager import PassManager
    from dsec.compiler.pipeline import build_pipeline
    from dsec.cost.report import build_report
    from dsec.dialect.attributes import Locality
    from dsec.dialect.graph import storage_roots, tensor_reads
    from dsec.dialect.ops import LayerOp
    from dsec.passes import PASSES

    model, arch, mapping, objective, candidates = CASES[case]
    given = work / f"zigzag-mapping-{case}.yaml"
    given.write_text(zigzag_mapping_yaml(zz_layers, mapping))
    module = import_model(str(model), str(arch), str(given), ImportOptions()).module
    tops = {op: memories[-1].name for op in ("I1", "I2", "O") if (memories := module.accelerator.hierarchy(op))}
    decided = {layer["name"]: layer["kept"] or {} for layer in zz_layers}
    roots = storage_roots(module)
    reads = tensor_reads(module)
    kept_output: dict[str, str] = {}  # tensor -> memory its producer leaves it in
    ops = []
    for op in module.ops:
        if isinstance(op, LayerOp):
            keep = {}
            if op.name in decided:
                for role in ("I", "O"):
                    memory = decided[op.name].get(role)
                    if memory and memory != tops.get(op.links.get(role)):
                        keep[role] = memory
            else:  # a layer ZigZag does not map passes a kept tensor on where it is
                inputs = {kept_output.get(roots.get(value, value)) for _, value in op.operands if value in roots}
                if len(inputs) == 1 and None not in inputs:
                    memory = inputs.pop()
                    keep = {role: memory for role, value in op.operands if value in roots}
                    if all(isinstance(read.op, LayerOp) for read in reads.get(op.result.name, [])):
                        keep["O"] = memory
            if keep.get("O"):
                kept_output[op.result.name] = keep["O"]
            op = replace(op, locality=Locality(tuple(keep.items())) if keep else None)
        ops.append(op)
    module = replace(module, ops=tuple(ops))
    pipeline = f"spatial-unroll{{candidates={candidates} objective={objective}}},temporal-tile{{objective={objective}}}"
    ctx = PassContext()
    mapped = PassManager(build_pipeline(f"{pipeline},memory-alloc,cost-annotate", PASSES)).run(module, ctx)
    if mapped is None:
        errors = [str(d) for d in ctx.diagnostics.diagnostics if d.severity == "error"]
        print(f"replay of ZigZag's decisions failed on {case}:", *errors[:3], sep="\n  ")
        return {}
    return {row["name"]: row for row in build_report(mapped)["layers"]}


# ------------------------------------------------------------------- the run

def value(row: dict | None, objective: str) -> float | None:
    if row is None or row.get("status", "ok") != "ok":
        return None
    return row["energy_pj" if "energy_pj" in row else "energy"] if objective == "energy" else \
        row["latency_cycles" if "latency_cycles" in row else "latency"]


def fmt(number: float | None) -> str:
    return f"{number:.5g}" if number is not None else "-"


def compare(case: str, jobs: int, work: Path) -> None:
    model, arch, mapping, objective, candidates = CASES[case]
    print(f"\n## {case}: {model.name} on {arch.stem}, {objective}, {candidates} spatial candidates")
    totals = {}
    zz = {}
    for locality in (False, True):
        seconds, zz[locality] = run_zigzag(case, locality, work)
        error = zz[locality]["error"]
        total = sum(value(layer, objective) for layer in zz[locality]["layers"]) if not error else None
        totals[f"ZigZag, locality {'on' if locality else 'off'}"] = (total, seconds, error)
    ds = {}
    for locality in (False, True):
        seconds, ds[locality] = run_dsec(case, locality, jobs, work)
        total = None
        if ds[locality]:
            names = {layer["name"] for layer in zz[True]["layers"] or zz[False]["layers"]}
            total = sum(value(row, objective) for row in ds[locality]["layers"] if not names or row["name"] in names)
        totals[f"dsec, locality {'on' if locality else 'off'}"] = (total, seconds, None)
    scope = "layers ZigZag maps" if zz[True]["layers"] or zz[False]["layers"] else "all layers"
    print(f"{'network total (' + scope + ')':<34} {objective:>12} {'wall s':>8}")
    for name, (total, seconds, error) in totals.items():
        print(f"{name:<34} {fmt(total):>12} {seconds:>8.1f}" + (f"  failed: {error}" if error else ""))
    if not zz[True]["layers"] or not ds[True]:
        return
    replayed = replay(case, zz[True]["layers"], work)
    ours = dsec_kept(case)
    rows = {row["name"]: row for row in ds[True]["layers"]}
    print(f"{'layer':<40} {'ZZ keeps I, O':<22} {'dsec keeps I, O':<22} {'ZigZag':>10} {'dsec':>10} "
          f"{'dsec(ZZ)':>10}")
    for layer in zz[True]["layers"]:
        theirs = layer["kept"] or {}
        mine = ours.get(layer["name"], {})
        print(f"{layer['name'][-40:]:<40} {theirs.get('I', '-') + ', ' + theirs.get('O', '-'):<22} "
              f"{mine.get('I', 'top') + ', ' + mine.get('O', 'top'):<22} {fmt(value(layer, objective)):>10} "
              f"{fmt(value(rows.get(layer['name']), objective)):>10} "
              f"{fmt(value(replayed.get(layer['name']), objective)):>10}")
    replay_total = sum(value(replayed.get(layer["name"]), objective) or 0 for layer in zz[True]["layers"])
    print(f"{'total':<86} {fmt(totals['ZigZag, locality on'][0]):>10} {fmt(totals['dsec, locality on'][0]):>10} "
          f"{fmt(replay_total if replayed else None):>10}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="repeatable; default: all")
    parser.add_argument("--jobs", type=int, default=2, help="dsec --jobs (default 2)")
    parser.add_argument("--zigzag-worker", nargs=7, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.zigzag_worker:
        model, arch, mapping, objective, candidates, locality, out = args.zigzag_worker
        zigzag_worker(model, arch, mapping, objective, int(candidates), locality == "1", out)
        return 0
    from importlib.metadata import PackageNotFoundError, version
    try:
        print(f"dsec layer-locality vs zigzag-dse {version('zigzag-dse')} exploit_data_locality")
    except PackageNotFoundError:
        print("zigzag-dse is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.case or list(CASES):
            compare(case, args.jobs, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
