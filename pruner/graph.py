"""The dependency graph: a networkx ``DiGraph`` with an edge from each service to
each service it depends on.

Node attribute ``service`` holds the :class:`~pruner.model.Service`; edge
attributes say how the dependency is held: ``items`` (indices into the owner's
``depends_on``), ``soft`` (True only when every item naming it is soft), and the
``kind``/``need`` of the first such item. ``G.graph["flows"]`` holds the flows,
which are a namespace of their own and so are not nodes.
"""

from __future__ import annotations

import networkx as nx

from pruner.model import Manifest

__all__ = ["dependency_graph", "flow_roots"]


def dependency_graph(manifest: Manifest) -> nx.DiGraph:
    """Build the dependency graph of ``manifest``.

    >>> from pruner.model import Item, Manifest, Service, SINGLE, ANY_OF
    >>> m = Manifest.from_lists([
    ...     Service("api", (Item(SINGLE, ("db",)), Item(ANY_OF, ("db", "cache"), soft=True))),
    ...     Service("db"), Service("cache")])
    >>> G = dependency_graph(m)
    >>> sorted(G.edges(data="soft"))
    [('api', 'cache', True), ('api', 'db', False)]
    >>> G.edges["api", "db"]["items"]
    (0, 1)
    """
    G = nx.DiGraph(manifest=manifest, flows=manifest.flows)
    G.add_nodes_from((name, {"service": svc}) for name, svc in manifest.services.items())
    adj = G._adj  # direct adjacency writes: graph building is on the hot path of every command
    pred = G._pred
    for name, svc in manifest.services.items():
        out = adj[name]
        for index, item in enumerate(svc.depends_on):
            for member in item.members:
                data = out.get(member)
                if data is None:
                    data = {"items": (index,), "soft": item.soft, "kind": item.kind,
                            "need": item.need}
                    out[member] = data
                    pred[member][name] = data
                else:
                    data["items"] += (index,)
                    data["soft"] = data["soft"] and item.soft
    return G


def flow_roots(G: nx.DiGraph, flows=None) -> list[str]:
    """The services that the given flows (default: all) name directly, sorted.

    >>> from pruner.model import Flow, Item, Manifest, Service, SINGLE
    >>> m = Manifest.from_lists([Service("a"), Service("b")], [Flow("f", (Item(SINGLE, ("b",)),))])
    >>> flow_roots(dependency_graph(m))
    ['b']
    """
    table = G.graph["flows"]
    names = table if flows is None else flows
    return sorted({m for f in names for item in table[f].requires for m in item.members})
