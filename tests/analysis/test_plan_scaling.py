"""`plan` on many services (the 20,000-service plan, issue 21): the work after the
solve is per service, never per pair of services; the answers are the ones the
plain definitions give."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pruner.analysis.evaluate import switch_off
from pruner.analysis.plan import _outcomes, plan, plan_steps
from pruner.graph import dependency_graph
from pruner.loader import load_sources
from tests.strategies import manifests, manifests_with_operations


def load(text: str):
    return dependency_graph(load_sources([("m.yaml", text)]).manifest)


def _wide(n: int):
    members = ", ".join(f"s{i:05}" for i in range(n))
    services = "".join(f"  s{i:05}: {{cost: {i + 1}}}\n" for i in range(n))
    return load(f"services:\n{services}flows: {{f: {{requires: [{{any_of: [{members}]}}]}}}}\n")


class _Counted(tuple):
    """A tuple that counts the searches made in it."""

    searches = 0

    def __contains__(self, name) -> bool:
        type(self).searches += 1
        return super().__contains__(name)


def test_outcomes_say_switched_off_without_searching_the_switched_off_tuple():
    # Each member of a wide item asked ``m in ev.off`` of a tuple as long as the plan:
    # 20,000 services removed, 0.1 s of the plan's page.
    G = _wide(50)
    ev = switch_off(G, [f"s{i:05}" for i in range(1, 50)])
    _Counted.searches = 0
    counted = replace(ev, off=_Counted(ev.off))
    out = _outcomes(G, counted, ("f",), None)
    assert _Counted.searches == 0
    assert out == _outcomes(G, ev, ("f",), None)
    (why,) = out["f"].why
    assert why == "; ".join(f"s{i:05} switched off" for i in range(1, 50))
    # and through the whole plan: the cheapest member stays, the others go
    result = plan(G, ["f"])
    assert result.keep == ("s00000",) and result.flows["f"].why == (why,)


def _steps_by_condensation(manifest, remove):
    """Spec §12's steps from networkx: a component's step is the longest chain of
    removed dependants above it (every item, soft too; an operation's are its service's)."""
    import networkx as nx

    from tests.oracle import nodes

    def service_of(name):
        return name if name in manifest.services else name.rpartition(":")[0]

    D = nx.DiGraph()
    D.add_nodes_from(remove)
    for name, items in nodes(manifest).items():
        owner = service_of(name)
        if owner in remove:
            D.add_edges_from((owner, service_of(m)) for item in items for m in item.members
                             if service_of(m) != owner and service_of(m) in remove)
    C = nx.condensation(D)
    level = dict.fromkeys(C, 0)
    for c in nx.topological_sort(C):  # dependants first
        for d in C.successors(c):
            level[d] = max(level[d], level[c] + 1)
    steps: dict[int, list[str]] = {}
    for c in C:
        steps.setdefault(level[c], []).extend(C.nodes[c]["members"])
    return tuple(tuple(sorted(steps[k])) for k in sorted(steps))


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(manifests(max_services=8), manifests_with_operations(max_services=6)),
       st.data())
def test_steps_are_the_longest_chains_of_the_condensation(manifest, data):
    # Acyclic parts by Kahn's algorithm, cycles and what is under them by Tarjan's.
    names = sorted(manifest.services)
    remove = data.draw(st.lists(st.sampled_from(names), unique=True))
    G = dependency_graph(manifest, light=data.draw(st.booleans()))
    assert plan_steps(G, remove) == _steps_by_condensation(manifest, set(remove))


def test_steps_under_and_over_a_cycle():
    G = load("""
services:
  top: {depends_on: [a]}
  side: {depends_on: [{service: low, soft: true}]}
  a: {depends_on: [b]}
  b: {depends_on: [a, low]}
  low: {depends_on: [bottom]}
  bottom: {}
""")
    assert plan_steps(G, ["top", "side", "a", "b", "low", "bottom"]) == (
        ("side", "top"), ("a", "b"), ("low",), ("bottom",))
