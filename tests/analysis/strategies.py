"""Hypothesis strategies and brute-force oracles shared by the analysis tests."""

from __future__ import annotations

from itertools import combinations

from hypothesis import strategies as st

from pruner.analysis.evaluate import BROKEN, switch_off
from pruner.graph import dependency_graph
from pruner.model import ANY_OF, AT_LEAST, SINGLE, Flow, Item, Manifest, Service


@st.composite
def items(draw, names, exclude=None):
    """One item over ``names`` (never naming ``exclude``): single, any_of or at_least,
    sometimes soft."""
    pool = [n for n in names if n != exclude]
    if not pool:
        return None
    kind = draw(st.sampled_from([SINGLE, SINGLE, ANY_OF, AT_LEAST]))
    soft = draw(st.booleans()) and draw(st.booleans())
    if kind == SINGLE:
        return Item(SINGLE, (draw(st.sampled_from(pool)),), 1, soft)
    members = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=min(4, len(pool)),
                            unique=True))
    if kind == ANY_OF:
        return Item(ANY_OF, tuple(members), 1, soft)
    need = draw(st.integers(1, len(members)))
    return Item(AT_LEAST, tuple(members), need, soft)


@st.composite
def manifests(draw, max_services=7, max_flows=3):
    """Random valid manifests with fallbacks, quorums, soft items and cycles."""
    n = draw(st.integers(1, max_services))
    names = [f"s{i}" for i in range(n)]
    acyclic = draw(st.booleans())
    services = []
    for i, name in enumerate(names):
        pool = names[i + 1:] if acyclic else names
        deps = draw(st.lists(items(pool, exclude=name), max_size=3))
        services.append(Service(name, tuple(d for d in deps if d is not None)))
    flows = []
    for j in range(draw(st.integers(1, max_flows))):
        req = draw(st.lists(items(names), min_size=1, max_size=3))
        flows.append(Flow(f"f{j}", tuple(r for r in req if r is not None),
                          critical=draw(st.booleans()) or j == 0))
    return dependency_graph(Manifest.from_lists(services, flows))


def brute_cut_sets(G, flow, max_order, among=None):
    """Every minimal cut set of order <= max_order by evaluating every subset."""
    pool = sorted(G if among is None else among)
    found: list[frozenset] = []
    for k in range(1, max_order + 1):
        for combo in combinations(pool, k):
            s = frozenset(combo)
            if any(f <= s for f in found):
                continue
            if switch_off(G, combo).flows[flow] == BROKEN:
                found.append(s)
    return sorted((tuple(sorted(c)) for c in found), key=lambda c: (len(c), c))


def zbdd_family(z, family):
    """The ZBDD node of ``family`` (sets of variable numbers) in the manager ``z``."""
    from pruner.analysis.zbdd import BASE, EMPTY

    node = EMPTY
    for s in family:
        term = BASE
        for v in sorted(s, reverse=True):
            term = z.node(v, EMPTY, term)
        node = z.union(node, term)
    return node
