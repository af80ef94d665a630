from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.essential import essential
from pruner.analysis.evaluate import BROKEN, switch_off
from tests.analysis.strategies import manifests


def breaks(G, flows, keep):
    ev = switch_off(G, [s for s in G if s not in keep])
    return any(ev.flows[f] == BROKEN for f in flows)


def brute_minimum(G, flows):
    names = sorted(G)
    for k in range(len(names) + 1):
        for keep in combinations(names, k):
            if not breaks(G, flows, set(keep)):
                return k
    return None


@settings(max_examples=300, deadline=None)
@given(manifests(max_services=8))
def test_keep_set_is_valid_minimal_and_minimum_when_claimed(G):
    e = essential(G)
    flows = e.flows
    keep = set(e.keep)
    if breaks(G, flows, set(G)):  # a flow broken with everything on: nothing helps
        return
    assert not breaks(G, flows, keep)
    for s in keep:
        assert breaks(G, flows, keep - {s}), f"{s} could be dropped"
    assert set(e.prunable) == set(G) - keep
    assert set(e.spof) <= keep
    if e.minimum:
        assert len(keep) == brute_minimum(G, flows)


@settings(max_examples=100, deadline=None)
@given(manifests(max_services=8), st.data())
def test_explicit_flows(G, data):
    flows = data.draw(st.sets(st.sampled_from(sorted(G.graph["flows"])), min_size=1))
    e = essential(G, flows)
    assert e.flows == tuple(sorted(flows))
    if not breaks(G, flows, set(G)):
        assert not breaks(G, flows, set(e.keep))
