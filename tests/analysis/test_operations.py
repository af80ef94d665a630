"""Operations (spec §8) in the failure analyses, against brute force over the oracle:
cut sets and keep sets range over services unless ``among`` names operations."""

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.cuts import minimal_cut_sets
from pruner.analysis.essential import essential
from pruner.analysis.rank import rank
from pruner.graph import dependency_graph
from tests import oracle
from tests.strategies import manifests_with_operations


def broken(m, off) -> set[str]:
    return {f for f, s in oracle.evaluate_operations(m, off)[2].items() if s == "broken"}


def brute_cut_sets(m, flow, max_order, pool):
    found: list[frozenset] = []
    for k in range(1, max_order + 1):
        for combo in combinations(sorted(pool), k):
            s = frozenset(combo)
            if not any(f <= s for f in found) and flow in broken(m, combo):
                found.append(s)
    return tuple(sorted((tuple(sorted(c)) for c in found), key=lambda c: (len(c), c)))


@settings(max_examples=60, deadline=None)
@given(manifests_with_operations(), st.integers(1, 3), st.data())
def test_cut_sets_range_over_services_unless_operations_are_named(m, k, data):
    G = dependency_graph(m)
    cuts = minimal_cut_sets(G, max_order=k)
    for flow, result in cuts.items():
        assert result.cut_sets == brute_cut_sets(m, flow, k, m.services), flow
    among = data.draw(st.sets(st.sampled_from(sorted(m.nodes)), min_size=1))
    cuts = minimal_cut_sets(G, max_order=k, among=among, engine=data.draw(
        st.sampled_from(["sets", "zbdd", "bdd"])))
    for flow, result in cuts.items():
        assert result.cut_sets == brute_cut_sets(m, flow, k, among), flow


def breaks(m, flows, keep) -> bool:
    return bool(broken(m, [s for s in m.services if s not in keep]) & set(flows))


@settings(max_examples=40, deadline=None)
@given(manifests_with_operations(max_services=5))
def test_keep_set_over_services_is_valid_minimal_and_minimum_when_claimed(m):
    G = dependency_graph(m)
    e = essential(G)
    keep = set(e.keep)
    assert keep <= set(m.services)
    assert set(e.prunable) == set(m.services) - keep
    assert set(e.uncovered) <= set(m.services)
    assert e.services == len(m.services)
    if breaks(m, e.flows, set(m.services)):
        return
    assert not breaks(m, e.flows, keep)
    for s in keep:
        assert breaks(m, e.flows, keep - {s}), f"{s} could be dropped"
    if e.minimum:
        smallest = next(k for k in range(len(m.services) + 1)
                        if any(not breaks(m, e.flows, set(c))
                               for c in combinations(sorted(m.services), k)))
        assert len(keep) == smallest


@settings(max_examples=20, deadline=None)
@given(manifests_with_operations())
def test_rank_names_services_only(m):
    r = rank(dependency_graph(m))
    assert {h.service for h in r.services} <= set(m.services)
    assert r.harmless == len(m.services) - len(r.services)
