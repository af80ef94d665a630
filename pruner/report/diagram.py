"""What a dependency diagram shows (issue 5): nodes with their states, edges with
how they are held, junctions for groups, the paths trouble travels, clusters.

The renderers (:mod:`pruner.render.dot`, :mod:`pruner.render.mermaid`) only draw
this; every decision about *what* to draw is made here, once, so that the DOT,
SVG, PNG, Mermaid and HTML pictures agree.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import (
    BROKEN,
    DEGRADED,
    DOWN,
    OK,
    UP,
    Evaluation,
    item_status,
    switch_off,
)
from pruner.analysis.focus import check_flows, focus
from pruner.analysis.lint import reached
from pruner.frozen import fast_init, record
from pruner.model import ANY_OF, SINGLE, Item

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = [
    "CLUSTER_BY",
    "OFF",
    "FLOW",
    "SERVICE",
    "OPERATION",
    "JUNCTION",
    "Node",
    "Edge",
    "Cluster",
    "Diagram",
    "diagram_report",
    "group_label",
    "node_id",
]

CLUSTER_BY = ("system", "owner", "none")
FLOW, SERVICE, JUNCTION = "flow", "service", "junction"
OPERATION = "operation"  # an operation S:O (spec §8), drawn inside its service
OFF = "off"  # the state of a switched-off service (it is DOWN too, but drawn differently)


@record  # a diagram of 20,000 services makes 30,000 nodes and 100,000 edges
class Node:
    """One box in the diagram.

    ``state`` is a service state (``up``, ``degraded``, ``down``, ``off``), a flow
    state (``ok``, ``degraded``, ``broken``), or for a junction ``up`` / ``degraded``
    (running on a fallback) / ``down`` (the group is not satisfied). ``notes`` are
    short extra lines (free text, not yet escaped), ``tooltip`` the description.
    An operation (``kind="operation"``) names its service's node in ``parent``: it is
    drawn inside the service, and :attr:`label` is the operation's own name.
    """

    id: str
    kind: str
    name: str
    state: str
    cluster: str | None = None
    notes: tuple[str, ...] = ()
    tooltip: str | None = None
    critical: bool = False
    soft: bool = False  # junctions: the group is a soft item
    parent: str | None = None  # operations: the id of their service's node

    @property
    def label(self) -> str:
        """What the box says: the name, or an operation's own name inside its service."""
        return self.name.rpartition(":")[2] if self.kind == OPERATION else self.name


@fast_init
@record(order=True)
class Edge:
    """A dependency: ``tail`` needs ``head``. ``trouble`` is ``down`` or ``degraded``
    when the head is, i.e. the edge lies on a path the failure travels; ``member``
    marks the edge from a junction to one member of its group."""

    tail: str
    head: str
    soft: bool = False
    trouble: str | None = None
    member: bool = False


# Edge's own order (order=True: field by field), as a key: sorting 100,000 edges calls
# the dataclass's compiled __lt__ 1.5 million times, a C tuple comparison is several
# times faster.
_EDGE_ORDER = attrgetter("tail", "head", "soft", "trouble", "member")


@record
class Cluster:
    """A box around the services of one system (or owner)."""

    id: str
    label: str
    nodes: tuple[str, ...]


@record(slots=False)
class Diagram:
    """Everything to draw, sorted: flows first, then services, then junctions."""

    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...]
    off: tuple[str, ...]
    flows: tuple[str, ...]  # the flows focused on (empty: the whole manifest)
    depth: int | None
    cluster_by: str

    @property
    def overlay(self) -> bool:
        """True when something is switched off, so states are worth a legend."""
        return bool(self.off)


def node_id(kind: str, name: str) -> str:
    """The diagram id of a flow or service (separate namespaces, so prefixed).

    >>> node_id(FLOW, "signup"), node_id(SERVICE, "zk-1")
    ('flow:signup', 'svc:zk-1')
    """
    return ("flow:" if kind == FLOW else "svc:") + name


