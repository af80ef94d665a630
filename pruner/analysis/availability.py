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

Each flow has its own variable order, the depth-first preorder from it (members in
item order): a node comes before what it depends on, so "itself down OR its items"
adds one node on top of its items' diagram, and the sub-trees of one gate hold
neighbouring variables, as fault-tree tools order them. One order for all flows
interleaves each flow's services with the others' (8 times the nodes on the
20,000-service benchmark). Flows still share work: a service whose own support
takes a block of positions of its own in one flow's order has the same diagram,
shifted, in every flow whose order gives it such a block, so it is built once and
loaded after (:class:`_Diagrams`); a flow's numbers are those it gets alone, bit
for bit.

Importance, in failure terms as SCRAM defines them, for service ``s`` and flow
``f`` (``U`` = 1 - availability of ``f``; ``U1``/``U0`` = ``U`` given ``s``
itself down/up; ``q`` = 1 - availability of ``s``):
MIF (Birnbaum) = ``U1 - U0``; CIF = ``q·MIF/U``; DIF (Fussell-Vesely) =
``q·U1/U``; RAW = ``U1/U``; RRW = ``U/U0``; ``None`` where a denominator is 0.
"""

from __future__ import annotations

import math
import time
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import accumulate
from typing import TYPE_CHECKING

from pruner.analysis.bdd import FALSE, TRUE, Bdd, structure_functions
from pruner.analysis.cuts import cut_families, minimal_cut_sets, set_bits
from pruner.analysis.hard import FlowOrder, HardModel, flow_preorder, hard_model
from pruner.errors import BudgetExhausted, OutOfTime, Problem, display
from pruner.frozen import record
from pruner.graph import has_availability
from pruner.model import through_renames

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = [
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
EXTRA_NINE = 10.0  # a single point of failure must be this many times as reliable as its flow

#: Seconds an availability computation may take when the caller gives no deadline
#: (``pruner availability``, ``report``, ``diff``); the node cap
#: (:data:`~pruner.analysis.bdd.DEFAULT_MAX_NODES`) bounds its memory.
DEFAULT_TIME_BUDGET = 60.0
#: Seconds ``pruner validate`` gives the "extra nine" lint before skipping it.
LINT_TIME_BUDGET = 10.0
#: Nodes the diagrams kept for the next flows may hold in all (12 bytes each).
_KEPT_NODES = 2_000_000


@record  # built for every service of every flow (19,000 at 20,000 services)
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
        largest marginal effect (MIF), then the largest risk increase (RAW), name.

        Each factor is compared to 40 significant bits (:func:`tied`): services whose
        factors are equal in exact arithmetic (the links of a chain, replicas of a
        quorum) come out a rounding error apart, and their order is then the names',
        not that of the last bits.

        >>> a = Importance("b", 0.9, 1.0, 0.1, 0.5, 0.5, 0.5, 10.0, 2.0)
        >>> z = Importance("a", 0.9, 1.0, 0.1, 0.5, 0.5, 0.5 + 2e-16, 10.0, 2.0)
        >>> [i.service for i in sorted([a, z], key=Importance.sort_key)]
        ['a', 'b']
        """
        return (-tied(self.dif or 0.0), -tied(self.mif), -tied(self.raw or 0.0), self.service)


def tied(x: float) -> float:
    """``x`` rounded to 40 significant bits (of a double's 53): what tells two
    importance factors apart, so that a difference in the last bits does not.

    >>> tied(0.5 + 2e-16) == tied(0.5) != tied(0.5 + 1e-9)
    True
    """
    mantissa, exponent = math.frexp(x)
    return math.ldexp(round(mantissa * 1099511627776.0), exponent - 40)  # 2**40


@record(slots=False)
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


