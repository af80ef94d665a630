"""Minimal cut sets (spec §5): the smallest sets of services whose switching off
breaks a flow, exact, up to a maximum order.

How
---
A flow's breaking is a monotone boolean function of the switched-off set: a
service is DOWN when it is off or one of its hard items has ``fails`` members DOWN;
the flow is BROKEN when one of its hard items does. Only the flow's *support*
(services reachable along non-soft items, :func:`~pruner.analysis.hard.hard_support`)
can matter, so the analysis works on that alone.

The minimal cut sets of order <= K of every service and flow are computed bottom-up
over the strongly connected components of the hard graph (dependencies first), as
*families* truncated at order K — exactly as fault-tree tools do with gates:

- a service is an OR of its own switch and its items' failures;
- an item that fails with ``j`` of its ``n`` members DOWN is the threshold
  "at least j of n" of the members' families (OR when j = 1, AND when j = n).

Truncating every intermediate family at order K loses nothing: every minimal cut
set of order <= K of an AND is the union of cut sets of order <= K of its parts.
Within a dependency cycle the families are iterated from "nothing is DOWN" until
they stop changing, which is the least fixpoint of spec §4 (a cycle breaks only
when failure reaches it from outside).

A family is a pair ``(singles, multi)``: ``singles`` is a bitset (a Python int) of
the order-1 cut sets, so single points of failure of 20,000 services propagate as
wide integer ORs/ANDs; ``multi`` is a frozenset of bitsets of order 2..K, none
containing a single. Candidates (``among``) are the only services given a bit;
others can go DOWN only through their dependencies.

For larger orders (``max_order >= ZBDD_FROM_ORDER``) the families are ZBDDs instead
(:mod:`pruner.analysis.zbdd`), as in SCRAM and XFTA: the set-based products explode
past order 6 or so (baobab1 in full never finished), while a ZBDD shares every
common sub-family. The variable of service ``i`` is ``i``, its position in the
breadth-first order of the hard graph from the flows (:func:`hard_support`), so
services near the flows come first. Each family is minimal and truncated at K, so a
family is one hash-consed node and the cycle fixpoint test is an integer comparison.
Orders 1 and 2 keep the bitset engine: there the single points of failure of
20,000 services are one wide integer, faster than a chain of 20,000 ZBDD nodes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from pruner.analysis.bdd import FALSE, Bdd, NodeLimit, structure_functions
from pruner.analysis.hard import HardModel, hard_model, least_fixpoint, preorder
from pruner.analysis.zbdd import EMPTY, Zbdd, threshold_unreachable
from pruner.errors import BudgetExhausted, OutOfTime
from pruner.frozen import record
from pruner.graph import services_of

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = [
    "FlowCuts", "OutOfTime", "ZBDD_FROM_ORDER", "minimal_cut_sets", "cut_families", "set_bits",
    "cut_set_tally",
]

ZBDD_FROM_ORDER = 3  # max orders from which cut_families uses ZBDDs (engine="auto")

_EMPTY: frozenset[int] = frozenset()
_FALSE = (0, _EMPTY)
_TRUE = None  # the family {∅}: already failed (only as the seed of a threshold)
_CHECK_EVERY = 4096  # loop iterations between deadline checks


#: Seconds the cut-set search may take when the caller gives no deadline; past it
#: flows list their single points of failure only and say ``complete: false``.
DEFAULT_TIME_BUDGET = 60.0
#: Most minimal cut sets listed per flow: a family the ZBDD holds in a few nodes can
#: count millions of sets (21 of 30 replicas at order 10: 30 million). Past it the
#: flow lists every set of the largest order that fits and says ``complete: false``.
MAX_CUT_SETS = 1_000_000
#: Node cap of the BDD route of the ``auto`` engine before it falls back to ZBDDs
#: truncated gate by gate (:func:`_diagram_families`).
BDD_FIRST_NODES = 200_000


@record(slots=False)
class FlowCuts:
    """The minimal cut sets of order <= ``max_order`` of one flow.

    ``cut_sets`` are sorted tuples of names, the tuple sorted by (order, names).
    ``complete`` is False when a limit (the time budget) stopped the search: then
    only the cut sets listed are known (always every single point of failure).
    """

    flow: str
    cut_sets: tuple[tuple[str, ...], ...]
    max_order: int
    complete: bool = True

    def of_order(self, order: int) -> tuple[tuple[str, ...], ...]:
        """The cut sets of exactly ``order`` services."""
        return tuple(c for c in self.cut_sets if len(c) == order)


def _bits(mask: int):
    while mask:
        low = mask & -mask
        yield low
        mask ^= low


class _Engine:
    """Family algebra truncated at order ``k``, with a deadline."""

    def __init__(self, k: int, deadline: float | None):
        self.k = k
        self.deadline = deadline
        self.ticks = 0

    def tick(self, n: int = 1) -> None:
        self.ticks += n
        if self.ticks >= _CHECK_EVERY:
            self.ticks = 0
            if self.deadline is not None and time.monotonic() > self.deadline:
                raise OutOfTime

    def minimize(self, sets: Iterable[int]) -> frozenset[int]:
        """Drop every set that contains another one (sets of order >= 2).

        Sets are taken by increasing order; a set is dominated when removing one of
        its elements leaves a cut set, which is memoised ("is a cut set" = is kept, or
        dominated). The recursion is as deep as a cut set is large, never deeper.
        """
        ordered = sorted(set(sets), key=int.bit_count)
        if not ordered or ordered[-1].bit_count() == ordered[0].bit_count():
            return frozenset(ordered)
        lowest = ordered[0].bit_count()
        memo: dict[int, bool] = {}
        kept: set[int] = set()

        def is_cut(s: int) -> bool:
            known = memo.get(s)
            if known is None:
                known = s.bit_count() > lowest and any(is_cut(s ^ b) for b in _bits(s))
                memo[s] = known
            return known

        for c in ordered:
            self.tick()
            if c.bit_count() == lowest or not any(is_cut(c ^ b) for b in _bits(c)):
                kept.add(c)
                memo[c] = True
            else:
                memo[c] = True
        return frozenset(kept)

    def or_many(self, families: list) -> tuple[int, frozenset[int]] | None:
        if len(families) == 1:
            # a family already holds no set with one of its own single points of
            # failure in it (every family is made here or by and2, which drop them):
            # an item of one member, most of them, is its member's family as it is
            return families[0]
        singles = 0
        for f in families:
            if f is _TRUE:
                return _TRUE
            singles |= f[0]
        multis = [f[1] for f in families if f[1]]
        if not multis:
            return (singles, _EMPTY)
        if len(multis) == 1:
            multi = multis[0]
            if singles and any(c & singles for c in multi):
                multi = frozenset(c for c in multi if not c & singles)
            return (singles, multi)
        merged = [c for m in multis for c in m if not c & singles]
        self.tick(len(merged))
        if self.k >= 3:
            return (singles, self.minimize(merged))
        return (singles, frozenset(merged))

    def and2(self, a, b):
        if a is _TRUE:
            return b
        if b is _TRUE:
            return a
        sa, ma = a
        sb, mb = b
        singles = sa & sb
        k = self.k
        if k == 1:
            return (singles, _EMPTY)
        out: set[int] = set()
        only_a, only_b = sa & ~singles, sb & ~singles
        if only_a and only_b:
            bits_b = list(_bits(only_b))
            for x in _bits(only_a):
                self.tick(len(bits_b))
                out.update(x | y for y in bits_b)
        for own, other in ((sa, mb), (sb, ma)):
            for c in other:
                if c & singles:
                    continue
                if c & own:
                    out.add(c)
                elif own and c.bit_count() < k:
                    self.tick()
                    out.update(c | x for x in _bits(own & ~singles))
        if ma and mb:
            if k == 2:
                out.update(c for c in ma & mb if not c & singles)
            else:
                for c in ma:
                    self.tick(len(mb))
                    for d in mb:
                        u = c | d
                        if u.bit_count() <= k and not u & singles:
                            out.add(u)
        if k >= 3 and out:
            return (singles, self.minimize(out))
        return (singles, frozenset(out))

    def at_least(self, fails: int, families: list):
        """The family of "at least ``fails`` of ``families`` fail"."""
        if fails <= 1:
            return self.or_many(families)
        if fails > len(families):
            return _FALSE
        if fails > self.k and threshold_unreachable(map(_support, families), fails, self.k,
                                                    self.tick):
            return _FALSE  # e.g. 50,000 of 100,000 replicas: no cut set of order <= k
        if fails == len(families):
            result = _TRUE
            for f in families:
                self.tick()
                result = self.and2(result, f)
            return result
        # table[t]: at least t failures among the families seen so far; a t that the
        # families still to come cannot lift to ``fails`` is not needed
        n = len(families)
        table: list = [_TRUE] + [_FALSE] * fails
        for seen, f in enumerate(families, 1):
            for t in range(min(fails, seen), max(0, fails - (n - seen) - 1), -1):
                self.tick()
                table[t] = self.or_many([table[t], self.and2(f, table[t - 1])])
        return table[fails]


def _support(family) -> int | None:
    """The services of a ``(singles, multi)`` family as one bitset (None: already failed)."""
    if family is _TRUE:
        return None
    singles, multi = family
    for c in multi:
        singles |= c
    return singles


def _zbdd_families(
    model: HardModel,
    max_order: int,
    allowed: set[int],
    deadline: float | None,
    progress: Callable[[int, int], None] | None,
) -> tuple[Zbdd, list[int], list[int]]:
    """The families of every node as ZBDD nodes, and the service of each variable."""

    def check() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise OutOfTime

    z = Zbdd(check)
    k = max(1, max_order)
    items = model.items
    family = [EMPTY] * len(items)
    level = _variable_order(model)

    def compute(v: int) -> int:
        parts = [z.single(level[v])] if v in allowed else []
        for fails, members in items[v]:
            parts.append(z.at_least(fails, [family[m] for m in members], k))
        return z.disjoin(parts) if len(parts) != 1 else parts[0]

    _bottom_up(model, family, compute, EMPTY, z.disjoin, deadline, progress)
    service_of = [0] * model.n
    for v, var in enumerate(level):
        service_of[var] = v
    return z, family, service_of


def _bdd_families(
    model: HardModel,
    max_order: int,
    allowed: set[int],
    deadline: float | None,
    progress: Callable[[int, int], None] | None,
    order: str = "forward",
    max_nodes: int | None = None,
) -> tuple[Bdd, Zbdd, list[int], list[int]]:
    """The structure function of every node as a BDD (the manager, each node's
    function) with the ZBDD manager for their minimal solutions, and the service of
    each variable."""

    def check() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise OutOfTime

    b = Bdd(check, max_nodes)
    z = Zbdd(check)
    level = _variable_order(model) if order == "reverse" else preorder(model)
    own = [b.var_node(level[v]) if v in allowed else FALSE for v in range(model.n)]
    func = structure_functions(b, model, own, progress=progress, check=check)
    service_of = [0] * model.n
    for v, var in enumerate(level):
        service_of[var] = v
    return b, z, func, service_of


def _variable_order(model: HardModel) -> list[int]:
    """ZBDD variable of each service: the reverse of the depth-first preorder from
    the flows (:func:`~pruner.analysis.hard.preorder`), so the services met last
    come first.

    Sub-gates of one gate then hold neighbouring variables, as fault-tree tools
    order them; on baobab1 (all orders, ZBDDs built gate by gate) this order took
    1.9 s where the breadth-first numbering took 7.9 s and the forward preorder 6.0 s.
    """
    return preorder(model, reverse=True)


def _bottom_up(model: HardModel, family: list, compute, bottom, join, deadline, progress,
               release: bool = False) -> None:
    """Fill ``family`` component by component, dependencies first, cycles at their
    least fixpoint (:func:`~pruner.analysis.hard.least_fixpoint`)."""

    def check() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise OutOfTime

    least_fixpoint(model, family, compute, bottom, join, check=check, progress=progress,
                   release=release)


class _ZbddFamilies(Sequence):
    """ZBDD families read as ``(singles, multi)`` pairs, converted when asked for.

    ``nodes`` are ZBDD nodes, or (with ``bdd``) BDD functions whose minimal
    solutions of order <= ``order`` are computed when read.
    """

    def __init__(self, z: Zbdd, nodes: list[int], service_of: list[int],
                 bdd: Bdd | None = None, order: int = 0):
        self.z = z
        self.nodes = nodes
        self.service_of = service_of
        self.bdd = bdd
        self.order = order

    def __len__(self) -> int:
        return len(self.nodes)

    def family(self, index: int) -> int:
        """The ZBDD node of ``index``."""
        node = self.nodes[index]
        if self.bdd is not None:
            node = self.z.minimal_solutions(self.bdd, node, self.order)
        return node

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        singles = 0
        multi = []
        for s in self.z.sets(self.family(index)):
            mask = sum(1 << self.service_of[v] for v in s)
            if len(s) == 1:
                singles |= mask
            else:
                multi.append(mask)
        return (singles, frozenset(multi))


def cut_families(
    model: HardModel,
    max_order: int,
    candidates: Iterable[int] | None = None,
    *,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    engine: str = "auto",
    flows_only: bool = False,
) -> Sequence:
    """Families of minimal cut sets of order <= ``max_order`` of every node of ``model``.

    Returns a sequence indexed like ``model.names``: ``(singles, multi)`` where bit
    ``i`` stands for service ``i``. Raises :class:`OutOfTime` past ``deadline``
    (a ``time.monotonic()`` value). ``progress(done, total)`` is called as
    components are finished. ``engine`` is ``"sets"`` (bitsets and frozensets),
    ``"zbdd"`` or ``"auto"``: ZBDDs from order ``ZBDD_FROM_ORDER`` on.
    ``flows_only``: only the flows' families are wanted; the sets engine then drops
    each service's family once nothing left needs it (``None`` in the result), so
    memory stays bounded by what is in flight.
    """
    allowed = set(range(model.n)) if candidates is None else set(candidates)
    kind = _use_zbdd(engine, max_order)
    if kind is not None:
        return _diagram_families(model, max_order, allowed, deadline, progress, kind)
    engine_ = _Engine(max(1, max_order), deadline)
    items = model.items
    family: list = [_FALSE] * len(items)

    def compute(v: int):
        parts = [(1 << v, _EMPTY)] if v in allowed else []
        for fails, members in items[v]:
            parts.append(engine_.at_least(fails, [family[m] for m in members]))
        return engine_.or_many(parts) if len(parts) != 1 else parts[0]

    _bottom_up(model, family, compute, _FALSE, engine_.or_many, deadline, progress,
               release=flows_only)
    return family


def _use_zbdd(engine: str, max_order: int) -> str | None:
    """The diagram engine to use: ``"bdd"`` (a BDD of the structure function, then
    its minimal solutions), ``"zbdd"`` (ZBDDs built gate by gate), ``"auto"`` (the
    first, the second when the BDD outgrows :data:`BDD_FIRST_NODES`) or None
    (sets)."""
    if engine not in ("auto", "sets", "zbdd", "bdd"):
        raise ValueError(f"unknown engine {engine!r}")
    if engine == "auto":
        return "auto" if max_order >= ZBDD_FROM_ORDER else None
    return None if engine == "sets" else engine


def _diagram_families(model: HardModel, max_order: int, allowed: set[int],
                      deadline: float | None, progress, kind: str) -> _ZbddFamilies:
    """Families of every node by decision diagrams (``kind``: see :func:`_use_zbdd`).

    The BDD route (Rauzy's) computes every order at once but builds the whole
    structure function, which a wide quorum makes large even where no cut set of
    the asked order exists ("5,000 of 10,000 replicas": 25 million nodes); gate by
    gate ZBDDs truncate every family at the order. ``auto`` tries the BDD within
    :data:`BDD_FIRST_NODES` nodes, then truncates gate by gate.
    """
    if kind in ("bdd", "auto"):
        try:
            b, z, func, service_of = _bdd_families(
                model, max_order, allowed, deadline, progress,
                max_nodes=BDD_FIRST_NODES if kind == "auto" else None)
            return _ZbddFamilies(z, func, service_of, b, max(1, max_order))
        except NodeLimit:
            if kind == "bdd":
                raise
    return _ZbddFamilies(*_zbdd_families(model, max_order, allowed, deadline, progress))


_FEW_BITS = 160  # up to this many set bits, popping beats writing out every digit


def set_bits(mask: int) -> list[int]:
    """The set bits of ``mask``, lowest first.

    A mask of up to :data:`_FEW_BITS` bits (a cut set, a flow's single points of
    failure) pops them from the top: ``bit_length`` is free and clearing the top bit
    is two big-integer operations on a shrinking number, against three on the whole
    width when popping the lowest (``mask & -mask``): 1.8 times as fast on two-bit
    masks of 20,000 positions (``rank`` on 5,000 flows reads 75,195 of them), twice
    on the 56-bit ones. One of more bits is read in one pass over its binary digits
    instead, which beats popping from about 200 bits on.

    >>> set_bits(0b10110), set_bits(1 << 70 | 1 << 3), set_bits(0)
    ([1, 2, 4], [3, 70], [])
    >>> set_bits((1 << 400) - 1) == list(range(400))
    True
    """
    if mask.bit_count() <= _FEW_BITS:
        out = []
        while mask:
            top = mask.bit_length() - 1
            out.append(top)
            mask ^= 1 << top
        out.reverse()
        return out
    digits = bin(mask)[:1:-1]
    out = []
    at = digits.find("1")
    while at >= 0:
        out.append(at)
        at = digits.find("1", at + 1)
    return out


def _names_of(model: HardModel, family) -> list[tuple[str, ...]]:
    names = model.names
    singles, multi = family
    # sorted as strings, then wrapped: strings compare faster than 1-tuples
    out = [(name,) for name in sorted([names[i] for i in set_bits(singles)])]
    rest = [tuple(sorted(names[i] for i in set_bits(c))) for c in multi]
    _by_order(rest)
    return out + rest


def minimal_cut_sets(
    G: nx.DiGraph,
    flows: Iterable[str] | None = None,
    max_order: int = 2,
    among: Iterable[str] | None = None,
    *,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    engine: str = "auto",
) -> dict[str, FlowCuts]:
    """Every minimal cut set of order <= ``max_order`` of each flow.

    Parameters
    ----------
    G : nx.DiGraph
        A graph from :func:`pruner.graph.dependency_graph`.
    flows : iterable of str, optional
        Flow names (default: every flow).
    max_order : int
        Largest cut set size wanted (>= 1).
    among : iterable of str, optional
        The only services (or operations, spec §8) that may be in a cut set
        (default: every service; operations only when named here).
    deadline : float, optional
        A ``time.monotonic()`` instant; past it, flows not finished get
        ``complete=False`` and only their single points of failure.
    progress : callable, optional
        ``progress(done, total)`` as the work advances.
    engine : {"auto", "sets", "zbdd"}
        Family representation (see :func:`cut_families`); the answer is the same.

    Returns
    -------
    dict of str to FlowCuts, sorted by flow name.

    Examples
    --------
    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services:
    ...   web: {depends_on: [auth, {service: ads, soft: true}]}
    ...   auth: {depends_on: [{any_of: [sms-a, sms-b]}]}
    ...   sms-a: {}
    ...   sms-b: {}
    ...   ads: {}
    ... flows:
    ...   login: {requires: [web]}
    ... ''')]).manifest)
    >>> minimal_cut_sets(G)["login"].cut_sets
    (('auth',), ('web',), ('sms-a', 'sms-b'))
    >>> minimal_cut_sets(G, among=["sms-a", "sms-b", "web"], max_order=1)["login"].cut_sets
    (('web',),)
    """
    if max_order < 1:
        raise ValueError("max_order must be at least 1")
    names, model, candidates, deadline = _search(G, flows, among, deadline)
    complete = [True] * len(names)
    n = model.n
    try:
        kind = _use_zbdd(engine, max_order)
        if kind is not None:
            allowed = set(range(n)) if candidates is None else candidates
            families = _diagram_families(model, max_order, allowed, deadline, progress, kind)
            z = families.z
            read = []
            for i in range(len(names)):
                family, complete[i] = _at_most(z, families.family(n + i), max_order,
                                               MAX_CUT_SETS)
                read.append(_zbdd_names(model, z, family, families.service_of))
        else:
            families = cut_families(model, max_order, candidates, deadline=deadline,
                                    progress=progress, engine="sets", flows_only=True)
            read = [_names_of(model, families[n + i]) for i in range(len(names))]
    except BudgetExhausted:  # the time budget, or a diagram's node cap
        complete = [False] * len(names)
        families = _single_points_only(model, max_order, candidates)
        read = ([[] for _ in names] if families is None
                else [_names_of(model, families[n + i]) for i in range(len(names))])
    return {name: FlowCuts(name, tuple(sets), max_order, done)
            for name, sets, done in zip(names, read, complete, strict=True)}


def _search(G: nx.DiGraph, flows: Iterable[str] | None, among: Iterable[str] | None,
            deadline: float | None) -> tuple[list[str], HardModel, set[int] | None, float]:
    """How a cut-set search starts: the flow names (sorted), their hard model, the
    model numbers of the services that may be in a cut set (``None``: every service;
    operations only when ``among`` names them) and the deadline (default
    :data:`DEFAULT_TIME_BUDGET` seconds from now)."""
    names = sorted(G.graph["flows"] if flows is None else set(flows))
    model = hard_model(G, names)
    candidates = None
    if among is None and G.graph["manifest"].operations:
        among = services_of(G)  # operations are switched off only when named
    if among is not None:
        index = model.index()
        candidates = {index[s] for s in among if s in index}
    if deadline is None:
        deadline = time.monotonic() + DEFAULT_TIME_BUDGET
    return names, model, candidates, deadline


def _single_points_only(model: HardModel, max_order: int, candidates: set[int] | None):
    """What a search whose budget ran out still gives: the single points of failure
    (order 1 is linear), unless they were what it searched for (then ``None``)."""
    if max_order == 1:
        return None
    return cut_families(model, 1, candidates, engine="sets", flows_only=True)


def cut_set_tally(
    G: nx.DiGraph,
    flows: Iterable[str] | None = None,
    max_order: int = 2,
    *,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, int], dict[str, list[str]], bool]:
    """What :func:`minimal_cut_sets` finds, tallied per service without writing out a
    cut set: in how many of the ``flows``' minimal cut sets of order <= ``max_order``
    each service appears, the flows it alone breaks (in flow name order), and whether
    every flow's search was complete. Orders 1 and 2 count the bitsets directly
    (``rank`` on 5,000 flows: 75,195 cut sets, none turned into sorted names); higher
    orders count :func:`minimal_cut_sets`' names.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {depends_on: [db, {any_of: [a, b]}]}, db: , a: , b: }
    ... flows: {buy: {requires: [web]}, browse: {requires: [db]}}''')]).manifest)
    >>> count, alone, complete = cut_set_tally(G)
    >>> sorted(count.items()), alone, complete
    ([('a', 1), ('b', 1), ('db', 2), ('web', 1)], {'db': ['browse', 'buy'], 'web': ['buy']}, True)
    """
    count: dict[str, int] = {}
    alone: dict[str, list[str]] = {}
    if _use_zbdd("auto", max_order) is not None:
        found = minimal_cut_sets(G, flows, max_order, deadline=deadline, progress=progress)
        for flow, result in found.items():
            for c in result.cut_sets:
                for s in c:
                    count[s] = count.get(s, 0) + 1
                if len(c) == 1:
                    alone.setdefault(c[0], []).append(flow)
        return count, alone, all(c.complete for c in found.values())
    names, model, candidates, deadline = _search(G, flows, None, deadline)
    complete = True
    try:
        families = cut_families(model, max_order, candidates, deadline=deadline,
                                progress=progress, engine="sets", flows_only=True)
    except BudgetExhausted:  # as minimal_cut_sets
        complete = False
        families = _single_points_only(model, max_order, candidates)
    n = model.n
    by_index = [0] * n
    alone_by_index: dict[int, list[str]] = {}
    # Flows that share services share their cut sets' int objects (the families are
    # merged, not copied): each object is read into its services once, keyed by id,
    # which stays valid since every family is alive until the end (5,000 flows:
    # 123,819 sets, 24,427 objects; hashing the 20,000-bit values was slower).
    members_of: dict[int, list[int]] = {}
    for k, flow in enumerate(names if families is not None else ()):
        singles, multi = families[n + k]
        for i in set_bits(singles):
            by_index[i] += 1
            alone_by_index.setdefault(i, []).append(flow)
        for c in multi:
            members = members_of.get(id(c))
            if members is None:
                members = members_of[id(c)] = set_bits(c)
            for i in members:
                by_index[i] += 1
    service = model.names
    count = {service[i]: c for i, c in enumerate(by_index) if c}
    alone = {service[i]: found for i, found in alone_by_index.items()}
    return count, alone, complete


def _at_most(z: Zbdd, family: int, order: int, most: int) -> tuple[int, bool]:
    """``family`` if it holds at most ``most`` sets, else its sets of the largest
    order that keeps it within ``most`` (and False: not complete)."""
    if z.count(family) <= most:
        return family, True
    while order > 1:
        order -= 1
        family = z.truncate(family, order)
        if z.count(family) <= most:
            break
    return family, False


def _by_order(cut_sets: list[tuple[str, ...]]) -> None:
    """Sort ``cut_sets`` in place by size, then by name: two sorts, the second stable
    (twice as fast as one sort on a ``(len, names)`` key: no key tuples compared).

    >>> sets = [("b", "c"), ("a",), ("a", "d")]
    >>> _by_order(sets); sets
    [('a',), ('a', 'd'), ('b', 'c')]
    """
    cut_sets.sort()
    cut_sets.sort(key=len)


def _zbdd_names(model: HardModel, z: Zbdd, family: int,
                service_of: list[int]) -> list[tuple[str, ...]]:
    names = model.names
    label = [names[v] for v in service_of]  # variable -> service name
    out = [tuple(sorted(s)) for s in z.sets(family, label)]
    if "\0" in "".join(label):  # never under the name grammar; a graph built in code
        _by_order(out)
        return out
    # Each set's names joined by NUL, which sorts below every other character, compare
    # as the tuples do, in one comparison of two strings instead of the names one by
    # one (baobab1's 46,188 sets share long prefixes: 177 -> 98 M instructions)
    out.sort(key="\0".join)
    out.sort(key=len)
    return out
