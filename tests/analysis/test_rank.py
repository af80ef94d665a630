"""rank (issue 3) tallies the minimal cut sets of order <= 2 from their bitsets: the
same as counting the cut sets minimal_cut_sets writes out (themselves checked against
brute force in test_cuts), on random manifests with groups, quorums and cycles, with
operations (named only when switched off), and when a budget cuts the search short."""

from __future__ import annotations

import time
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.cuts import cut_set_tally, minimal_cut_sets
from pruner.analysis.rank import rank
from pruner.graph import dependency_graph
from tests.analysis.strategies import manifests
from tests.strategies import manifests_with_operations


def _by_names(G, flows, max_order, deadline=None):
    """The tally read off the cut sets minimal_cut_sets writes out."""
    found = minimal_cut_sets(G, flows, max_order, deadline=deadline)
    sets = [(flow, c) for flow, result in found.items() for c in result.cut_sets]
    count = Counter(s for _, c in sets for s in c)
    alone = {c[0]: sorted(f for f, d in sets if d == c) for _, c in sets if len(c) == 1}
    return dict(count), alone, all(r.complete for r in found.values())


@settings(max_examples=150, deadline=None)
@given(st.one_of(manifests(), manifests_with_operations().map(dependency_graph)),
       st.integers(1, 2), st.data())
def test_tally_equals_counting_the_cut_sets(G, max_order, data):
    """Orders 1 and 2, where the bitsets are tallied (higher orders count the names)."""
    flows = data.draw(st.lists(st.sampled_from(sorted(G.graph["flows"])), unique=True)
                      if G.graph["flows"] else st.just([]))
    assert cut_set_tally(G, flows, max_order) == _by_names(G, flows, max_order)


@settings(max_examples=40, deadline=None)
@given(manifests(), st.integers(1, 2))
def test_a_spent_budget_tallies_what_minimal_cut_sets_still_gives(G, max_order):
    """Order 2: the single points of failure; order 1: nothing. Incomplete either way."""
    past = time.monotonic() - 1.0
    assert cut_set_tally(G, None, max_order, deadline=past) == \
        _by_names(G, None, max_order, deadline=past)


@settings(max_examples=60, deadline=None)
@given(manifests())
def test_rank_orders_the_tally(G):
    ranking = rank(G)
    table = G.graph["flows"]
    count, alone, _ = _by_names(G, sorted(n for n in table if table[n].critical), 2)
    assert {h.service: h.cut_sets for h in ranking.services} == count
    assert {h.service: list(h.spof_for) for h in ranking.services if h.spof_for} == alone
    keys = [(-len(h.spof_for), -h.cut_sets, h.service) for h in ranking.services]
    assert keys == sorted(keys)
