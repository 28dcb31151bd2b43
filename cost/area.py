"""The accelerator's area from its description: the PE array (`unit_area` per PE)
plus every memory's `area` once per copy (copies = the product of the array
dimensions the memory does not serve). The unit is the accelerator file's;
ZigZag's files and the CACTI model use mm²."""

from __future__ import annotations

from dataclasses import dataclass

from dsec.dialect.accelerator import CELLS, Accelerator
from dsec.imc.macro import area as macro_area, macro_of

UNIT = "mm2"
PE_ARRAY = "pe_array"


@dataclass(frozen=True, slots=True)
class ComponentArea:
    name: str  # PE_ARRAY or a memory's name
    unit_area: float  # of one PE or one copy of the memory
    copies: int

    @property
    def area(self) -> float:
        return self.unit_area * self.copies


@dataclass(frozen=True, slots=True)
class Area:
    components: tuple[ComponentArea, ...]  # the PE array first, then the memories lowest level first
    unit: str = UNIT

    @property
    def total(self) -> float:
        return sum(c.area for c in self.components)

    def component(self, name: str) -> ComponentArea:
        return next(c for c in self.components if c.name == name)

    def as_dict(self) -> dict:
        """The report's `area` field."""
        return {"unit": self.unit, "total": self.total,
                "components": {c.name: {"unit_area": c.unit_area, "copies": c.copies, "area": c.area}
                               for c in self.components}}


def accelerator_area(acc: Accelerator) -> Area:
    if acc.imc is not None:
        # An IMC macro's area comes from its model, its cells included.
        pe_array = ComponentArea(PE_ARRAY, macro_area(macro_of(acc)) / acc.num_pes, acc.num_pes)
        return Area((pe_array, *(ComponentArea(m.name, m.area, acc.copies(m)) for m in acc.memories
                                 if m.name != CELLS)))
    pe_array = ComponentArea(PE_ARRAY, acc.unit_area, acc.num_pes)
    return Area((pe_array, *(ComponentArea(m.name, m.area, acc.copies(m)) for m in acc.memories)))
