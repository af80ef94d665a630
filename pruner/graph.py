"""The dependency graph: a networkx ``DiGraph`` with an edge from each node to
each node it depends on. Nodes are services and operations (``S:O``, spec §8),
from :attr:`~pruner.model.Manifest.nodes`; an operation has an edge to its own
service through its implicit item.

Node attribute ``service`` holds the :class:`~pruner.model.Service`; edge
attributes say how the dependency is held: ``items`` (indices into the owner's
``depends_on``), ``soft`` (True only when every item naming it is soft), and the
``kind``/``need`` of the first such item. ``G.graph["flows"]`` holds the flows,
which are a namespace of their own and so are not nodes.
"""

from __future__ import annotations

import networkx as nx

from pruner.errors import did_you_mean, display
from pruner.model import Manifest, split_operation

__all__ = ["dependency_graph", "flow_roots", "is_operation", "services_of", "unknown_name"]


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
    >>> op = Service.operation("api", "read", (Item(SINGLE, ("cache",)),))
    >>> G = dependency_graph(Manifest.from_lists([Service("api", operations=(op,)),
    ...                                           Service("cache"), Service("db")]))
    >>> sorted(G.successors("api:read")), G.nodes["api:read"]["service"].operation_of
    (['api', 'cache'], 'api')
    """
    nodes = manifest.nodes
    G = nx.DiGraph(manifest=manifest, flows=manifest.flows)
    G.add_nodes_from((name, {"service": svc}) for name, svc in nodes.items())
    adj = G._adj  # direct adjacency writes: graph building is on the hot path of every command
    pred = G._pred
    for name, svc in nodes.items():
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
    """The nodes (services, operations) that the given flows (default: all) name
    directly, sorted.

    >>> from pruner.model import Flow, Item, Manifest, Service, SINGLE
    >>> m = Manifest.from_lists([Service("a"), Service("b")], [Flow("f", (Item(SINGLE, ("b",)),))])
    >>> flow_roots(dependency_graph(m))
    ['b']
    """
    table = G.graph["flows"]
    names = table if flows is None else flows
    return sorted({m for f in names for item in table[f].requires for m in item.members})


def is_operation(G: nx.DiGraph, name: str) -> bool:
    """True when node ``name`` of ``G`` is an operation ``S:O``, not a service."""
    return G.nodes[name]["service"].operation_of is not None


def services_of(G: nx.DiGraph) -> list[str]:
    """The nodes of ``G`` that are services (not operations), in node order.

    >>> from pruner.model import Manifest, Service
    >>> G = dependency_graph(Manifest.from_lists(
    ...     [Service("a", operations=(Service.operation("a", "x"),))]))
    >>> list(G), services_of(G)
    (['a', 'a:x'], ['a'])
    """
    manifest = G.graph["manifest"]
    if not manifest.operations:
        return list(G)
    return [n for n, data in G.nodes(data="service") if data.operation_of is None]


def unknown_name(G: nx.DiGraph, name: str) -> str:
    """The message for a ``name`` that is no node of ``G``, with a did-you-mean hint.

    >>> from pruner.model import Manifest, Service
    >>> G = dependency_graph(Manifest.from_lists(
    ...     [Service("web", operations=(Service.operation("web", "login"),))]))
    >>> unknown_name(G, "web:logn")
    "unknown operation 'logn' of service 'web' (did you mean 'login'?)"
    >>> unknown_name(G, "wbe")
    "unknown service 'wbe' (did you mean 'web'?)"
    """
    service, operation = split_operation(name)
    if operation is not None and service in G:
        known = [op.name.rpartition(":")[2] for op in G.nodes[service]["service"].operations]
        hint = (did_you_mean(operation, known) if known
                else f" (service {display(service)} declares no operations)")
        return f"unknown operation {display(operation)} of service {display(service)}{hint}"
    return f"unknown service {display(name)}{did_you_mean(name, G)}"
