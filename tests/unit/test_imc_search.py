"""The search on IMC arrays: its bounds never exceed the cost of an order
that begins as the node does (the macro's Pa / B cycles per MAC stretch the
latency bound's periods and windows as they stretch the cost model's), and
layers map on both macros with the IMC mapping's hints."""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

import onnx
import pytest

import dsec
from dsec.compiler.lower import LowerOptions
from dsec.cost.allocation import AllocationError, allocate
from dsec.cost.evaluate import evaluate_mapping
from dsec.cost.levels import effective_unrolling
from dsec.cost.workload import layer_view
from dsec.dialect.ops import operand_shapes
from dsec.mapper.cutoff import subtree_cutoff
from dsec.mapper.factors import loop_prime_factors
from dsec.mapper.orders import loop_orders
from dsec.mapper.temporal import temporal_sizes

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from imc_reference_cases import CASES  # noqa: E402
from reference_cases import build_model, mapping_yaml  # noqa: E402

IMC = ROOT / "tests" / "fixtures" / "imc"
BOUND_CASES = ["aimc_conv3x3", "aimc_precharge", "aimc_banks", "dimc_diagonal", "dimc_gemm"]


def unrolled(case: dict):
    with tempfile.TemporaryDirectory() as tmp:
        model, mapping = Path(tmp) / "m.onnx", Path(tmp) / "m.yaml"
        onnx.save(build_model(case["model"]), model)
        mapping.write_text(mapping_yaml(case, None))
        found = dsec.lower(str(model), str(IMC / f"{case['arch']}.yaml"), str(mapping),
                           LowerOptions(pipeline="spatial-unroll"))
    return found.module, found.module.layers()[0]


@pytest.mark.parametrize("name", BOUND_CASES)
def test_bounds_never_exceed_the_cost_on_imc_arrays(name):
    module, layer = unrolled(next(c for c in CASES if c["name"] == name))
    accelerator = module.accelerator
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    unrolling = effective_unrolling(layer.spatial, view.dims, accelerator.array_sizes, True)
    factors = tuple(loop_prime_factors(temporal_sizes(view.dims, layer.spatial), 6))
    cutoff = subtree_cutoff(view, accelerator, layer.spatial, unrolling, factors, "latency")
    rng = random.Random(1)
    checked = tight = 0
    orders = list(loop_orders(list(factors)))
    for order in rng.sample(orders, min(25, len(orders))):
        order = list(order)
        placed = allocate(view, accelerator, unrolling, order)
        if isinstance(placed, AllocationError):
            continue
        cost = evaluate_mapping(view, accelerator, layer.spatial, placed)
        for known in range(len(order) + 1):
            partial = allocate(view, accelerator, unrolling, order, known=known)
            if isinstance(partial, AllocationError):
                continue
            assert cutoff.latency.of(partial, order, known) <= cost.latency.total, (order, known)
            assert cutoff.energy.of(partial, order, known) <= cost.energy * (1 + 1e-9), (order, known)
            checked += 1
        # whole orders: the latency bound is more than the compute cycles alone
        tight += cutoff.latency.of(placed, order, len(order)) > cost.latency.temporal_cycles
    assert checked > 10 and tight > 0
