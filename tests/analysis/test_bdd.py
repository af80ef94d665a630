"""The BDD engine against truth tables: threshold functions built directly, every
operation exact, the node cap honoured; and cycles solved by groups (spec §4's least
fixpoint) against brute-force enumeration."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.availability import flow_availability
from pruner.analysis.bdd import FALSE, TRUE, Bdd, NodeLimit
from pruner.analysis.cuts import minimal_cut_sets
from pruner.errors import BudgetExhausted
from pruner.graph import dependency_graph
from pruner.model import AT_LEAST, SINGLE, Flow, Item, Manifest, Service
from tests.analysis.strategies import brute_cut_sets
from tests.analysis.test_availability import brute

VARS = 6


def value(b: Bdd, f: int, assignment) -> bool:
    while f > TRUE:
        f = b.hi[f] if assignment[b.var[f]] else b.lo[f]
    return f == TRUE


# a random function: a small formula over VARS variables
formulas = st.recursive(
    st.one_of(st.integers(0, VARS - 1), st.sampled_from(["T", "F"])),
    lambda inner: st.tuples(st.sampled_from(["and", "or", "not"]), inner, inner),
    max_leaves=6)


def build(b: Bdd, formula) -> int:
    if formula == "T":
        return TRUE
    if formula == "F":
        return FALSE
    if isinstance(formula, int):
        return b.var_node(formula)
    op, x, y = formula
    fx, fy = build(b, x), build(b, y)
    if op == "and":
        return b.apply_and(fx, fy)
    if op == "or":
        return b.apply_or(fx, fy)
    return b.ite(fx, FALSE, TRUE)  # not x


@settings(max_examples=200, deadline=None)
@given(st.lists(formulas, min_size=1, max_size=6), st.data())
def test_at_least_equals_counting(members, data):
    b = Bdd()
    fs = [build(b, m) for m in members]
    k = data.draw(st.integers(0, len(fs) + 1))
    t = b.at_least(k, fs)
    for assignment in product((False, True), repeat=VARS):
        count = sum(value(b, f, assignment) for f in fs)
        assert value(b, t, assignment) == (count >= k)


@settings(max_examples=200, deadline=None)
@given(formulas, formulas, formulas)
def test_ite_equals_definition(f, g, h):
    b = Bdd()
    x, y, z = build(b, f), build(b, g), build(b, h)
    r = b.ite(x, y, z)
    for assignment in product((False, True), repeat=VARS):
        expected = value(b, y, assignment) if value(b, x, assignment) else value(b, z, assignment)
        assert value(b, r, assignment) == expected


@pytest.mark.parametrize(("k", "n"), [(1, 40), (20, 40), (40, 40), (200, 400)])
def test_threshold_of_variables_has_k_times_n_nodes(k, n):
    b = Bdd()
    t = b.at_least(k, [b.var_node(v) for v in range(n)])
    inner = len(b.nodes_of(t))
    assert inner == k * (n - k + 1)  # the threshold function's reduced diagram
    assert len(b) - 2 <= 2 * inner + n  # built directly: no big intermediate diagrams
    q = [0.5] * n
    from math import comb
    assert b.probability(t, q) == pytest.approx(sum(comb(n, j) for j in range(k, n + 1))
                                                / 2 ** n, rel=1e-12)


def test_node_cap_raises_a_budget_error():
    b = Bdd(max_nodes=1000)
    with pytest.raises(NodeLimit) as caught:
        b.at_least(60, [b.var_node(v) for v in range(120)])
    assert isinstance(caught.value, BudgetExhausted)
    assert "1,000 nodes" in caught.value.message


# --- cycles: rings with quorums and fallbacks through them, against enumeration ---

@st.composite
def cyclic_manifests(draw, max_services=7):
    """A hard ring through every service, plus random items (quorums over ring
    members included), availabilities drawn from a few values."""
    n = draw(st.integers(2, max_services))
    names = [f"s{i}" for i in range(n)]
    services = []
    for i, name in enumerate(names):
        deps = []
        if draw(st.booleans()) or i == n - 1:
            deps.append(Item(SINGLE, (names[(i + 1) % n],), 1, False))
        for _ in range(draw(st.integers(0, 2))):
            pool = [m for m in names if m != name]
            members = tuple(draw(st.lists(st.sampled_from(pool), min_size=1,
                                          max_size=min(4, len(pool)), unique=True)))
            need = draw(st.integers(1, len(members)))
            deps.append(Item(AT_LEAST, members, need, draw(st.booleans()) and
                             draw(st.booleans())))
        a = draw(st.sampled_from([None, 0.5, 0.9, 0.99, 0.0]))
        services.append(Service(name, tuple(deps), availability=a))
    flows = [Flow("f0", (Item(SINGLE, (draw(st.sampled_from(names)),), 1, False),)),
             Flow("f1", (Item(AT_LEAST, tuple(names[:2]), 1, False),))]
    return Manifest.from_lists(services, flows)


@settings(max_examples=120, deadline=None)
@given(cyclic_manifests())
def test_cycles_equal_enumeration(manifest):
    G = dependency_graph(manifest)
    result = flow_availability(G, importance=False)
    u = brute(manifest)
    for flow, r in result.items():
        assert r.unavailability == pytest.approx(u[flow], rel=1e-9, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(cyclic_manifests(max_services=6), st.sampled_from(["sets", "zbdd", "bdd"]))
def test_cycle_cut_sets_equal_enumeration(manifest, engine):
    G = dependency_graph(manifest)
    found = minimal_cut_sets(G, max_order=3, engine=engine)
    for flow, cuts in found.items():
        assert list(cuts.cut_sets) == brute_cut_sets(G, flow, 3)


def test_quorum_of_400_is_quick_and_exact():
    names = [f"r{i:03d}" for i in range(400)]
    services = [Service("front", (Item(AT_LEAST, tuple(names), 200, False),))]
    services += [Service(r, (), availability=0.5) for r in names]
    G = dependency_graph(Manifest.from_lists(
        services, [Flow("f", (Item(SINGLE, ("front",), 1, False),))]))
    r = flow_availability(G, importance=False)["f"]
    from math import comb
    assert r.availability == pytest.approx(sum(comb(400, j) for j in range(200, 401))
                                           / 2 ** 400, rel=1e-9)


def test_ring_of_3000_is_one_group():
    n = 3000
    names = [f"c{i:04d}" for i in range(n)]
    services = [Service(a, (Item(SINGLE, (names[(i + 1) % n],), 1, False),),
                        availability=0.9999) for i, a in enumerate(names)]
    G = dependency_graph(Manifest.from_lists(
        services, [Flow("f", (Item(SINGLE, (names[0],), 1, False),))]))
    r = flow_availability(G, importance=False)["f"]
    assert r.availability == pytest.approx(0.9999 ** n, rel=1e-9)



@settings(max_examples=100, deadline=None)
@given(st.lists(formulas, min_size=1, max_size=4), st.lists(formulas, min_size=1, max_size=4))
def test_release_forgets_only_what_came_after_the_mark(before, after):
    b = Bdd()
    kept = [build(b, f) for f in before]
    size = len(b)
    mark = b.mark()
    temp = [b.disjoin([build(b, f), *kept]) for f in after]
    truth = [[value(b, t, a) for a in product((False, True), repeat=VARS)] for t in temp]
    b.release(mark)
    assert len(b) == size
    again = [b.disjoin([build(b, f), *kept]) for f in after]  # rebuilt: same functions
    assert [[value(b, t, a) for a in product((False, True), repeat=VARS)]
            for t in again] == truth
    for f, node in zip(before, kept, strict=True):
        assert node == build(b, f)  # the functions built before are untouched
