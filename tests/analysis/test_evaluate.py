"""The evaluator against spec §4: hand-made cases, a brute-force oracle, monotonicity,
and a 100,000-service chain."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.evaluate import gate, switch_off
from pruner.errors import UnknownNameError
from pruner.graph import dependency_graph
from pruner.loader import load
from pruner.model import SINGLE, Flow, Item, Manifest, Service
from tests import oracle
from tests.conftest import ASSETS
from tests.strategies import manifests, manifests_with_operations

CHECK = ASSETS / "check"


def graph_of(name: str):
    return dependency_graph(load(CHECK / name).manifest)


def test_chain_breaks_the_flow_and_names_the_cause():
    G = graph_of("chain-db-off-breaks-login.yaml")
    ev = switch_off(G, ["db"])
    assert ev.flows["login"] == "broken"
    assert dict(ev.services) == {"api": "down", "db": "down", "web": "down"}
    assert ev.cause == {"db": None, "api": 0, "web": 0}


def test_nothing_off_everything_ok():
    G = graph_of("chain-db-off-breaks-login.yaml")
    ev = switch_off(G, [])
    assert set(ev.flows.values()) == {"ok"}
    assert set(ev.services.values()) == {"up"}


def test_one_fallback_member_off_degrades():
    G = graph_of("fallback-one-provider-off-degrades.yaml")
    ev = switch_off(G, ["provider-a"])
    assert ev.services["sms"] == "degraded"
    assert ev.via["sms"] == "provider-a"
    assert ev.flows["2fa"] == "degraded"
    assert switch_off(G, ["provider-a", "provider-b"]).flows["2fa"] == "broken"


@pytest.mark.parametrize("off,flow", [((), "ok"), (("r1",), "degraded"), (("r1", "r3"), "broken"),
                                      (("r1", "r2", "r3"), "broken")])
def test_quorum(off, flow):
    G = graph_of("quorum-two-of-three-off-breaks.yaml")
    assert switch_off(G, off).flows["write"] == flow


def test_soft_dependency_only_degrades():
    G = graph_of("soft-dependency-off-only-degrades.yaml")
    ev = switch_off(G, ["ads"])
    assert ev.services["timeline"] == "degraded"
    assert ev.flows["read"] == "degraded"


def test_cycle_is_a_least_fixpoint():
    G = graph_of("cycle-stays-up-unless-reached.yaml")
    ev = switch_off(G, ["d"])
    assert ev.services["a"] == ev.services["b"] == "up"
    assert ev.flows == {"uses-cycle": "ok", "uses-d": "broken"}
    assert gate(G, ev).passed  # uses-d is not critical
    ev = switch_off(G, ["c"])  # soft edge into the cycle: degraded, not down
    assert ev.services["a"] == ev.services["b"] == "degraded"
    ev = switch_off(G, ["a"])
    assert ev.services["b"] == "down"


def test_unknown_name_is_an_input_error():
    G = graph_of("chain-db-off-breaks-login.yaml")
    with pytest.raises(UnknownNameError, match="did you mean 'db'"):
        switch_off(G, ["dbb"])


def test_gate_fail_on_degraded_and_never():
    G = graph_of("fallback-one-provider-off-degrades.yaml")
    ev = switch_off(G, ["provider-a"])
    assert gate(G, ev, "broken").passed
    assert not gate(G, ev, "degraded").passed
    assert gate(G, switch_off(G, ["sms"]), "never").passed


@settings(max_examples=300, deadline=None)
@given(data=st.data(), m=manifests())
def test_agrees_with_brute_force_oracle(data, m):
    off = data.draw(st.sets(st.sampled_from(sorted(m.services))))
    ev = switch_off(dependency_graph(m), off)
    services, flows = oracle.evaluate(m, off)
    assert dict(ev.services) == services
    assert dict(ev.flows) == flows


@settings(max_examples=200, deadline=None)
@given(data=st.data(), m=manifests())
def test_switching_off_more_never_repairs(data, m):
    names = sorted(m.services)
    small = data.draw(st.sets(st.sampled_from(names)))
    big = small | data.draw(st.sets(st.sampled_from(names)))
    G = dependency_graph(m)
    before, after = switch_off(G, small), switch_off(G, big)
    for f, state in before.flows.items():
        if state == "broken":
            assert after.flows[f] == "broken"
    for s, state in before.services.items():
        if state == "down":
            assert after.services[s] == "down"


@settings(max_examples=100, deadline=None)
@given(data=st.data(), m=manifests())
def test_causes_point_back_to_switched_off_services(data, m):
    off = data.draw(st.sets(st.sampled_from(sorted(m.services))))
    G = dependency_graph(m)
    ev = switch_off(G, off)
    for name in ev.cause:
        seen = set()
        while ev.cause[name] is not None:  # follow a member that went DOWN earlier
            assert name not in seen
            seen.add(name)
            item = m.services[name].depends_on[ev.cause[name]]
            name = next(x for x in item.members if x in ev.cause and ev.before(x, name))
        assert name in off
    for name, dep in ev.via.items():
        assert ev.before(dep, name)


def _chain(n: int) -> Manifest:
    services = [Service(f"s{i}", (Item(SINGLE, (f"s{i + 1}",)),)) for i in range(n - 1)]
    services.append(Service(f"s{n - 1}"))
    return Manifest.from_lists(services, [Flow("top", (Item(SINGLE, ("s0",)),))])


def test_chain_of_100000_services_without_recursion():
    G = dependency_graph(_chain(100_000))
    ev = switch_off(G, ["s99999"])
    assert ev.flows["top"] == "broken"
    assert ev.count("services", "down") == 100_000
    ev = switch_off(G, [])
    assert ev.flows["top"] == "ok"


@settings(max_examples=150, deadline=None)
@given(st.one_of(manifests().map(dependency_graph),
                 manifests_with_operations().map(dependency_graph)), st.data())
def test_lazy_evaluation_is_the_evaluation(G, data):
    """switch_off_lazily propagates DOWN only as far as asked and defers what is
    DEGRADED; every part, and every explanation, is what switch_off gives, whichever
    part is asked first, and with a table of owners shared with other evaluations
    (causes in the same propagation order)."""
    from pruner.analysis.evaluate import switch_off_lazily
    from pruner.analysis.explain import explain_flow

    owners: dict = {}  # shared with earlier evaluations of the same graph
    for before in data.draw(st.lists(st.lists(st.sampled_from(sorted(G)), max_size=3,
                                              unique=True), max_size=3)):
        assert list(switch_off(G, before, owners=owners).cause.items()) == \
            list(switch_off(G, before).cause.items())
    off = data.draw(st.lists(st.sampled_from(sorted(G)), max_size=3, unique=True))
    full = switch_off(G, off)
    lazy = switch_off_lazily(G, off, owners=owners)
    asked = data.draw(st.lists(st.sampled_from(sorted(G)), max_size=4))
    for name in asked:  # the propagation paused and resumed in any order
        assert (name in lazy.cause) == (name in full.cause)
        assert lazy.cause.get(name, "up") == full.cause.get(name, "up")
        if name in full.cause:
            assert lazy.cause[name] == full.cause[name]
        else:
            with pytest.raises(KeyError):
                lazy.cause[name]
    for name in data.draw(st.lists(st.sampled_from(sorted(G)), max_size=4)):
        assert (name in lazy.via) == (name in full.via)  # searched, without the pass
    for a, b in data.draw(st.lists(st.tuples(st.sampled_from(sorted(G)),
                                             st.sampled_from(sorted(G))), max_size=4)):
        assert lazy.before(a, b) == full.before(a, b)  # DOWN ones: without the DEGRADED pass
        assert lazy.order.get(a) == full.order.get(a)
    for flow in sorted(G.graph["flows"]):  # explanations first: they ask the least
        assert explain_flow(G, lazy, flow) == explain_flow(G, full, flow)
    parts = ["services", "flows", "cause", "via", "order", "operations"]
    for part in data.draw(st.permutations(parts)):
        assert dict(getattr(lazy, part)) == dict(getattr(full, part)), part
    assert lazy.off == full.off


@settings(max_examples=150, deadline=None)
@given(st.one_of(manifests().map(dependency_graph),
                 manifests_with_operations().map(dependency_graph)), st.data())
def test_evaluation_within_a_support_is_the_support_graphs(G, data):
    """switch_off_lazily(..., within=focus(G, flows)) is the evaluation of
    support_graph(G, flows): every part in the same order, every explanation of those
    flows the same, with a table of owners shared between such evaluations."""
    from pruner.analysis.evaluate import switch_off_lazily
    from pruner.analysis.explain import explain_flow
    from pruner.analysis.focus import focus, support_graph

    flows = data.draw(st.lists(st.sampled_from(sorted(G.graph["flows"])), unique=True)
                      if G.graph["flows"] else st.just([]))
    within = focus(G, flows)
    H = support_graph(G, flows)
    owners: dict = {}
    for _ in range(2):
        off = data.draw(st.lists(st.sampled_from(sorted(H)), max_size=3, unique=True)
                        if len(H) else st.just([]))
        narrow = switch_off_lazily(G, off, owners=owners, within=within)
        full = switch_off(H, off)
        for name in data.draw(st.lists(st.sampled_from(sorted(G)), max_size=4)):
            assert (name in narrow.via) == (name in full.via)  # searched, inside ``within``
        for flow in flows:  # explanations first: they ask the least
            assert explain_flow(G, narrow, flow) == explain_flow(H, full, flow)
        whole = switch_off(G, off)
        for part in data.draw(st.permutations(["services", "flows", "cause", "via", "order",
                                               "operations"])):
            if part == "flows":  # every flow standing inside, not only those asked for
                inside = [(f, state) for f, state in whole.flows.items()
                          if all(m in within for i in G.graph["flows"][f].requires
                                 for m in i.members)]
                assert list(narrow.flows.items()) == inside
                assert set(full.flows.items()) <= set(inside)
                continue
            assert list(getattr(narrow, part).items()) == list(getattr(full, part).items()), \
                part


def test_degraded_asked_of_a_quorum_member_reads_what_it_stands_on_only():
    """Whether a member still up of a failed quorum is DEGRADED is answered by a search
    from it, not by the pass over everything above what went DOWN: here 5,000 services
    stand on the switched-off one, none of them on the member."""
    from pruner.analysis import evaluate
    from pruner.analysis.evaluate import switch_off_lazily
    from pruner.model import AT_LEAST, SINGLE, Item, Manifest, Service

    users = [Service(f"u{i}", (Item(SINGLE, ("a",), soft=True),)) for i in range(5000)]
    G = dependency_graph(Manifest.from_lists([
        Service("api", (Item(AT_LEAST, ("a", "b", "c"), 3),)), Service("a"),
        Service("b", (Item(SINGLE, ("d",), soft=True),)), Service("c"), Service("d"),
        *users], []))
    passes = []
    real = evaluate._degraded
    evaluate._degraded = lambda *args: passes.append(args) or real(*args)
    try:
        ev = switch_off_lazily(G, ["a"])
        status = evaluate.item_status(G.nodes["api"]["service"].depends_on[0], ev.cause,
                                      ev.via)
        assert (status.up, status.down, status.degraded) == (2, ("a",), ())
        assert ev.before("a", "api") and not ev.before("b", "api")
        assert not passes  # no DEGRADED pass
        via = dict(ev.via)  # iterating runs it
        assert len(passes) == 1
    finally:
        evaluate._degraded = real
    assert via == dict(switch_off(G, ["a"]).via) and len(via) == 5000  # the users


def test_degraded_searches_give_way_to_the_pass_past_its_cost():
    """Searches that each read a long chain before reaching what went DOWN stop once
    they have read as many services as the graph holds: the pass answers the rest."""
    from pruner.analysis import evaluate
    from pruner.analysis.evaluate import switch_off_lazily
    from pruner.model import SINGLE, Item, Manifest, Service

    n = 50
    chain = [Service(f"n{i}", (Item(SINGLE, (f"n{i + 1}",), soft=True),)) for i in range(n)]
    G = dependency_graph(Manifest.from_lists([*chain, Service(f"n{n}")], []))
    passes = []
    real = evaluate._degraded
    evaluate._degraded = lambda *args: passes.append(args) or real(*args)
    try:
        ev = switch_off_lazily(G, [f"n{n}"])
        assert all(f"n{i}" in ev.via for i in range(n)) and f"n{n}" not in ev.via
        assert len(passes) == 1  # about n searches of up to n services, then the pass
    finally:
        evaluate._degraded = real
    assert dict(ev.via) == dict(switch_off(G, [f"n{n}"]).via)


@settings(max_examples=150, deadline=None)
@given(st.one_of(manifests().map(dependency_graph),
                 manifests_with_operations().map(dependency_graph)), st.data())
def test_an_evaluation_alone_propagates_as_one_sharing_its_table(G, data):
    """Without a shared table of owners (`plan`'s re-check of 18,325 removals) the owners
    are read in place: the same causes in the same order, whatever is switched off,
    inside a support or not, paused or not."""
    from pruner.analysis.evaluate import switch_off_lazily
    from pruner.analysis.focus import focus

    off = data.draw(st.lists(st.sampled_from(sorted(G)), unique=True))
    shared = switch_off(G, off, owners={})
    alone = switch_off(G, off)
    assert list(alone.cause.items()) == list(shared.cause.items())
    assert dict(alone.via) == dict(shared.via) and dict(alone.flows) == dict(shared.flows)
    within = focus(G, sorted(G.graph["flows"])[:1])
    inside = [n for n in off if n in within]
    lazy = switch_off_lazily(G, inside, within=within)
    for name in data.draw(st.lists(st.sampled_from(sorted(G)), max_size=3)):
        lazy.cause.get(name)  # paused and resumed
    assert list(lazy.cause.items()) == list(
        switch_off_lazily(G, inside, owners={}, within=within).cause.items())


def test_an_evaluation_alone_builds_no_table_of_owners(monkeypatch):
    import pruner.analysis.evaluate as module

    read = module._hard_owners

    def refuse(nodes, pred, gone, within=None, down=None):
        # a table entry (every owner, DOWN or not, kept for later) is never built for
        # one evaluation: only the owners not DOWN yet are read, and kept nowhere
        if down is None:
            raise AssertionError("a table entry built for one evaluation")
        entries = read(nodes, pred, gone, within, down)
        assert not any(owner in down for owner, _, _ in entries)
        return entries

    monkeypatch.setattr(module, "_hard_owners", refuse)
    G = dependency_graph(load(ASSETS / "check" / "evidence-every-form-same-verdicts.yaml")
                         .manifest)
    names = sorted(G)
    ev = switch_off(G, names[: len(names) // 2])
    assert list(ev.cause.items())[: len(names) // 2] == [(n, None)
                                                          for n in names[: len(names) // 2]]
