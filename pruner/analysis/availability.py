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

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pruner.analysis.bdd import TRUE, Bdd, flow_function, structure_functions
from pruner.analysis.hard import HardModel, hard_model, preorder
from pruner.errors import BudgetExhausted, Problem, display

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = [
    "AVAILABILITY_FAIL_ON",
    "DEFAULT_TIME_BUDGET",
    "LINT_TIME_BUDGET",
    "MINUTES_PER_30_DAYS",
    "AvailabilityChange",
    "FlowAvailability",
    "Importance",
    "OutOfTime",
    "availability_diff",
    "extra_nine",
    "extra_nine_lint",
    "flow_availability",
    "has_availability",
    "new_extra_nines",
    "node_availability",
]

MINUTES_PER_30_DAYS = 30 * 24 * 60
# `pruner diff --fail-on` choices this module adds (each also fails what `spof` fails)
AVAILABILITY_FAIL_ON = ("target", "extra-nine")
EXTRA_NINE = 10.0  # a single point of failure must be this many times as reliable as its flow


#: Seconds an availability computation may take when the caller gives no deadline
#: (``pruner availability``, ``report``, ``diff``); the node cap
#: (:data:`~pruner.analysis.bdd.DEFAULT_MAX_NODES`) bounds its memory.
DEFAULT_TIME_BUDGET = 60.0
#: Seconds ``pruner validate`` gives the "extra nine" lint before skipping it.
LINT_TIME_BUDGET = 10.0


class OutOfTime(BudgetExhausted):
    """The deadline passed before the analysis finished."""

    def __init__(self, message: str = "the time budget ran out", partial: object = None):
        super().__init__(message, partial)


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


def _structure(G: nx.DiGraph, flows: tuple[str, ...], deadline: float | None,
               progress: Callable[[int, int], None] | None, down=frozenset(),
               max_nodes: int | None = None):
    """(model, manager, BDD of every node of the model, variable of each service,
    the budget error that stopped the build or None).

    When a budget runs out, the nodes not built are ``None`` in the list: the
    flows built before (each a finished diagram) can still be quantified.
    """
    model = hard_model(G, flows)
    level = preorder(model)

    def check() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise OutOfTime

    b = Bdd(check, max_nodes)
    names = model.names
    own = [TRUE if names[i] in down else b.var_node(level[i]) for i in range(model.n)]
    stopped = None
    try:
        func = structure_functions(b, model, own, progress=progress, check=check,
                                   flows=False)
    except BudgetExhausted as exc:
        stopped = exc
        func = exc.partial
    return model, b, func, level, stopped


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
    down: Iterable[str] = (),
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_nodes: int | None = None,
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
    down
        Nodes that are down for sure (``pruner diff``: services the change removes).
    deadline
        ``time.monotonic()`` value after which :class:`OutOfTime` is raised
        (default: :data:`DEFAULT_TIME_BUDGET` seconds from now; ``math.inf``: none).
    progress
        Called with ``(done, total)`` as components of the graph are built.
    max_nodes
        Node cap of the diagram (default
        :data:`~pruner.analysis.bdd.DEFAULT_MAX_NODES`; 0: none).

    Returns
    -------
    dict
        Flow name -> :class:`FlowAvailability`, by name.

    Raises
    ------
    pruner.errors.BudgetExhausted
        :class:`OutOfTime` or :class:`~pruner.analysis.bdd.NodeLimit` when a budget
        ran out; its ``partial`` holds the flows finished before (the same
        dictionary, fewer flows), its message says how many.

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
    down = frozenset(down)
    if deadline is None:
        deadline = time.monotonic() + DEFAULT_TIME_BUDGET
    model, b, func, level, stopped = _structure(G, names, deadline, progress, down, max_nodes)
    n = model.n
    support = model.names[:n]
    q_by_level = [0.0] * n
    for i, name in enumerate(support):
        q_by_level[level[i]] = 1.0 if name in down else _q(G, name)
    reach = _flow_supports(model)
    out: dict[str, FlowAvailability] = {}
    for k, name in enumerate(names):
        if stopped is not None:  # a budget ran out: the flows done so far are the answer
            break
        # each flow's own diagram is built on the shared services', quantified, then
        # released: flows share every service's diagram, and do not pile up their own
        mark = b.mark()
        try:
            f = flow_function(b, model, func, k)
        except BudgetExhausted as exc:
            stopped = exc
            break
        flow = table[name]
        members = reach[k]
        if not importance:
            u = b.probability(f, q_by_level)
            b.release(mark)
            out[name] = FlowAvailability(name, 1.0 - u, u, flow.target, flow.critical, ())
            continue
        sens = b.sensitivity(f, q_by_level, [level[i] for i in members])
        b.release(mark)
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
    if stopped is not None:
        why = ("the time budget ran out" if isinstance(stopped, OutOfTime)
               else stopped.message)
        left = sorted(set(names) - set(out))
        raise type(stopped)(
            f"availability not computed for {len(left)} of {len(names)} flow"
            f"{'s' if len(names) > 1 else ''} ({', '.join(map(display, left[:3]))}"
            f"{', ...' if len(left) > 3 else ''}): {why}", partial=out) from None
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


