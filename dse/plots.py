"""Plots of a sweep's table or of one lowering's report (matplotlib, the `plot`
extra): energy per memory and operand as stacked bars (as ZigZag's lab plots),
latency per term as stacked bars, the Pareto scatter with its front drawn, and
each metric against each swept parameter. Every plot is written as PNG and SVG."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from dsec.compiler.output import write_whole
from dsec.dse.pareto import METRIC_COLUMNS

FORMATS = ("png", "svg")
# Latency terms that add up to the latency (`ideal` is the compute bound, drawn as a marker).
LATENCY_TERMS = ("temporal", "stall", "onloading", "offloading", "drain")
UNITS = {"energy": "energy (pJ)", "latency": "latency (cycles)", "area": "area (mm²)", "edp": "EDP (pJ·cycles)",
         "utilization": "utilization", "energy_per_mac": "energy per MAC (pJ)"}


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError("plots need matplotlib: pip install 'dsec[plot]'") from None
    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "dsec"  # SVG ids from a fixed salt, not a random one: same table, same file
    plt.rcParams["svg.fonttype"] = "none"  # SVG text as text: smaller, searchable

    return plt


def _save(fig, folder: Path, stem: str) -> list[str]:
    """Each format written whole (a temporary file renamed into place)."""
    written = []
    for fmt in FORMATS:
        path = folder / f"{stem}.{fmt}"
        fd, tmp = tempfile.mkstemp(prefix=".dsec-", suffix=f".{fmt}", dir=folder)
        os.close(fd)
        try:
            fig.savefig(tmp, format=fmt, bbox_inches="tight", dpi=120, metadata=_metadata(fmt))
            os.chmod(tmp, 0o666 & ~_umask())  # as open() would make it (mkstemp's files are 0600)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        written.append(str(path))
    fig.clf()
    return written


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _metadata(fmt: str) -> dict:
    # No creation date or tool version in the files: the same table gives the same bytes.
    return {"Date": None} if fmt == "svg" else {"Software": None} if fmt == "png" else {}


def stacked_energy(plt, bars: list[tuple[str, dict]], title: str, folder: Path, stem: str) -> list[str]:
    """One bar per architecture (or layer), one segment per memory:operand and one for the MACs."""
    terms: list[str] = []
    values: list[dict[str, float]] = []
    for _, breakdown in bars:
        flat = {}
        for term, part in (breakdown or {}).items():
            if isinstance(part, dict):
                flat.update({f"{term}:{operand}": pj for operand, pj in part.items()})
            else:
                flat[term] = part
        terms += [t for t in flat if t not in terms]
        values.append(flat)
    return _stacked(plt, [label for label, _ in bars], terms, values, "energy (pJ)", title, folder, stem)


def stacked_latency(plt, bars: list[tuple[str, dict]], title: str, folder: Path, stem: str) -> list[str]:
    values = [{t: (b or {}).get(t, 0.0) for t in LATENCY_TERMS} for _, b in bars]
    return _stacked(plt, [label for label, _ in bars], list(LATENCY_TERMS), values, "latency (cycles)", title,
                    folder, stem)


def _stacked(plt, labels, terms, values, ylabel, title, folder, stem) -> list[str]:
    fig, ax = plt.subplots(figsize=(max(6.0, 0.5 * len(labels) + 3), 4.5))
    bottom = [0.0] * len(labels)
    colors = plt.get_cmap("tab20").colors
    for i, term in enumerate(terms):
        heights = [v.get(term, 0.0) for v in values]
        ax.bar(range(len(labels)), heights, bottom=bottom, label=term, color=colors[i % len(colors)])
        bottom = [b + h for b, h in zip(bottom, heights)]
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=7, bbox_to_anchor=(1.01, 1), loc="upper left")
    return _save(fig, folder, stem)


def pareto_scatter(plt, rows: list[dict], objectives: tuple[str, ...], labels: list[str], folder: Path
                   ) -> list[str]:
    """The first two objectives on the axes (the third, if any, as colour); the front joined as a staircase."""
    ok = [(row, label) for row, label in zip(rows, labels) if row["status"] == "ok"]
    x_key, y_key = METRIC_COLUMNS[objectives[0]], METRIC_COLUMNS[objectives[1]]
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    colour = [row[METRIC_COLUMNS[objectives[2]]] for row, _ in ok] if len(objectives) == 3 else None
    style = {"c": colour, "cmap": "viridis"} if colour else {"color": "0.6"}
    dots = ax.scatter([r[x_key] for r, _ in ok], [r[y_key] for r, _ in ok], s=28, zorder=2, **style)
    if colour:
        fig.colorbar(dots, ax=ax, label=UNITS[objectives[2]])
    front = sorted((r[x_key], r[y_key], label) for r, label in ok if r.get("pareto"))
    if front:
        # Over two metrics the front is the staircase bounding what it dominates; over three, its points only.
        style = "o--" if len(objectives) == 2 else "o"
        ax.plot([f[0] for f in front], [f[1] for f in front], style, color="tab:red", drawstyle="steps-post",
                label=f"Pareto front ({', '.join(objectives)})", zorder=3, mfc="none", ms=10)
        for fx, fy, label in front:
            ax.annotate(label, (fx, fy), textcoords="offset points", xytext=(5, 5), fontsize=7)
        ax.legend(fontsize=8)
    ax.set_xlabel(UNITS[objectives[0]])
    ax.set_ylabel(UNITS[objectives[1]])
    ax.set_title("Pareto front")
    return _save(fig, folder, "pareto")


def metric_vs_param(plt, rows: list[dict], param: str, others: list[str], metric: str, folder: Path) -> list[str]:
    """The metric against one swept parameter, one line per setting of the other parameters and model."""
    lines: dict[str, list[tuple[object, float]]] = {}
    for row in rows:
        if row["status"] != "ok":
            continue
        key = " ".join([row["model"], *(f"{o}={short(row.get(o))}" for o in others)])
        lines.setdefault(key, []).append((row.get(param), row[METRIC_COLUMNS.get(metric, metric)]))
    ticks = list(dict.fromkeys(short(x) for points in lines.values() for x, _ in points))
    numeric = all(isinstance(x, (int, float)) for points in lines.values() for x, _ in points)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for key, points in lines.items():
        xs = [x if numeric else ticks.index(short(x)) for x, _ in points]
        ax.plot(xs, [y for _, y in points], "o-", label=key)
    if not numeric:
        ax.set_xticks(range(len(ticks)), ticks)
    ax.set_xlabel(param)
    ax.set_ylabel(UNITS.get(metric, metric))
    ax.set_title(f"{metric} against {param}")
    if len(lines) > 1:
        ax.legend(fontsize=7)
    return _save(fig, folder, f"{metric}_vs_{param}")


def short(value) -> str:
    if isinstance(value, list):
        return "x".join(map(str, value))
    if isinstance(value, str) and os.sep in value:
        return Path(value).stem
    return str(value)


def point_label(row: dict, params: list[str]) -> str:
    return "/".join(short(row.get(p)) for p in params) or f"point {row['point']}"


# In a plot folder: what the plots were drawn from and each file's digest, so that a rerun
# of the same sweep (its table from the cache) does not draw them again.
MANIFEST = ".dsec-plots.json"


def sweep_plots(rows: list[dict], params: list[str], objectives: tuple[str, ...], folder: str) -> list[str]:
    """Every plot of a sweep's table into `folder`; the files written (or, when
    an earlier call drew the same table there and its files are unchanged, those)."""
    out = Path(folder)
    key = _inputs_key(rows, params, objectives)
    if (drawn := _drawn_before(out, key)) is not None:
        return drawn
    plt = _pyplot()
    out.mkdir(parents=True, exist_ok=True)
    labels = [f"{row['model']} " * (len({r['model'] for r in rows}) > 1) + point_label(row, params) for row in rows]
    ok = [(label, row) for label, row in zip(labels, rows) if row["status"] == "ok"]
    written = stacked_energy(plt, [(label, row["energy_breakdown_pj"]) for label, row in ok],
                             "energy per memory and operand", out, "energy_breakdown")
    written += stacked_latency(plt, [(label, row["latency_breakdown_cycles"]) for label, row in ok],
                               "latency breakdown", out, "latency_breakdown")
    written += pareto_scatter(plt, rows, objectives, labels, out)
    for param in params:
        others = [p for p in params if p != param]
        for metric in ("energy", "latency", "area", "energy_per_mac"):
            written += metric_vs_param(plt, rows, param, others, metric, out)
    plt.close("all")
    write_whole(str(out / MANIFEST), json.dumps({"inputs": key, "files": {
        Path(path).name: _digest(Path(path)) for path in written}}, indent=1) + "\n")
    return written


def _inputs_key(rows: list[dict], params: list[str], objectives: tuple[str, ...]) -> str:
    """The table, the axes and objectives, this module's source and matplotlib's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        matplotlib_version = version("matplotlib")
    except PackageNotFoundError:  # not installed: _pyplot says so when drawing
        matplotlib_version = None
    text = json.dumps([rows, params, list(objectives), Path(__file__).read_text(encoding="utf-8"),
                       matplotlib_version], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _drawn_before(out: Path, key: str) -> list[str] | None:
    """The files an earlier call drew from the same inputs, if each is still as it wrote it."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"] if manifest["inputs"] == key else None
        if not files or any(_digest(out / name) != digest for name, digest in files.items()):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return [str(out / name) for name in files]


def report_plots(report: dict, folder: str) -> list[str]:
    """`dsec lower --plot`: energy and latency breakdowns per layer of one lowering."""
    plt = _pyplot()
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    layers = [row for row in report["layers"] if row["status"] == "ok"]
    name = report["accelerator"]
    written = stacked_energy(plt, [(row["symbol"], row["energy_breakdown_pj"]) for row in layers],
                             f"energy per layer on {name}", out, "energy_breakdown")
    written += stacked_latency(plt, [(row["symbol"], row["latency_breakdown_cycles"]) for row in layers],
                               f"latency per layer on {name}", out, "latency_breakdown")
    plt.close("all")
    return written
