"""Zero internal errors on any input text: a small seeded run of the mutation
fuzzer (tests/fuzz/mutate.py; `python tests/fuzz/run.py` runs 1,000), and one
regression test per crash it found, each now a diagnostic with a location."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dsec.compiler.driver import run_opt
from dsec.compiler.pipeline import build_pipeline
from dsec.passes import PASSES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))

from mutate import run  # noqa: E402

ACCELERATOR = """\
dsec.module @m {
  accelerator @a {
    array [D1 = 4, D2 = 4] {unit_energy = 1.0, unit_area = 1.0}
    memory @reg operands [O] served [] {size = 16, r_cost = 0.1, w_cost = 0.1, area = 0.0, latency = 1} {
      port @w write {bandwidth_min = 16, bandwidth_max = 16} [O.fl]
    }
    memory @mem operands [I1, I2, O] served [D1, D2] {size = 100000, r_cost = 1.0, w_cost = 1.0, area = 0.0, latency = 1} {
      port @rw read_write {bandwidth_min = 64, bandwidth_max = 64} [I1.tl, I2.tl, O.fl, O.tl, O.fh, I1.fh, I2.fh, O.th]
    }
  }
  options {}
  %x = dsec.input "x" : tensor<1x8xi8>
  %w = dsec.const "w" : tensor<8x8xi8>
"""
GEMM = """\
  %y = dsec.layer @fc "Gemm"(I: %x, W: %w) : tensor<1x8xi8> {
    dims {B = 1, K = 8, C = 8}
    O[B, K] += I[B, C] * W[K, C]
    precision {I = 8, W = 8, O = 16, O_final = 8}
    links {I = I1, W = I2, O = O}
NEST
  }
  dsec.return %y
}
"""
MAPPED_NEST = """\
    spatial D1(K = 4) D2(C = 4)
    nest {
      buffer @mem [I, W, O]
      for C = 2 {
        for K = 2 {
          buffer @reg [O]
        }
      }
    }"""


def diagnostics(text: str, pipeline: str = "cost-annotate") -> list[tuple[int, str]]:
    result = run_opt(text, "t.dsec", build_pipeline(pipeline, PASSES))
    return [(d.loc.line if d.loc else 0, d.message) for d in result.diagnostics if d.severity == "error"]


def test_a_small_seeded_fuzz_run_finds_no_internal_error():
    count, failures = run(300, seed=2026)
    assert count == 300
    assert [(f.kind, f.target, f.seed_file, f.detail) for f in failures] == []


def test_text_after_the_module_is_a_syntax_error_not_a_crash():
    # lark names the end of a complete module '<END-OF-FILE>', which the parser's message table lacked.
    text = ACCELERATOR + GEMM.replace("NEST\n", "") + "}\n"
    assert diagnostics(text) == [(22, "unexpected '}'; expected end of input")]


def test_a_nest_body_may_end_with_a_buffer_line_or_be_empty():
    # `*buffers, inner = children` took the last buffer line for the body, or failed on an empty body.
    text = ACCELERATOR + GEMM.replace("NEST", MAPPED_NEST)
    assert diagnostics(text, "strip{keep=buffers}") == []
    empty = ACCELERATOR + GEMM.replace("NEST", "    nest {\n      for C = 8 {\n      }\n    }")
    assert all("internal" not in message for _, message in diagnostics(empty, "strip"))


def test_a_transfer_no_port_serves_is_an_error_at_the_memory():
    # Was ValueError('no port serves this transfer') from the cost model, in cost-annotate and in the search.
    text = ACCELERATOR + GEMM.replace("NEST", MAPPED_NEST.replace("          buffer @reg [O]\n", "")
                                      .replace("        for K = 2 {\n", "        for K = 2 {\n          buffer @reg [O]\n"))
    expected = [(4, "memory @reg holds O but none of its ports serves O.fh (writes from the level above), which the "
                    "mapping needs; add O.fh to the allocation of one of its ports")]
    assert diagnostics(text) == expected
    unmapped = ACCELERATOR + GEMM.replace("NEST\n", "")
    assert diagnostics(unmapped, "spatial-unroll{candidates=1},temporal-tile,memory-alloc,cost-annotate")[0][0] == 4


def test_a_dimension_too_large_to_search_is_refused_where_it_is_written():
    # A mutated size of 10**26 made the temporal search run for minutes.
    text = ACCELERATOR + GEMM.replace("C = 8}", "C = 99999999999999999999999999}").replace("NEST\n", "")
    assert diagnostics(text) == [(15, "'C' in dims is 99999999999999999999999999; sizes up to 2147483647 are "
                                      "supported")]


@pytest.mark.parametrize("pipeline", ["cost-annotate", "temporal-tile"])
def test_two_operands_on_one_memory_operand_are_refused_by_the_verifier(pipeline):
    # temporal-tile raised KeyError: 'I' (mapper/order_tree.py) for links {I = I1, W = I1}.
    text = ACCELERATOR + GEMM.replace("W = I2", "W = I1").replace("NEST", "    spatial D1(K = 4) D2(C = 4)")
    assert diagnostics(text, pipeline) == [(14, "layer @fc: operands I and W are both linked to memory operand I1; "
                                                "each operand needs its own (memory_operand_links are one to one, "
                                                "as in ZigZag)")]
