"""Tile sizes worked out by hand on tiny layers."""

from dataclasses import replace

from dsec.compiler.tiles import access_elements, output_is_final, tile_bits
from dsec.dialect.attributes import Loop, Nest

from ir_snippets import one_layer

# A stride-2 3x3 convolution on a 4x4 output, C = 2 unrolled on D1.
CONV = dict(
    dims="{B = 1, K = 4, C = 2, OY = 4, OX = 4, FY = 3, FX = 3}",
    compute="O[B, K, OY, OX] += I[B, C, 2*OY + FY - 1, 2*OX + FX - 1] * W[K, C, FY, FX]",
    mapping="    spatial D1(C = 2)\n",
)
# Innermost first: FX, FY, OX, OY, K.
NEST = Nest((Loop("FX", 3), Loop("FY", 3), Loop("OX", 4), Loop("OY", 4), Loop("K", 4)))


def test_window_of_strided_access():
    module, layer = one_layer(**CONV)
    access = layer.compute.access("I")
    # 3x3 window: 1 + 1*(3-1) = 3 rows and 3 columns.
    assert access_elements(access, {"FY": 3, "FX": 3}) == 9
    # 4 outputs at stride 2 with a 3-tap window: 2*(4-1) + 1*(3-1) + 1 = 9 per side.
    assert access_elements(access, {"FY": 3, "FX": 3, "OY": 4, "OX": 4}) == 81


def test_window_of_dilated_access():
    module, layer = one_layer(dims="{B = 1, C = 1, OY = 4, FY = 3}", compute="O[B, OY] += I[B, C, OY + 2*FY] * W[C, FY]")
    # OY spans 4, FY dilated by 2 spans 2*(3-1) = 4 more: 4 + 4 = 8 rows.
    assert access_elements(layer.compute.access("I"), {"OY": 4, "FY": 3}) == 8


def test_input_tile_counts_spatial_unrolling_only_where_served():
    module, layer = one_layer(**CONV)
    layer = replace(layer, nest=NEST)
    reg, mem = module.accelerator.memories
    # @reg serves no array dim: one PE's C slice, 3x3 window, 8 bits.
    assert tile_bits(layer, NEST, "I", 2, reg) == 1 * 1 * 3 * 3 * 8
    # @mem serves D1: both C channels, 9x9 window of 4x4 outputs.
    assert tile_bits(layer, NEST, "I", 4, mem) == 1 * 2 * 9 * 9 * 8


def test_output_precision_partial_until_every_reduction_is_inside():
    module, layer = one_layer(**CONV)
    layer = replace(layer, nest=NEST)
    reg, mem = module.accelerator.memories
    # FX, FY (reductions) above position 0: partial sums at 16 bits.
    assert not output_is_final(layer, NEST, 0, mem)
    assert tile_bits(layer, NEST, "O", 0, mem) == 16
    # Everything inside and C reduced across D1, which @mem serves: final, 8 bits.
    assert output_is_final(layer, NEST, 5, mem)
    assert tile_bits(layer, NEST, "O", 5, mem) == 4 * 4 * 4 * 8
    # @reg does not serve D1: its copy only holds one C slice's partial sums.
    assert not output_is_final(layer, NEST, 5, reg)
    assert tile_bits(layer, NEST, "O", 5, reg) == 4 * 4 * 4 * 16


def test_tile_never_exceeds_the_dim():
    # K = 7 unrolled 4 ways needs 2 temporal iterations; the tile holds 7, not 8.
    module, layer = one_layer(dims="{B = 1, K = 7, C = 1}", compute="O[B, K] += I[B, C] * W[K, C]",
                              mapping="    spatial D1(K = 2)\n")
    nest = Nest((Loop("K", 4),))
    mem = module.accelerator.memories[1]
    assert tile_bits(replace(layer, nest=nest), nest, "W", 1, mem) == 7 * 8
