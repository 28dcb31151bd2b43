"""The cost model's functions on tiny layers, with the numbers worked out by hand."""

import random

import pytest

from dsec.cost.energy import access_energy, word_accesses
from dsec.cost.evaluate import evaluate_layer
from dsec.cost.latency import PortActivity, port_stall, reduce_ordered, window_union
from dsec.cost.levels import merge_stationary_loops
from dsec.cost.tile_sizes import OperandTiles, TileError, tile_bits
from dsec.cost.traffic import Transfer
from dsec.cost.workload import OperandView, WindowIndex, tensor_elements, window_size
from dsec.dialect.parser import parse_module
from dsec.dialect.accelerator import Memory, Port
from dsec.dialect.ops import operand_shapes


def test_window_size_counts_distinct_inputs():
    assert window_size(1, 4, 1, 3) == 6  # stride 1, 3-tap kernel over 4 outputs: 4 + 3 - 1
    assert window_size(2, 4, 1, 3) == 9  # stride 2: 2*3 + 3
    assert window_size(2, 4, 1, 1) == 4  # stride 2, 1x1 kernel: every other input, the holes not counted


def test_tensor_elements_cuts_windows_at_the_tensor_edge():
    padded = OperandView("I", "I1", ("C",), (WindowIndex("OY", 1, "FY", 3, 4),), 8, 8)
    assert tensor_elements(padded, {"C": 2, "OY": 4, "FY": 3}) == 2 * 4  # 6 rows, only 4 exist
    assert tensor_elements(padded, {"C": 2, "OY": 2, "FY": 3}) == 2 * 4


def test_tensor_elements_rounds_the_same_whichever_dim_a_loop_belongs_to():
    # 64 channels on 12 PEs: 6 iterations of 10.67. A loop of 7 on the rows or
    # on the columns gives one tile in exact arithmetic; multiplying the whole
    # extents first keeps it one float too (sorted by value, 10.67 * 98 and
    # 7 * 10.67 * 14 differ in the last bit), so the order tree may order
    # such loops once (mapper/symmetry.py).
    relu = OperandView("I", "I1", ("G", "OY", "OX"), (), 8, 8)
    channels = 64 / 6
    for rows, columns in [(28, 7), (2, 7), (7, 7)]:
        assert tensor_elements(relu, {"G": channels, "OY": 14 * rows, "OX": columns}) == \
            tensor_elements(relu, {"G": channels, "OY": 14 * rows * columns, "OX": 1})


def _port(low, high):
    return Port("p", "read_write", low, high, (("I1", "tl"),))


def test_word_accesses_round_to_the_minimum_width():
    # 12 bits per transfer on a port of 8..32 bits: ceil(12/8) = 2 narrow words = 0.5 wide accesses.
    transfer = Transfer(amount=3, precision=4, period=1, count=10)
    assert word_accesses(transfer, _port(8, 32), instances=3) == int(2 * (8 / 32) * 10 * 3)
    assert word_accesses(Transfer(), _port(8, 8), instances=1) == 0


def test_access_energy_reads_and_writes():
    memory = Memory("m", 1024, r_cost=2.0, w_cost=3.0, area=0.0, latency=1, operands=("I1",), served_dimensions=(),
                    ports=())
    assert access_energy({"tl": 5, "th": 1, "fh": 2, "fl": 0}, memory) == {"tl": 10.0, "th": 2.0, "fh": 6.0,
                                                                           "fl": 0.0}


def test_irrelevant_loops_at_the_bottom_of_a_level_merge_down():
    weights = OperandView("W", "I2", ("C", "K"), (), 8, 8)
    # Level 1 starts with OX (irrelevant to W): it moves to the top of level 0.
    levels, stationary = merge_stationary_loops([(("OY", 2), ("C", 2)), (("OX", 4), ("K", 2))], weights)
    assert levels == [(("OY", 2), ("C", 2), ("OX", 4)), (("K", 2),)]
    assert stationary == 2  # OY at the bottom of level 0: each weight is used 2 cycles in a row


def test_reduce_ordered_shortens_the_longest_load_first():
    assert reduce_ordered([10, 4], [2, 1], budget=9) == [2, 3]
    assert reduce_ordered([10, 4], [2, 1], budget=0) == [10, 4]


