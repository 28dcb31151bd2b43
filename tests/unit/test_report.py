"""The report's renderers on hand-made report dicts (dsec.cost.report's schema):
column widths, the legend, the CSV breakdown columns."""

import csv
import io

from dsec.cost.report import FORMATS, format_csv, format_markdown, format_text
from dsec.cost.report_csv import energy_terms
from dsec.cost.report_table import COLUMNS, KEPT, columns, legend, number
from dsec.cost.report_text import table_lines

AREA = {"unit": "mm2", "total": 4.0, "components": {"pe_array": {"unit_area": 1.0, "copies": 4, "area": 4.0},
                                                    "reg": {"unit_area": 0.0, "copies": 4, "area": 0.0},
                                                    "sram_2MB": {"unit_area": 0.0, "copies": 1, "area": 0.0}}}


def row(symbol, energy=None, locality=None):
    """A mapped layer: MAC 10 pJ, reg and sram_2MB terms; latency parts summing to 140 cycles."""
    energy = energy or {"mac": 10.0, "sram_2MB": {"I": 5.0, "W": 40.0}, "reg": {"O": 20.0}}
    total = energy["mac"] + sum(pj for per in energy.values() if isinstance(per, dict) for pj in per.values())
    latency = {"ideal": 100, "temporal": 110.0, "stall": 20.0, "onloading": 6.0, "offloading": 2.0, "drain": 2}
    return {"name": "/" + symbol, "symbol": symbol, "op": "Conv", "spatial": "D1:K4 D2:C8,FX3 D3:OX2",
            "temporal": "K2 OY56 OX56 C2 FX3 FY3", "search": None, "locality": locality, "status": "ok",
            "error": None, "macs": 400, "energy_pj": total, "latency_cycles": 140.0, "compute_bound_cycles": 100,
            "dominant": "sram_2MB:W", "utilization": {"spatial": 0.9, "total": 0.7143}, "energy_breakdown_pj": energy,
            "latency_breakdown_cycles": latency, "accesses": {}}


def unmapped(symbol):
    return {"name": "", "symbol": symbol, "op": "Softmax", "spatial": "", "temporal": "", "search": None,
            "locality": None, "status": "error", "error": "does not fit", "macs": None, "energy_pj": None,
            "latency_cycles": None, "compute_bound_cycles": None, "dominant": None, "utilization": None,
            "energy_breakdown_pj": None, "latency_breakdown_cycles": None, "accesses": None}


def report(*rows):
    mapped = [r for r in rows if r["status"] == "ok"]
    return {"schema_version": 1, "module": "m", "accelerator": "acc", "layers": list(rows), "area": AREA,
            "totals": {"energy_pj": sum(r["energy_pj"] for r in mapped),
                       "latency_cycles": sum(r["latency_cycles"] for r in mapped),
                       "macs": sum(r["macs"] for r in mapped), "layers": len(rows), "mapped": len(mapped)}}


LONG = "layer2_layer2.0_downsample_downsample.0_Conv"


def test_table_columns_are_as_wide_as_their_widest_cell():
    lines = table_lines(["a", "bb"], [["xyz", "1"], ["w", "12345"]], ["<", ">"])
    assert lines == ["a      bb", "--- -----", "xyz     1", "w   12345"]


def test_text_report_cuts_nothing_and_aligns_every_row():
    text = format_text(report(row("conv1_Conv"), row(LONG), unmapped("softmax_Softmax_with_a_long_name")))
    assert "…" not in text
    lines = text.splitlines()
    assert lines[2].startswith("conv1_Conv ") and lines[3].startswith(LONG + " ")
    assert lines[4].split()[:2] == ["softmax_Softmax_with_a_long_name", "Softmax"] and lines[4].endswith(" error")
    # Every cell of a column starts at the header's column; the dominant keeps its operand.
    start = lines[0].index("dominant")
    assert all(line[start:].startswith(("dominant", "--------", "sram_2MB:W", "error")) for line in lines[:5])
    assert "D1:K4 D2:C8,FX3 D3:OX2" in lines[3] and "K2 OY56 OX56 C2 FX3 FY3" in lines[3]


def test_a_mapped_layer_that_unrolls_nothing_says_one_pe():
    one_pe = dict(row("depthwise"), spatial="")
    lines = format_text(report(one_pe, unmapped("softmax"))).splitlines()
    assert lines[2].split()[:4] == ["depthwise", "Conv", "400", "1"] and lines[2].split()[4] == "PE"
    assert lines[3].split()[:2] == ["softmax", "Softmax"] and "PE" not in lines[3]


