"""How an operand's tile grows with the loops under a memory, which decides
memory-alloc's choices before the whole loop order is known.

memory-alloc gives a memory the prefix of an operand's loops that leaves
the fewest words to move (the tile times the loops above it; ties go to the
larger tile). When one more loop never multiplies the tile by more than its
factor, the longest prefix that fits wins; when no tile times the loops
above it moves fewer words than the whole tile, a memory that holds the
whole operand takes it. Both hold for tiles whose dims are all unrolled by
whole factors. A sliding window over a fractionally unrolled dim breaks the
first (its extent is cut to whole elements: a window of 3 rows of 3.5
becomes one of 7 rows of 7), and may or may not break the second: that is
checked over every set of the search's loops a tile can have. A relevant
dim unrolled fractionally makes tiles fractions, and memory-alloc compares
them in floats: with halves or quarters (OX = 3.5) every product it forms
is exact and the same check holds; with K = 12.8 on 14 PEs products that
tie in exact arithmetic may not in floats, the last bit picks the prefix,
and nothing is claimed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import product
from math import prod

from dsec.cost.levels import LoopList, loop_extents
from dsec.cost.workload import OperandView, tensor_elements


# Fractional factors that are multiples of 1/16, at most four of them on the
# operand's dims: every tile is a multiple of 2**-16, exact in a float below
# 2**37 (53-bit mantissa).
_EXACT_STEP = 16
_EXACT_FACTORS = 4
_EXACT_BELOW = 2.0 ** 35


@dataclass(frozen=True, slots=True)
class TileGrowth:
    longest_fitting_wins: bool  # a memory's best prefix is the longest that fits
    whole_wins: bool  # a memory that holds the whole operand takes it


def tile_growth(operand: OperandView, spatial_per_level: list[LoopList],
                loops: tuple[tuple[str, int], ...] | None) -> TileGrowth:
    """For the tiles of `operand` under each level's spatial loops and any
    set of the temporal `loops` (None: loops not known, assume the worst)."""
    fractional = [(dim, factor) for level in spatial_per_level for dim, factor in level
                  if not float(factor).is_integer()]
    if not {dim for dim, _ in fractional} & operand.depends:
        return TileGrowth(True, True)
    in_tiles = [factor for dim, factor in fractional if dim in operand.relevant]
    if loops is None or len(in_tiles) > _EXACT_FACTORS or \
            any(not (factor * _EXACT_STEP).is_integer() for factor in in_tiles):
        return TileGrowth(False, False)
    relevant = Counter(loop for loop in loops if operand.depends_on(loop[0]))
    items = sorted(relevant)
    full = tuple(relevant[item] for item in items)
    longest_wins = whole_wins = True
    for level in range(len(spatial_per_level) - 1):  # the last: spatial loops above the top memory
        spatial = tuple(loop for lvl in spatial_per_level[:level + 1] for loop in lvl)
        tiles = {counts: tensor_elements(operand, loop_extents((spatial, _chosen(items, counts))))
                 for counts in product(*(range(many + 1) for many in full))}
        if tiles[full] * max(operand.precision, operand.final_precision) >= _EXACT_BELOW:
            return TileGrowth(False, False)  # ties near the whole tile might round
        for counts, tile in tiles.items():
            outside = prod(factor ** (many - count) for (_, factor), many, count in zip(items, full, counts))
            whole_wins = whole_wins and tile * outside >= tiles[full]
            for index, ((_, factor), many, count) in enumerate(zip(items, full, counts)):
                if count < many:
                    grown = tiles[counts[:index] + (count + 1,) + counts[index + 1:]]
                    longest_wins = longest_wins and tile * factor >= grown
    return TileGrowth(longest_wins, whole_wins)


def _chosen(items: list[tuple[str, int]], counts: tuple[int, ...]) -> tuple[tuple[str, int], ...]:
    return tuple(item for item, count in zip(items, counts) for _ in range(count))