def has_availability(G: nx.DiGraph) -> bool:
    """Whether the manifest says anything about availability (a node's availability
    or a flow's target); without that every flow is trivially always available."""
    if any(f.target is not None for f in G.graph["flows"].values()):
        return True
    return any(data["service"].availability is not None for _, data in G.nodes(data=True))


def extra_nine(G: nx.DiGraph, results: dict[str, FlowAvailability] | None = None,
               *, deadline: float | None = None) -> list[Problem]:
    """The "extra nine" warnings (Treynor et al., *The Calculus of Service
    Availability*): for each flow with a target,

    - the target exceeds what its hard dependencies can give: its exact availability
      is below the target. Named: the single point of failure whose own availability
      is below the target (the lowest one), else the largest contributor (DIF);
    - for a critical flow, a single point of failure (a node whose going down alone
      breaks the flow) less than ten times as reliable as the flow's target must be:
      its unavailability exceeds 1/10 of the flow's allowed unavailability.
      Members of fallback groups and quorums are judged through their group.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {availability: 0.99995, depends_on: [db]}, db: {availability: 0.998}}
    ... flows: {f: {requires: [web], target: 0.999}}''')]).manifest)
    >>> for p in extra_nine(G): print(p.message)  # doctest: +NORMALIZE_WHITESPACE
    flow 'f' has target 99.90% but its hard dependencies give at most 99.80%:
    capped by 'db' (99.80%)
    flow 'f' (target 99.90%) depends on 'db' (99.80%) alone: a single point of failure
    should be 10 times as reliable as the flow (at least 99.990%)
    """
    table = G.graph["flows"]
    flows = sorted(name for name, flow in table.items() if flow.target is not None)
    if not flows:
        return []
    if results is None:
        results = flow_availability(G, flows, deadline=deadline)
    found = []
    for name in flows:
        flow = table[name]
        r = results[name]
        target = flow.target
        allowed = 1.0 - target
        spofs = [i for i in r.importance if i.given_down >= 1.0 - 1e-12]
        if r.availability < target:
            capping = sorted((i for i in spofs if i.availability < target),
                             key=lambda i: (i.availability, i.service))
            if capping:
                why = f"capped by {display(capping[0].service)} ({_pct(capping[0].availability)})"
            elif r.importance:
                top = r.importance[0]
                share = "" if top.dif is None else f" ({100 * top.dif:.3g}% of its downtime)"
                why = f"{display(top.service)} contributes most{share}"
            else:
                why = "nothing in its hard support can be hardened"
            found.append(Problem(flow.location, f"flow {display(name)} has target {_pct(target)} "
                                                f"but its hard dependencies give at most "
                                                f"{_pct(r.availability)}: {why}", "warning"))
        if not flow.critical:
            continue
        need = 1.0 - allowed / EXTRA_NINE
        for i in sorted(spofs, key=lambda i: i.service):
            if 1.0 - i.availability > allowed / EXTRA_NINE * (1 + 1e-9):
                found.append(Problem(
                    flow.location,
                    f"flow {display(name)} (target {_pct(target)}) depends on "
                    f"{display(i.service)} ({_pct(i.availability)}) alone: a single point of "
                    f"failure should be {EXTRA_NINE:g} times as reliable as the flow (at least "
                    f"{_pct(need)})", "warning"))
    return found


