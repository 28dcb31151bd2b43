"""The text report: a table whose columns are as wide as their widest cell (no
name or mapping is cut), a legend with the units, then totals, area and notes."""

from __future__ import annotations

import textwrap

from dsec.cost.report_table import area_line, columns, discarded_lines, legend, total_line
from dsec.imc.report import macro_line

# The legend wraps at the table's width, but not narrower than this.
MIN_LEGEND_WIDTH = 100


def table_lines(header: list[str], rows: list[list[str]], aligns: list[str]) -> list[str]:
    """Header, rule and rows, each column as wide as its widest cell, separated by one space."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    lines = []
    for cells in [header, ["-" * w for w in widths], *rows]:
        lines.append(" ".join(f"{cell:{align}{width}}" for cell, width, align in zip(cells, widths, aligns)).rstrip())
    return lines


def format_text(report: dict) -> str:
    cols = columns(report)
    table = table_lines([c.header for c in cols], [[c.cell(row) for c in cols] for row in report["layers"]],
                        [c.align for c in cols])
    width = max(MIN_LEGEND_WIDTH, max(len(line) for line in table))
    lines = table + textwrap.wrap(legend(cols), width, subsequent_indent="  ", break_on_hyphens=False)
    lines += [total_line(report), area_line(report["area"])]
    if "imc" in report:
        lines.append(macro_line(report["imc"]))
    lines += [f"error: @{row['symbol']}: {row['error']}" for row in report["layers"] if row["error"]]
    lines += discarded_lines(report)
    return "\n".join(lines) + "\n"
