"""The what-if evaluator (spec §4): switch services off, see what goes DOWN,
what is DEGRADED, and which flows break.

DOWN is a least fixpoint, computed by counter-based propagation from the
switched-off set: each item keeps a count of members not yet DOWN, and a service
goes DOWN the moment one of its hard items falls below its quorum. Each edge is
looked at a bounded number of times, so the cost is linear in the manifest and no
recursion happens on graph depth.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import networkx as nx

from pruner.errors import UnknownNameError
from pruner.graph import unknown_name
from pruner.model import Item

__all__ = [
    "UP",
    "DEGRADED",
    "DOWN",
    "OK",
    "BROKEN",
    "FAIL_ON",
    "ItemStatus",
    "Evaluation",
    "Gate",
    "switch_off",
    "item_status",
    "flow_items",
    "gate",
    "check_names",
]

UP, DEGRADED, DOWN = "up", "degraded", "down"
OK, BROKEN = "ok", "broken"
FAIL_ON = ("broken", "degraded", "never")


@dataclass(frozen=True, slots=True)
class ItemStatus:
    """An item judged against an evaluation: how many members are up, which are not."""

    item: Item
    up: int
    down: tuple[str, ...]
    degraded: tuple[str, ...]

    @property
    def satisfied(self) -> bool:
        """At least ``need`` members are not DOWN."""
        return self.up >= self.item.need

    @property
    def failing(self) -> bool:
        """Unsatisfied and hard: this item alone makes its owner DOWN or BROKEN."""
        return not self.satisfied and not self.item.soft

    @property
    def troubled(self) -> bool:
        """Some member is DOWN or DEGRADED."""
        return bool(self.down or self.degraded)


@dataclass(frozen=True)
class Evaluation:
    """The outcome of switching ``off`` services.

    ``services``, ``operations`` (spec §8) and ``flows`` map every name to its state;
    :meth:`state` looks up a service or an operation. ``cause`` maps each DOWN
    service or operation to the index of the hard item in its ``depends_on`` that failed first
    (``None`` for a switched-off service); ``via`` maps each DEGRADED service to the
    dependency through which trouble reached it. ``order`` numbers DOWN then
    DEGRADED services in propagation order; causes and ``via`` point strictly back
    in it, so following them always ends at a switched-off service.
    """

    off: tuple[str, ...]
    services: Mapping[str, str]
    flows: Mapping[str, str]
    cause: Mapping[str, int | None]
    via: Mapping[str, str]
    order: Mapping[str, int]
    operations: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def state(self, name: str) -> str:
        """The state of a service or an operation."""
        found = self.services.get(name)
        return self.operations[name] if found is None else found

    def before(self, a: str, b: str) -> bool:
        """True when trouble reached ``a`` before ``b`` (both DOWN or DEGRADED)."""
        return self.order.get(a, len(self.order)) < self.order.get(b, len(self.order))

    def count(self, table: str, state: str) -> int:
        """How many services (``table="services"``), operations or flows are in ``state``."""
        return sum(1 for s in getattr(self, table).values() if s == state)


@dataclass(frozen=True)
class Gate:
    """The CI verdict: ``passed`` unless a critical flow reached the ``fail_on`` state."""

    fail_on: str
    passed: bool
    failing: tuple[str, ...]


def check_names(G: nx.DiGraph, names: Iterable[str]) -> tuple[str, ...]:
    """Sorted, de-duplicated ``names``; :class:`UnknownNameError` for one not in ``G``.

    >>> from pruner.model import Manifest, Service
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(Manifest.from_lists([Service("sms-gateway")]))
    >>> check_names(G, ["sms-gateway", "sms-gateway"])
    ('sms-gateway',)
    >>> check_names(G, ["sms-gatway"])
    Traceback (most recent call last):
    ...
    pruner.errors.UnknownNameError: unknown service 'sms-gatway' (did you mean 'sms-gateway'?)
    """
    names = sorted(set(names))
    for name in names:
        if name not in G:
            raise UnknownNameError(unknown_name(G, name))
    return tuple(names)


def switch_off(G: nx.DiGraph, off: Iterable[str]) -> Evaluation:
    """Evaluate the manifest behind ``G`` with the services ``off`` switched off.

    Parameters
    ----------
    G : nx.DiGraph
        A graph from :func:`pruner.graph.dependency_graph`.
    off : iterable of str
        Names of services or operations (``S:O``); each must be a node of ``G``.

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> m = load_sources([("m.yaml", '''
    ... services:
    ...   web: {depends_on: [auth, {service: ads, soft: true}]}
    ...   auth: {depends_on: [{any_of: [sms-a, sms-b]}]}
    ...   sms-a: {}
    ...   sms-b: {}
    ...   ads: {}
    ... flows:
    ...   login: {requires: [web]}
    ... ''')]).manifest
    >>> G = dependency_graph(m)
    >>> switch_off(G, ["sms-a"]).flows["login"]
    'degraded'
    >>> ev = switch_off(G, ["sms-a", "sms-b"])
    >>> ev.flows["login"], ev.services["auth"], ev.cause["web"]
    ('broken', 'down', 0)

    Operations (spec §8) are nodes with an implicit hard item on their service:

    >>> m = load_sources([("m.yaml", '''
    ... services:
    ...   web: {operations: {login: {depends_on: [auth]}, home: {}}}
    ...   auth: {}
    ... flows:
    ...   login: {requires: [web:login]}
    ...   home: {requires: [web:home]}
    ... ''')]).manifest
    >>> G = dependency_graph(m)
    >>> ev = switch_off(G, ["auth"])
    >>> dict(ev.flows), dict(ev.operations), ev.services["web"]
    ({'home': 'ok', 'login': 'broken'}, {'web:home': 'up', 'web:login': 'down'}, 'up')
    >>> dict(switch_off(G, ["web"]).operations)
    {'web:home': 'down', 'web:login': 'down'}
    """
    off = check_names(G, off)
    nodes = G.nodes
    pred = G._pred
    cause: dict[str, int | None] = dict.fromkeys(off)
    left: dict[tuple[str, int], int] = {}
    queue = deque(off)
    while queue:
        gone = queue.popleft()
        for owner, edge in pred[gone].items():
            if owner in cause:
                continue
            items = nodes[owner]["service"].depends_on
            for index in edge["items"]:
                item = items[index]
                key = (owner, index)
                count = left.get(key, len(item.members)) - 1
                left[key] = count
                if count < item.need and not item.soft:
                    cause[owner] = index
                    queue.append(owner)
                    break

    via: dict[str, str] = {}
    for gone in cause:  # insertion order is propagation order: deterministic
        queue.append(gone)
    while queue:
        bad = queue.popleft()
        for owner in pred[bad]:
            if owner not in cause and owner not in via:
                via[owner] = bad
                queue.append(owner)

    states = {n: (DOWN if n in cause else DEGRADED if n in via else UP) for n in G}
    operations: dict[str, str] = {}
    manifest = G.graph.get("manifest")
    if manifest is not None and manifest.operations:
        operations = {n: states.pop(n) for n in manifest.operations}
    flows = {}
    for name, flow in G.graph["flows"].items():
        state = OK
        for item in flow.requires:
            status = item_status(item, cause, via)
            if status.failing:
                state = BROKEN
                break
            if status.troubled:
                state = DEGRADED
        flows[name] = state
    order = {name: i for i, name in enumerate([*cause, *via])}
    return Evaluation(
        off=off,
        services=MappingProxyType(states),
        flows=MappingProxyType(flows),
        cause=MappingProxyType(cause),
        via=MappingProxyType(via),
        order=MappingProxyType(order),
        operations=MappingProxyType(operations),
    )


def item_status(item: Item, down: Mapping | set, degraded: Mapping | set) -> ItemStatus:
    """Judge ``item`` given the DOWN and DEGRADED services (any containers of names).

    >>> from pruner.model import Item, AT_LEAST
    >>> s = item_status(Item(AT_LEAST, ("zk-1", "zk-2", "zk-3"), 2), {"zk-1"}, set())
    >>> s.up, s.satisfied, s.troubled
    (2, True, True)
    """
    gone = tuple(m for m in item.members if m in down)
    hurt = tuple(m for m in item.members if m not in down and m in degraded)
    return ItemStatus(item, len(item.members) - len(gone), gone, hurt)


def flow_items(G: nx.DiGraph, ev: Evaluation, flow: str) -> tuple[ItemStatus, ...]:
    """The status of each item a flow requires."""
    return tuple(item_status(i, ev.cause, ev.via) for i in G.graph["flows"][flow].requires)


def gate(G: nx.DiGraph, ev: Evaluation, fail_on: str = "broken") -> Gate:
    """The gate verdict: fail when a critical flow is BROKEN (or DEGRADED, or never).

    >>> from pruner.model import Flow, Item, Manifest, Service, SINGLE
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(Manifest.from_lists(
    ...     [Service("a")], [Flow("f", (Item(SINGLE, ("a",)),))]))
    >>> gate(G, switch_off(G, ["a"]))
    Gate(fail_on='broken', passed=False, failing=('f',))
    >>> gate(G, switch_off(G, ["a"]), "never").passed
    True
    """
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {FAIL_ON}")
    bad = {"broken": {BROKEN}, "degraded": {BROKEN, DEGRADED}, "never": set()}[fail_on]
    flows = G.graph["flows"]
    failing = tuple(n for n, s in ev.flows.items() if s in bad and flows[n].critical)
    return Gate(fail_on, not failing, failing)