def group_label(item: Item) -> str:
    """How a junction reads: ``any 1 of 2`` for a fallback, ``2 of 3`` for a quorum.

    >>> from pruner.model import AT_LEAST
    >>> group_label(Item(ANY_OF, ("a", "b"))), group_label(Item(AT_LEAST, ("a", "b", "c"), 2))
    ('any 1 of 2', '2 of 3')
    """
    n = len(item.members)
    if item.kind == ANY_OF or item.need == 1:
        return f"any 1 of {n}"
    return f"{item.need} of {n}"


def _state(ev: Evaluation, name: str) -> str:
    if ev.cause.get(name, 0) is None:
        return OFF
    return ev.state(name)


def _trouble(ev: Evaluation, name: str) -> str | None:
    return DOWN if name in ev.cause else DEGRADED if name in ev.via else None


def diagram_report(
    G: nx.DiGraph,
    ev: Evaluation | None = None,
    *,
    flows=(),
    depth: int | None = None,
    cluster_by: str = "system",
    title: str = "",
) -> Diagram:
    """Decide what to draw for the manifest behind ``G`` and the evaluation ``ev``.

    Parameters
    ----------
    G : nx.DiGraph
        A graph from :func:`pruner.graph.dependency_graph`.
    ev : Evaluation, optional
        The what-if overlay; ``None`` draws the manifest with nothing switched off.
    flows : iterable of str
        Show only these flows and what they stand on; empty shows everything.
    depth : int, optional
        Show services at most this many dependency steps below the flows.
    cluster_by : {"system", "owner", "none"}
        Draw a box around the services of each system (or owning team).
    title : str
        A caption (free text; renderers escape it).

    Examples
    --------
    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services:
    ...   web: {depends_on: [{any_of: [sms-a, sms-b]}]}
    ...   sms-a: {system: sms}
    ...   sms-b: {system: sms}
    ... flows: {login: {requires: [web]}}''')]).manifest)
    >>> d = diagram_report(G, switch_off(G, ["sms-a"]))
    >>> [(n.id, n.state) for n in d.nodes]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('flow:login', 'degraded'), ('svc:sms-a', 'off'), ('svc:sms-b', 'up'),
     ('svc:web', 'degraded'), ('svc:web#0', 'degraded')]
    >>> [(e.tail, e.head, e.trouble) for e in d.edges if e.trouble]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('flow:login', 'svc:web', 'degraded'), ('svc:web', 'svc:web#0', 'degraded'),
     ('svc:web#0', 'svc:sms-a', 'down')]
    """
    if cluster_by not in CLUSTER_BY:
        raise ValueError(f"cluster_by must be one of {CLUSTER_BY}")
    if ev is None:
        ev = switch_off(G, ())
    table = G.graph["flows"]
    chosen = check_flows(G, flows)
    shown_flows = chosen or tuple(table)
    if chosen or depth is not None:
        services = set(focus(G, shown_flows, depth))
    else:
        services = set(G)
    if G.graph["manifest"].operations:  # an operation is drawn inside its service
        services |= {G.nodes[n]["service"].operation_of for n in list(services)} - {None}
    covered = reached(G)
    whole = len(services) == len(G)  # every service drawn: no dependency is hidden

    flow_nodes: list[Node] = []
    nodes: list[Node] = []  # the services', in name order (so in id order: one prefix)
    junctions: list[Node] = []
    # Each owner's edges (from it and from its junctions: no other owner's) are added
    # once each, sorted, and owners come in name order (a junction ``svc:x#0`` sorts
    # right after its owner ``svc:x``: ``#`` is below every character a name may hold),
    # so the final sort meets a sorted list: 100,000 edges in a random order took 0.2 s.
    edges: list[Edge] = []
    # What each service's node and edges need of the evaluation, looked up in its own
    # tables (a diagram of a 100,000-service chain asked _state and _trouble 200,000 times).
    cause, via, state_of = ev.cause, ev.via, ev.state
    nodes_table = G._node  # the node table itself: no view per lookup

    def add_items(owner: str, items: tuple[Item, ...], cluster: str | None) -> None:
        if len(items) == 1 and items[0].kind == SINGLE and not items[0].implicit:
            item = items[0]  # most owners of a big manifest (a star: all but the hub)
            head = item.members[0]
            if head in services:
                edges.append(Edge(owner, "svc:" + head, item.soft,
                                  DOWN if head in cause else DEGRADED if head in via else None))
            return
        own: dict[Edge, None] = {}
        singles: dict[str, bool] = {}  # head -> soft (soft only if every item is)
        for index, item in enumerate(items):
            if item.implicit:
                continue  # an operation on its own service: drawn inside it, not as an edge
            if item.kind == SINGLE:
                head = item.members[0]
                if head in services:
                    singles[head] = singles.get(head, True) and item.soft
                continue
            status = item_status(item, ev.cause, ev.via)
            state = DOWN if not status.satisfied else DEGRADED if status.troubled else UP
            jid = f"{owner}#{index}"
            junctions.append(Node(jid, JUNCTION, group_label(item), state, cluster,
                                  tooltip=item.note, soft=item.soft))
            own[Edge(owner, jid, item.soft, None if state == UP else state)] = None
            for member in item.members:
                if member in services:
                    own[Edge(jid, node_id(SERVICE, member), item.soft,
                             _trouble(ev, member), member=True)] = None
        for head, soft in singles.items():
            own[Edge(owner, node_id(SERVICE, head), soft, _trouble(ev, head))] = None
        edges.extend(sorted(own, key=_EDGE_ORDER) if len(own) > 1 else own)

    for name in shown_flows:
        flow = table[name]
        fid = node_id(FLOW, name)
        notes = ("critical",) if flow.critical else ("not critical",)
        flow_nodes.append(Node(fid, FLOW, name, ev.flows[name], None, notes, flow.description,
                               critical=flow.critical))
        add_items(fid, flow.requires, None)

    # every service drawn: sorted in the manifest's order, which is often sorted already
    # (a set's hash order costs a whole sort: 27 ms on 100,000 names, against 1 ms)
    for name in sorted(G) if whole else sorted(services):
        svc = nodes_table[name]["service"]
        parent = None
        if svc.operation_of is not None:  # an operation: inside its service's box
            parent = node_id(SERVICE, svc.operation_of)
            svc_of = nodes_table[svc.operation_of]["service"]
            cluster = None if cluster_by == "none" else getattr(svc_of, cluster_by)
        else:
            cluster = None if cluster_by == "none" else getattr(svc, cluster_by)
        notes = []
        hidden = 0 if whole else sum(1 for dep in G._succ[name] if dep not in services)
        if hidden:
            notes.append(f"+{hidden} more dependenc{'y' if hidden == 1 else 'ies'}")
        if name not in covered:
            notes.append("no flow reaches it")
        sid = "svc:" + name  # node_id(SERVICE, name)
        state = OFF if cause.get(name, 0) is None else state_of(name)  # _state(ev, name)
        nodes.append(Node(sid, SERVICE if parent is None else OPERATION, name, state,
                          cluster, tuple(notes), svc.description, parent=parent))
        add_items(sid, svc.depends_on, cluster)

    flow_nodes.sort(key=attrgetter("id"))
    # the services' nodes are in id order already (sorted names, one prefix), after the flows'
    nodes[:0] = flow_nodes
    groups: dict[str, list[str]] = {}
    for node in nodes + junctions:
        if node.cluster is not None:
            groups.setdefault(node.cluster, []).append(node.id)
    clusters = tuple(
        Cluster(f"cluster_{i}", f"{cluster_by}: {key}", tuple(sorted(groups[key])))
        for i, key in enumerate(sorted(groups))
    )
    junctions.sort(key=attrgetter("id"))
    return Diagram(
        title=title,
        nodes=tuple(nodes + junctions),
        edges=tuple(sorted(edges, key=_EDGE_ORDER)),
        clusters=clusters,
        off=ev.off,
        flows=chosen,
        depth=depth,
        cluster_by=cluster_by,
    )


# States a flow can be in, for renderers that map states to colours.
FLOW_STATES = (OK, DEGRADED, BROKEN)
SERVICE_STATES = (UP, DEGRADED, DOWN, OFF)