class _Diagrams:
    """Each flow's diagram, in a manager of its own under the flow's own variable
    order (:func:`~pruner.analysis.hard.flow_preorder`), with its single points
    of failure factored out, sharing what flows share.

    *Single points of failure.* When service ``s`` alone breaks the flow (an
    order-1 cut set, :func:`~pruner.analysis.cuts.cut_families`: linear, for all
    flows at once), the monotone structure function is ``x_s OR F|x_s=0``. With
    ``S`` every such service, ``F = OR(x_s, s in S) OR F'`` where ``F' = F|x_S=0``
    no longer names ``S``, so ``P(F) = a + (1 - a) P(F')`` with ``a`` the
    probability that some service of ``S`` is down (independent variables), and
    the importance of every service follows from ``F'``'s in closed form
    (:func:`flow_availability`). The diagram of ``F'`` is built with each
    service of ``S`` never down by itself: the shared services that every branch
    meets are the ones that multiplied the nodes (20,000 services, 200 flows:
    357,332 nodes and 0.46 s in all, against 60,963 and 0.16 s).

    *Sharing.* One order for every flow makes each flow's services interleave
    with the others': on the 20,000-service benchmark a flow's diagram was 8
    times the size it has under its own order (285,740 nodes against 14,796 for
    the largest). Under its own order, a service that the flow's depth-first walk
    meets before anything it needs (a *closed* block of positions) has the
    diagram it has under its own preorder, shifted: the outermost such services
    whose block holds none of the flow's single points of failure (so the
    diagram is the whole function) are kept
    (:meth:`~pruner.analysis.bdd.Bdd.export`), and the next flow that meets one
    closed loads it (:meth:`~pruner.analysis.bdd.Bdd.load`, linear, restricted
    to its own ``S`` on the way) instead of building it and everything below it.
    A flow's diagram is therefore the very diagram it has when computed alone,
    node for node: the same numbers.
    """

    def __init__(self, G: nx.DiGraph, flows: tuple[str, ...], down: frozenset,
                 check: Callable[[], None], max_nodes: int | None,
                 deadline: float | None = None):
        self.model = model = hard_model(G, flows)
        self.q = [1.0 if name in down else _q(G, name) for name in model.names[:model.n]]
        self.down = [name in down for name in model.names[:model.n]]
        every_flow = tuple(sorted(G.graph["flows"]))  # counted on every flow's support:
        whole = model if flows == every_flow else hard_model(G, every_flow)  # alone = together
        self.via = _only_through(model, whole, self.q, self.down)
        self.check = check
        self.max_nodes = max_nodes
        self.kept: dict[int, array] = {}  # service -> its diagram, exported
        self.room = _KEPT_NODES  # nodes the kept diagrams may still hold
        try:  # order 1 is linear; past the deadline, nothing is factored out
            self.singles = cut_families(model, 1, engine="sets", deadline=deadline,
                                        flows_only=True)
        except OutOfTime:
            self.singles = None

    def single_points(self, k: int) -> frozenset[str] | None:
        """The single points of failure of flow ``k`` (its order-1 cut sets, down for
        sure or not), or None when they were not computed in time."""
        if self.singles is None:
            return None
        family = self.singles[self.model.n + k]
        names = self.model.names
        return frozenset(names[v] for v in set_bits(family[0])) if family else frozenset()

    def flow(self, k: int) -> tuple[Bdd, int, FlowOrder, list[int]]:
        """(manager, BDD of "flow ``k`` is BROKEN" with its single points of failure
        never down by themselves, the flow's order, the positions of those single
        points of failure, ascending)."""
        model = self.model
        items = model.items
        kept = self.kept
        down = self.down
        order = flow_preorder(model, model.n + k)
        position, closed = order.position, order.closed
        family = self.singles[model.n + k] if self.singles is not None else None
        # a service down for sure stays TRUE, as it was
        singles = sorted(position[v] for v in set_bits(family[0]) if not down[v]) if family else []
        forced = bytearray(len(order.order))  # by position: a single point of failure
        for p in singles:
            forced[p] = 1
        # the services to build: down from the flow, stopping at kept closed ones
        local: dict[int, int] = {}
        nodes: list[int] = []
        todo = [m for _, members in items[model.n + k] for m in members]
        while todo:
            v = todo.pop()
            if v in local:
                continue
            local[v] = len(nodes)
            nodes.append(v)
            if not (v in kept and closed[position[v]]):
                todo.extend(m for _, members in items[v] for m in members if m not in local)
        leaf = [v in kept and closed[position[v]] for v in nodes]

        def convert(owned):
            return tuple((fails, tuple(local[m] for m in members)) for fails, members in owned)

        sub_items = [() if leaf[i] else convert(items[v]) for i, v in enumerate(nodes)]
        sub_items.append(convert(items[model.n + k]))
        parents: list[list[tuple[int, int]]] = [[] for _ in nodes]
        for owner, owned in enumerate(sub_items):
            for j, (_, members) in enumerate(owned):
                for m in members:
                    parents[m].append((owner, j))
        sub = HardModel(tuple(model.names[v] for v in nodes) + (model.flows[k],), len(nodes),
                        (model.flows[k],), tuple(sub_items), tuple(map(tuple, parents)))
        b = Bdd(self.check, self.max_nodes)
        via = self.via
        own = [b.load(kept[v], position[v], forced) if leaf[i]
               else TRUE if down[v] else FALSE if forced[position[v]] or via[v] >= 0
               else b.var_node(position[v])
               for i, v in enumerate(nodes)]
        func = structure_functions(b, sub, own, check=self.check)
        if k < len(model.flows) - 1:  # no flow after the last to load what is kept
            self._keep(b, func, local, order, leaf, forced)
        return b, func[sub.n], order, singles

    def _keep(self, b: Bdd, func: list, local: dict[int, int], order: FlowOrder,
              leaf: list[bool], forced: bytearray) -> None:
        """Export the outermost closed services built here whose block holds no
        single point of failure (not single services: their diagram is one
        variable), while there is room."""
        kept = self.kept
        before = list(accumulate(forced, initial=0))  # forced positions before each
        for p in range(len(order.order)):
            if not order.outermost[p] or order.end[p] - p < 2:
                continue
            if before[order.end[p]] != before[p]:  # restricted here: not the whole function
                continue
            v = order.order[p]
            i = local.get(v)
            if i is None or leaf[i] or v in kept:
                continue
            flat = array("l", b.export(func[i], p))
            if len(flat) // 3 > self.room:
                continue
            self.room -= len(flat) // 3
            kept[v] = flat


