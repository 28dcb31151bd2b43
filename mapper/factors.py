"""Loop prime factors (LOMA's building blocks of a temporal ordering)."""

from __future__ import annotations


def prime_factors(n: int) -> list[int]:
    """Prime factors of n in ascending order, with repetition."""
    factors, p = [], 2
    while p * p <= n:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    if n > 1:
        factors.append(n)
    return factors


def loop_prime_factors(sizes: dict[str, int], lpf_limit: int | None) -> list[tuple[str, int]]:
    """Each dim's iterations split into prime factors, at most `lpf_limit` of
    them in all: while there are too many, the two smallest factors of the dim
    with the most factors are merged (LOMA's rule, so that the space searched
    at a given limit is the one ZigZag searches). The limit is raised to one
    factor per dim, as LOMA does."""
    per_dim = {dim: prime_factors(size) for dim, size in sizes.items() if size > 1}
    limit = None if lpf_limit is None else max(lpf_limit, len(per_dim))
    while limit is not None and sum(len(f) for f in per_dim.values()) > limit:
        dim = max(per_dim, key=lambda d: len(per_dim[d]))  # first of the largest, as max() in LOMA
        smallest, second, *rest = per_dim[dim]
        per_dim[dim] = sorted([smallest * second, *rest])
    return [(dim, factor) for dim, factors in per_dim.items() for factor in factors]


# LOMA's default lpf_limit, the one ZigZag users get.
ZIGZAG_LPF_LIMIT = 6


def factor_spaces(sizes: dict[str, int], lpf_limit: int) -> list[list[tuple[str, int]]]:
    """The loop factors of each space the temporal search orders at
    `lpf_limit`: LOMA's at that limit and, above ZigZag's default, LOMA's at
    the default too. LOMA merges factors differently at each limit and
    memory-alloc places a K = 4 loop otherwise than two K = 2 loops, so
    neither space holds every mapping of the other; searching both, the
    search is never worse than ZigZag at its default. The default's space
    comes first: it is the smaller, and its best order, mostly close to the
    larger space's, lets the bounds cut most of that one."""
    spaces = [loop_prime_factors(sizes, lpf_limit)]
    if lpf_limit > ZIGZAG_LPF_LIMIT:
        default = loop_prime_factors(sizes, ZIGZAG_LPF_LIMIT)
        if sorted(default) != sorted(spaces[0]):
            spaces.insert(0, default)
    return spaces
