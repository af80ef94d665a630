"""Explanations name every cause (issue 9 §6): a service degraded by several troubled
dependencies names each of them, in its explanation and in the report's ``via``."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.evaluate import DEGRADED, switch_off
from pruner.analysis.explain import explain_flow, explain_service, hurts
from pruner.graph import dependency_graph
from pruner.loader import load_sources
from pruner.render.common import line_text
from pruner.report.check import check_report
from tests.strategies import NAMES, manifests

TWO = """
services:
  web: {depends_on: [{service: a, soft: true}, {service: b, soft: true}, c]}
  c: {depends_on: [{service: b, soft: true}]}
  a: {}
  b: {}
  x: {depends_on: [{service: y, soft: true}, {service: a, soft: true}]}
  y: {depends_on: [{service: x, soft: true}]}
flows:
  f: {requires: [web]}
  g: {requires: [x]}
"""


def graph(text):
    return dependency_graph(load_sources([("m.yaml", text)]).manifest)


def test_a_service_degraded_by_two_switched_off_services_names_both():
    G = graph(TWO)
    ev = switch_off(G, ["a", "b"])
    report = check_report(G, ev, explain_services=True)
    via = {s.name: s.via for s in report.services}
    assert via["web"] == ("a", "b", "c") and via["c"] == ("b",)
    assert via["x"] == ("a",)  # y is degraded only through x itself: no cause of x's
    assert via["a"] == () and via["b"] == ()
    lines = [line_text(line) for line in explain_flow(G, ev, "f")]
    assert lines == ["requires web", "web: soft a (switched off)", "web: soft b (switched off)",
                     "web: requires c -> soft b (see above)"]
    service_lines = [line_text(line) for line in explain_service(G, ev, "web")]
    assert "web: soft a (switched off)" in service_lines
    assert "web: soft b (switched off)" in service_lines


def test_one_cause_stays_one_line():
    G = graph(TWO)
    ev = switch_off(G, ["a"])
    assert [line_text(line) for line in explain_flow(G, ev, "f")] == [
        "requires web -> soft a (switched off)"]


def troubled_without(G, ev, service):
    """Oracle: the services still DOWN or DEGRADED when ``service`` cannot pass trouble on
    (DOWN does not change: ``service`` is only DEGRADED)."""
    H = nx.DiGraph(G)
    H.remove_node(service)
    down = set(ev.cause)
    return down | {p for d in down if d in H for p in nx.ancestors(H, d)}


@settings(max_examples=60, deadline=None)
@given(manifests(), st.sets(st.sampled_from(NAMES), max_size=3))
def test_via_names_real_causes_and_never_none(m, off):
    G = dependency_graph(m)
    ev = switch_off(G, [n for n in off if n in G])
    for s in G:
        if ev.services[s] != DEGRADED:
            continue
        oracle = troubled_without(G, ev, s)
        causes = {d for d in G.successors(s) if hurts(ev, d, s)}
        assert causes, s  # a DEGRADED service always has a cause
        assert causes <= oracle, (s, causes, oracle)  # each cause's trouble avoids s
        if nx.is_directed_acyclic_graph(G):  # no cycle: every troubled dependency is one
            assert causes == {d for d in G.successors(s) if d in ev.cause or d in ev.via}
