from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.cuts import minimal_cut_sets
from tests.analysis.strategies import brute_cut_sets, manifests, zbdd_family

engines = st.sampled_from(["auto", "sets", "zbdd", "bdd"])


@settings(max_examples=300, deadline=None)
@given(manifests(), st.integers(1, 4), engines)
def test_cut_sets_equal_brute_force(G, k, engine):
    result = minimal_cut_sets(G, max_order=k, engine=engine)
    for flow, cuts in result.items():
        assert list(cuts.cut_sets) == brute_cut_sets(G, flow, k), flow
        assert cuts.complete


@settings(max_examples=150, deadline=None)
@given(manifests(), st.integers(1, 4), st.data(), engines)
def test_cut_sets_among_candidates_equal_brute_force(G, k, data, engine):
    among = data.draw(st.sets(st.sampled_from(sorted(G))))
    result = minimal_cut_sets(G, max_order=k, among=among, engine=engine)
    for flow, cuts in result.items():
        assert list(cuts.cut_sets) == brute_cut_sets(G, flow, k, among), flow


@settings(max_examples=300, deadline=None)
@given(st.sets(st.integers(0, 25_000), max_size=40))
def test_positions_of_a_mask_are_its_set_bits(bits):
    """Both ways of reading a mask (popping few bits, scanning the digits of many)
    give its set bits, lowest first, on either side of the threshold."""
    from pruner.analysis.cuts import set_bits

    assert set_bits(sum(1 << b for b in bits)) == sorted(bits)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=3), min_size=6, max_size=6, unique=True),
       st.sets(st.frozensets(st.integers(0, 5), min_size=1, max_size=4), max_size=10))
def test_diagram_cut_sets_are_sorted_by_size_then_names(names, family):
    """The diagram engine orders cut sets by size, then by names compared one by one,
    whatever the names (prefixes of each other, any character, NUL included)."""
    from types import SimpleNamespace

    from pruner.analysis.cuts import _zbdd_names
    from pruner.analysis.zbdd import Zbdd

    z = Zbdd()
    node = zbdd_family(z, family)
    shown = [tuple(sorted(names[v] for v in s)) for s in family]
    got = _zbdd_names(SimpleNamespace(names=names), z, node, list(range(6)))
    assert got == sorted(shown, key=lambda s: (len(s), s))
