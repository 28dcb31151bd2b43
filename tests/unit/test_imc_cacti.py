"""CACTI costs for an IMC macro's `cells` (frontend/imc_cacti.py): the query
ZigZag-IMC's driver would send, its scalings computed by hand, and the loader
using them. The CACTI runs skip without the `cacti` extra."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsec.frontend import cacti, imc_cacti
from dsec.frontend.arch_loader import load_accelerator
from dsec.frontend.cacti import CactiError, MemoryCosts
from dsec.frontend.yaml_source import DiagnosticError

ROOT = Path(__file__).resolve().parents[2]
AIMC = (ROOT / "examples" / "arch" / "aimc.yaml").read_text()
AUTO_CELLS = AIMC.replace("  cells:\n    size: 8\n", "  cells:\n    size: 8\n    auto_cost_extraction: true\n", 1)
needs_cacti = pytest.mark.skipif(cacti.cacti_folder() is None, reason="the cacti extra (zigzag-dse) is not installed")


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DSEC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "dsec-cache"))


def test_a_wide_row_is_asked_at_32_bits_and_28_nm_at_32_nm():
    # aimc: 128 x 128 cells of 8 bits, rows of 128 x 8 = 1024 bits: 128 rows of 32 bits = 512 bytes.
    asked = imc_cacti.cell_array_query(128, 128, 8, 8)
    q = asked.query
    assert (q.size_bytes, q.bus_bits, q.block_bytes, q.technology, q.temperature) == (512, 32, 4, 0.032, 300)
    assert (q.read_ports, q.write_ports, q.read_write_ports, q.banks) == (0, 0, 1, 1)
    assert asked.scale == pytest.approx(0.81) and asked.widen == 32


def test_a_narrow_row_is_asked_as_it_is():
    # 4 columns of 8-bit weights, 16 rows of 16-bit cells: 128 bytes, a 32-bit row; 22 nm is asked as 22 nm.
    asked = imc_cacti.cell_array_query(4, 16, 16, 8, technology=0.022)
    assert (asked.query.size_bytes, asked.query.bus_bits, asked.query.block_bytes) == (128, 32, 4)
    assert (asked.query.technology, asked.scale, asked.widen) == (0.022, 1.0, 1.0)
    with pytest.raises(CactiError, match="not whole bytes"):
        imc_cacti.cell_array_query(3, 3, 1, 1)


def test_costs_are_scaled_as_zigzag_scales_them(monkeypatch):
    monkeypatch.setattr(imc_cacti, "memory_costs", lambda query: MemoryCosts(r_cost=0.5, w_cost=1.0, area=0.001))
    costs = imc_cacti.cell_costs(128, 128, 2, 8, 8)
    # one row: 0.81 x 1.0 pJ x 32 = 25.92 pJ over 128 columns; area 0.81 x 0.001 x 2 x 32 = 0.05184 mm² per bank.
    assert costs.w_cost == pytest.approx(25.92 / 128)
    assert costs.area == pytest.approx(2 * 0.05184)


def test_the_query_is_the_file_zigzag_imc_writes(tmp_path):
    get_cacti_cost = pytest.importorskip("zigzag.hardware.architecture.get_cacti_cost")
    path = tmp_path / "cache.cfg"
    config = get_cacti_cost.CactiConfig()
    config.cacti_auto(["single", [["technology", "cache_size", "line_size", "IO_bus_width", "mem_type"],
                                  [0.032, 512.0, 4, 32, '"ram"']]], str(path))
    def settings(text: str) -> list[str]:  # CACTI reads the '-' lines; numbers as CACTI parses them
        lines = [line.split("//")[0].strip() for line in text.splitlines() if line.startswith("-")]
        return [line.replace("512.0", "512") for line in lines]
    assert settings(cacti.config_text(imc_cacti.cell_array_query(128, 128, 8, 8).query)) == settings(path.read_text())


@needs_cacti
def test_the_loader_gives_cells_cacti_s_write_cost_and_area():
    spec = load_accelerator(AUTO_CELLS, "aimc.yaml")
    cells = spec.accelerator.memory("cells")
    row = cacti.memory_costs(imc_cacti.cell_array_query(128, 128, 8, 8).query)
    assert cells.w_cost == pytest.approx(0.81 * row.w_cost * 32 / 128)
    assert cells.area * 128 * 128 == pytest.approx(round(0.81 * row.area * 2 * 32, 7))
    assert cells.r_cost == 0  # reading the cells is the macro's computation, costed by the macro model
    assert any("memory 'cells' gives w_cost, area and auto_cost_extraction" in d.message for d in spec.warnings)


def test_without_cacti_the_cells_key_is_the_error(monkeypatch):
    monkeypatch.setattr(cacti, "cacti_folder", lambda: None)
    monkeypatch.setattr(cacti, "cache_folder", lambda: Path("/nonexistent-dsec-cache"))
    with pytest.raises(DiagnosticError) as info:
        load_accelerator(AUTO_CELLS, "aimc.yaml")
    message = str(info.value)
    assert "aimc.yaml:6:" in message and "auto_cost_extraction of memory 'cells': this needs CACTI" in message