def _only_through(model: HardModel, whole: HardModel, q: Sequence[float],
                  down: Sequence[bool]) -> list[int]:
    """Per service of ``model``, the one node through which alone it can matter, or -1.

    A service that is never down by itself (``q`` 0: no availability, or 1) and that
    exactly one plain hard dependency names (one member, fails with it) changes the
    flows only through that dependency's owner ``p``: "it is down" puts ``p`` down and
    touches nothing else, so its ``given_down`` is ``p``'s (a flow's: 1), its
    ``given_up`` the flow's unavailability, and it needs no variable of its own in the
    diagram (a fault tree's gates under OR gates: on baobab1 that takes 3,100 of its
    diagram's 37,000 nodes). Dependencies are counted in ``whole``, the model of every
    flow, so that a flow computed alone gets the very diagram it gets with the others
    (a service of ``model``'s flows named once in ``whole`` is named once in
    ``model``, by the same owner).
    """
    same = whole is model
    index = None if same else whole.index()
    own_index = None if same else model.index()
    flow_node = {name: model.n + k for k, name in enumerate(model.flows)}
    via = [-1] * model.n
    for v in range(model.n):
        if q[v] != 0.0 or down[v]:
            continue
        w = v if same else index[model.names[v]]
        if len(whole.parents[w]) != 1:
            continue
        owner, j = whole.parents[w][0]
        fails, members = whole.items[owner][j]
        if fails != 1 or len(members) != 1:
            continue
        if same:
            via[v] = owner
        elif owner >= whole.n:  # a flow: the same flow of this model
            via[v] = flow_node.get(whole.names[owner], -1)
        else:
            via[v] = own_index.get(whole.names[owner], -1)
    return via