def test_port_stall_of_transfers_sharing_a_port():
    # One transfer: 3 cycles needed where 1 is allowed, 5 times (the first is onloading).
    assert port_stall([PortActivity(real=3, allowed=1, period=4, count=5)]) == 8
    # Two transfers: a may use cycle 0 of every 2, b cycle 0 of every 4; per 4
    # cycles the port may work in cycles 0 and 2, 4 times: 8 cycles of window.
    a, b = PortActivity(real=1, allowed=1, period=2, count=8), PortActivity(real=2, allowed=1, period=4, count=4)
    assert window_union([a, b]) == 8
    # b stalls (2 - 1) * 3 = 3; the windows they would use (7 + 3) exceed the 8 they share by 2.
    assert port_stall([a, b]) == 3 + 2


TINY = """dsec.module @m {
  accelerator @acc {
    array [D1 = 2] {unit_energy = 0.5, unit_area = 1.0}
    memory @buf operands [I1, I2, O] served [D1] {size = 100000, r_cost = 1.0, w_cost = 2.0, area = 0.0, latency = 1} {
      port @rw read_write {bandwidth_min = 8, bandwidth_max = 8} [I1.tl, I2.tl, O.tl, O.fl, I1.fh, I2.fh, O.fh, O.th]
    }
  }
  options {}
  %x = dsec.input "x" : tensor<2xi8>
  %w = dsec.const "w" : tensor<4x2xi8>
  %y = dsec.layer @fc "Gemm"(I: %x, W: %w) : tensor<4xi8> {
    dims {K = 4, C = 2}
    O[K] += I[C] * W[K, C]
    precision {I = 8, W = 8, O = 16, O_final = 8}
    links {I = I1, W = I2, O = O}
    nest {
      buffer @buf [I, W, O]
      for K = 2 {
        for C = 2 {
          spatial D1(K = 2)
        }
      }
    }
  }
  dsec.return %y
}
"""


def test_tiny_layer_by_hand():
    """K = 4 outputs, C = 2 inputs, K unrolled on 2 PEs, one buffer for all.

    8 MACs x 0.5 pJ = 4 pJ. Each of the 4 cycles the buffer sends one input
    word to both PEs (4 reads = 4 pJ) and 2 weights (2 words, 8 reads = 8 pJ),
    and takes 2 partial sums of 16 bits (4 words, 16 writes x 2 pJ = 32 pJ)
    which it also reads back (C is a reduction loop above the PEs:
    16 reads = 16 pJ). Total 64 pJ.
    Latency: 4 cycles of loops; the one port must move 1 + 2 + 4 + 4 words a
    cycle where one fits: stall = sum of (needed - 1) * 3 later cycles = 21,
    plus the 12 - 4 cycles of window the four transfers would share: 29.
    """
    module = parse_module(TINY)
    layer = module.layers()[0]
    cost = evaluate_layer(layer, module.accelerator, operand_shapes(layer, module.value_shapes()))
    assert cost.mac_energy == 4.0
    energy = {op: sum(d.values()) for op, d in cost.memory_energy["buf"].items()}
    assert energy == {"O": 48.0, "I": 4.0, "W": 8.0}
    assert cost.energy == 64.0
    assert cost.accesses["buf"]["O"] == {"fh": 0, "tl": 16, "fl": 16, "th": 0}
    assert cost.latency.ideal_cycles == 4
    assert cost.latency.temporal_cycles == 4
    assert cost.latency.stall_cycles == 29
    assert cost.latency.total == 33
    assert cost.utilization == pytest.approx(4 / 33)


def test_allocation_reports_operands_that_do_not_fit_together():
    from dsec.cost.allocation import AllocationError, _best_prefixes

    shared = Memory("m", 10, 1.0, 1.0, 0.0, 1, ("I1", "O"), (), ())
    # Each tile alone fits in 10 bits; the two together (8 + 8) do not.
    found = _best_prefixes(["I1", "O"], {"I1": [8], "O": [8]}, {"I1": [], "O": []}, shared,
                           {"I1": "dram", "O": "dram"}, {"I1": "I", "O": "O"})
    assert found == AllocationError("I+O", "m", 16, 10, "the operands' tiles placed below it do not fit together")


