"""Grouping of per-layer diagnostics (compiler/diagnostics.py: Group, group_diagnostics)."""

from dsec.compiler.diagnostics import (Diagnostic, Group, SourceManager, group_diagnostics,
                                       per_mapping_entry)
from dsec.compiler.location import Loc

ENTRY = Loc("map.yaml", 1, 3)


def reduced(layer: str, dim: str, line: int, entry: str = "default", severity: str = "warning") -> Diagnostic:
    detail = f"unrolling of {dim} reduced"
    group = per_mapping_entry(entry, ENTRY if entry == "default" else Loc("map.yaml", 9, 3), f"@{layer}",
                              "spatial_mapping reduced to fit", detail)
    return Diagnostic(severity, f"layer @{layer}: {detail}", Loc("map.yaml", line, 9), group=group)


def test_repeats_of_one_entry_merge_into_one_diagnostic_naming_the_layers():
    other = Diagnostic("warning", "something else")
    merged = group_diagnostics([reduced("a", "K", 4), other, reduced("b", "K", 4), reduced("b", "C", 6),
                                reduced("c", "K", 4)])
    assert len(merged) == 2 and merged[1] is other  # the group stands where its first member stood
    assert merged[0].loc == ENTRY and merged[0].group is None and merged[0].severity == "warning"
    assert merged[0].message.split("\n") == [
        "mapping entry 'default': spatial_mapping reduced to fit, on 3 layers:",
        "  unrolling of K reduced (line 4) on 3 layers: @a, @b, @c",
        "  unrolling of C reduced (line 6) on 1 layer: @b",
    ]


def test_a_group_of_one_prints_as_the_plain_diagnostic():
    alone = reduced("a", "K", 4)
    assert group_diagnostics([alone]) == [alone]


def test_entries_and_severities_group_apart_and_ungrouped_keep_their_order():
    items = [Diagnostic("remark", "r1"), reduced("a", "K", 4), reduced("a", "K", 4, entry="Conv"),
             reduced("b", "K", 4, severity="error"), reduced("b", "K", 4), Diagnostic("remark", "r2"),
             reduced("c", "K", 4, entry="Conv")]
    merged = group_diagnostics(items)
    assert [d.message.split("\n")[0] for d in merged] == [
        "r1", "mapping entry 'default': spatial_mapping reduced to fit, on 2 layers:",
        "mapping entry 'Conv': spatial_mapping reduced to fit, on 2 layers:", "layer @b: unrolling of K reduced",
        "r2"]
    assert group_diagnostics(merged) == merged  # grouping twice changes nothing


def test_a_layer_hit_twice_by_one_detail_is_named_once():
    merged = group_diagnostics([reduced("a", "K", 4), reduced("a", "K", 4), reduced("b", "K", 4)])
    assert merged[0].message.endswith("on 2 layers: @a, @b")


def test_long_layer_lists_wrap_onto_indented_continuation_lines():
    items = [reduced(f"layer{i}_with_a_long_name", "K", 4) for i in range(12)]
    lines = group_diagnostics(items, width=80)[0].message.split("\n")
    assert len(lines) > 3 and all(len(line) <= 80 for line in lines)
    assert all(line.startswith("      @") for line in lines[2:])
    assert ", ".join(f"@layer{i}_with_a_long_name" for i in range(12)) in " ".join(
        line.strip() for line in lines[1:])


def test_merged_layer_errors_stay_layer_errors():
    group = Group("k", "head", None, "@a", "failed")
    errors = [Diagnostic("error", "a failed", None, layer_only=True, group=group),
              Diagnostic("error", "b failed", None, layer_only=True, group=Group("k", "head", None, "@b", "failed"))]
    merged = group_diagnostics(errors)
    assert len(merged) == 1 and merged[0].layer_only and merged[0].message == "head, on 2 layers:\n  failed on 2 layers: @a, @b"


def test_render_puts_the_source_line_under_the_first_line_and_the_details_after():
    sources = SourceManager({"map.yaml": "- name: default\n  spatial_mapping:\n"})
    merged = group_diagnostics([reduced("a", "K", 4), reduced("b", "K", 4)])[0]
    assert sources.render(merged).split("\n") == [
        "map.yaml:1:3: warning: mapping entry 'default': spatial_mapping reduced to fit, on 2 layers:",
        "- name: default",
        "  ^",
        "  unrolling of K reduced (line 4) on 2 layers: @a, @b",
    ]
    assert SourceManager().render(Diagnostic("warning", "one\n  two")) == "dsec: warning: one\n  two"


def test_nodes_of_one_op_not_lowered_for_one_reason_warn_once():
    from dsec.frontend.importer import _not_lowered

    items = [_not_lowered("TopK", "topk1", None), _not_lowered("FancyOp", "fancy", None),
             _not_lowered("TopK", "topk2", None), _not_lowered("Conv", "c1", "3-D kernels"),
             _not_lowered("Conv", "c2", "4-D kernels")]
    assert [d.message for d in group_diagnostics(items)] == [
        "unknown op 'TopK', on 2 nodes:\n  passed through with no cost on 2 nodes: topk1, topk2",
        "unknown op 'FancyOp' (node 'fancy'); passed through with no cost",
        "op 'Conv' (node 'c1') is not lowered: 3-D kernels; passed through with no cost",
        "op 'Conv' (node 'c2') is not lowered: 4-D kernels; passed through with no cost"]
