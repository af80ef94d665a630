"""Cycle warnings are true (issue 17 §3): "if one goes down, all do" is said only
when it is so, checked against the evaluator on random manifests with fallbacks and
quorums; a cycle closed through a group is worded for what it is."""

from __future__ import annotations

from hypothesis import given, settings

from pruner.analysis.evaluate import DOWN, switch_off
from pruner.analysis.lint import group_cycles, hard_cycles, lint
from pruner.graph import dependency_graph
from pruner.loader import load_sources
from tests.strategies import manifests, manifests_with_operations


def graph(text):
    return dependency_graph(load_sources([("m.yaml", text)]).manifest)


QUORUM = """\
services:
  coord:
    depends_on:
      - at_least: 2
        of: [r1, r2, r3]
  metrics:
    depends_on: [coord]
  r1:
    depends_on: [metrics]
  r2: {}
  r3: {}
flows:
  f:
    requires: [coord]
"""


def test_a_cycle_closed_through_a_quorum_is_not_said_to_fall_together():
    G = graph(QUORUM)
    assert hard_cycles(G) == []
    messages = [p.message for p in lint(G)]
    assert not any("if one goes down, all do" in m for m in messages), messages
    (cycle,) = [m for m in messages if "cycle" in m]
    assert cycle.startswith("dependency cycle among coord, metrics, r1, closed through a "
                            "fallback or quorum group (coord needs at_least 2 of [r1, r2, r3])")
    assert "with metrics off, coord does not go down" in cycle
    # and so it is: check --off r1 leaves coord running
    assert switch_off(G, ["r1"]).state("coord") != DOWN


def test_a_group_cycle_where_every_loss_is_fatal_says_so():
    # coord survives one of r1, r2 -- but r1 and r2 need each other
    G = graph("services: {coord: {depends_on: [{any_of: [r1, r2]}]}, "
              "r1: {depends_on: [r2, coord]}, r2: {depends_on: [r1]}}")
    assert hard_cycles(G) == [["r1", "r2"]]
    messages = [p.message for p in lint(G) if "cycle among" in p.message
                and "start-up" not in p.message]
    assert messages == [
        "hard dependency cycle among r1, r2: if one goes down, all do",
        "hard dependency cycle among coord, r1, r2, closed through a fallback or quorum "
        "group (coord needs any_of [r1, r2]): if one goes down, all do"]


def test_a_quorum_that_needs_every_member_is_a_hard_cycle():
    G = graph("services: {a: {depends_on: [{at_least: 2, of: [b, c]}]}, "
              "b: {depends_on: [a]}, c: }")
    assert hard_cycles(G) == [["a", "b"]]


def _check_warnings_against_the_evaluator(manifest) -> None:
    G = dependency_graph(manifest)
    for group in hard_cycles(G):
        for member in group:
            ev = switch_off(G, [member])
            assert all(ev.state(n) == DOWN for n in group), (group, member)
    for group, _owner, _item, spared, survivor in group_cycles(G):
        if survivor is None:  # claimed: every single failure takes the cycle down
            for member in group:
                ev = switch_off(G, [member])
                assert all(ev.state(n) == DOWN for n in group), (group, member)
        else:
            assert spared is not None
            assert switch_off(G, [spared]).state(survivor) != DOWN, (group, spared)
    for problem in lint(G):  # no other message claims it
        if "if one goes down, all do" in problem.message:
            assert problem.message.startswith("hard dependency cycle among ")


@settings(max_examples=150, deadline=None)
@given(manifests(min_services=2, max_services=8))
def test_cycle_warnings_are_true(manifest):
    _check_warnings_against_the_evaluator(manifest)


@settings(max_examples=60, deadline=None)
@given(manifests_with_operations(min_services=2, max_services=5))
def test_cycle_warnings_are_true_with_operations(manifest):
    _check_warnings_against_the_evaluator(manifest)


@settings(max_examples=150, deadline=None)
@given(manifests(min_services=2, max_services=9))
def test_cycles_are_networkx_strongly_connected_components(m):
    """hard_cycles and group_cycles find their groups with an iterative Tarjan on plain
    lists; the groups are the ones networkx finds on the filtered graph, light or not."""
    import networkx as nx

    from pruner.analysis.lint import _needs_every_member

    G = dependency_graph(m)
    light = dependency_graph(m, light=True)

    def sccs(keep):
        view = nx.subgraph_view(G, filter_edge=keep)
        return sorted(sorted(c) for c in nx.strongly_connected_components(view) if len(c) > 1)

    needed = sccs(lambda u, v: _needs_every_member(G, u, v))
    hard = sccs(lambda u, v: not G.edges[u, v]["soft"])
    assert hard_cycles(G) == hard_cycles(light) == needed
    assert ([g for g, *_ in group_cycles(G)] == [g for g, *_ in group_cycles(light)]
            == [g for g in hard if g not in needed])
    assert group_cycles(G) == group_cycles(light)
