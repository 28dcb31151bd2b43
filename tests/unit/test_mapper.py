"""The mapper's building blocks, checked by hand."""

from dsec.dialect.attributes import Loop
from dsec.mapper.factors import factor_spaces, loop_prime_factors, prime_factors
from dsec.mapper.orders import count_orders, loop_orders
from dsec.mapper.temporal import fixed_prefix


def test_prime_factors():
    assert prime_factors(56) == [2, 2, 2, 7]
    assert prime_factors(1) == []
    assert prime_factors(97) == [97]


def test_lpf_limit_merges_the_smallest_factors_of_the_dim_with_most_factors():
    sizes = {"K": 2, "OY": 28, "OX": 28, "FX": 3}
    # 1 + 3 + 3 + 1 = 8 factors; at 6, OY (first of the largest) gives up 2x2 = 4, then OX does.
    assert loop_prime_factors(sizes, 6) == [("K", 2), ("OY", 4), ("OY", 7), ("OX", 4), ("OX", 7), ("FX", 3)]
    assert loop_prime_factors(sizes, 8) == [("K", 2), ("OY", 2), ("OY", 2), ("OY", 7), ("OX", 2), ("OX", 2),
                                            ("OX", 7), ("FX", 3)]
    # The limit never goes below one factor per dim (LOMA raises it).
    assert loop_prime_factors(sizes, 1) == [("K", 2), ("OY", 28), ("OX", 28), ("FX", 3)]


def test_a_limit_above_zigzags_default_searches_its_space_too():
    sizes = {"K": 2, "OY": 28, "OX": 28, "FX": 3}
    # The default's (smaller) space first.
    assert factor_spaces(sizes, 8) == [loop_prime_factors(sizes, 6), loop_prime_factors(sizes, 8)]
    assert factor_spaces(sizes, 6) == [loop_prime_factors(sizes, 6)]
    assert factor_spaces(sizes, 3) == [loop_prime_factors(sizes, 3)]
    # Where both limits give the same factors there is one space.
    assert factor_spaces({"K": 4, "C": 9}, 7) == [loop_prime_factors({"K": 4, "C": 9}, 7)]


def test_distinct_orders_of_a_multiset():
    factors = [("C", 2), ("C", 2), ("K", 3)]
    orders = list(loop_orders(factors))
    assert count_orders(factors) == len(orders) == 3
    assert set(orders) == {(("C", 2), ("C", 2), ("K", 3)), (("C", 2), ("K", 3), ("C", 2)),
                           (("K", 3), ("C", 2), ("C", 2))}


def test_seed_changes_the_visiting_order_only():
    factors = [("C", 2), ("K", 3), ("OX", 5)]
    assert sorted(loop_orders(factors, seed=3)) == sorted(loop_orders(factors))
    assert list(loop_orders(factors, seed=3)) == list(loop_orders(factors, seed=3))


def test_partial_order_fixes_the_innermost_loops():
    prefix, left = fixed_prefix((Loop("K", 2), Loop("C", None)), {"K": 8, "C": 6, "OX": 4})
    assert prefix == [("K", 2), ("C", 6)]
    assert left == {"K": 4, "OX": 4}
    assert fixed_prefix((Loop("K", 3),), {"K": 8}) == "K = 3 does not divide the 8 iterations of K left"
