"""Verifier rules that only passes can break (the parser cannot produce them);
the rest are golden tests under tests/lit/verifier."""

from dataclasses import replace

from dsec.dialect.verifier import verify_module
from dsec.dialect.attributes import Buffer, Loop, Nest

from ir_snippets import one_layer

GEMM = dict(dims="{B = 1, K = 4, C = 4}", compute="O[B, K] += I[B, C] * W[K, C]")


def _with_nest(nest):
    module, layer = one_layer(**GEMM)
    new_ops = tuple(replace(op, nest=nest) if op is layer else op for op in module.ops)
    return replace(module, ops=new_ops)


def test_a_well_placed_nest_verifies():
    nest = Nest((Loop("C", 4), Loop("K", 4)), (
        Buffer("mem", ("I", "W", "O"), 2), Buffer("reg", ("I", "W"), 1), Buffer("reg", ("O",), 0)))
    assert verify_module(_with_nest(nest)) == []


def test_buffers_out_of_order_are_rejected():
    nest = Nest((Loop("C", 4), Loop("K", 4)), (
        Buffer("reg", ("I", "W", "O"), 0), Buffer("mem", ("I", "W", "O"), 2)))
    (diag,) = verify_module(_with_nest(nest))
    assert "buffers must be listed outermost first" in diag.message


def test_buffer_position_outside_the_nest_is_rejected():
    nest = Nest((Loop("C", 4), Loop("K", 4)), (Buffer("mem", ("I", "W", "O"), 3),))
    (diag,) = verify_module(_with_nest(nest))
    assert "inside the nest" in diag.message


def test_double_buffered_memory_counts_tiles_twice_while_loops_remain_above():
    nest = Nest((Loop("C", 4), Loop("K", 4)), (
        Buffer("mem", ("I", "W", "O"), 2), Buffer("reg", ("I", "W", "O"), 1)))
    module = _with_nest(nest)
    # @reg holds the C = 4 loop: 4 I (32 bits), 4 W (32) and one final O (8). K runs
    # above it, so a double-buffered @reg holds the next W and O tiles too; I is
    # whole (it does not change along K) and is not doubled: 32 + 64 + 16 = 112 bits.
    def with_reg(size):
        reg = replace(module.accelerator.memories[0], size=size, force_double_buffering=True)
        return replace(module, accelerator=replace(module.accelerator, memories=(reg, module.accelerator.memories[1])))
    assert verify_module(with_reg(112)) == []
    (diag,) = verify_module(with_reg(111))
    assert diag.message.endswith("tiles in @reg need 112 bits (I: 32, W: 64, O: 16) but it holds 111 "
                                 "(tiles of a double-buffered memory count twice)")
