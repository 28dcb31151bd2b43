"""Tile growth under a fractionally unrolled sliding window (cost/tile_growth.py),
computed by hand on one input row: index 2*OX + FX (stride 2), 14 rows."""

from __future__ import annotations

from dsec.cost.tile_growth import tile_growth
from dsec.cost.workload import OperandView, WindowIndex

ROW = OperandView("I", "I1", (), (WindowIndex("OX", 2, "FX", 1, 14),), 8, 8)
# OX unrolled 3.5-wide (7 on 2 PEs of 4): partial tiles count 3 of its values.
SPATIAL = [(("OX", 3.5),), ()]


def test_a_three_wide_kernel_makes_the_whole_input_best():
    # Rows a tile covers (window 2*(OX - 1) + FX, at most 14):
    #   {} 3 (OX 3.5 cut to 3), {OX 2} 7, {FX 3} 7, {OX 2, FX 3} 15 -> 14.
    # One more loop may grow a tile beyond its factor ({} + OX 2: 3 -> 7 > 3 * 2),
    # but no tile times the loops left outside it is under 14: 3*6, 7*3, 7*2.
    growth = tile_growth(ROW, SPATIAL, (("OX", 2), ("FX", 3)))
    assert not growth.longest_fitting_wins
    assert growth.whole_wins


def test_a_one_wide_kernel_may_leave_the_whole_input_above():
    # 1x1 kernel, stride 2: {} 3 rows, {OX 2} 7 rows; 3 * 2 = 6 < 7 words moved.
    growth = tile_growth(ROW, SPATIAL, (("OX", 2),))
    assert not growth.longest_fitting_wins
    assert not growth.whole_wins


def test_loops_the_operand_does_not_depend_on_can_sit_inside_the_tile():
    # K outside the 3-row tile would make it 3 * 2 * 4 = 24 rows moved, but K
    # may sit under it: {K 4} still moves 3 * 2 = 6 < 7.
    growth = tile_growth(ROW, SPATIAL, (("OX", 2), ("K", 4)))
    assert not growth.whole_wins


def test_whole_factors_and_unknown_loops():
    assert tile_growth(ROW, [(("OX", 4),), ()], None) == tile_growth(ROW, [(("OX", 4),), ()], (("OX", 2),))
    assert tile_growth(ROW, [(("OX", 4),), ()], None).whole_wins
    unknown = tile_growth(ROW, SPATIAL, None)
    assert not unknown.whole_wins and not unknown.longest_fitting_wins


def test_a_relevant_dim_unrolled_by_halves_or_by_fifths():
    # The output's OX unrolled 3.5-wide: tiles 3.5 * 2**k, every product exact;
    # each loop multiplies the tile by its factor exactly.
    output = OperandView("O", "O", ("K", "OX"), (), 16, 8)
    halves = tile_growth(output, [(("OX", 3.5),), ()], (("OX", 2), ("K", 4)))
    assert halves.longest_fitting_wins and halves.whole_wins
    # K = 12.8 (64 on 14 PEs over 5 steps): 12.8 * 5 is not 64 in floats, a
    # tie in exact arithmetic can go either way in memory-alloc's.
    fifths = tile_growth(output, [(("K", 12.8),), ()], (("K", 5),))
    assert not fifths.longest_fitting_wins and not fifths.whole_wins
