"""The dependency graph: a networkx ``DiGraph`` with an edge from each node to
each node it depends on. Nodes are services and operations (``S:O``, spec §8),
from :attr:`~pruner.model.Manifest.nodes`; an operation has an edge to its own
service through its implicit item.

Node attribute ``service`` holds the :class:`~pruner.model.Service`; edge
attributes say how the dependency is held: ``items`` (indices into the owner's
``depends_on``), ``soft`` (True only when every item naming it is soft), and the
``kind``/``need`` of the first such item. ``G.graph["flows"]`` holds the flows,
which are a namespace of their own and so are not nodes.

``dependency_graph(manifest, light=True)`` builds the same adjacency in a
:class:`LightGraph` instead: the part of networkx's read API that evaluation,
explanation and the check report use, without importing networkx (a tenth of a
second, most of the start-up of ``pruner check``). Code that calls networkx
algorithms asks for the real ``DiGraph`` (the default).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from pruner.errors import did_you_mean, display
from pruner.model import Manifest, split_operation

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["dependency_graph", "flow_roots", "has_availability", "is_operation", "reachable",
           "services_of", "unknown_name", "LightGraph"]


class _NodeView:
    """``G.nodes``: ``G.nodes[n]`` is the attribute dict of node ``n``."""

    __slots__ = ("_node",)

    def __init__(self, node: dict):
        self._node = node

    def __getitem__(self, n):
        return self._node[n]

    def __contains__(self, n) -> bool:
        return n in self._node

    def __iter__(self) -> Iterator:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def __call__(self, data=False, default=None):
        if data is False:
            return iter(self._node)
        if data is True:
            return iter(self._node.items())
        return ((n, d.get(data, default)) for n, d in self._node.items())


class _EdgeView:
    """``G.edges``: ``G.edges[u, v]`` is the attribute dict of an edge; calling it or
    iterating gives ``(u, v)`` pairs (with ``data=``, as networkx does)."""

    __slots__ = ("_adj",)

    def __init__(self, adj: dict):
        self._adj = adj

    def __getitem__(self, edge):
        u, v = edge
        return self._adj[u][v]

    def __contains__(self, edge) -> bool:
        u, v = edge
        return u in self._adj and v in self._adj[u]

    def __iter__(self) -> Iterator:
        return ((u, v) for u, out in self._adj.items() for v in out)

    def __len__(self) -> int:
        return sum(len(out) for out in self._adj.values())

    def __call__(self, data=False, default=None):
        if data is False:
            return iter(self)
        if data is True:
            return ((u, v, d) for u, out in self._adj.items() for v, d in out.items())
        return ((u, v, d.get(data, default)) for u, out in self._adj.items()
                for v, d in out.items())


class LightGraph:
    """A directed graph with the read API of ``networkx.DiGraph`` that pruner's
    evaluation uses (``graph``, ``nodes``, ``edges``, ``_adj``/``_succ``/``_pred``,
    membership, iteration, ``successors``, ``predecessors``), without networkx.

    >>> G = LightGraph(flows={})
    >>> G.add_nodes_from([("a", {"x": 1}), ("b", {})])
    >>> G._adj["a"]["b"] = G._pred["b"]["a"] = {"soft": False}
    >>> sorted(G), G.nodes["a"]["x"], list(G.edges(data="soft")), list(G.predecessors("b"))
    (['a', 'b'], 1, [('a', 'b', False)], ['a'])
    >>> G.to_networkx().number_of_edges()
    1
    """

    def __init__(self, **attr):
        self.graph = dict(attr)
        self._node: dict = {}
        self._adj: dict = {}
        self._pred: dict = {}
        self._succ = self._adj

    def add_nodes_from(self, nodes) -> None:
        for n, data in nodes:
            self._node.setdefault(n, {}).update(data)
            self._adj.setdefault(n, {})
            self._pred.setdefault(n, {})

    @property
    def nodes(self) -> _NodeView:
        return _NodeView(self._node)

    @property
    def edges(self) -> _EdgeView:
        return _EdgeView(self._adj)

    def __contains__(self, n) -> bool:
        try:
            return n in self._node
        except TypeError:
            return False

    def __iter__(self) -> Iterator:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def __getitem__(self, n) -> dict:
        return self._adj[n]

    def successors(self, n) -> Iterator:
        return iter(self._adj[n])

    def predecessors(self, n) -> Iterator:
        return iter(self._pred[n])

    def has_node(self, n) -> bool:
        return n in self

    def has_edge(self, u, v) -> bool:
        return u in self._adj and v in self._adj[u]

    def number_of_nodes(self) -> int:
        return len(self._node)

    def number_of_edges(self) -> int:
        return len(self.edges)

    def is_directed(self) -> bool:
        return True

    def is_multigraph(self) -> bool:
        return False

    def to_networkx(self) -> nx.DiGraph:
        """The same graph as a ``networkx.DiGraph`` (attribute dicts shared)."""
        import networkx as nx

        G = nx.DiGraph(**self.graph)
        G.add_nodes_from(self._node.items())
        for u, out in self._adj.items():
            for v, data in out.items():
                G._adj[u][v] = data
                G._pred[v][u] = data
        return G


def dependency_graph(manifest: Manifest, light: bool = False) -> nx.DiGraph:
    """Build the dependency graph of ``manifest`` (a :class:`LightGraph` when ``light``).

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
    if light:
        G = LightGraph(manifest=manifest, flows=manifest.flows)
        # the tables made at once (names are unique): no per-node setdefault calls
        G._node = {name: {"service": svc} for name, svc in nodes.items()}
        G._adj = G._succ = {name: {} for name in nodes}
        G._pred = {name: {} for name in nodes}
    else:
        import networkx as nx

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
                    out[member] = pred[member][name] = {"items": (index,), "soft": item.soft,
                                                        "kind": item.kind, "need": item.need}
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


def has_availability(G: nx.DiGraph) -> bool:
    """Whether the manifest says anything about availability (a node's availability
    or a flow's target); without that every flow is trivially always available."""
    if any(f.target is not None for f in G.graph["flows"].values()):
        return True
    return any(data["service"].availability is not None for data in G._node.values())


def is_operation(G: nx.DiGraph, name: str) -> bool:
    """True when node ``name`` of ``G`` is an operation ``S:O``, not a service."""
    return G.nodes[name]["service"].operation_of is not None


def reachable(adjacency: Mapping[str, Iterable[str]], roots: Iterable[str]) -> set[str]:
    """``roots`` and every node reached from them in ``adjacency`` (``G._succ``: what
    they stand on; ``G._pred``: what stands on them), with a worklist, never recursion
    (chains of 100,000 services).

    >>> from pruner.model import Item, Manifest, Service, SINGLE
    >>> G = dependency_graph(Manifest.from_lists([Service("a", (Item(SINGLE, ("b",)),)),
    ...                                           Service("b"), Service("c")]))
    >>> sorted(reachable(G._succ, ["a"])), sorted(reachable(G._pred, ["b"]))
    (['a', 'b'], ['a', 'b'])
    """
    seen = set(roots)
    todo = list(seen)
    while todo:
        for m in adjacency[todo.pop()]:
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return seen


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