def test_memory_alloc_tiles_are_tensor_elements_of_each_prefix_to_the_bit():
    # memory-alloc grows a tile one loop at a time (tile_sizes.OperandTiles):
    # over whole extents it multiplies, over fractional ones (K = 12.8 on 14
    # PEs) it counts from scratch. Either way each size is the float
    # tensor_elements gives for that prefix, so ties between prefixes go the
    # same way as in a count from scratch.
    rng = random.Random(0)
    weights = OperandView("W", "I2", ("C", "FX", "FY", "K"), (), 8, 8)
    memory = Memory("buffer", 10 ** 15, 1, 1, 1, 1, ("I2",), (), ())
    fractional = 0
    for _ in range(300):
        spatial = [("K", rng.choice([14, 12.8, 64 / 6])), ("C", rng.choice([12, 10.5, 64 / 6]))]
        loops = [(rng.choice(["C", "K", "FX", "OX"]), rng.choice([2, 3, 5, 7, 11])) for _ in range(rng.randint(1, 7))]
        cut = rng.randint(0, len(loops))
        allocated, unallocated = spatial + loops[:cut], loops[cut:]
        sizes = OperandTiles(weights, False, [tuple(spatial)]).sizes(1, allocated, unallocated, memory, False)
        for i, size in enumerate(sizes):
            assert size == tile_bits(weights, allocated + unallocated[:i], 8), (allocated, unallocated, i)
        fractional += any(factor != int(factor) for _, factor in spatial)
    assert fractional > 100


def _sizes_from_scratch(operand, is_output, spatial, level, allocated, unallocated, memory, top):
    """memory-alloc's tile sizes at arch `level`, every tile counted anew."""
    above = [loop for lvl in spatial[level:] for loop in lvl] + unallocated
    partial = any(dim not in operand.depends and factor > 1 for dim, factor in above)
    precision = operand.precision if not is_output or partial else operand.final_precision
    whole = tile_bits(operand, allocated + unallocated, precision)
    if top and not memory.force_double_buffering and whole <= memory.size:
        return [whole] * (len(unallocated) + 1)
    sizes = []
    for i in range(len(unallocated) + 1):
        size = tile_bits(operand, allocated + unallocated[:i], precision)
        if memory.force_double_buffering and i < len(unallocated) and size < whole:
            size *= 2
        if size > memory.size:
            if i == 0:
                return TileError(size)
            break
        sizes.append(size)
    return sizes


def test_tiles_kept_across_a_search_equal_a_count_from_scratch():
    # One OperandTiles serves every order of one set of loops (a search): the
    # tile a node resumes from and each whole tile are kept between calls.
    # Each answer must be the one a count from scratch gives, whatever the
    # level, cut, precision (partial sums or final) and kind of memory.
    rng = random.Random(1)
    output = OperandView("O", "O", ("B", "K", "OX", "OY"), (), 16, 8)
    inputs = OperandView("I", "I1", ("B", "C"), (WindowIndex("OY", 1, "FY", 3, None),), 8, 8)
    # K 3 and 7 over K = 64/6 round differently in the two orders (a whole tile is
    # then counted anew each time).
    loops = [("K", 3), ("K", 7), ("C", 2), ("C", 5), ("OY", 7), ("FY", 3), ("OX", 2)]
    for operand, is_output in ((output, True), (inputs, False)):
        for spatial in ([(("K", 4),), (("OX", 2),), (("C", 2),)], [(("K", 4),), (("OY", 2),), ()],
                        [(("K", 64 / 6),), (("OY", 3.5),), ()]):
            tiles = OperandTiles(operand, is_output, spatial)
            for _ in range(400):
                order = rng.sample(loops, len(loops))
                level, cut = rng.randint(1, len(spatial) - 1), rng.randint(0, len(loops))
                allocated = [loop for lvl in spatial[:level] for loop in lvl] + order[:cut]
                memory = Memory("m", rng.choice([2 ** 9, 2 ** 12, 2 ** 15, 2 ** 20]), 1, 1, 1, 1, (operand.memory_operand,),
                                (), (), force_double_buffering=rng.random() < 0.3)
                top = rng.random() < 0.3
                expected = _sizes_from_scratch(operand, is_output, spatial, level, allocated, order[cut:], memory, top)
                assert tiles.sizes(level, allocated, order[cut:], memory, top) == expected, (order, level, cut)
