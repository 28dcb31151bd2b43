"""A mapping file's spatial mapping that collapses on a layer (it unrolls dims
the layer lacks or has once): the part that applies is a candidate beside the
generated ones, first so that it wins ties; a mapping that wholly applies is
applied as given; one warning per mapping entry names the layers. The costs
of both objectives on a depthwise layer are in
tests/lit/passes/spatial-collapsed.dsec."""

from __future__ import annotations

from pathlib import Path

import dsec
from dsec.cost.workload import layer_view
from dsec.dialect.attributes import Constraints, Loop, Spatial, SpatialUnroll
from dsec.dialect.ops import operand_shapes
from dsec.export.zigzag_mapping import zigzag_mapping
from dsec.mapper.layer import SpatialOptions, candidates_of, given_candidate, layer_key
from dsec.mapper.spatial import applicable_part, collapses, pes, spatial_candidates, wholly_applies
from dsec.mapper.temporal import TemporalOptions

ROOT = Path(__file__).resolve().parents[2]
LIT = ROOT / "tests/lit/passes/spatial-collapsed.dsec"
DEPTHWISE = {"B": 1, "G": 960, "OX": 7, "OY": 7, "FX": 3, "FY": 3}
GROUPED = {"B": 1, "K": 1, "G": 16, "OX": 14, "OY": 14, "C": 4, "FX": 3, "FY": 3}
CONV = {"B": 1, "K": 64, "C": 3, "OY": 112, "OX": 112, "FY": 7, "FX": 7}


def spatial(*unrolls: tuple[str, list[tuple[str, int]]]) -> Spatial:
    return Spatial(tuple(SpatialUnroll(a, tuple(Loop(d, f) for d, f in loops)) for a, loops in unrolls))


K_BY_C = spatial(("D1", [("K", 32)]), ("D2", [("C", 32)]))  # eyeriss_like's default entry


def test_a_loop_collapses_where_it_asks_for_pes_over_a_dim_absent_or_of_size_one():
    assert collapses(Loop("K", 32), DEPTHWISE) and collapses(Loop("K", 32), GROUPED)
    assert not collapses(Loop("C", 32), GROUPED)
    # C = 3 under C = 32 is reduced, not collapsed: applied as given, as ZigZag does.
    assert not collapses(Loop("C", 32), CONV)
    # A factor of 1 over a dim the layer lacks asks for nothing (edge_tpu_like's pooling entry, C = 1).
    assert not collapses(Loop("C", 1), DEPTHWISE)


def test_the_applicable_part_keeps_the_loops_that_do_not_collapse():
    assert not wholly_applies(K_BY_C, DEPTHWISE) and str(applicable_part(K_BY_C, DEPTHWISE)) == ""
    assert pes(applicable_part(K_BY_C, DEPTHWISE)) == 1
    assert not wholly_applies(K_BY_C, GROUPED) and str(applicable_part(K_BY_C, GROUPED)) == "D2(C = 32)"
    mixed = spatial(("D1", [("K", 2), ("G", 7)]), ("D2", [("OX", 12)]))
    assert str(applicable_part(mixed, DEPTHWISE)) == "D1(G = 7) D2(OX = 12)"
    assert wholly_applies(K_BY_C, CONV)
    pooling = spatial(("D1", [("G", 8)]), ("D2", [("C", 1)]), ("D3", [("OX", 1)]))
    assert wholly_applies(pooling, DEPTHWISE) and str(applicable_part(pooling, DEPTHWISE)) == "D1(G = 8) D3(OX = 1)"


def _layers():
    module = dsec.parse(LIT.read_text(), str(LIT))
    shapes = module.value_shapes()
    return module, {layer.symbol: (layer, layer_view(layer, operand_shapes(layer, shapes)))
                    for layer in module.layers()}


