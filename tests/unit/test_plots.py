"""Plots (dse/plots.py) rendered, not looked at: every file is written, PNGs are
PNGs, SVGs parse and carry the series they should, and the same table renders
to the same bytes. Skipped without matplotlib (the `plot` extra)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

import dsec  # noqa: E402
from dsec.dse.pareto import mark  # noqa: E402
from dsec.dse.plots import report_plots, sweep_plots  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def row(point, array, gb, energy, latency, area):
    return {"point": point, "model": "conv3x3", "array": array, "gb": gb, "status": "ok", "reason": None,
            "energy_pj": energy, "latency_cycles": latency, "edp": energy * latency, "area": area,
            "utilization": 0.5, "energy_per_mac": energy / 1000, "macs": 1000,
            "energy_breakdown_pj": {"mac": energy / 4, "sram": {"I": energy / 4, "O": energy / 4},
                                    "dram": {"W": energy / 4}},
            "latency_breakdown_cycles": {"ideal": latency / 2, "temporal": latency / 2, "stall": latency / 4,
                                         "onloading": latency / 4, "offloading": 0.0, "drain": 0.0},
            "area_breakdown": {"pe_array": area}}


ROWS = [row(0, [8, 8], 1024, 4.0, 40.0, 64.0), row(1, [8, 8], 2048, 3.0, 50.0, 64.0),
        row(2, [16, 16], 1024, 5.0, 20.0, 256.0), row(3, [16, 16], 2048, 6.0, 60.0, 256.0),
        {"point": 4, "model": "conv3x3", "array": [32, 32], "gb": 8, "status": "infeasible", "reason": "too small",
         "energy_pj": None, "latency_cycles": None, "edp": None, "area": None, "utilization": None,
         "energy_per_mac": None, "macs": None}]


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()  # parses: a whole SVG
    return " ".join(t for t in root.itertext())


def test_sweep_plots_render_every_plot_in_png_and_svg(tmp_path):
    mark(ROWS, ("energy", "latency"))
    written = sweep_plots(ROWS, ["array", "gb"], ("energy", "latency"), str(tmp_path))
    stems = {Path(p).stem for p in written}
    assert stems == {"energy_breakdown", "latency_breakdown", "pareto",
                     *(f"{m}_vs_{p}" for m in ("energy", "latency", "area", "energy_per_mac") for p in ("array", "gb"))}
    for path in map(Path, written):
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG") if path.suffix == ".png" else b"<svg" in data[:400]
    energy = svg_text(tmp_path / "energy_breakdown.svg")
    assert all(term in energy for term in ("sram:I", "sram:O", "dram:W", "mac", "8x8/1024", "16x16/2048"))
    assert "32x32" not in energy  # an infeasible point has no bar
    assert "Pareto front (energy, latency)" in svg_text(tmp_path / "pareto.svg")
    # The front (points 0, 1, 2) is labelled; the dominated point 3 is not.
    pareto = svg_text(tmp_path / "pareto.svg")
    assert "8x8/1024" in pareto and "16x16/1024" in pareto and "16x16/2048" not in pareto
    assert "stall" in svg_text(tmp_path / "latency_breakdown.svg")


def test_same_table_same_files(tmp_path):
    mark(ROWS, ("energy", "latency", "area"))
    first = sweep_plots(ROWS, [], ("energy", "latency", "area"), str(tmp_path / "a"))
    second = sweep_plots(ROWS, [], ("energy", "latency", "area"), str(tmp_path / "b"))
    assert [Path(p).read_bytes() for p in first] == [Path(p).read_bytes() for p in second]


def test_report_plots_of_one_lowering(tmp_path):
    result = dsec.lower(str(ROOT / "examples" / "models" / "conv3x3.onnx"), str(ROOT / "examples" / "arch" / "tpu_like.yaml"))
    written = report_plots(result.report, str(tmp_path))
    assert sorted(Path(p).name for p in written) == ["energy_breakdown.png", "energy_breakdown.svg",
                                                     "latency_breakdown.png", "latency_breakdown.svg"]
    symbol = result.report["layers"][0]["symbol"]
    assert symbol in svg_text(tmp_path / "energy_breakdown.svg")


def test_a_rerun_on_the_same_table_draws_nothing_and_a_changed_file_is_drawn_again(tmp_path, monkeypatch):
    import dsec.dse.plots as plots

    first = sweep_plots(ROWS, ["array", "gb"], ("energy", "latency"), str(tmp_path))

    def no_drawing():
        raise AssertionError("drew again")

    monkeypatch.setattr(plots, "_pyplot", no_drawing)
    assert sweep_plots(ROWS, ["array", "gb"], ("energy", "latency"), str(tmp_path)) == first
    monkeypatch.undo()
    # A file changed or gone, or another table: drawn again.
    Path(first[0]).write_bytes(b"edited")
    again = sweep_plots(ROWS, ["array", "gb"], ("energy", "latency"), str(tmp_path))
    assert again == first and Path(first[0]).read_bytes() != b"edited"
    changed = [dict(r, energy_pj=(r["energy_pj"] or 0) * 2) for r in ROWS]
    monkeypatch.setattr(plots, "_pyplot", no_drawing)
    with pytest.raises(AssertionError, match="drew again"):
        sweep_plots(changed, ["array", "gb"], ("energy", "latency"), str(tmp_path))
