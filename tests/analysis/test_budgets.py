"""Time budgets and hostile quorums (issue 9 §5): every loop that can grow looks at
the deadline, and thresholds no cut set of the asked order can reach are ruled out
without building their tables.

The timing assertions are bounds with generous margins (a 1.5 s budget must return
well within 30 s on a loaded 2-core machine), not races.
"""

from __future__ import annotations

import time
from itertools import combinations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pruner.analysis.cuts import minimal_cut_sets
from pruner.analysis.zbdd import threshold_unreachable
from pruner.graph import dependency_graph
from pruner.model import AT_LEAST, SINGLE, Flow, Item, Manifest, Service

ENGINES = ["sets", "zbdd", "bdd"]


def quorum(need: int, of: int):
    replicas = [f"r{i:06d}" for i in range(of)]
    front = Service("front", (Item(AT_LEAST, tuple(replicas), need),))
    return dependency_graph(Manifest.from_lists(
        [front, *(Service(r) for r in replicas)],
        [Flow("use", (Item(SINGLE, ("front",)),))]))


@pytest.mark.parametrize("engine", ENGINES)
def test_21_of_30_to_order_10_stops_at_the_budget(engine):
    # C(30, 10) = 30,045,015 minimal cut sets of order 10: no budget lists them.
    G = quorum(21, 30)
    start = time.monotonic()
    result = minimal_cut_sets(G, max_order=10, deadline=start + 1.5, engine=engine)["use"]
    assert time.monotonic() - start < 30
    assert not result.complete
    assert result.cut_sets == (("front",),)  # the single points of failure are always given


@pytest.mark.parametrize("engine", ["sets", "zbdd", "auto"])  # not "bdd": it builds the
def test_half_of_a_big_quorum_has_no_small_cut_set(engine):   # whole threshold function
    # "5,000 of 10,000 replicas": 5,001 must fail, so no cut set of order <= 3 but
    # the front itself; decided from the supports, not a 5,000 x 10,000 table.
    G = quorum(5_000, 10_000)
    start = time.monotonic()
    result = minimal_cut_sets(G, max_order=3, engine=engine)["use"]
    assert time.monotonic() - start < 60
    assert result.complete
    assert result.cut_sets == (("front",),)


def test_a_small_quorum_still_gets_every_cut_set():
    G = quorum(2, 4)  # 3 of 4 must fail
    sets = minimal_cut_sets(G, max_order=3)["use"].cut_sets
    assert sets == (("front",), *combinations([f"r{i:06d}" for i in range(4)], 3))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.frozensets(st.integers(0, 5), max_size=3), max_size=3),
                min_size=1, max_size=5),
       st.integers(1, 5), st.integers(1, 4))
@example([[frozenset()], [frozenset()], [frozenset({0})], [frozenset({0}), frozenset({0})]],
         4, 1)
def test_threshold_unreachable_never_rules_out_a_cut_set(families, fails, order):
    """When the bound says "unreachable", no set of <= order elements makes ``fails``
    of the families hold (a family holds when the set contains one of its sets)."""
    # a family's support is the union of its sets' variables (a variable in two of
    # its sets is one bit, not two: summing their bits once made 1 + 1 a wrong bit)
    supports = [None if frozenset() in f else
                sum(1 << v for v in frozenset().union(*f)) for f in families]
    if not threshold_unreachable(supports, fails, order):
        return
    universe = range(6)
    for k in range(order + 1):
        for combo in combinations(universe, k):
            chosen = set(combo)
            held = sum(1 for f in families if any(s <= chosen for s in f))
            assert held < fails, (combo, families)