def test_legend_explains_every_column_with_units_and_wraps_at_the_table_width():
    text = format_text(report(row(LONG)))
    lines = text.splitlines()
    legend_lines = [line for line in lines if line.startswith(("columns:", "  "))]
    assert lines.index(legend_lines[0]) == 3  # right under the table
    width = max(100, *(len(line) for line in lines[:3]))
    assert all(len(line) <= width for line in legend_lines)
    joined = " ".join(line.strip() for line in legend_lines)
    assert joined == legend(COLUMNS)
    for column in COLUMNS[2:]:
        assert f"{column.header} = {column.legend}" in joined
    assert "in pJ" in joined and "clock cycles" in joined and "ceil(MACs / PEs)" in joined
    assert "total: 1/1 layers mapped, 400 MACs, 75 pJ, 140 cycles" in lines


def test_kept_column_only_when_some_layer_has_locality():
    plain = report(row("a"), row("b"))
    kept = report(row("a", locality={"keep": {"O": "sram_2MB"}, "live_bits": {}}),
                  row("b", locality={"keep": {"I": "sram_2MB", "O": "reg"}, "live_bits": {"sram_2MB": 64}}))
    assert columns(plain) == COLUMNS and columns(kept) == (*COLUMNS, KEPT)
    assert "kept" not in format_text(plain) and "kept" not in format_markdown(plain)
    lines = format_text(kept).splitlines()
    assert lines[0].endswith(" kept") and lines[3].endswith(" I=sram_2MB O=reg")
    assert "| I=sram_2MB O=reg |" in format_markdown(kept)


def test_numbers_print_in_full_or_to_six_digits():
    assert [number(v) for v in (None, 28224, 34560.0, 19170876.54, 3652.5, 0.25)] == [
        "-", "28224", "34560", "1.91709e+07", "3652.5", "0.25"]


def test_csv_has_the_energy_and_latency_breakdowns_that_sum_to_the_totals():
    other = {"mac": 1.0, "reg": {"O": 2.0, "I": 3.0}, "sram_2MB": {"W": 4.0}}
    data = report(row("a"), row("b", energy=other), unmapped("c"))
    # memories in the accelerator's order (the area's components), operands as first seen
    assert energy_terms(data) == [("reg", "O"), ("reg", "I"), ("sram_2MB", "I"), ("sram_2MB", "W")]
    rows = list(csv.DictReader(io.StringIO(format_csv(data))))
    layers = [r for r in rows if r["op"] != "area"]
    for r in layers[:2]:
        parts = [r["mac_energy_pj"]] + [r[f"energy_pj:{m}:{o}"] for m, o in energy_terms(data)]
        assert sum(float(p) for p in parts if p) == float(r["energy_pj"])
        cycles = [r[f"{p}_cycles"] for p in ("temporal", "stall", "onloading", "offloading", "drain")]
        assert sum(float(c) for c in cycles) == float(r["latency_cycles"])
    assert layers[0]["energy_pj:reg:I"] == "" and layers[1]["energy_pj:reg:I"] == "3.0"
    assert layers[2]["status"] == "error" and layers[2]["mac_energy_pj"] == ""
    assert [(r["name"], r["area"]) for r in rows if r["op"] == "area"][-1] == ("total", "4.0")


def test_csv_says_where_locality_kept_each_operand():
    data = report(row("a", locality={"keep": {"I": "reg", "O": "sram_2MB"}, "live_bits": {"sram_2MB": 64}}), row("b"))
    rows = list(csv.DictReader(io.StringIO(format_csv(data))))
    assert (rows[0]["kept"], rows[0]["live_bits"]) == ("I=reg O=sram_2MB", "sram_2MB=64")
    assert (rows[1]["kept"], rows[1]["live_bits"]) == ("", "")


def test_every_format_renders_a_report_with_an_unmapped_layer():
    data = report(row("a"), unmapped("b"))
    for name, render in FORMATS.items():
        assert render(data).endswith("\n"), name


def test_docs_give_the_legend_as_the_report_prints_it():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "report.md").read_text(encoding="utf-8")
    assert legend(COLUMNS) in page
    assert f"{KEPT.header} = {KEPT.legend}" in page
