import json
from itertools import combinations
from pathlib import Path

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


# --- issue 9 §6: deliberate ties, redundancy named ---------------------------------

def _essential_of(text):
    from pruner.analysis.essential import essential
    from pruner.graph import dependency_graph
    from pruner.loader import load_sources

    return essential(dependency_graph(load_sources([("m.yaml", text)]).manifest))


def test_ties_keep_the_primary_of_a_fallback_group_not_the_first_name():
    e = _essential_of("""
services:
  web: {depends_on: [{any_of: [sms-zeta, sms-alpha]}]}
  sms-zeta: {}
  sms-alpha: {}
flows: {login: {requires: [web]}}
""")
    assert e.keep == ("sms-zeta", "web")  # listed first: the preferred provider
    assert e.prunable == ("sms-alpha",) and e.redundant == ("sms-alpha",)


def test_ties_keep_the_more_critical_tier():
    e = _essential_of("""
services:
  web: {depends_on: [{any_of: [a, b]}]}
  a: {tier: 2}
  b: {tier: 0}
flows: {login: {requires: [web]}}
""")
    assert e.keep == ("b", "web") and e.redundant == ("a",)


def test_quorum_keeps_the_first_listed_members_and_names_the_rest_redundant():
    e = _essential_of("""
services:
  store: {depends_on: [{at_least: 2, of: [zk-3, zk-1, zk-2]}]}
  zk-1: {}
  zk-2: {}
  zk-3: {}
  metrics: {}
  web: {depends_on: [store, {service: metrics, soft: true}]}
flows: {f: {requires: [web]}}
""")
    assert e.keep == ("store", "web", "zk-1", "zk-3")
    assert e.redundant == ("zk-2",)  # metrics is prunable freely: soft only
    assert "metrics" in e.prunable and "metrics" not in e.redundant


def test_redundancy_is_said_in_text_and_json():
    from click.testing import CliRunner

    from pruner.cli import main

    twitter = str(Path(__file__).resolve().parents[2] / "manifests" / "twitter")
    text = CliRunner().invoke(main, ["essential", twitter]).output
    assert "prunable only by giving up redundancy" in text
    data = json.loads(CliRunner().invoke(main, ["essential", twitter,
                                                "--format", "json"]).output)
    assert set(data["prunable_giving_up_redundancy"]) <= set(data["prunable"])
    assert "sms-provider-a" in data["keep"] and "sms-provider-b" in data[
        "prunable_giving_up_redundancy"]


@settings(max_examples=100, deadline=None)
@given(manifests(max_services=8))
def test_subtree_sizes_count_what_each_service_reaches(G):
    # the drop order's sizes, now from bitsets freed after their last reader, equal
    # the reach counted by a plain search
    from pruner.analysis.essential import _subtree_sizes
    from pruner.analysis.hard import hard_model

    table = G.graph["flows"]
    model = hard_model(G, sorted(table))
    for v, size in enumerate(_subtree_sizes(model)):
        seen, stack = {v}, [v]
        while stack:
            for _, members in model.items[stack.pop()]:
                for m in members:
                    if m not in seen:
                        seen.add(m)
                        stack.append(m)
        assert size == sum(1 for m in seen if m < model.n)


def test_subtree_sizes_of_a_chain_hold_no_bitset_per_service():
    # issue 24: one reach bitset per service made essential on a 100,000 chain peak at
    # 1.6 GB (n^2/2 bits); freed after their only reader, a chain holds two at a time
    import tracemalloc

    from pruner.analysis.essential import _subtree_sizes
    from pruner.analysis.hard import hard_model
    from pruner.graph import dependency_graph
    from pruner.model import SINGLE, Flow, Item, Manifest, Service

    n = 20_000
    services = [Service(f"s{i}", (Item(SINGLE, (f"s{i + 1}",)),)) for i in range(n - 1)]
    services.append(Service(f"s{n - 1}"))
    G = dependency_graph(Manifest.from_lists(services, [Flow("f", (Item(SINGLE, ("s0",)),))]))
    model = hard_model(G, ["f"])
    tracemalloc.start()
    try:
        sizes = _subtree_sizes(model)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sizes[model.index()["s0"]] == n
    assert peak < 8_000_000  # was 25 MB of bitsets (n^2/2 bits) plus the lists


def test_a_deadline_passing_while_the_cut_sets_are_read_is_an_unproven_minimum():
    # issue 17 §4: 30 services each needing 15 of 30 shared members; the deadline ran
    # out while the proof read its cut sets (read lazily), and escaped as a traceback
    import time

    from pruner.graph import dependency_graph
    from pruner.model import AT_LEAST, SINGLE, Flow, Item, Manifest, Service

    shared = [f"m{i:02d}" for i in range(30)]
    services = [Service(m) for m in shared]
    services += [Service(f"s{i:02d}", (Item(AT_LEAST, tuple(shared), 15),)) for i in range(30)]
    flows = [Flow(f"f{i:02d}", (Item(SINGLE, (f"s{i:02d}",)),)) for i in range(30)]
    G = dependency_graph(Manifest.from_lists(services, flows))
    e = essential(G, deadline=time.monotonic() + 0.2)
    assert not e.minimum and len(e.keep) == 30 + 15


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 2**10 - 1), min_size=1, max_size=12),
       st.permutations(range(10)))
def test_parts_solved_apart_give_the_search_of_the_whole(sets, order):
    """The hitting set search runs on each part of sets that share no element; the
    minimum it returns is the one the search on all the sets at once returns (the
    first found in the same branch order), and it is a minimum (brute force)."""
    from pruner.analysis.essential import _independent, _minimum_hitting_set

    sets = sorted(set(sets), key=lambda c: (c.bit_count(), c))
    last_dropped = {v: i for i, v in enumerate(order)}
    whole = _minimum_hitting_set(sets, 11, last_dropped, None)
    parts = _independent(sets)
    assert sorted(c for part in parts for c in part) == sorted(sets)
    for a, b in combinations(parts, 2):  # no element shared
        assert all(not x & y for x in a for y in b)
    composed = 0
    for part in parts:
        composed |= _minimum_hitting_set(part, 11, last_dropped, None)
    assert composed == whole
    smallest = min(k for k in range(11) for keep in combinations(range(10), k)
                   if all(any(c >> v & 1 for v in keep) for c in sets))
    assert whole.bit_count() == smallest
