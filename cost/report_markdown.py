"""The markdown report: the text report's columns as a table, the legend under it."""

from __future__ import annotations

from dsec.cost.report_table import area_line, columns, discarded_lines, legend, total_line
from dsec.imc.report import macro_line


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|")


def format_markdown(report: dict) -> str:
    cols = columns(report)
    lines = ["| " + " | ".join(c.header for c in cols) + " |",
             "|" + "|".join("---:" if c.align == ">" else "---" for c in cols) + "|"]
    lines += ["| " + " | ".join(_escape(c.cell(row)) for c in cols) + " |" for row in report["layers"]]
    lines.append(f"\n{legend(cols)}")
    lines.append(f"\n**Total**: {total_line(report).removeprefix('total: ')}")
    lines.append(f"\n**Area**: {area_line(report['area']).removeprefix('area: ')}")
    if "imc" in report:
        lines.append(f"\n**IMC macro**: {macro_line(report['imc']).split(': ', 1)[1]}")
    discarded = discarded_lines(report)
    if discarded:
        lines += ["", "```", *discarded, "```"]
    return "\n".join(lines) + "\n"
