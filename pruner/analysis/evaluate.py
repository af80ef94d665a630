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
from collections.abc import Container, Iterable, Mapping, Sized
from dataclasses import field
from itertools import filterfalse
from types import MappingProxyType
from typing import TYPE_CHECKING

from pruner.errors import UnknownNameError
from pruner.frozen import record
from pruner.graph import unknown_name
from pruner.model import Item

if TYPE_CHECKING:  # `check` starts without networkx (see pruner.graph.LightGraph)
    import networkx as nx

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
    "switch_off_lazily",
    "item_status",
    "flow_items",
    "gate",
    "check_names",
]

UP, DEGRADED, DOWN = "up", "degraded", "down"
OK, BROKEN = "ok", "broken"
FAIL_ON = ("broken", "degraded", "never")


@record  # one per DOWN service of a report
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


@record(slots=False)
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
        # Every DOWN service comes before every DEGRADED one: when either is DOWN the
        # answer needs no DEGRADED pass (switch_off_lazily defers it).
        cause = self.cause
        if b in cause:
            if a not in cause:
                return False
        elif a in cause:
            return True
        order = self.order
        x = order.get(a)
        if x is None:  # never reached: before nothing
            return False
        y = order.get(b)
        return y is None or x < y

    def count(self, table: str, state: str) -> int:
        """How many services (``table="services"``), operations or flows are in ``state``."""
        return sum(1 for s in getattr(self, table).values() if s == state)


@record(slots=False)
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


