"""Temporal loop orders: the distinct permutations of a multiset of loop
factors, innermost loop first, generated depth first: LOMA's space, which
`temporal-tile{search=exhaustive}` scores order by order (the pruned search,
order_tree.py, visits it once per distinct cost).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from math import factorial, prod

Factor = tuple[str, int]


def count_orders(factors: list[Factor]) -> int:
    """How many distinct orders the multiset has (n! / prod(count!))."""
    return factorial(len(factors)) // prod(factorial(c) for c in Counter(factors).values())


def loop_orders(factors: list[Factor], seed: int | None = None) -> Iterator[tuple[Factor, ...]]:
    """Every distinct order of `factors` (innermost first). `seed` shuffles
    the order in which branches are visited."""
    items = sorted(set(factors))
    if seed is not None:
        random.Random(seed).shuffle(items)
    return (tuple(order) for order in multiset_sequences(Counter(factors), items, lambda sequence: False))


def multiset_sequences(counts: Counter, items: list, done: Callable[[list], bool]) -> Iterator[list]:
    """Sequences drawn from the multiset `counts`, branches visited in the
    order of `items`, each extended until `done` holds or nothing is left."""
    sequence: list = []

    def visit() -> Iterator[list]:
        if done(sequence) or not any(counts[item] for item in items):
            yield list(sequence)
            return
        for item in items:
            if counts[item]:
                counts[item] -= 1
                sequence.append(item)
                yield from visit()
                sequence.pop()
                counts[item] += 1

    yield from visit()
