"""Temporal loop orders: the distinct permutations of a multiset of loop
factors, innermost loop first, generated depth first: LOMA's space, which
`temporal-tile{search=exhaustive}` scores order by order (the pruned search,
order_tree.py, visits it once per distinct cost).
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


def loop_orders(factors: list[Factor], seed: int | None = None) -> Iterator[tuple[Factor, ...]]:
    """Every distinct order of `factors` (innermost first). `seed` shuffles
    the order in which branches are visited."""
    counts = Counter(factors)
    items = sorted(counts)
    if seed is not None:
        random.Random(seed).shuffle(items)
    total = len(factors)
    order: list[Factor] = []

    def visit() -> Iterator[tuple[Factor, ...]]:
        if len(order) == total:
            yield tuple(order)
            return
        for item in items:
            if not counts[item]:
                continue
            counts[item] -= 1
            order.append(item)
            yield from visit()
            order.pop()
            counts[item] += 1

    yield from visit()
