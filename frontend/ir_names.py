"""Names for the IR the front ends build: symbols from model names, and SSA
value names made unique."""

from __future__ import annotations

import re


def symbol_name(name: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9_.$-]", "_", name).strip("_") or "op"
    return clean if re.match(r"[A-Za-z_]", clean) else f"_{clean}"


class UniqueNames:
    """Unique IR names for SSA values and symbols."""

    def __init__(self):
        self.used: set[str] = set()

    def take(self, wanted: str) -> str:
        name, n = wanted, 1
        while name in self.used:
            n += 1
            name = f"{wanted}_{n}"
        self.used.add(name)
        return name
