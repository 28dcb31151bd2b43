"""`--verify-diagnostics`: check the diagnostics a run produced against
`// expected-error@+1 {{text}}` comments in the input, as MLIR does.

`@+N`/`@-N` point N lines below/above the comment, `@above`/`@below` one line,
no suffix the comment's own line. The text must occur in the message."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dsec.compiler.diagnostics import Diagnostic
from dsec.compiler.location import Loc

_EXPECTED = re.compile(r"expected-(error|warning|remark|note)(@([+-]\d+|above|below))?\s*\{\{(.*?)\}\}")


@dataclass
class Expectation:
    severity: str
    line: int
    text: str
    loc: Loc
    matched: bool = False


def split_input(text: str) -> list[tuple[str, int]]:
    """Split on lines `// -----`; each chunk with the 0-based line it starts on."""
    chunks: list[tuple[str, int]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n")):
        if line.strip() == "// -----":
            chunks.append(("\n".join(current), start))
            current, start = [], number + 1
        else:
            current.append(line)
    chunks.append(("\n".join(current), start))
    return chunks


def parse_expectations(text: str, filename: str, first_line: int = 0) -> list[Expectation]:
    found = []
    for offset, line in enumerate(text.split("\n")):
        number = first_line + offset + 1
        for match in _EXPECTED.finditer(line):
            where = match.group(3)
            if where is None:
                target = number
            elif where == "above":
                target = number - 1
            elif where == "below":
                target = number + 1
            else:
                target = number + int(where)
            found.append(Expectation(match.group(1), target, match.group(4), Loc(filename, number, match.start() + 1)))
    return found


def check_diagnostics(expectations: list[Expectation], produced: list[Diagnostic], filename: str) -> list[Diagnostic]:
    """Errors for unexpected diagnostics and for expectations nothing matched."""
    problems: list[Diagnostic] = []
    for diag in produced:
        match = next((e for e in expectations if not e.matched and e.severity == diag.severity
                      and diag.loc is not None and diag.loc.file == filename and e.line == diag.loc.line
                      and e.text in diag.message), None)
        if match is not None:
            match.matched = True
        else:
            problems.append(Diagnostic("error", f"unexpected {diag.severity}: {diag.message}", diag.loc))
    for e in expectations:
        if not e.matched:
            problems.append(Diagnostic("error", f"expected {e.severity} \"{e.text}\" was not produced", e.loc))
    return problems
