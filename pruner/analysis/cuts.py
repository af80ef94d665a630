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
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import networkx as nx

from pruner.analysis.hard import HardModel, hard_model, strongly_connected

__all__ = ["FlowCuts", "OutOfTime", "minimal_cut_sets", "cut_families"]

_EMPTY: frozenset[int] = frozenset()
_FALSE = (0, _EMPTY)
_TRUE = None  # the family {∅}: already failed (only as the seed of a threshold)
_CHECK_EVERY = 4096  # loop iterations between deadline checks


class OutOfTime(Exception):
    """The deadline passed before the analysis finished."""


@dataclass(frozen=True)
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
        if fails == len(families):
            result = _TRUE
            for f in families:
                result = self.and2(result, f)
            return result
        # table[t]: at least t failures among the families seen so far
        table: list = [_TRUE] + [_FALSE] * fails
        for seen, f in enumerate(families, 1):
            for t in range(min(fails, seen), 0, -1):
                table[t] = self.or_many([table[t], self.and2(f, table[t - 1])])
        return table[fails]


def cut_families(
    model: HardModel,
    max_order: int,
    candidates: Iterable[int] | None = None,
    *,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list:
    """Families of minimal cut sets of order <= ``max_order`` of every node of ``model``.

    Returns a list indexed like ``model.names``: ``(singles, multi)`` where bit ``i``
    stands for service ``i``. Raises :class:`OutOfTime` past ``deadline``
    (a ``time.monotonic()`` value). ``progress(done, total)`` is called as
    components are finished.
    """
    engine = _Engine(max(1, max_order), deadline)
    allowed = set(range(model.n)) if candidates is None else set(candidates)
    items = model.items
    family: list = [_FALSE] * len(items)

    def compute(v: int):
        parts = [(1 << v, _EMPTY)] if v in allowed else []
        for fails, members in items[v]:
            parts.append(engine.at_least(fails, [family[m] for m in members]))
        return engine.or_many(parts) if len(parts) != 1 else parts[0]

    components = strongly_connected(model)
    total = len(components)
    for done, component in enumerate(components, 1):
        if deadline is not None and time.monotonic() > deadline:
            raise OutOfTime
        if len(component) == 1:
            family[component[0]] = compute(component[0])
        else:  # a cycle: iterate from "nothing DOWN" up to the least fixpoint
            changed = True
            while changed:
                changed = False
                for v in component:
                    new = compute(v)
                    if new != family[v]:
                        family[v] = new
                        changed = True
        if progress is not None and (done % 256 == 0 or done == total):
            progress(done, total)
    return family


def _names_of(model: HardModel, family) -> list[tuple[str, ...]]:
    names = model.names
    singles, multi = family
    out = [(names[b.bit_length() - 1],) for b in _bits(singles)]
    for c in multi:
        out.append(tuple(sorted(names[b.bit_length() - 1] for b in _bits(c))))
    out.sort(key=lambda c: (len(c), c))
    return out


def minimal_cut_sets(
    G: nx.DiGraph,
    flows: Iterable[str] | None = None,
    max_order: int = 2,
    among: Iterable[str] | None = None,
    *,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
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
        The only services that may be in a cut set (default: all).
    deadline : float, optional
        A ``time.monotonic()`` instant; past it, flows not finished get
        ``complete=False`` and only their single points of failure.
    progress : callable, optional
        ``progress(done, total)`` as the work advances.

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
    names = sorted(G.graph["flows"] if flows is None else set(flows))
    model = hard_model(G, names)
    candidates = None
    if among is not None:
        index = model.index()
        candidates = {index[s] for s in among if s in index}
    families = None
    complete = True
    try:
        families = cut_families(model, max_order, candidates, deadline=deadline,
                                progress=progress)
    except OutOfTime:
        complete = False
        if max_order > 1:  # order 1 is linear: always give the single points of failure
            families = cut_families(model, 1, candidates)
    result = {}
    for i, name in enumerate(names):
        sets = _names_of(model, families[model.n + i]) if families is not None else []
        result[name] = FlowCuts(name, tuple(sets), max_order, complete)
    return result
