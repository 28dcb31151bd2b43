"""Objective pareto (mapper/pareto.py): a layer's search keeps the mappings
no other beats on both energy and latency. Checked against brute force: every
order of every spatial candidate scored from scratch, the non-dominated points
picked by a plain double loop; the search (pruned, so its bounds must never cut
a non-dominated mapping) keeps exactly those points, and chooses the least-EDP
one. Then the remark in the IR, its round trip, the CLI and the Python API."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import dsec
from dsec.compiler.lower import LowerOptions, default_pipeline
from dsec.cost.allocation import AllocationError
from dsec.cost.levels import effective_unrolling
from dsec.cost.report import FORMATS
from dsec.cost.workload import layer_view
from dsec.dialect.attributes import Constraints
from dsec.dialect.ops import operand_shapes
from dsec.dialect.parser import parse_module
from dsec.dialect.printer import print_module
from dsec.frontend.importer import import_model
from dsec.mapper.factors import factor_spaces
from dsec.mapper.layer import SpatialOptions, search_layer
from dsec.mapper.orders import loop_orders
from dsec.mapper.pareto import non_dominated, point
from dsec.mapper.spatial import spatial_candidates
from dsec.mapper.temporal import TemporalOptions, score_order, temporal_sizes

ROOT = Path(__file__).resolve().parents[2]
CONV = ROOT / "examples" / "models" / "conv3x3.onnx"
EYERISS = ROOT / "tests" / "fixtures" / "arch" / "eyeriss_like.yaml"
CANDIDATES, LPF = 3, 6
# K on the rows and OX on the columns: unrollings whose loop orders trade energy against stalls.
HINT = Constraints(hint=(("D1", ("K",)), ("D2", ("OX",))))


@pytest.fixture(scope="module")
def tiny_conv():
    """conv3x3's layer cut to K = C = 8 on 4 x 4 outputs, on eyeriss_like (whose
    stalls make loop orders trade energy against latency)."""
    module = import_model(str(CONV), str(EYERISS)).module
    layer = module.layers()[0]
    view = layer_view(layer, operand_shapes(layer, module.value_shapes()))
    return replace(view, dims=dict(view.dims, K=8, C=8, OX=4, OY=4)), module.accelerator


def brute_force(view, accelerator) -> list[tuple[float, float, str, tuple]]:
    """Every mapping's (energy, latency, spatial, order), each order costed from scratch."""
    points = []
    for candidate in spatial_candidates(view, accelerator, HINT.hint, False, CANDIDATES):
        unrolling = effective_unrolling(candidate.spatial, view.dims, accelerator.array_sizes, fractional=True)
        for space in factor_spaces(temporal_sizes(view.dims, candidate.spatial), LPF):
            for order in loop_orders(space, 0):
                scored = score_order(view, accelerator, candidate.spatial, unrolling, tuple(order), "pareto")
                if not isinstance(scored, AllocationError):
                    points.append((scored.cost.energy, scored.cost.latency.total, str(candidate.spatial),
                                   scored.order))
    return points


def test_the_set_is_the_brute_force_pareto_set_and_the_choice_its_least_edp(tiny_conv):
    view, accelerator = tiny_conv
    every = brute_force(view, accelerator)
    rounded = {(round(e, 6), round(lat, 6)) for e, lat, _, _ in every}
    expected = sorted(p for p in rounded if not any(q != p and q[0] <= p[0] and q[1] <= p[1] for q in rounded))
    found = search_layer(view, accelerator, HINT, SpatialOptions(CANDIDATES),
                         TemporalOptions("pareto", lpf_limit=LPF))
    front = found.front()
    assert [(round(s.cost.energy, 6), round(s.cost.latency.total, 6)) for _, s in front] == expected
    assert len(expected) >= 3  # a real trade-off, not one winner
    assert len({str(t.candidate.spatial) for t, _ in front}) >= 2  # kept from more than one unrolling
    assert any(len(t.front) >= 2 for t in found.tried)  # and several orders of one unrolling
    # Each kept point is the mapping it says it is: its spatial and order cost what it reports.
    costs = {(spatial, order): (e, lat) for e, lat, spatial, order in every}
    for tried, scored in front:
        assert costs[(str(tried.candidate.spatial), scored.order)] == (scored.cost.energy,
                                                                       scored.cost.latency.total)
    least_edp = min(e * lat for e, lat, _, _ in every)
    chosen = found.best.best
    assert chosen.cost.energy * chosen.cost.latency.total == pytest.approx(least_edp, rel=1e-12)
    assert any(scored is chosen for _, scored in front)
    # The pruned search scored fewer orders than brute force and agrees with the exhaustive one.
    assert sum(t.evaluated for t in found.tried) < len(every)
    exhaustive = search_layer(view, accelerator, HINT, SpatialOptions(CANDIDATES),
                              TemporalOptions("pareto", lpf_limit=LPF, search="exhaustive"))
    assert [(s.cost.energy, s.cost.latency.total) for _, s in exhaustive.front()] == \
        [(s.cost.energy, s.cost.latency.total) for _, s in front]


def test_the_front_helper_by_hand():
    points = [(3, 1), (1, 3), (2, 2), (2, 2), (3, 3), (1, 4), (0.5, 9)]
    assert non_dominated(points, lambda p: p) == [(0.5, 9), (1, 3), (2, 2), (3, 1)]


