"""Explanations: chains down to the switched-off services, groups with counts."""

from __future__ import annotations

from pruner.analysis.evaluate import switch_off
from pruner.analysis.explain import OFF, SEEN, explain_flow, explain_service
from pruner.graph import dependency_graph
from pruner.loader import load_sources
from pruner.render.common import line_text
from tests.analysis.test_evaluate import _chain, graph_of


def texts(G, ev, flow):
    return [("  " * ln.depth) + line_text(ln) for ln in explain_flow(G, ev, flow)]


def test_chain_is_one_line():
    G = graph_of("chain-db-off-breaks-login.yaml")
    assert texts(G, switch_off(G, ["db"]), "login") == [
        "requires web -> requires api -> requires db (switched off)"]


def test_ok_flow_has_no_explanation():
    G = graph_of("chain-db-off-breaks-login.yaml")
    assert explain_flow(G, switch_off(G, []), "login") == ()


def test_group_branches_with_counts():
    G = graph_of("fallback-one-provider-off-degrades.yaml")
    assert texts(G, switch_off(G, ["provider-a", "provider-b"]), "2fa") == [
        "requires sms -> any_of [provider-a, provider-b]: 0 of 2 up, needs 1",
        "  provider-a (switched off)",
        "  provider-b (switched off)",
    ]
    assert texts(G, switch_off(G, ["provider-a"]), "2fa") == [
        "requires sms -> any_of [provider-a, provider-b]: 1 of 2 up, running on fallback",
        "  provider-a (switched off)",
    ]


def test_quorum_wording():
    G = graph_of("quorum-two-of-three-off-breaks.yaml")
    assert texts(G, switch_off(G, ["r1"]), "write")[0] == (
        "requires store -> at_least 2 of [r1, r2, r3]: 2 of 3 up, needs 2: quorum holds")
    assert texts(G, switch_off(G, ["r1", "r2"]), "write")[0] == (
        "requires store -> at_least 2 of [r1, r2, r3]: 1 of 3 up, needs 2")


def test_soft_note_is_shown():
    G = graph_of("soft-dependency-off-only-degrades.yaml")
    assert texts(G, switch_off(G, ["ads"]), "read") == [
        "requires timeline -> soft ads [no ads shown] (switched off)"]


def test_shared_cause_is_explained_once():
    G = dependency_graph(load_sources([("m.yaml", """
services:
  a: {depends_on: [{any_of: [b, c]}]}
  b: {depends_on: [d]}
  c: {depends_on: [d]}
  d: {}
flows:
  f: {requires: [a]}
""")]).manifest)
    lines = explain_flow(G, switch_off(G, ["d"]), "f")
    assert [line_text(ln) for ln in lines] == [
        "requires a -> any_of [b, c]: 0 of 2 up, needs 1",
        "b: requires d (switched off)",
        "c: requires d (see above)",
    ]
    assert lines[1].hops[-1].end == OFF and lines[2].hops[-1].end == SEEN


def test_degraded_service_explains_its_path():
    G = graph_of("soft-dependency-off-only-degrades.yaml")
    lines = explain_service(G, switch_off(G, ["ads"]), "timeline")
    assert [line_text(ln) for ln in lines] == ["timeline: soft ads [no ads shown] (switched off)"]


def test_explaining_a_100000_chain_does_not_recurse():
    G = dependency_graph(_chain(100_000))
    lines = explain_flow(G, switch_off(G, ["s99999"]), "top")
    assert len(lines) == 1
    assert len(lines[0].hops) == 100_000
    assert lines[0].hops[-1].end == OFF


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.strategies import manifests  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(data=st.data(), m=manifests())
def test_every_troubled_flow_is_explained_down_to_a_switched_off_service(data, m):
    off = data.draw(st.sets(st.sampled_from(sorted(m.services))))
    G = dependency_graph(m)
    ev = switch_off(G, off)
    for flow, state in ev.flows.items():
        lines = explain_flow(G, ev, flow)
        if state == "ok":
            assert lines == ()
            continue
        ends = [ln.end for ln in lines] + [h.end for ln in lines for h in ln.hops]
        assert OFF in ends
        named = {h.target for ln in lines for h in ln.hops} | {ln.subject for ln in lines}
        assert named - {None} <= set(ev.cause) | set(ev.via)
