"""Exact availability of flows and the importance of each service (spec §9).

Every service (and operation, and common-cause group) is *itself* down with
probability ``q = 1 - availability``, independently; the state of everything else
then follows spec §4. A flow's availability is the exact probability that it is not
BROKEN.

How
---
The structure function is built as a reduced ordered BDD
(:mod:`pruner.analysis.bdd`) over one variable per node of the flows' *hard
support* (:func:`~pruner.analysis.hard.hard_support`; soft items never make
anything BROKEN). Bottom-up over the strongly connected components of the hard
graph, dependencies first:

- a node is DOWN when it is itself down (its variable) OR one of its hard items
  is not satisfied;
- an item with ``need`` of ``n`` members is not satisfied once
  ``n - need + 1`` members are DOWN: a threshold function of the members' BDDs
  (OR for a single dependency, AND for ``at_least: n``);
- a flow is BROKEN when one of its hard items is not satisfied.

Inside a dependency cycle the functions are iterated from "nothing is DOWN" until
they stop changing (BDDs are canonical, so that is an integer comparison): the
least fixpoint of spec §4, so nothing in a cycle is DOWN unless a failure reaches
it. Each iteration can only add failures, so it ends after at most as many rounds
as the cycle has nodes.

A service that several branches share is one variable, so it is counted once:
the BDD's probability is exact (no rare-event or min-cut-upper-bound
approximation). Importance factors come from one more linear pass over each flow's
BDD (:meth:`~pruner.analysis.bdd.Bdd.sensitivity`).

The variable order is the depth-first preorder from the flows (members in item
order): a node comes before what it depends on, so "itself down OR its items" adds
one node on top of its items' diagram, and the sub-trees of one gate hold
neighbouring variables, as fault-tree tools order them.

Importance, in failure terms as SCRAM defines them, for service ``s`` and flow
``f`` (``U`` = 1 - availability of ``f``; ``U1``/``U0`` = ``U`` given ``s``
itself down/up; ``q`` = 1 - availability of ``s``):
MIF (Birnbaum) = ``U1 - U0``; CIF = ``q·MIF/U``; DIF (Fussell-Vesely) =
``q·U1/U``; RAW = ``U1/U``; RRW = ``U/U0``; ``None`` where a denominator is 0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import networkx as nx

from pruner.analysis.bdd import FALSE, Bdd
from pruner.analysis.hard import HardModel, hard_model, strongly_connected

__all__ = [
    "MINUTES_PER_30_DAYS",
    "FlowAvailability",
    "Importance",
    "OutOfTime",
    "flow_availability",
    "node_availability",
]

MINUTES_PER_30_DAYS = 30 * 24 * 60


class OutOfTime(Exception):
    """The deadline passed before the analysis finished."""


@dataclass(frozen=True)
class Importance:
    """Importance of one service (or operation, or common cause) for one flow."""

    service: str
    availability: float
    given_down: float  # U1: flow unavailability given this service is itself down
    given_up: float  # U0: flow unavailability given this service is itself up
    mif: float
    cif: float | None
    dif: float | None
    raw: float | None
    rrw: float | None

    def sort_key(self) -> tuple:
        """Harden first: the largest share of the flow's downtime (DIF), then the
        largest marginal effect (MIF), then the largest risk increase (RAW), name."""
        return (-(self.dif or 0.0), -self.mif, -(self.raw or 0.0), self.service)


@dataclass(frozen=True)
class FlowAvailability:
    """The availability of one flow, its target and the importance of its support.

    ``importance`` is sorted so its first entry is the service to harden first.
    """

    flow: str
    availability: float
    unavailability: float
    target: float | None
    critical: bool
    importance: tuple[Importance, ...]

    @property
    def meets_target(self) -> bool | None:
        """Whether the availability reaches the target (``None`` without a target)."""
        if self.target is None:
            return None
        return self.availability >= self.target

    @property
    def downtime_minutes(self) -> float:
        """Expected minutes BROKEN per 30 days."""
        return self.unavailability * MINUTES_PER_30_DAYS


def _variable_order(model: HardModel) -> list[int]:
    """BDD variable of each node: its position in the depth-first preorder from the
    flows (members in item order)."""
    n = model.n
    items = model.items
    level = [0] * n
    seen = bytearray(len(items))
    position = 0
    stack = list(range(len(items) - 1, n - 1, -1))  # flows, first one on top
    while stack:
        v = stack.pop()
        if seen[v]:
            continue
        seen[v] = 1
        if v < n:
            level[v] = position
            position += 1
        for _, members in reversed(items[v]):
            stack.extend(m for m in reversed(members) if not seen[m])
    return level


def _structure(G: nx.DiGraph, flows: tuple[str, ...], deadline: float | None,
               progress: Callable[[int, int], None] | None):
    """(model, manager, BDD of every node of the model, variable of each service)."""
    model = hard_model(G, flows)
    level = _variable_order(model)

    def check() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise OutOfTime

    b = Bdd(check)
    n = model.n
    items = model.items
    func = [FALSE] * len(items)
    own = [b.var_node(level[i]) for i in range(n)]

    def compute(v: int) -> int:
        parts = [own[v]] if v < n else []
        for fails, members in items[v]:
            parts.append(b.at_least(fails, [func[m] for m in members]))
        return b.disjoin(parts)

    components = strongly_connected(model)
    total = len(components)
    for done, component in enumerate(components, 1):
        if len(component) == 1:
            func[component[0]] = compute(component[0])
        else:
            changed = True
            while changed:
                check()
                changed = False
                for v in component:
                    new = compute(v)
                    if new != func[v]:
                        func[v] = new
                        changed = True
        if progress is not None and (done % 256 == 0 or done == total):
            progress(done, total)
    return model, b, func, level


def _q(G: nx.DiGraph, name: str) -> float:
    """Probability that node ``name`` is itself down (no availability given: never)."""
    availability = G.nodes[name]["service"].availability
    return 0.0 if availability is None else 1.0 - availability


def _ratio(a: float, b: float) -> float | None:
    return None if b == 0.0 else a / b


def flow_availability(
    G: nx.DiGraph,
    flows: Iterable[str] | None = None,
    *,
    importance: bool = True,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, FlowAvailability]:
    """The exact availability of each flow, with the importance of its hard support.

    Parameters
    ----------
    G
        The dependency graph (:func:`pruner.graph.dependency_graph`); each node's
        ``service`` carries its ``availability``.
    flows
        Flow names; default every flow.
    importance
        Also compute the importance factors (one more linear pass per flow).
    deadline
        ``time.monotonic()`` value after which :class:`OutOfTime` is raised.
    progress
        Called with ``(done, total)`` as components of the graph are built.

    Returns
    -------
    dict
        Flow name -> :class:`FlowAvailability`, by name.

    Examples
    --------
    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services:
    ...   web: {availability: 0.999, depends_on: [{any_of: [db-a, db-b]}, auth]}
    ...   auth: {availability: 0.9999}
    ...   db-a: {availability: 0.99}
    ...   db-b: {availability: 0.99}
    ... flows: {login: {requires: [web], target: 0.999}}''')]).manifest)
    >>> r = flow_availability(G)["login"]
    >>> round(r.availability, 9), r.meets_target
    (0.99880021, False)
    >>> [(i.service, round(i.dif, 3)) for i in r.importance]
    [('web', 0.833), ('db-a', 0.092), ('db-b', 0.092), ('auth', 0.083)]
    """
    table = G.graph["flows"]
    names = tuple(sorted(table if flows is None else set(flows)))
    if not names:
        return {}
    model, b, func, level = _structure(G, names, deadline, progress)
    n = model.n
    support = model.names[:n]
    q_by_level = [0.0] * n
    for i, name in enumerate(support):
        q_by_level[level[i]] = _q(G, name)
    reach = _flow_supports(model)
    out: dict[str, FlowAvailability] = {}
    for k, name in enumerate(names):
        f = func[n + k]
        flow = table[name]
        members = reach[k]
        if not importance:
            u = b.probability(f, q_by_level)
            out[name] = FlowAvailability(name, 1.0 - u, u, flow.target, flow.critical, ())
            continue
        sens = b.sensitivity(f, q_by_level, [level[i] for i in members])
        u = sens.probability
        entries = []
        for j, i in enumerate(members):
            q = q_by_level[level[i]]
            u1, u0, mif = sens.given_true[j], sens.given_false[j], sens.marginal[j]
            entries.append(Importance(
                service=support[i], availability=1.0 - q, given_down=u1, given_up=u0,
                mif=mif, cif=_ratio(q * mif, u), dif=_ratio(q * u1, u), raw=_ratio(u1, u),
                rrw=_ratio(u, u0)))
        entries.sort(key=Importance.sort_key)
        out[name] = FlowAvailability(name, 1.0 - u, u, flow.target, flow.critical,
                                     tuple(entries))
    return out


def _flow_supports(model: HardModel) -> list[list[int]]:
    """The hard support of each flow of the model (service numbers, in BFS order)."""
    n = model.n
    items = model.items
    out = []
    for k in range(len(model.flows)):
        seen = bytearray(n)
        order = []
        todo = [m for _, members in items[n + k] for m in members]
        while todo:
            v = todo.pop()
            if seen[v]:
                continue
            seen[v] = 1
            order.append(v)
            todo.extend(m for _, members in items[v] for m in members if not seen[m])
        out.append(sorted(order))
    return out


def node_availability(G: nx.DiGraph, names: Iterable[str]) -> dict[str, float]:
    """The probability that each named service is not DOWN (its own availability
    and everything it needs).

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {a: {availability: 0.9, depends_on: [b]}, b: {availability: 0.5}}
    ... ''')]).manifest)
    >>> {k: round(v, 9) for k, v in node_availability(G, ["a", "b"]).items()}
    {'a': 0.45, 'b': 0.5}
    """
    from pruner.model import SINGLE, Flow, Item

    wanted = sorted(set(names))
    probes = {f"probe:{name}": Flow(f"probe:{name}", (Item(SINGLE, (name,)),))
              for name in wanted}
    H = G.copy(as_view=False)
    H.graph = dict(G.graph, flows=probes)
    result = flow_availability(H, importance=False)
    return {name: result[f"probe:{name}"].availability for name in wanted}