def test_the_given_candidate_comes_first_capped_by_the_layer():
    module, layers = _layers()
    acc = module.accelerator
    layer, view = layers["grouped"]
    found = candidates_of(view, acc, layer.constraints, SpatialOptions())
    generated = spatial_candidates(view, acc, None, False, 3)
    assert found[0].given and str(found[0].spatial) == "D2(C = 4)"  # C = 32 capped to the layer's 4
    assert [c.spatial for c in found[1:]] == [c.spatial for c in generated] and not any(c.given for c in found[1:])
    layer, view = layers["depthwise"]
    assert str(given_candidate(view, acc, layer.constraints).spatial) == ""  # one PE


def test_a_generated_candidate_equal_to_the_given_one_is_not_scored_twice():
    module, layers = _layers()
    layer, view = layers["depthwise"]
    first = spatial_candidates(view, module.accelerator, None, False, 3)[0].spatial
    assert str(first) == "D1(G = 14) D2(G = 12)"
    # The same unrolling plus K = 2, which the depthwise layer lacks: it collapses to the generated one.
    given = spatial(("D1", [("G", 14), ("K", 2)]), ("D2", [("G", 12)]))
    found = candidates_of(view, module.accelerator, Constraints(spatial=given), SpatialOptions())
    assert [c.spatial for c in found].count(first) == 1 and found[0].given and found[0].spatial == first
    assert len(found) == 3


def test_a_mapping_that_wholly_applies_is_no_candidate_and_the_given_mapping_keys_the_search():
    module, layers = _layers()
    layer, view = layers["grouped"]
    applied = Constraints(spatial=spatial(("D2", [("C", 4)])))
    assert given_candidate(view, module.accelerator, applied) is None
    options = (SpatialOptions(), TemporalOptions())
    assert layer_key(view, module.accelerator, applied, *options) != \
        layer_key(view, module.accelerator, layer.constraints, *options)


MOBILENET = str(ROOT / "examples/models/mobilenet_blocks.onnx")
EYERISS = str(ROOT / "examples/arch/eyeriss_like.yaml")


def test_one_grouped_warning_per_mapping_entry_names_the_layers(tmp_path):
    result = dsec.lower(MOBILENET, EYERISS, str(ROOT / "examples/mapping/default.yaml"), jobs=1)
    assert result.ok
    (warning,) = [d for d in result.diagnostics if "collapses" in d.message]
    assert warning.severity == "warning" and (warning.loc.file, warning.loc.line) == (
        str(ROOT / "examples/mapping/default.yaml"), 1)
    assert warning.message == (
        "mapping entry 'default': spatial_mapping collapses on layers that lack its dims or have them once; what "
        "applies is scored beside the generated unrollings, on 5 layers:\n"
        "  collapsed to 1 PE (K, C absent), a generated unrolling chosen on 4 layers: @block1_depthwise, "
        "@block1_add,\n      @block2_depthwise, @block3_add\n"
        "  collapsed to 1 PE (K, C absent), chosen on 1 layer: @block3_depthwise")
    # The import note no longer lists the spatial mapping's K and C.
    assert not [d for d in result.diagnostics if "left out" in d.message]
    rows = {row["name"]: row for row in result.report["layers"]}
    assert rows["block3_depthwise"]["spatial"] == ""
    assert rows["block3_depthwise"]["search"]["tried"][0]["note"] == "given, collapsed to 1 PE"

    # Exported for ZigZag, one PE is a factor of 1 (an empty spatial_mapping reads as none given),
    # and it reads back as the same mapping and cost.
    text, _ = zigzag_mapping(result.module)
    assert '- name: "block3_depthwise"\n  spatial_mapping:\n    D1:\n      - B, 1\n' in text
    (tmp_path / "found.yaml").write_text(text)
    again = dsec.lower(MOBILENET, EYERISS, str(tmp_path / "found.yaml"), jobs=1)
    assert {r["name"]: r["energy_pj"] for r in again.report["layers"]} == \
        {r["name"]: r["energy_pj"] for r in result.report["layers"]}
