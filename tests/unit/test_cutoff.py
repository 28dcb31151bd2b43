"""mapper/cutoff.py's tie rule (objective energy): below a node whose energy
bound ties the best energy, the latency decides, and the node's own energy
bound is asked only while such bounds cut something."""

from __future__ import annotations

from dsec.mapper import cutoff as cutoff_module
from dsec.mapper.cutoff import Cutoff


class Fake:
    """A bound that returns `values` by the prefix length asked, counting calls."""

    def __init__(self, values: dict[int, float]) -> None:
        self.values, self.calls = values, []

    def of(self, placed, order, known, enough=float("inf")) -> float:
        self.calls.append(known)
        return self.values[known]


ORDER = [("K", 2), ("C", 2), ("OX", 2)]


def test_below_a_tie_the_latency_decides():
    energy, latency = Fake({0: 100.0, 1: 100.0, 2: 100.0}), Fake({0: 10.0, 1: 10.0, 2: 12.0})
    cutoff = Cutoff("energy", energy, latency)
    best = (100.0, 11.0)  # the best order's energy ties every bound; its latency is 11
    assert not cutoff.beaten(None, ORDER, 0, best)  # ties on energy, latency 10 < 11: kept
    assert not cutoff.beaten(None, ORDER, 1, best)
    assert cutoff.beaten(None, ORDER, 2, best)  # latency 12 > 11: cut
    # Against a lower best energy the root's bound no longer ties: cut on energy.
    assert cutoff.beaten(None, ORDER, 2, (90.0, 11.0))
    # Against a higher one no tie holds: kept without asking the latency.
    asked = len(latency.calls)
    assert not cutoff.beaten(None, ORDER, 1, (120.0, 5.0)) and len(latency.calls) == asked


def test_own_energy_bounds_below_a_tie_are_skipped_only_while_they_cut_nothing():
    probe = cutoff_module._PROBE
    # Every order costs the same energy: own bounds below the root's tie never cut.
    flat = Fake({0: 100.0, 1: 100.0})
    cutoff = Cutoff("energy", flat, Fake({0: 10.0, 1: 10.0}))
    cutoff.beaten(None, ORDER, 0, (100.0, 11.0))
    for _ in range(10 * probe):
        assert not cutoff.beaten(None, ORDER, 1, (100.0, 11.0))
    asked = flat.calls.count(1)
    assert probe <= asked <= 2 * probe + 9  # the first run, then one in `probe`
    # Where they cut, every node asks its own (nothing is forgone).
    steep = Fake({0: 100.0, 1: 150.0})
    cutoff = Cutoff("energy", steep, Fake({0: 10.0, 1: 10.0}))
    cutoff.beaten(None, ORDER, 0, (100.0, 11.0))
    assert all(cutoff.beaten(None, ORDER, 1, (100.0, 11.0)) for _ in range(10 * probe))
    assert steep.calls.count(1) == 10 * probe