def extra_nine_lint(G: nx.DiGraph, deadline: float | None = None) -> list[Problem]:
    """:func:`extra_nine` for ``pruner validate``, within a budget: when the
    availability cannot be computed in time (default :data:`LINT_TIME_BUDGET`
    seconds) or within the node cap, the lint is skipped with a warning that says
    so and why, instead of holding a CI job (the other lints still run; ``diff
    --fail-on extra-nine``, whose gate depends on it, fails closed instead).

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {availability: 0.9}}
    ... flows: {f: {requires: [web], target: 0.5}}''')]).manifest)
    >>> print(extra_nine_lint(G, deadline=0.0)[0].message)  # doctest: +NORMALIZE_WHITESPACE
    availability lint ('extra nine') skipped: availability not computed for 1 of 1
    flow ('f'): the time budget ran out
    """
    if deadline is None:
        deadline = time.monotonic() + LINT_TIME_BUDGET
    try:
        return extra_nine(G, deadline=deadline)
    except BudgetExhausted as exc:
        table = G.graph["flows"]
        first = min(name for name, flow in table.items() if flow.target is not None)
        return [Problem(table[first].location,
                        f"availability lint ('extra nine') skipped: {exc.message}",
                        "warning")]


def _pct(value: float) -> str:
    """A probability as a percentage with two significant digits of its complement."""
    u = float(f"{1.0 - value:.6g}")
    if u <= 0.0:
        return "100%"
    decimals = max(2, -1 - math.floor(math.log10(u)))
    return f"{100 * value:.{min(decimals, 12)}f}%"


@dataclass(frozen=True)
class AvailabilityChange:
    """A flow's availability and target before and after a change (``None`` where the
    flow does not exist in that version)."""

    flow: str
    critical: bool
    old: float | None
    new: float | None
    old_target: float | None
    new_target: float | None

    @property
    def dropped_below_target(self) -> bool:
        """Below its target now, and not below (or absent) before."""
        if self.new is None or self.new_target is None or self.new >= self.new_target:
            return False
        return not (self.old is not None and self.old_target is not None
                    and self.old < self.old_target)


def availability_diff(G_old: nx.DiGraph, G_new: nx.DiGraph, removed: Iterable[str] = (),
                      *, deadline: float | None = None) -> tuple[AvailabilityChange, ...]:
    """Each flow's availability in both versions, by name; ``removed`` (the services
    a change deletes, placeholders in ``G_new``) are down for sure in the new one.
    Empty when neither version says anything about availability. Both versions
    share one ``deadline`` (default :data:`DEFAULT_TIME_BUDGET` seconds from now);
    a budget that runs out raises :class:`~pruner.errors.BudgetExhausted` (the
    gate's outcome is unknown: fail closed)."""
    if not (has_availability(G_old) or has_availability(G_new)):
        return ()
    if deadline is None:
        deadline = time.monotonic() + DEFAULT_TIME_BUDGET
    old = flow_availability(G_old, importance=False, deadline=deadline)
    new = flow_availability(G_new, importance=False, down=removed, deadline=deadline)
    t_old, t_new = G_old.graph["flows"], G_new.graph["flows"]
    out = []
    for name in sorted(set(old) | set(new)):
        o, n = old.get(name), new.get(name)
        flow = t_new.get(name) or t_old[name]
        out.append(AvailabilityChange(
            name, flow.critical, None if o is None else o.availability,
            None if n is None else n.availability,
            None if o is None else o.target, None if n is None else n.target))
    return tuple(out)


def new_extra_nines(G_old: nx.DiGraph, G_new: nx.DiGraph, *, deadline: float | None = None
                    ) -> tuple[tuple[str, str], ...]:
    """``(flow, message)`` of every "extra nine" warning (:func:`extra_nine`) on a
    critical flow of ``G_new`` that ``G_old`` does not give: what ``pruner diff
    --fail-on extra-nine`` fails on. Sorted. Both versions' lints share one
    ``deadline`` (default :data:`DEFAULT_TIME_BUDGET` seconds from now); past it
    :class:`~pruner.errors.BudgetExhausted` is raised (fail closed)."""
    if deadline is None:
        deadline = time.monotonic() + DEFAULT_TIME_BUDGET
    before = {p.message for p in extra_nine(G_old, deadline=deadline)}
    flows = G_new.graph["flows"]
    found = set()
    for problem in extra_nine(G_new, deadline=deadline):
        flow = problem.message.split("'")[1]
        if problem.message not in before and flows[flow].critical:
            found.add((flow, problem.message))
    return tuple(sorted(found))
