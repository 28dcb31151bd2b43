"""How an operand's tile grows with the loops under a memory, which decides
memory-alloc's choices before the whole loop order is known.

memory-alloc gives a memory the prefix of an operand's loops that leaves
the fewest words to move: the tile times the loops above it. When one more
loop never multiplies the tile by more than the loop's factor, the longest
prefix that fits wins; when no tile times the loops above it is less than
the whole tile, a memory that holds the whole operand takes it. Both hold
for every tile whose dims are unrolled by whole factors. A sliding window
over a fractionally unrolled dim breaks the first (its extent is cut to
whole elements: a window of 3 rows of 3.5 becomes one of 7 rows of 7), and
may or may not break the second: that is checked over every set of the
layer's loops a tile can have.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import product
from math import prod

from dsec.cost.levels import LoopList, loop_extents
from dsec.cost.workload import OperandView, tensor_elements

# A float product that equals the whole tile up to rounding counts as a tie,
# as it does for a relevant dim unrolled fractionally (K = 12.8 on 14 PEs).
_ROUNDING = 1e-9


@dataclass(frozen=True, slots=True)
class TileGrowth:
    longest_fitting_wins: bool  # a memory's best prefix is the longest that fits
    whole_wins: bool  # a memory that holds the whole operand takes it


def tile_growth(operand: OperandView, spatial_per_level: list[LoopList],
                loops: tuple[tuple[str, int], ...] | None) -> TileGrowth:
    """For the tiles of `operand` under each level's spatial loops and any
    set of the temporal `loops` (None: loops not known, assume the worst)."""
    window_dims = {d for w in operand.windows for d in (w.dim_a, w.dim_b)}
    if all(float(factor).is_integer() for level in spatial_per_level for dim, factor in level if dim in window_dims):
        return TileGrowth(True, True)
    if loops is None:
        return TileGrowth(False, False)
    relevant = Counter(loop for loop in loops if operand.depends_on(loop[0]))
    items = sorted(relevant)
    full = tuple(relevant[item] for item in items)
    longest_wins = whole_wins = True
    for level in range(len(spatial_per_level) - 1):  # the last: spatial loops above the top memory
        spatial = tuple(loop for lvl in spatial_per_level[:level + 1] for loop in lvl)
        tiles = {counts: tensor_elements(operand, loop_extents((spatial, _chosen(items, counts))))
                 for counts in product(*(range(many + 1) for many in full))}
        for counts, tile in tiles.items():
            outside = prod(factor ** (many - count) for (_, factor), many, count in zip(items, full, counts))
            whole_wins = whole_wins and tile * outside >= tiles[full] * (1 - _ROUNDING)
            for index, ((_, factor), many, count) in enumerate(zip(items, full, counts)):
                if count < many:
                    grown = tiles[counts[:index] + (count + 1,) + counts[index + 1:]]
                    longest_wins = longest_wins and tile * factor >= grown * (1 - _ROUNDING)
    return TileGrowth(longest_wins, whole_wins)


def _chosen(items: list[tuple[str, int]], counts: tuple[int, ...]) -> tuple[tuple[str, int], ...]:
    return tuple(item for item, count in zip(items, counts) for _ in range(count))
