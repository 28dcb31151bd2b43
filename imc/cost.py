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


def _operand(view: LayerView, memory_operand: str) -> OperandView | None:
    return next((op for op in view.inputs if op.memory_operand == memory_operand), None)


def runs_in_macro(view: LayerView) -> bool:
    """Whether the macro computes the layer: activations (I1) times weights
    held in the cells (I2), summed along the bitlines, so over some dim the
    output does not depend on. Pooling, activations and elementwise adds do
    not (ZigZag-IMC skips them); only their data movement is costed."""
    return _operand(view, WEIGHTS) is not None and _operand(view, ACTIVATIONS) is not None and \
        any(not view.output.depends_on(dim) and size > 1 for dim, size in view.dims.items())


def cycles_per_op(accelerator: Accelerator, view: LayerView) -> float:
    """Cycles one MAC of the layer takes: Pa / B on an IMC macro that computes it."""
    if accelerator.imc is None or not runs_in_macro(view):
        return 1.0
    return accelerator.imc.cycles_per_op


def macro_energy(view: LayerView, accelerator: Accelerator, spatial: Spatial, cell_loops: LoopList = (),
                 weight_reads: float = 0.0, with_precharge: bool = True) -> dict[str, float]:
    """pJ per macro component for the layer under `spatial`. The precharge
    needs the weights' loops in the cells (innermost first) and how many
    weights the cells send to the multipliers; without them it is left out
    (a lower bound: it is never negative)."""
    macro = cached_macro(accelerator)
    if not runs_in_macro(view):
        return {}
    weight, activation = _operand(view, WEIGHTS), _operand(view, ACTIVATIONS)
    mapped = mapped_array(macro, view, weight, activation,
                          unrolling_of(spatial.unrolls, view.dims, accelerator.array_sizes))
    precharge = precharge_energy(macro, cell_loops, weight, weight_reads) if with_precharge else 0.0
    return layer_energy(macro, mapped, precharge)


def macro_energy_floor(view: LayerView, accelerator: Accelerator, spatial: Spatial) -> float | None:
    """The MAC energy every temporal order of the layer pays on an IMC macro
    (all but the precharge, which depends on the order); None for a PE array."""
    if accelerator.imc is None:
        return None
    return sum(macro_energy(view, accelerator, spatial, with_precharge=False).values())
