"""Completing a mapping file's temporal_ordering."""

from dsec.dialect.attributes import Loop
from dsec.passes.temporal_tile import complete_order


def test_star_takes_what_is_left():
    loops, problem = complete_order((Loop("C", 2), Loop("K", None), Loop("C", None)), {"K": 4, "C": 6})
    assert problem is None
    assert [(lp.dim, lp.factor) for lp in loops] == [("C", 2), ("K", 4), ("C", 3)]


def test_a_factor_for_a_dim_left_nothing_in_time_is_an_error():
    # K is fully unrolled (no temporal iterations left): `K = *` is fine, `K = 4` is not.
    assert complete_order((Loop("K", None), Loop("C", 6)), {"C": 6}) == ([Loop("C", 6)], None)
    _, problem = complete_order((Loop("K", 4), Loop("C", 6)), {"C": 6})
    assert problem == "K is not a temporal loop of the layer"


def test_missing_iterations_are_named():
    _, problem = complete_order((Loop("C", 2),), {"K": 4, "C": 6})
    assert problem == "K needs 4 but the ordering gives 1; C needs 6 but the ordering gives 2"