def _q(G: nx.DiGraph, name: str) -> float:
    """Probability that node ``name`` is itself down (no availability given: never)."""
    availability = G.nodes[name]["service"].availability
    return 0.0 if availability is None else 1.0 - availability


def _any_down_prefixes(q: Sequence[float]) -> list[float]:
    """For every ``i`` from 0 to ``len(q)``, the probability that at least one of the
    first ``i`` independent events of probabilities ``q`` happens, as a sum of
    non-negative terms (``1 - prod(1 - q)`` would cancel when it is small).

    >>> _any_down_prefixes([0.5, 0.5]), _any_down_prefixes([1e-12, 1e-12])[-1] == 2e-12 - 1e-24
    ([0.0, 0.5, 0.75], True)
    """
    out = [0.0]
    a = 0.0
    for x in q:
        a = x + (1.0 - x) * a
        out.append(a)
    return out


def _with_single_points(sens, singles: list[int], q_singles: list[float],
                        before: list[float]) -> tuple[list[float], list[float], list[float]]:
    """``P(F | v down)``, ``P(F | v up)`` and Birnbaum's MIF of every level ``v`` of a
    flow whose single points of failure (levels ``singles``, probabilities
    ``q_singles``) were factored out of its diagram: ``sens`` is the diagram's
    :meth:`~pruner.analysis.bdd.Bdd.sensitivity`, ``before`` the
    :func:`_any_down_prefixes` of ``q_singles``. With ``a`` the probability that a
    single point is down, ``P(F | ...) = a + (1 - a) P(F' | ...)``; a single point
    ``s`` itself gives ``P(F | s down) = 1`` and ``P(F | s up) = a_s + (1 - a_s) P(F')``,
    ``a_s`` the probability that another one is down (from those before it and after)."""
    a = before[-1]
    rest = 1.0 - a
    u_rest = sens.probability  # P(F') = P(F | no single point down)
    u1s = [a + rest * x for x in sens.given_true]
    u0s = [a + rest * x for x in sens.given_false]
    mifs = [rest * x for x in sens.marginal]
    after = _any_down_prefixes(q_singles[::-1])
    for i, p in enumerate(singles):
        others = before[i] + (1.0 - before[i]) * after[len(singles) - 1 - i]
        u1s[p] = 1.0
        u0s[p] = others + (1.0 - others) * u_rest
        mifs[p] = (1.0 - others) * (1.0 - u_rest)
    return u1s, u0s, mifs


def _through_owner(u1s: list[float], u0s: list[float], mifs: list[float], u: float,
                   members: Sequence[int], position: dict[int, int], via: Sequence[int],
                   singles: set[int]) -> None:
    """Fill in the levels of the services that matter only through one owner
    (:func:`_only_through`; they have no variable in the diagram): ``given_down`` is
    the owner's (1 when the owner is the flow), ``given_up`` the flow's ``u``. Levels
    go up the order, so an owner (met first by the walk: it is the only way in) is
    filled in before what it owns."""
    n = len(via)
    for p, v in enumerate(members):
        owner = via[v]
        if owner < 0 or p in singles:
            continue
        u1 = 1.0 if owner >= n else u1s[position[owner]]
        u1s[p] = u1
        u0s[p] = u
        mifs[p] = u1 - u


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
    return _flow_availability(G, flows, importance, down, deadline, progress, max_nodes)[0]


