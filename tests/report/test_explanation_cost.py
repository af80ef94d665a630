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
