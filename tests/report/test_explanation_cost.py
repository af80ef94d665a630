"""Explanations stay linear (issue 9 §5): cut sets are explained on their flow's
support graph, with the same result as a full evaluation, and per-service
explanations share sub-chains instead of repeating them."""

from __future__ import annotations

from hypothesis import given, settings

from pruner.analysis.cuts import minimal_cut_sets
from pruner.analysis.evaluate import switch_off
from pruner.analysis.explain import SEEN, explain_flow
from pruner.analysis.focus import support_graph
from pruner.graph import dependency_graph
from pruner.model import SINGLE, Flow, Item, Manifest, Service
from pruner.report import check_report, cuts_report
from tests.analysis.strategies import manifests


@settings(max_examples=60, deadline=None)
@given(manifests())
def test_cut_set_explained_on_the_support_graph_as_on_the_whole(G):
    for name, cuts in minimal_cut_sets(G, max_order=3).items():
        H = support_graph(G, [name])
        for c in cuts.cut_sets:
            full = switch_off(G, c)
            part = switch_off(H, c)
            assert part.flows == {name: full.flows[name]}
            assert explain_flow(H, part, name) == explain_flow(G, full, name)
        report = cuts_report(G, {name: cuts})
        assert report.flows[0].explanations == tuple(
            explain_flow(G, switch_off(G, c), name) for c in cuts.cut_sets[:20])


@settings(max_examples=60, deadline=None)
@given(manifests(max_flows=4))
def test_flows_that_share_cut_sets_share_their_evaluation(G):
    # All flows at once: each distinct cut set is evaluated once for every flow showing it.
    results = minimal_cut_sets(G, max_order=3)
    report = cuts_report(G, results)
    for flow in report.flows:
        assert flow.explanations == tuple(
            explain_flow(G, switch_off(G, c), flow.name) for c in flow.cuts.cut_sets[:20])


def _chain(n: int) -> Manifest:
    services = [Service(f"s{i}", (Item(SINGLE, (f"s{i + 1}",)),)) for i in range(n - 1)]
    return Manifest.from_lists([*services, Service(f"s{n - 1}")],
                               [Flow("top", (Item(SINGLE, ("s0",)),))])


def test_explaining_every_service_of_a_long_chain_is_linear():
    # Each of 20,000 DOWN services used to get its whole chain (200 million hops).
    n = 20_000
    G = dependency_graph(_chain(n))
    report = check_report(G, switch_off(G, [f"s{n - 1}"]), explain_services=True)
    hops = [h for s in report.services for line in s.explanation for h in line.hops]
    assert len(hops) == n - 1  # one step each; the switched-off service has none
    by_name = {s.name: s.explanation for s in report.services}
    (line,) = by_name["s0"]
    assert [(h.target, h.end) for h in line.hops] == [("s1", SEEN)]
    (flow,) = report.flows
    assert len(flow.explanation[0].hops) == n  # the flow's own chain is still whole


def test_many_flows_share_a_budget_of_explanations():
    """Above 500 flows each flow gets fewer than 20 explained cut sets (10,000 in all,
    at least one each), the text says how many and how to get more, JSON is unchanged."""
    from pruner.render import render
    from pruner.report.cuts import EXPLAIN_BUDGET, explain_limit

    flows = 2 * EXPLAIN_BUDGET // 10  # 2,000 flows: 5 explanations each
    services = [Service(f"s{i:02}") for i in range(8)]
    manifest = Manifest.from_lists(services, [
        Flow(f"f{k:04}", tuple(Item(SINGLE, (s.name,)) for s in services)) for k in range(flows)])
    G = dependency_graph(manifest)
    results = minimal_cut_sets(G, max_order=1)
    report = cuts_report(G, results)
    assert report.explain_limit == explain_limit(flows) == 5
    assert all(len(f.explanations) == 5 for f in report.flows)
    text = render(report, "text")
    assert text.count("only the first 5 are explained (2,000 flows share 10,000 "
                      "explanations: --flow NAME gives a flow more)") == flows
    one = cuts_report(G, {"f0000": results["f0000"]})
    assert one.explain_limit == 20 and len(one.flows[0].explanations) == 8
    assert render(report, "json") == render(cuts_report(G, results, explain=False), "json")


def test_a_minimal_cut_set_can_fail_more_than_one_requirement_of_its_flow():
    """A minimal cut set says no smaller set breaks the flow, not that it fails one
    requirement only: {db} here takes down both of checkout's, and the explanation
    names both (on the 20k layered benchmark 365 of 3,757 explained cut sets fail
    more than one requirement), so the propagation cannot stop once one has failed."""
    G = dependency_graph(Manifest.from_lists(
        [Service("a", (Item(SINGLE, ("db",)),)), Service("b", (Item(SINGLE, ("db",)),)),
         Service("c"), Service("db")],
        [Flow("checkout", (Item(SINGLE, ("a",)), Item(SINGLE, ("c",)),
                           Item(SINGLE, ("b",))))]))
    results = minimal_cut_sets(G, max_order=1)
    assert results["checkout"].cut_sets == (("a",), ("b",), ("c",), ("db",))
    (flow,) = cuts_report(G, results).flows
    lines = flow.explanations[3]
    assert [[h.target for h in line.hops] for line in lines] == [["a", "db"], ["b", "db"]]