def _flow_availability(G: nx.DiGraph, flows: Iterable[str] | None, importance: bool,
                       down: Iterable[str], deadline: float | None,
                       progress: Callable[[int, int], None] | None, max_nodes: int | None
                       ) -> tuple[dict[str, FlowAvailability], _Diagrams | None]:
    """:func:`flow_availability`, and the :class:`_Diagrams` it used (None without
    flows): what it knows of single points of failure, for :func:`extra_nine`."""
    table = G.graph["flows"]
    names = tuple(sorted(table if flows is None else set(flows)))
    if not names:
        return {}, None
    down = frozenset(down)
    if deadline is None:
        deadline = time.monotonic() + DEFAULT_TIME_BUDGET

    def check() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise OutOfTime

    diagrams = _Diagrams(G, names, down, check, max_nodes, deadline)
    support = diagrams.model.names
    q_of = diagrams.q
    out: dict[str, FlowAvailability] = {}
    stopped = None
    for k, name in enumerate(names):
        try:
            check()
            b, f, order, singles = diagrams.flow(k)
        except BudgetExhausted as exc:  # the flows done so far are the answer
            stopped = exc
            break
        members = order.order
        q_by_level = [q_of[v] for v in members]
        flow = table[name]
        # F = OR(x_s, s single) OR F', F' = f: P(F) = a + (1 - a) P(F'), a = P(some s down)
        q_singles = [q_by_level[p] for p in singles]
        before = _any_down_prefixes(q_singles)
        a = before[-1]
        if not importance:
            u = a + (1.0 - a) * b.probability(f, q_by_level)
            entries = []
        else:
            sens = b.sensitivity(f, q_by_level, range(len(members)))
            u = a + (1.0 - a) * sens.probability
            u1s, u0s, mifs = _with_single_points(sens, singles, q_singles, before)
            _through_owner(u1s, u0s, mifs, u, members, order.position, diagrams.via,
                           set(singles))
            entries = [Importance(service=support[i], availability=1.0 - q, given_down=u1,
                                  given_up=u0, mif=mif, cif=_ratio(q * mif, u),
                                  dif=_ratio(q * u1, u), raw=_ratio(u1, u), rrw=_ratio(u, u0))
                       for i, q, u1, u0, mif in zip(members, q_by_level, u1s, u0s, mifs,
                                                    strict=True)]
            entries.sort(key=Importance.sort_key)
        availability = 1.0 - u
        if u > 0.5:  # 1 - u cancels (spec §9: relative error 1e-9): sum where it works
            availability = (math.prod(1.0 - q for q in q_singles)
                            * b.probability(f, q_by_level, false=True))
        out[name] = FlowAvailability(name, availability, u, flow.target, flow.critical,
                                     tuple(entries))
        if progress is not None:
            progress(k + 1, len(names))
    if stopped is not None:
        why = ("the time budget ran out" if isinstance(stopped, OutOfTime)
               else stopped.message)
        left = sorted(set(names) - set(out))
        raise type(stopped)(
            f"availability not computed for {len(left)} of {len(names)} flow"
            f"{'s' if len(names) > 1 else ''} ({', '.join(map(display, left[:3]))}"
            f"{', ...' if len(left) > 3 else ''}): {why}", partial=out) from None
    return out, diagrams


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

    A single point of failure is structural: an order-1 minimal cut set of the
    flow's hard model (:func:`~pruner.analysis.cuts.cut_families`), not a service
    whose loss happens to break the flow because the rest of its group is never up.
    They are computed only when a warning may name one, for those services only.

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
    return [problem for _key, problem in _extra_nine_findings(G, results, deadline)]