REMARKED = """\
    search {
      objective = "pareto",
      pareto = [
        {energy_pj = 273.64, latency_cycles = 96.0, spatial = "D1(C = 4) D2(C = 2)", temporal = "[K = 2, C = 2]"},
        {energy_pj = 278.6, latency_cycles = 48.0, spatial = "D1(K = 4) D2(C = 4)", temporal = "[K = 4, C = 2]", chosen = true}
      ],
      tried = []
    }
"""


def test_the_remark_round_trips():
    source = (ROOT / "tests" / "lit" / "passes" / "pareto-search.dsec").read_text()
    module_text = source[source.index("dsec.module"):source.index("\n}\n") + 3]
    layer_end = module_text.index("    links {I = I1, W = I2, O = O}\n") + len("    links {I = I1, W = I2, O = O}\n")
    text = module_text[:layer_end] + REMARKED + module_text[layer_end:]
    module = parse_module(text, "remark.dsec")
    assert module.layers()[0].search["pareto"][1]["chosen"] is True
    assert print_module(module) == print_module(parse_module(print_module(module), "again.dsec"))
    assert REMARKED in print_module(module)


def test_python_api_and_cli_keep_the_set_and_use_the_least_edp_mapping(tmp_path):
    assert "objective=pareto" in default_pipeline(LowerOptions(objective="pareto"))
    result = dsec.lower(str(CONV), str(ROOT / "examples" / "arch" / "tpu_like.yaml"),
                        options=LowerOptions(objective="pareto", lpf_limit=4, spatial_candidates=2))
    assert result.ok
    (row,) = result.report["layers"]
    kept = row["search"]["pareto"]
    chosen = [p for p in kept if p.get("chosen")]
    (layer,) = result.module.layers()
    assert len(chosen) == 1 and chosen[0]["spatial"] == str(layer.spatial)
    innermost_first = layer.nest.loops
    assert chosen[0]["temporal"] == "[" + ", ".join(f"{lp.dim} = {lp.factor}" for lp in innermost_first) + "]"
    assert chosen[0]["energy_pj"] == pytest.approx(row["energy_pj"], abs=0.01)
    assert chosen[0]["latency_cycles"] == pytest.approx(row["latency_cycles"], abs=0.01)
    assert min(p["energy_pj"] * p["latency_cycles"] for p in kept) == pytest.approx(
        chosen[0]["energy_pj"] * chosen[0]["latency_cycles"], rel=1e-6)
    cli = subprocess.run([sys.executable, "-m", "dsec", "lower", str(CONV), "--arch",
                          str(ROOT / "examples" / "arch" / "tpu_like.yaml"), "--objective", "pareto",
                          "--lpf-limit", "4", "--spatial-candidates", "2", "--emit", "json"],
                         capture_output=True, text=True, check=True)
    assert json.loads(cli.stdout)["layers"][0]["search"]["pareto"] == kept
    text = FORMATS["text"](result.report)
    assert f"pareto: 1 layers kept their energy/latency Pareto sets ({len(kept)} mappings" in text
    with pytest.raises(ValueError, match="objective: 'paretto' is not one of energy, latency, edp, pareto"):
        LowerOptions(objective="paretto")


def test_the_multi_core_flow_refuses_pareto():
    examples = ROOT / "examples" / "multicore"
    cli = subprocess.run([sys.executable, "-m", "dsec", "lower", str(examples / "2conv_1_8_32_32_16_32_3.onnx"),
                          "--arch", str(examples / "tpu_like_quad_core.yaml"), "--mapping",
                          str(examples / "map_fixed_lbl.yaml"), "--objective", "pareto"], capture_output=True, text=True)
    assert cli.returncode != 0 and "--objective pareto is per layer on one accelerator" in cli.stderr
    assert "Traceback" not in cli.stderr


def test_a_mirrored_result_keeps_its_choice_in_its_set(tiny_conv):
    from dsec.mapper.layer import _renamed_result, temporal_search

    view, accelerator = tiny_conv
    spatial = spatial_candidates(view, accelerator, HINT.hint, False, 1)[0].spatial
    result = temporal_search(view, accelerator, spatial, None, TemporalOptions("pareto", lpf_limit=LPF))
    assert len(result.front) >= 2 and result.best is not result.front[0]
    renamed = _renamed_result(result, {"OX": "OY", "OY": "OX"})
    swap = {"OX": "OY", "OY": "OX"}
    assert [s.order for s in renamed.front] == [tuple((swap.get(d, d), f) for d, f in s.order) for s in result.front]
    assert renamed.best is renamed.front[result.front.index(result.best)]


def test_two_spaces_of_loop_factors_keep_the_exhaustive_set(tiny_conv):
    """lpf 8 searches LOMA's space at 6, then at 8 pruned against the set the first kept."""
    from dsec.mapper.layer import temporal_search

    view, accelerator = tiny_conv
    spatial = spatial_candidates(view, accelerator, HINT.hint, False, 1)[0].spatial
    every = temporal_search(view, accelerator, spatial, None, TemporalOptions("pareto", lpf_limit=8,
                                                                              search="exhaustive"))
    pruned = temporal_search(view, accelerator, spatial, None, TemporalOptions("pareto", lpf_limit=8))
    assert sorted(point(s.cost) for s in pruned.front) == sorted(point(s.cost) for s in every.front)
    assert len(every.front) >= 3 and pruned.evaluated < every.evaluated / 4
