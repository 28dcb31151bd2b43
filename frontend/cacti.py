"""ZigZag's `auto_cost_extraction: true`: a memory's r_cost, w_cost (pJ per
access of one read-port word) and area (mm²) from CACTI 7, as zigzag-dse
computes them, so a sweep that changes a memory's size changes its costs.

The CACTI is the one zigzag-dse ships (its compiled `cacti` and technology
files; install the `cacti` extra). dsec writes CACTI's input itself, in a
private temporary folder (zigzag-dse writes into its own installed package,
which parallel sweep points would race on), and caches every answer as one
JSON file per memory under $DSEC_CACHE_DIR/cacti (default ~/.cache/dsec/cacti).
ZigZag's choices are kept: one read and one write port, one bank, 22 nm unless
`technology` says otherwise (not a ZigZag key: dsec's, in µm as CACTI takes it),
the read port's bandwidth_max as the bus and block width, and `mem_type: rf`
modelled as an SRAM 128 times larger (ZigZag's substitute: CACTI does not go
that small)."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from dsec.compiler.output import write_whole
from dsec.frontend.cacti_config import BASELINE

DEFAULT_TECHNOLOGY = 0.022  # µm, ZigZag's default
RF_SCALE = 128  # ZigZag's stand-in SRAM for a register file is this many times larger
CACHE_TYPES = {"sram": '"ram"', "rf": '"ram"', "dram": '"main memory"'}


class CactiError(Exception):
    pass


@dataclass(frozen=True)
class CactiQuery:
    """What CACTI is asked, after ZigZag's substitutions."""
    cache_type: str  # sram or dram
    size_bytes: int
    bus_bits: int
    read_ports: int = 1
    write_ports: int = 1
    read_write_ports: int = 0
    banks: int = 1
    technology: float = DEFAULT_TECHNOLOGY
    block_bytes: int | None = None  # None: the bus width's number, as ZigZag's memory path writes it
    temperature: int | None = None  # K; None: the baseline's 360


@dataclass(frozen=True)
class MemoryCosts:
    r_cost: float  # pJ per read of one bus word
    w_cost: float
    area: float  # mm²


def query_for(mem_type: str, size_bits: int, read_bits: int, technology: float = DEFAULT_TECHNOLOGY) -> CactiQuery:
    """ZigZag's question for a memory of `size_bits` whose read port moves `read_bits` per access."""
    if mem_type not in CACHE_TYPES:
        raise CactiError(f"mem_type '{mem_type}' has no CACTI model; use sram, rf or dram")
    if size_bits % 8:
        raise CactiError(f"size {size_bits} bits is not whole bytes, which CACTI needs")
    scale = RF_SCALE if mem_type == "rf" else 1
    return CactiQuery("dram" if mem_type == "dram" else "sram", size_bits * scale // 8, read_bits,
                      technology=technology)


def cacti_folder() -> Path | None:
    """zigzag-dse's cacti_master folder (binary and technology files), without importing zigzag."""
    spec = importlib.util.find_spec("zigzag")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "cacti" / "cacti_master"
    return folder if (folder / "cacti").is_file() else None


@functools.cache
def cacti_identity() -> str:
    """A hash of the CACTI binary, part of every cache key: another CACTI build never reads this one's answers."""
    folder = cacti_folder()
    return hashlib.sha256((folder / "cacti").read_bytes()).hexdigest()[:16] if folder else "none"


def cache_folder() -> Path:
    root = os.environ.get("DSEC_CACHE_DIR") or os.path.join(Path.home(), ".cache", "dsec")
    return Path(root) / "cacti"


def memory_costs(query: CactiQuery) -> MemoryCosts:
    """CACTI's answer, from the cache when it was asked before."""
    key = hashlib.sha256(json.dumps([asdict(query), cacti_identity()], sort_keys=True).encode()).hexdigest()[:32]
    cached = cache_folder() / f"{key}.json"
    try:
        return MemoryCosts(**json.loads(cached.read_text(encoding="utf-8"))["costs"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    costs = run_cacti(query)
    cached.parent.mkdir(parents=True, exist_ok=True)
    write_whole(str(cached), json.dumps({"query": asdict(query), "costs": asdict(costs)}, sort_keys=True))
    return costs


def config_text(query: CactiQuery) -> str:
    block = query.bus_bits if query.block_bytes is None else query.block_bytes
    settings = [("-size (bytes) ", query.size_bytes), ("-block size (bytes) ", block),
                ("-output/input bus width ", query.bus_bits), ("-associativity ", 1),
                ("-read-write port ", query.read_write_ports), ("-exclusive read port ", query.read_ports),
                ("-exclusive write port ", query.write_ports), ("-single ended read ports ", 0),
                ("-UCA bank count ", query.banks), ("-technology (u) ", query.technology),
                ("-cache type ", CACHE_TYPES[query.cache_type])]
    if query.temperature is not None:  # CACTI takes the last line of a setting
        settings.append(("-operating temperature (K) ", query.temperature))
    return "\n".join([*BASELINE, *(f"{name}{value}" for name, value in settings)]) + "\n"


def run_cacti(query: CactiQuery) -> MemoryCosts:
    folder = cacti_folder()
    if folder is None:
        raise CactiError("this needs CACTI, which dsec takes from zigzag-dse: "
                         "pip install 'dsec[cacti]', or give r_cost, w_cost and area")
    with tempfile.TemporaryDirectory(prefix="dsec-cacti-") as tmp:
        config = Path(tmp) / "memory.cfg"
        config.write_text(config_text(query), encoding="utf-8")
        # CACTI finds its technology files relative to the working directory.
        try:
            run = subprocess.run([str(folder / "cacti"), "-infile", str(config)], cwd=folder, capture_output=True,
                                 text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CactiError(f"CACTI did not run: {exc}") from None
        output = Path(f"{config}.out")
        if run.returncode != 0 or not output.is_file():
            last = (run.stdout.strip().splitlines() or run.stderr.strip().splitlines() or ["no output"])[-1]
            raise CactiError(f"CACTI found no design for {describe(query)}: {last}")
        return parse_output(output.read_text(encoding="utf-8"))


def parse_output(text: str) -> MemoryCosts:
    """CACTI's CSV summary: energies in nJ per access, area in mm²."""
    lines = [line for line in text.splitlines() if line.strip()]
    header = [name.strip() for name in lines[0].split(",")]
    values = [value.strip() for value in lines[-1].split(",")]
    row = dict(zip(header, values))
    return MemoryCosts(r_cost=float(row["Dynamic read energy (nJ)"]) * 1000,
                       w_cost=float(row["Dynamic write energy (nJ)"]) * 1000, area=float(row["Area (mm2)"]))


def describe(query: CactiQuery) -> str:
    return (f"a {query.size_bytes}-byte {query.cache_type} with a {query.bus_bits}-bit bus at "
            f"{query.technology * 1000:g} nm")
