"""Views of the dependency graph for diagrams: what a set of flows stands on.

Breadth-first with an explicit queue, so a chain of 100,000 services costs
100,000 steps and no stack frames.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pruner.errors import UnknownNameError, did_you_mean, display

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = ["check_flows", "focus", "support_graph"]


def check_flows(G: nx.DiGraph, names: Iterable[str]) -> tuple[str, ...]:
    """Sorted, de-duplicated flow ``names``; :class:`UnknownNameError` for an unknown one.

    >>> from pruner.model import Flow, Manifest
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(Manifest.from_lists([], [Flow("signup")]))
    >>> check_flows(G, ["signup", "signup"])
    ('signup',)
    >>> check_flows(G, ["sigup"])
    Traceback (most recent call last):
    ...
    pruner.errors.UnknownNameError: unknown flow 'sigup' (did you mean 'signup'?)
    """
    flows = G.graph["flows"]
    names = sorted(set(names))
    for name in names:
        if name not in flows:
            raise UnknownNameError(f"unknown flow {display(name)}{did_you_mean(name, flows)}")
    return tuple(names)


def focus(G: nx.DiGraph, flows: Iterable[str], depth: int | None = None) -> dict[str, int]:
    """The services the ``flows`` stand on, each with its distance from the flows.

    A service a flow requires directly is at distance 1; its dependencies at 2;
    and so on, soft dependencies included. ``depth`` (None = unlimited) keeps only
    services at distance <= ``depth``.

    Parameters
    ----------
    G : nx.DiGraph
        A graph from :func:`pruner.graph.dependency_graph`.
    flows : iterable of str
        Flow names (checked by the caller, see :func:`check_flows`).
    depth : int or None
        The largest distance kept; ``None`` keeps everything reachable.

    Returns
    -------
    dict
        Service name -> distance, in breadth-first order.

    Examples
    --------
    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {depends_on: [api]}, api: {depends_on: [db]}, db: , other: }
    ... flows: {f: {requires: [web]}}''')]).manifest)
    >>> focus(G, ["f"])
    {'web': 1, 'api': 2, 'db': 3}
    >>> focus(G, ["f"], depth=2)
    {'web': 1, 'api': 2}
    """
    table = G.graph["flows"]
    found: dict[str, int] = {}
    for name in sorted(set(flows)):
        for item in table[name].requires:
            for member in item.members:
                found.setdefault(member, 1)
    if depth is not None and depth < 1:
        return {}
    queue = deque(found)
    succ = G._succ
    while queue:
        node = queue.popleft()
        distance = found[node]
        if depth is not None and distance >= depth:
            continue
        for dep in sorted(succ[node]):
            if dep not in found:
                found[dep] = distance + 1
                queue.append(dep)
    return found


def support_graph(G: nx.DiGraph, flows: Iterable[str], position=None) -> nx.DiGraph:
    """The part of ``G`` that ``flows`` stand on, soft dependencies included, with
    only those flows in ``graph["flows"]``.

    Every dependency of a service in it is in it, so evaluating a switched-off set
    on it gives the flows, and every service in it, exactly the states, causes and
    propagation order of the whole graph, at the cost of this part only. Node data
    is shared with ``G``; each node's predecessors keep ``G``'s order (``position``:
    node -> index in ``G``, computed when not given), so breadth-first propagation
    visits them in the same order.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {depends_on: [api]}, api: {depends_on: [db]}, db: ,
    ...            other: {depends_on: [db]}}
    ... flows: {f: {requires: [web]}, g: {requires: [other]}}''')]).manifest)
    >>> H = support_graph(G, ["f"])
    >>> sorted(H), list(H.graph["flows"])
    (['api', 'db', 'web'], ['f'])
    """
    import networkx as nx  # only here: commands that never build a support graph start faster

    flows = sorted(set(flows))
    support = focus(G, flows)
    if position is None:
        position = {n: i for i, n in enumerate(G)}
    H = nx.DiGraph()
    H.graph.update(G.graph)
    table = G.graph["flows"]
    H.graph["flows"] = {f: table[f] for f in flows}
    node, adj, pred = H._node, H._adj, H._pred
    g_node, g_succ = G._node, G._succ
    ordered = sorted(support, key=position.__getitem__)
    for n in ordered:
        node[n] = g_node[n]
        adj[n] = {}
        pred[n] = {}
    for u in ordered:
        out = adj[u]
        for v, data in g_succ[u].items():
            out[v] = data
            pred[v][u] = data
    return H
