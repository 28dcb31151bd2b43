"""The IMC macro's figures in the report (ZigZag only logs them): area, clock
period, peak TOPS, TOPS/W, TOPS/mm², and the latency as time (cycles x tclk)."""

from __future__ import annotations

from dsec.dialect.accelerator import Accelerator
from dsec.imc.macro import area, macro_of, peak, tclk


def macro_figures(accelerator: Accelerator, latency_cycles: float) -> dict | None:
    """The report's `imc` field; None for a PE array. `latency_cycles`: the network's."""
    if accelerator.imc is None:
        return None
    macro = macro_of(accelerator)
    figures = peak(macro)
    period = tclk(macro)
    return {"type": accelerator.imc.imc_type, "area_mm2": area(macro), "tclk_ns": period,
            "peak_tops": figures.tops, "peak_tops_per_w": figures.tops_per_watt,
            "peak_tops_per_mm2": figures.tops_per_mm2, "time_ns": latency_cycles * period}


def layer_time_ns(latency_cycles: float | None, figures: dict) -> float | None:
    return None if latency_cycles is None else latency_cycles * figures["tclk_ns"]


def macro_line(figures: dict) -> str:
    return (f"imc macro ({figures['type']}): {figures['area_mm2']:.6g} mm2, tclk {figures['tclk_ns']:.6g} ns, "
            f"peak {figures['peak_tops']:.4g} TOPS, {figures['peak_tops_per_w']:.4g} TOPS/W, "
            f"{figures['peak_tops_per_mm2']:.4g} TOPS/mm2; time {figures['time_ns']:.6g} ns")
