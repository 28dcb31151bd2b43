"""Where the IMC macro model meets the cost model: a layer's MAC energy
breakdown and the cycles one MAC takes, for an accelerator with `imc` set."""

from __future__ import annotations

from functools import lru_cache

from dsec.cost.levels import LoopList
from dsec.cost.workload import LayerView, OperandView
from dsec.dialect.accelerator import Accelerator
from dsec.dialect.attributes import Spatial
from dsec.imc.layer_energy import layer_energy, mapped_array, precharge_energy, unrolling_of
from dsec.imc.macro import Macro, macro_of

WEIGHTS, ACTIVATIONS = "I2", "I1"


@lru_cache(maxsize=16)
def cached_macro(accelerator: Accelerator) -> Macro:
    return macro_of(accelerator)


def cycles_per_op(accelerator: Accelerator) -> float:
    return accelerator.imc.cycles_per_op if accelerator.imc is not None else 1.0


def _operand(view: LayerView, memory_operand: str) -> OperandView | None:
    return next((op for op in view.inputs if op.memory_operand == memory_operand), None)


def macro_energy(view: LayerView, accelerator: Accelerator, spatial: Spatial, cell_loops: LoopList = (),
                 weight_reads: float = 0.0, with_precharge: bool = True) -> dict[str, float]:
    """pJ per macro component for the layer under `spatial`. The precharge
    needs the weights' loops in the cells (innermost first) and how many
    weights the cells send to the multipliers; without them it is left out
    (a lower bound: it is never negative)."""
    macro = cached_macro(accelerator)
    weight, activation = _operand(view, WEIGHTS), _operand(view, ACTIVATIONS)
    if weight is None or activation is None:
        raise ValueError(f"layer {view.symbol} has no weight (I2) or activation (I1) operand for the IMC macro")
    mapped = mapped_array(macro, view, weight, activation,
                          unrolling_of(spatial.unrolls, view.dims, accelerator.array_sizes))
    precharge = precharge_energy(macro, cell_loops, weight, weight_reads) if with_precharge else 0.0
    return layer_energy(macro, mapped, precharge)