def switch_off(G: nx.DiGraph, off: Iterable[str], *, owners: dict | None = None) -> Evaluation:
    """Evaluate the manifest behind ``G`` with the services ``off`` switched off.

    Parameters
    ----------
    G : nx.DiGraph
        A graph from :func:`pruner.graph.dependency_graph`.
    off : iterable of str
        Names of services or operations (``S:O``); each must be a node of ``G``.
    owners : dict, optional
        A table that the evaluations of one graph may share (pass the same empty
        dict to each): what a DOWN service can take down, read from the manifest on
        its first fall, not on every evaluation's (issue 21: the text cuts report of
        2,000 flows, 5,427 evaluations: propagation 0.35 -> 0.27 s).

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
    return _evaluation(G, off, _Propagation(G, off, owners).complete())


def switch_off_lazily(G: nx.DiGraph, off: Iterable[str], *, owners: dict | None = None,
                      within: Container[str] | None = None) -> Evaluation:
    """:func:`switch_off`, computed only as far as it is read.

    What goes DOWN is propagated breadth first from ``off`` only until the service
    asked about has gone DOWN (asking about one that stays up, iterating or counting
    runs it to the end); ``via``, ``order``, ``services``, ``operations`` and
    ``flows`` are computed on first use. Every answer is exactly what
    :func:`switch_off` gives: the propagation is the same, only paused. An
    explanation of a BROKEN flow walks from the flow into DOWN services, which went
    down before the flow's own, so explaining a cut set costs the services between
    the cut set and the flow, not its whole blast radius (every service of a hard
    cycle) nor every service that can reach it (a shared core reached through soft
    back edges).

    ``within``, a set of services closed under dependencies (every dependency of
    one is one: the support of some flows, :func:`~pruner.analysis.focus.focus`),
    keeps the propagation inside it: the evaluation is the one
    :func:`~pruner.analysis.focus.support_graph` of those flows would give, states,
    causes and propagation order alike (nothing outside it is a dependency of
    anything in it), without building that graph. It holds the services in
    ``within`` and the flows whose requirements are in it. An explanation of a cut
    set then costs what the cut set takes down *under the flows explained*, not
    every service above it (on the 20,000-service benchmark the flows stand on
    3,194 services, and the cut sets' ancestors elsewhere had made 115,683 DOWN
    steps). ``owners`` may be shared by evaluations with the same ``within``.

    >>> from pruner.model import Manifest, Service, Flow, Item, SINGLE
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(Manifest.from_lists(
    ...     [Service("web", (Item(SINGLE, ("db",)),)), Service("db")],
    ...     [Flow("f", (Item(SINGLE, ("web",)),))]))
    >>> ev = switch_off_lazily(G, ["db"])
    >>> dict(ev.cause), ev.flows["f"], dict(ev.services) == dict(switch_off(G, ["db"]).services)
    ({'db': None, 'web': 0}, 'broken', True)
    """
    off = check_names(G, off)
    cause = _Propagation(G, off, owners, within)
    whole = _Deferred(cause.complete)
    # Each part on first use: an explanation that asks what is DEGRADED needs the
    # breadth-first pass, not every service's state nor every flow's.
    via = _Deferred(lambda: _degraded(G, whole(), within))
    states = _Deferred(lambda: _states(G, whole(), via(), within))
    return Evaluation(off=off,
                      services=_DeferredMap(_Deferred(lambda: states()[0])),
                      flows=_DeferredMap(_Deferred(
                          lambda: _flow_states(G, whole(), via(), within))),
                      cause=cause, via=_LazyVia(via, cause, G._succ, within),
                      order=_LazyOrder(cause, via),
                      operations=_DeferredMap(_Deferred(lambda: states()[1])))


class _Deferred:
    """A value computed on first call, once."""

    __slots__ = ("_make", "_value", "_done")

    def __init__(self, make) -> None:
        self._make, self._value, self._done = make, None, False

    def __call__(self):
        if not self._done:
            self._value, self._make, self._done = self._make(), None, True
        return self._value


class _DeferredMap(Mapping):
    """A mapping computed on first use (read only, as the others of an Evaluation)."""

    __slots__ = ("_make",)

    def __init__(self, make: _Deferred) -> None:
        self._make = make

    def _whole(self) -> Mapping:
        return self._make()

    def __getitem__(self, key):
        return self._whole()[key]

    def __contains__(self, key) -> bool:
        return key in self._whole()

    def get(self, key, default=None):
        return self._whole().get(key, default)

    def __iter__(self):
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())

    def __repr__(self) -> str:
        return repr(self._whole())


class _LazyVia(_DeferredMap):
    """``via`` of :func:`switch_off_lazily`: whether a service is DEGRADED is answered
    without the DEGRADED pass, by a search from it for a DOWN service among what it
    stands on (it is DEGRADED when not DOWN and one is reachable: ``within`` is
    closed under dependencies). Explaining a cut set asks it of the members still up
    of a failed quorum; the pass reads every service above what went DOWN (on a
    shared core, most of the graph). Services found not to reach a DOWN one are
    remembered, and once the searches have read as many services as the pass
    would, the pass is run and answers. Where trouble came from (``via[name]``),
    iterating and counting need the pass.

    >>> from pruner.model import Manifest, Service, Item, SINGLE, AT_LEAST
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(Manifest.from_lists([
    ...     Service("api", (Item(AT_LEAST, ("a", "b", "c"), 3),)),
    ...     Service("a"), Service("b", (Item(SINGLE, ("x",), soft=True),)),
    ...     Service("c"), Service("x")], []))
    >>> ev = switch_off_lazily(G, ["a", "x"])
    >>> "b" in ev.via, "c" in ev.via, "api" in ev.via, "a" in ev.via
    (True, False, False, False)
    >>> dict(ev.via)
    {'b': 'x'}
    """

    __slots__ = ("_cause", "_succ", "_within", "_known", "_spent")

    def __init__(self, make: _Deferred, cause: _Propagation, succ: dict,
                 within: Container[str] | None) -> None:
        super().__init__(make)
        self._cause, self._succ, self._within = cause, succ, within
        self._known: dict[str, bool] = {}  # service -> reaches a DOWN one
        self._spent = 0  # services read by the searches

    def __contains__(self, key) -> bool:
        make = self._make
        if make._done:
            return key in make._value
        known = self._known.get(key)
        if known is not None:
            return known
        succ, within = self._succ, self._within
        if key not in succ or (within is not None and key not in within):
            return False
        down = self._cause.complete()
        if key in down:
            return False
        if self._spent > (len(within) if isinstance(within, Sized) else len(succ)):
            return key in self._whole()
        known = self._known
        seen = {key}
        stack = [key]
        found = False
        while stack and not found:
            for dep in succ[stack.pop()]:
                if dep in down or known.get(dep):
                    found = True
                    break
                if dep not in seen and dep not in known:
                    seen.add(dep)
                    stack.append(dep)
        self._spent += len(seen)
        if found:
            known[key] = True
        else:  # everything it stands on was read: none of it reaches a DOWN service
            known.update(dict.fromkeys(seen, False))
        return found


class _LazyOrder(_DeferredMap):
    """``order`` of :func:`switch_off_lazily`: a DOWN service's number is its place
    in the propagation of ``cause``, found without the DEGRADED pass (explaining a
    group failure asks which of two DOWN services went first); a DEGRADED one's,
    or the whole mapping, needs ``via`` too."""

    __slots__ = ("_cause", "_rank")

    def __init__(self, cause: _Propagation, via: _Deferred) -> None:
        super().__init__(_Deferred(lambda: _order(cause.complete(), via())))
        self._cause = cause
        self._rank = _Deferred(lambda: {n: i for i, n in enumerate(cause.complete())})

    def get(self, key, default=None):
        if key in self._cause:
            return self._rank()[key]
        return self._whole().get(key, default)

    def __getitem__(self, key):
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key) -> bool:
        return key in self._cause or key in self._whole()


class _Propagation(_DeferredMap):
    """``cause`` of :func:`switch_off`, propagated only as far as it is read: a
    lookup runs the breadth-first propagation until the name has gone DOWN or
    nothing is left to propagate (so a miss is final); the order of propagation, and
    so each cause, is the uninterrupted run's.

    ``owners`` (a dict, filled as services go DOWN) may be shared by the evaluations
    of one graph: what each DOWN service can take down is then read from the
    manifest once, not once per evaluation. ``within``: see :func:`switch_off_lazily`
    (its owners outside are left out of that table)."""

    def __init__(self, G: nx.DiGraph, off: tuple[str, ...],
                 owners: dict | None = None, within: Container[str] | None = None) -> None:
        self._nodes, self._pred = G._node, G._pred
        self._within = within
        # No table shared (None): each service goes DOWN once, so its owners are read
        # when it does, only those not DOWN yet, and kept nowhere (a plan switches off
        # 18,325 services of 20,000, whose owners are nearly all switched off too: 0.09
        # of 0.13 s of its re-check built their entries).
        self._owners = owners
        self._cause: dict[str, int | None] = dict.fromkeys(off)
        self._left: dict[tuple[str, int], int] = {}
        self._queue = deque(off)

    def _until(self, name) -> None:
        """Propagate until ``name`` is DOWN (``None``: to the end)."""
        queue = self._queue
        if not queue:
            return
        cause, left, owners = self._cause, self._left, self._owners
        while queue and name not in cause:
            gone = queue.popleft()  # each service is propagated whole: resumable
            if owners is None:
                hard = _hard_owners(self._nodes, self._pred, gone, self._within, cause)
            else:
                hard = owners.get(gone)
                if hard is None:
                    hard = owners[gone] = _hard_owners(self._nodes, self._pred, gone,
                                                       self._within)
            for owner, first, items in hard:
                if owner in cause:
                    continue
                if first >= 0:  # its first hard item on ``gone`` is ``gone`` alone
                    cause[owner] = first
                    queue.append(owner)
                    continue
                for index, size, need in items:
                    if size == 1:
                        count = 0
                    else:
                        key = (owner, index)
                        count = left.get(key, size) - 1
                        left[key] = count
                    if count < need:
                        cause[owner] = index
                        queue.append(owner)
                        break

    def complete(self) -> dict[str, int | None]:
        """Every DOWN service, propagated to the end, in propagation order."""
        self._until(None)
        return self._cause

    _whole = complete  # iterating, counting, printing: all of it

    # Explanations ask tens of thousands of these: a name already DOWN (or a
    # propagation already run to the end) answers from the dict, with no further call.

    def __contains__(self, name) -> bool:
        cause = self._cause
        if name in cause:
            return True
        if self._queue:
            self._until(name)
            return name in cause
        return False

    def __getitem__(self, name):
        cause = self._cause
        if name not in cause and self._queue:
            self._until(name)
        return cause[name]

    def get(self, name, default=None):
        cause = self._cause
        if name not in cause and self._queue:
            self._until(name)
        return cause.get(name, default)


def _hard_owners(nodes, pred, gone: str, within: Container[str] | None = None,
                 down: Container[str] | None = None) -> tuple:
    """``(owner, first, ((index, size, need), ...))`` for each owner of ``gone`` with
    a hard item on it (and in ``within``, when given; not in ``down``, when given: an
    evaluation of its own skips the owners DOWN already), in the order propagation
    meets them; ``first`` is the index of the first such item when it has one member
    (it fails at once), else -1.

    >>> from pruner.model import Manifest, Service, Item, SINGLE, ANY_OF
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(Manifest.from_lists([
    ...     Service("web", (Item(SINGLE, ("db",)),)),
    ...     Service("api", (Item(SINGLE, ("db",), soft=True), Item(ANY_OF, ("db", "c")))),
    ...     Service("db"), Service("c")], []))
    >>> _hard_owners(G._node, G._pred, "db")
    (('api', -1, ((1, 2, 1),)), ('web', 0, ((0, 1, 1),)))
    """
    out = []
    preds = pred[gone]
    # Owners outside ``within`` are dropped by ``filter``, in C: a service nearly
    # everything uses has thousands of them, and the flows explained stand on few.
    candidates = preds if within is None else filter(within.__contains__, preds)
    if down is not None:
        candidates = filterfalse(down.__contains__, candidates)
    for owner in candidates:
        edge = preds[owner]
        items = nodes[owner]["service"].depends_on
        indices = edge["items"]
        if len(indices) == 1:  # most edges: one item names the dependency (no generator)
            index = indices[0]
            item = items[index]
            if not item.soft:
                size = len(item.members)
                out.append((owner, index if size == 1 else -1, ((index, size, item.need),)))
            continue
        hard = tuple((index, len(item.members), item.need)
                     for index in indices if not (item := items[index]).soft)
        if hard:
            out.append((owner, hard[0][0] if hard[0][1] == 1 else -1, hard))
    return tuple(out)


def _degraded(G: nx.DiGraph, cause: dict,
              within: Container[str] | None = None) -> dict[str, str]:
    """What is DEGRADED given what went DOWN: service -> the dependency through which
    trouble reached it, in propagation order (breadth first from the DOWN ones);
    ``within``: only there (see :func:`switch_off_lazily`)."""
    pred = G._pred
    via: dict[str, str] = {}
    queue = deque(cause)  # insertion order is propagation order: deterministic
    while queue:
        bad = queue.popleft()
        for owner in pred[bad]:
            if owner not in cause and owner not in via and (within is None
                                                            or owner in within):
                via[owner] = bad
                queue.append(owner)
    return via


def _states(G: nx.DiGraph, cause: dict, via: dict,
            within: Container[str] | None = None) -> tuple[dict, dict]:
    """Every service's and every operation's state (``within``: of those there)."""
    states = {n: (DOWN if n in cause else DEGRADED if n in via else UP) for n in G
              if within is None or n in within}
    operations: dict[str, str] = {}
    manifest = G.graph.get("manifest")
    if manifest is not None and manifest.operations:
        # a support graph (focus.support_graph) holds only some of the operations
        operations = {n: states.pop(n) for n in manifest.operations if n in states}
    return states, operations


def _flow_states(G: nx.DiGraph, cause: dict, via: dict,
                 within: Container[str] | None = None) -> dict[str, str]:
    flows = {}
    for name, flow in G.graph["flows"].items():
        if within is not None and not all(m in within for i in flow.requires
                                          for m in i.members):
            continue  # stands partly outside: not evaluated here
        state = OK
        for item in flow.requires:
            status = item_status(item, cause, via)
            if status.failing:
                state = BROKEN
                break
            if status.troubled:
                state = DEGRADED
        flows[name] = state
    return flows


def _order(cause: dict, via: dict) -> dict[str, int]:
    return {name: i for i, name in enumerate([*cause, *via])}


def _evaluation(G: nx.DiGraph, off: tuple[str, ...], cause: dict) -> Evaluation:
    """The whole :class:`Evaluation` given what went DOWN."""
    via = _degraded(G, cause)
    states, operations = _states(G, cause, via)
    return Evaluation(
        off=off,
        services=MappingProxyType(states),
        flows=MappingProxyType(_flow_states(G, cause, via)),
        cause=MappingProxyType(cause),
        via=MappingProxyType(via),
        order=MappingProxyType(_order(cause, via)),
        operations=MappingProxyType(operations),
    )


def item_status(item: Item, down: Mapping | set, degraded: Mapping | set) -> ItemStatus:
    """Judge ``item`` given the DOWN and DEGRADED services (any containers of names).

    >>> from pruner.model import Item, AT_LEAST
    >>> s = item_status(Item(AT_LEAST, ("zk-1", "zk-2", "zk-3"), 2), {"zk-1"}, set())
    >>> s.up, s.satisfied, s.troubled
    (2, True, True)
    """
    members = item.members
    if len(members) == 1:  # most items: no generator for one member
        member = members[0]
        if member in down:
            return ItemStatus(item, 0, members, ())
        return ItemStatus(item, 1, (), members if member in degraded else ())
    gone = tuple(m for m in members if m in down)
    hurt = tuple(m for m in members if m not in down and m in degraded)
    return ItemStatus(item, len(members) - len(gone), gone, hurt)


def flow_items(G: nx.DiGraph, ev: Evaluation, flow: str) -> tuple[ItemStatus, ...]:
    """The status of each item a flow requires."""
    return tuple(item_status(i, ev.cause, ev.via) for i in G.graph["flows"][flow].requires)


def gate(G: nx.DiGraph, ev: Evaluation, fail_on: str = "broken",
         flows: Iterable[str] | None = None) -> Gate:
    """The gate verdict: fail when a critical flow is BROKEN (or DEGRADED, or never).

    With ``flows``, only those flows count, critical or not (naming a flow says it
    matters).

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
    table = G.graph["flows"]
    if flows is None:
        failing = tuple(n for n, s in ev.flows.items() if s in bad and table[n].critical)
    else:
        chosen = set(flows)
        failing = tuple(n for n, s in ev.flows.items() if s in bad and n in chosen)
    return Gate(fail_on, not failing, failing)
