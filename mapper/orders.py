"""Temporal loop orders: the distinct permutations of a multiset of loop
factors, innermost loop first, generated depth first.

`symmetric` prunes orders that differ only in the order of adjacent loops
of the same relevance class (dims every operand sees alike, such as OX and
OY of a convolution): within such a run only the sorted order is visited. Tile
sizes are equal for the two orders at every position but one, so this keeps
one representative of what the cost model cannot tell apart at the level
boundaries memory-alloc draws.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from math import factorial, prod

Factor = tuple[str, int]


def count_orders(factors: list[Factor]) -> int:
    """How many distinct orders the multiset has (n! / prod(count!))."""
    return factorial(len(factors)) // prod(factorial(c) for c in Counter(factors).values())


def loop_orders(factors: list[Factor], classes: dict[str, object] | None = None,
                seed: int | None = None) -> Iterator[tuple[Factor, ...]]:
    """Every distinct order of `factors` (innermost first); with `classes`
    (dim -> relevance class) runs of one class come in sorted order only.
    `seed` shuffles the order in which branches are visited."""
    counts = Counter(factors)
    items = sorted(counts)
    if seed is not None:
        random.Random(seed).shuffle(items)
    total = len(factors)
    order: list[Factor] = []

    def visit(previous: Factor | None) -> Iterator[tuple[Factor, ...]]:
        if len(order) == total:
            yield tuple(order)
            return
        for item in items:
            if not counts[item]:
                continue
            if (classes is not None and previous is not None and classes.get(previous[0]) == classes.get(item[0])
                    and item < previous):
                continue
            counts[item] -= 1
            order.append(item)
            yield from visit(item)
            order.pop()
            counts[item] += 1

    yield from visit(None)


def relevance_classes(operands) -> dict[str, tuple]:
    """dim -> how each operand sees it: 'r' relevant, 'pr' in a sliding window, '' not at all."""
    dims = {d for op in operands for d in op.relevant} | {d for op in operands for w in op.windows
                                                          for d in (w.dim_a, w.dim_b)}
    return {dim: tuple("r" if dim in op.relevant else "pr" if op.depends_on(dim) else "" for op in operands)
            for dim in dims}
