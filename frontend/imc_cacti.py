"""CACTI costs of an IMC macro's cell array (`auto_cost_extraction: true` on
the `cells` memory), as zigzag-dse 3.9.1 means them (ImcArray.get_area and
get_single_cell_array_cost_from_cacti) but does not get to: its driver
(hardware/architecture/get_cacti_cost.py) changes into a relative folder and
cannot parse CACTI's answer for the shipped macros (an 'N/A' column).

One bank's cells are one SRAM of columns x rows x cell bits, read and written
a row at a time (columns x weight bits). ZigZag's driver asks CACTI at 32 nm
for its 28 nm macros and scales energy and area by 0.9², asks a bus wider than
32 bits at 32 bits and scales by bus / 32, doubles the area, and uses one
read-write port and 300 K. The cells' area is that area times the banks; one
cell group's write is the row's write energy over the columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsec.frontend.cacti import CactiError, CactiQuery, memory_costs

IMC_TECHNOLOGY = 0.028  # µm: ZigZag-IMC's gate constants are 28 nm
NARROW_BUS = 32  # bits: ZigZag asks CACTI no wider, then scales


@dataclass(frozen=True)
class CellArrayQuery:
    query: CactiQuery
    scale: float  # technology scaling of energy and area (0.81 for 28 nm asked as 32 nm)
    widen: float  # bus / 32 for a bus wider than 32 bits, else 1


@dataclass(frozen=True)
class CellCosts:
    w_cost: float  # pJ per write of one cell group
    area: float  # mm² of all cells, every bank


def cell_array_query(columns: int, rows: int, cell_bits: int, weight_bits: int,
                     technology: float = IMC_TECHNOLOGY) -> CellArrayQuery:
    bits = columns * rows * cell_bits
    bus = columns * weight_bits
    asked, scale = (0.032, 0.9 * 0.9) if technology == 0.028 else (technology, 1.0)
    if bus > NARROW_BUS:
        if (bits * NARROW_BUS) % (bus * 8):
            raise CactiError(f"a {bits}-bit cell array read {bus} bits at a time is not whole bytes at a "
                             f"{NARROW_BUS}-bit bus")
        size, line, width, widen = bits * NARROW_BUS // (bus * 8), NARROW_BUS // 8, NARROW_BUS, bus / NARROW_BUS
    else:
        if bits % 8 or bus % 8:
            raise CactiError(f"a {bits}-bit cell array with a {bus}-bit row is not whole bytes, which CACTI needs")
        size, line, width, widen = bits // 8, bus // 8, bus, 1.0
    query = CactiQuery("sram", size, width, read_ports=0, write_ports=0, read_write_ports=1, technology=asked,
                       block_bytes=line, temperature=300)
    return CellArrayQuery(query, scale, widen)


def cell_costs(columns: int, rows: int, banks: int, cell_bits: int, weight_bits: int,
               technology: float = IMC_TECHNOLOGY) -> CellCosts:
    asked = cell_array_query(columns, rows, cell_bits, weight_bits, technology)
    bank = memory_costs(asked.query)
    row_write = asked.scale * bank.w_cost * asked.widen
    bank_area = round(asked.scale * bank.area * 2 * asked.widen, 7)  # ZigZag keeps 7 decimals
    return CellCosts(w_cost=row_write / columns, area=bank_area * banks)
