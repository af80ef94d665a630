"""The essential keep set (spec §5): services that must stay on for some flows to
keep working; everything else is prunable for them.

How
---
Only the flows' hard support can matter: switching off every service outside it
never breaks them. Inside it:

1. Every single point of failure of a flow must be kept (order-1 cut sets,
   :func:`~pruner.analysis.cuts.cut_families`).
2. The others are tried one by one, with an incremental version of the evaluator's
   counter propagation: switch the service off on top of those already dropped; if
   a flow breaks, undo and keep it. The result is always *minimal*: a service kept
   because dropping it broke a flow still breaks it once more services are off
   (monotonicity). Which service goes first decides which of two interchangeable
   ones stays, so the order is deliberate (:func:`_drop_order`): biggest dependency
   subtree first (it frees the most), then the less critical (``tier`` unset, then
   the highest tier number), then the later-listed member of a fallback or quorum
   group (``any_of`` lists the preferred provider first), and only then by name.
3. *Minimum*: a keep set is exactly a set that meets every minimal cut set of
   every flow, so the minimum keep set is a minimum hitting set of the cut sets.
   Within the time budget, all cut sets are computed and a branch-and-bound search
   finds a minimum hitting set; the result is marked ``minimum`` only when that
   search finished (or the keep set is just the single points of failure).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from pruner.analysis.cuts import cut_families
from pruner.analysis.hard import hard_model, item_arrays, strongly_connected
from pruner.analysis.lint import uncovered
from pruner.errors import BudgetExhausted
from pruner.frozen import record
from pruner.graph import services_of

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = ["Essential", "essential"]

MAX_EXACT = 64  # largest number of optional keepers the exact search attempts


@record(slots=False)
class Essential:
    """Keep set, prunable and uncovered services for ``flows`` (all sorted).

    ``redundant``: the prunable services in the flows' hard support — only a fallback
    or quorum sibling (or a service one of those needs) covers for them, so they are
    prunable only by giving up redundancy."""

    flows: tuple[str, ...]
    keep: tuple[str, ...]
    prunable: tuple[str, ...]
    uncovered: tuple[str, ...]
    minimum: bool
    spof: tuple[str, ...]  # kept because each alone breaks a flow
    services: int
    redundant: tuple[str, ...] = ()


def essential(
    G: nx.DiGraph,
    flows: Iterable[str] | None = None,
    *,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Essential:
    """The keep set of ``flows`` (default: the critical flows).

    Examples
    --------
    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services:
    ...   web: {depends_on: [{any_of: [sms-a, sms-b]}, {service: ads, soft: true}]}
    ...   sms-a: {depends_on: [carrier]}
    ...   sms-b: {}
    ...   carrier: {}
    ...   ads: {}
    ...   cron: {}
    ... flows:
    ...   login: {requires: [web]}
    ... ''')]).manifest)
    >>> e = essential(G)
    >>> e.keep, e.prunable, e.uncovered, e.minimum
    (('sms-b', 'web'), ('ads', 'carrier', 'cron', 'sms-a'), ('cron',), True)
    >>> e.redundant  # pruning them leaves sms-b without a fallback
    ('carrier', 'sms-a')
    """
    table = G.graph["flows"]
    names = sorted(n for n in table if table[n].critical) if flows is None else sorted(set(flows))
    model = hard_model(G, names)
    n = model.n
    # Keep sets range over services: operations are never switched off (spec §8).
    services = services_of(G)
    candidates = None
    if G.graph["manifest"].operations:
        index = model.index()
        candidates = {index[s] for s in services if s in index}
    singles = 0
    for fam in cut_families(model, 1, candidates, flows_only=True)[n:]:
        singles |= fam[0]
    spof = {i for i in range(n) if singles >> i & 1}
    order = [v for v in _drop_order(G, model, spof) if candidates is None or v in candidates]
    keep = _greedy(model, spof, order, progress)
    # Switching off more never repairs: had the single points of failure alone kept
    # every flow up, the greedy pass, whose every step leaves the flows up, could have
    # dropped all the rest. So one service kept beyond them is already a minimum.
    minimum = len(keep) - len(spof) <= 1
    if not minimum and len(keep) - len(spof) <= MAX_EXACT:
        exact = _exact(model, spof, keep, deadline, order, candidates)
        if exact is not None:
            keep, minimum = exact, True
    kept = sorted(model.names[i] for i in keep)
    kept_set = set(kept)
    support = set(model.names[:n])
    return Essential(
        flows=tuple(names),
        keep=tuple(kept),
        prunable=tuple(s for s in services if s not in kept_set),  # G's nodes are sorted
        uncovered=tuple(uncovered(G)),
        minimum=minimum,
        spof=tuple(sorted(model.names[i] for i in spof)),
        services=len(services),
        redundant=tuple(s for s in services if s in support and s not in kept_set),
    )


def _drop_order(G: nx.DiGraph, model, spof: set[int]) -> list[int]:
    """The order in which :func:`_greedy` tries to drop the services that are not single
    points of failure: the first of two interchangeable services goes, the second stays.

    Biggest hard subtree first; then the least critical (no ``tier``, then the highest
    tier number); then the later-listed member of a group (``any_of: [primary,
    fallback]`` keeps the primary); then by name.
    """
    rest = [v for v in range(model.n) if v not in spof]
    if len(rest) < 2:
        return rest  # nothing to order (a chain: every service a single point of failure)
    sizes = _subtree_sizes(model)
    position = [0] * model.n
    listed = [False] * model.n
    for owned in model.items:
        for _, members in owned:
            if len(members) > 1:
                for k, m in enumerate(members):
                    if m < model.n:
                        position[m] = k if not listed[m] else min(position[m], k)
                        listed[m] = True

    def key(v: int):
        tier = G.nodes[model.names[v]]["service"].tier
        return (-sizes[v], tier is not None, -(tier or 0), -position[v], model.names[v])

    return sorted(rest, key=key)


def _subtree_sizes(model) -> list[int]:
    """Number of services each service reaches along hard items (itself included).

    One reach bitset per strongly connected component, dependencies first, each
    freed as soon as the last component that uses it has read it: a chain holds
    one or two at a time (memory linear in the manifest, issue 24), a wide graph
    no more than the components still waited on.
    """
    components = strongly_connected(model)
    comp_of = [0] * len(model.items)
    for c, component in enumerate(components):
        for v in component:
            comp_of[v] = c
    users = [0] * len(components)  # other components that read each one's bitset
    for c, component in enumerate(components):
        used = {comp_of[m] for v in component for _, members in model.items[v]
                for m in members} - {c}
        for d in used:
            users[d] += 1
    reach: list[int] = [0] * len(components)
    sizes = [0] * model.n
    for c, component in enumerate(components):
        mask = 0
        used = set()
        for v in component:
            if v < model.n:
                mask |= 1 << v
            for _, members in model.items[v]:
                for m in members:
                    d = comp_of[m]
                    if d != c and d not in used:
                        used.add(d)
                        mask |= reach[d]
        for d in used:
            users[d] -= 1
            if not users[d]:
                reach[d] = 0  # nobody reads it again
        count = mask.bit_count()
        for v in component:
            if v < model.n:
                sizes[v] = count
        if users[c]:
            reach[c] = mask
    return sizes


def _greedy(model, spof: set[int], order: list[int], progress) -> set[int]:
    """Drop every service that can go without breaking a flow, trying them in ``order``;
    return those kept."""
    n = model.n
    fails, owner_of, parents = item_arrays(model)
    count = [0] * len(fails)
    down = bytearray(len(model.items))
    keep = set(spof)
    for done, s in enumerate(order, 1):
        if progress is not None and done % 1024 == 0:
            progress(done, len(order))
        if down[s]:
            continue  # already DOWN: switching it off changes nothing
        touched_items: list[int] = []
        touched_nodes = [s]
        down[s] = 1
        stack = [s]
        broken = False
        while stack and not broken:
            for it in parents[stack.pop()]:
                count[it] += 1
                touched_items.append(it)
                owner = owner_of[it]
                if not down[owner] and count[it] >= fails[it]:
                    if owner >= n:  # a flow breaks
                        broken = True
                        break
                    down[owner] = 1
                    touched_nodes.append(owner)
                    stack.append(owner)
        if broken:
            for it in touched_items:
                count[it] -= 1
            for v in touched_nodes:
                down[v] = 0
            keep.add(s)
    if progress is not None:
        progress(len(order), len(order))
    return keep


def _exact(model, spof: set[int], greedy: set[int], deadline: float | None,
           order: list[int], candidates=None) -> set[int] | None:
    """A minimum keep set (minimum hitting set of every flow's cut sets), or None
    when the time budget ran out first. Branches try first the service that ``order``
    (the drop order) tries to drop last, so that among minimum keep sets the first
    found — the one returned — keeps what the greedy pass would rather keep."""
    last_dropped = {v: i for i, v in enumerate(order)}
    n = model.n
    forced = sum(1 << v for v in spof)
    # The minimal cut sets that hold no single point of failure are the minimal cut
    # sets among the other services (a cut set's subsets are no cut sets): the
    # diagrams are built over those alone (2,000 flows: 5,881 of 6,946 are single
    # points of failure).
    free = set(range(n) if candidates is None else candidates) - spof
    try:  # diagram families are read lazily: reading them spends the budget too
        families = cut_families(model, max(1, n), free, deadline=deadline, flows_only=True)
        sets = {c for _, multi in families[n:] for c in multi if not c & forced}
    except BudgetExhausted:  # the time budget, or a decision diagram's node cap
        return None
    greedy_mask = sum(1 << v for v in greedy if v not in spof)
    chosen = size = 0
    for part in _independent(sorted(sets, key=lambda c: (c.bit_count(), c))):
        # Parts share no service: a minimum for the whole is a minimum of each part,
        # and the first one found of each is the first one found for the whole (the
        # search's branches within a part come in the same order either way).
        elements = 0
        for c in part:
            elements |= c
        found = _minimum_hitting_set(part, (greedy_mask & elements).bit_count() + 1,
                                     last_dropped, deadline)
        if found is None:
            return None
        chosen |= found
        size += found.bit_count()
    if size >= len(greedy) - len(spof):  # only strictly smaller replaces the greedy set
        return greedy
    return set(spof) | {i for i in range(n) if chosen >> i & 1}


def _independent(sets: list[int]) -> list[list[int]]:
    """``sets`` (bitmasks) split into parts that share no element, each in the order
    of ``sets``, the parts in the order of their first set.

    >>> _independent([0b0011, 0b1100, 0b0110, 0b10000])
    [[3, 12, 6], [16]]
    """
    parent: dict[int, int] = {}  # union-find over sets' lowest elements

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    owner: dict[int, int] = {}  # element -> a set's representative
    for c in sets:
        me = find(c & -c)
        bits = c
        while bits:
            low = bits & -bits
            bits ^= low
            other = owner.setdefault(low, me)
            if other != me:
                a, b = find(other), find(me)
                if a != b:
                    parent[a] = b
                me = find(me)
    parts: dict[int, list[int]] = {}
    for c in sets:
        parts.setdefault(find(c & -c), []).append(c)
    return list(parts.values())


def _minimum_hitting_set(sets: list[int], bound: int, last_dropped: dict[int, int],
                         deadline: float | None) -> int | None:
    """The first minimum hitting set (a bitmask) of ``sets`` smaller than ``bound``
    found by a depth-first branch and bound (Balas and Ho 1980; the bound: disjoint
    unhit sets each need one more element), branching on the first unhit set and
    trying first the member ``last_dropped`` ranks last; None when the deadline
    passed first. Each node filters its parent's unhit sets, not all of them.

    >>> _minimum_hitting_set([0b011, 0b110], 3, {}, None)
    2
    """
    best = None
    stack = [(0, 0, sets)]  # (chosen bitmask, its size, the parent's unhit sets)
    steps = 0
    while stack:
        chosen, size, before = stack.pop()
        steps += 1
        if steps % 1024 == 0 and deadline is not None and time.monotonic() > deadline:
            return None
        unhit = [c for c in before if not c & chosen]
        if not unhit:
            if size < bound:
                bound, best = size, chosen
            continue
        used = packing = 0  # disjoint unhit sets each need one more element
        for c in unhit:
            if not c & used:
                used |= c
                packing += 1
        if size + packing >= bound:
            continue
        bit, members = unhit[0], []
        while bit:
            low = bit & -bit
            members.append(low)
            bit ^= low
        # The stack pops the last pushed first: push the most wanted keeper last.
        members.sort(key=lambda b: last_dropped.get(b.bit_length() - 1, -1))
        stack.extend((chosen | b, size + 1, unhit) for b in members)
    return best