def _extra_nine_findings(G: nx.DiGraph, results: dict[str, FlowAvailability] | None,
                         deadline: float | None) -> list[tuple[tuple[str, str | None], Problem]]:
    """:func:`extra_nine`'s warnings, each with what it is about: ``(flow, None)`` for
    a flow whose target exceeds what its dependencies give (the dependency it names
    is an explanation, which moves with the figures), ``(flow, service)`` for a single
    point of failure without its extra nine. What a diff compares (:func:`new_extra_nines`)."""
    table = G.graph["flows"]
    flows = sorted(name for name, flow in table.items() if flow.target is not None)
    if not flows:
        return []
    diagrams = None
    if results is None:
        results, diagrams = _flow_availability(G, flows, True, (), deadline, None, None)
    # The services a warning may name as a single point of failure: below the target
    # of a flow that misses it (a cap), or without their extra nine on a critical flow.
    wanted: dict[str, set[str]] = {}
    for name in flows:
        flow, r = table[name], results[name]
        floor = (1.0 - flow.target) / EXTRA_NINE * (1 + 1e-9)
        cap = r.availability < flow.target
        named = {i.service for i in r.importance
                 if (cap and i.availability < flow.target)
                 or (flow.critical and 1.0 - i.availability > floor)}
        if named:
            wanted[name] = named
    # Computed by the availability already (its single points are factored out of each
    # diagram): read for the flows that need them; else searched among those services.
    single: dict[str, frozenset[str]] = {}
    known = diagrams is not None and diagrams.singles is not None
    for k, name in enumerate(flows):
        if known and name in wanted:
            single[name] = diagrams.single_points(k) & wanted[name]
    if wanted and not known:
        single = _single_points(G, wanted, deadline)
    found: list[tuple[tuple[str, str | None], Problem]] = []
    for name in flows:
        flow = table[name]
        r = results[name]
        target = flow.target
        allowed = 1.0 - target
        points = single.get(name, ())
        spofs = [i for i in r.importance if i.service in points]
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
            found.append(((name, None), Problem(
                flow.location, f"flow {display(name)} has target {_pct(target)} but its hard "
                               f"dependencies give at most {_pct(r.availability)}: {why}",
                "warning")))
        if not flow.critical:
            continue
        need = 1.0 - allowed / EXTRA_NINE
        for i in sorted(spofs, key=lambda i: i.service):
            if 1.0 - i.availability > allowed / EXTRA_NINE * (1 + 1e-9):
                found.append(((name, i.service), Problem(
                    flow.location,
                    f"flow {display(name)} (target {_pct(target)}) depends on "
                    f"{display(i.service)} ({_pct(i.availability)}) alone: a single point of "
                    f"failure should be {EXTRA_NINE:g} times as reliable as the flow (at least "
                    f"{_pct(need)})", "warning")))
    return found


def _single_points(G: nx.DiGraph, wanted: Mapping[str, set[str]], deadline: float | None
                   ) -> dict[str, frozenset[str]]:
    """For each flow of ``wanted``, those of its ``wanted`` services that are single
    points of failure: order-1 minimal cut sets searched among the wanted services only
    (an order-1 cut set is minimal whatever else is searched: linear, and nothing is
    computed for the services no warning may name). Fails closed past ``deadline``."""
    among = set().union(*wanted.values())
    found = minimal_cut_sets(G, wanted, 1, among, deadline=deadline, engine="sets")
    if not all(cuts.complete for cuts in found.values()):
        raise OutOfTime
    return {flow: frozenset(s for (s,) in cuts.cut_sets) & wanted[flow]
            for flow, cuts in found.items()}


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


@record(slots=False)
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


def new_extra_nines(G_old: nx.DiGraph, G_new: nx.DiGraph, *,
                    renamed: Mapping[str, str] | None = None, deadline: float | None = None
                    ) -> tuple[tuple[str, str], ...]:
    """``(flow, message)`` of every "extra nine" warning (:func:`extra_nine`) on a
    critical flow of ``G_new`` that ``G_old`` does not give: what ``pruner diff
    --fail-on extra-nine`` fails on. Sorted.

    Warnings are compared by what they are about, not by their wording (which holds
    availabilities that move with any change): a flow below its target, or a flow
    and its single point of failure without its extra nine, the old version's names
    taken through ``renamed`` (a diff's ``old -> new`` renames). Both versions' lints
    share one ``deadline`` (default :data:`DEFAULT_TIME_BUDGET` seconds from now);
    past it :class:`~pruner.errors.BudgetExhausted` is raised (fail closed)."""
    if deadline is None:
        deadline = time.monotonic() + DEFAULT_TIME_BUDGET
    renamed = renamed or {}
    before = {(flow, None if about is None else through_renames(about, renamed))
              for (flow, about), _p in _extra_nine_findings(G_old, None, deadline)}
    flows = G_new.graph["flows"]
    found = set()
    for key, problem in _extra_nine_findings(G_new, None, deadline):
        if key not in before and flows[key[0]].critical:
            found.add((key[0], problem.message))
    return tuple(sorted(found))
