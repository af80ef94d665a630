from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.cuts import minimal_cut_sets
from tests.analysis.strategies import brute_cut_sets, manifests


@settings(max_examples=300, deadline=None)
@given(manifests(), st.integers(1, 3))
def test_cut_sets_equal_brute_force(G, k):
    result = minimal_cut_sets(G, max_order=k)
    for flow, cuts in result.items():
        assert list(cuts.cut_sets) == brute_cut_sets(G, flow, k), flow
        assert cuts.complete


@settings(max_examples=150, deadline=None)
@given(manifests(), st.integers(1, 3), st.data())
def test_cut_sets_among_candidates_equal_brute_force(G, k, data):
    among = data.draw(st.sets(st.sampled_from(sorted(G))))
    result = minimal_cut_sets(G, max_order=k, among=among)
    for flow, cuts in result.items():
        assert list(cuts.cut_sets) == brute_cut_sets(G, flow, k, among), flow
