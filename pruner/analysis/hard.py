"""The part of a manifest that can break flows, as integer arrays.

Soft items never make anything DOWN or BROKEN (spec §4), so every failure analysis
works on the *hard* structure only: each service's non-soft items, each flow's
non-soft requirements. :class:`HardModel` holds that structure for the *support*
of some flows (the services reachable from them along non-soft items) with
services numbered ``0..n-1`` and each flow as a pseudo-node ``n..n+f-1`` that is
never switched off. An item is stored as ``(fails, members)``: it fails (makes its
owner DOWN, or its flow BROKEN) once ``fails = len(members) - need + 1`` of its
members are DOWN.
"""

from __future__ import annotations

from collections import deque
from functools import cached_property
from typing import TYPE_CHECKING

from pruner.frozen import record

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = ["FlowOrder", "HardModel", "flow_preorder", "hard_model", "hard_support",
           "item_arrays", "least_fixpoint", "or_groups", "preorder", "strongly_connected",
           "tarjan"]


@record(slots=False)
class HardModel:
    """Hard items of the support of ``flows``, numbered.

    ``names[i]`` is service ``i`` for ``i < n`` and flow ``flows[i - n]`` after;
    ``items[i]`` is the tuple of ``(fails, members)`` of node ``i``; ``parents[i]``
    lists ``(owner, item index)`` for each hard item naming service ``i``.
    """

    names: tuple[str, ...]
    n: int
    flows: tuple[str, ...]
    items: tuple[tuple[tuple[int, tuple[int, ...]], ...], ...]
    parents: tuple[tuple[tuple[int, int], ...], ...]

    def index(self) -> dict[str, int]:
        """Service name -> number."""
        return {name: i for i, name in enumerate(self.names[: self.n])}

    @cached_property
    def components(self) -> list[list[int]]:
        """:func:`strongly_connected`, computed once: ``essential`` walks them three
        times (two searches and the drop order), 0.1 s each on 5,000 flows. Read only."""
        succ = [sorted({m for _, members in owned for m in members}) for owned in self.items]
        return tarjan(succ, range(len(succ)))


def hard_support(G: nx.DiGraph, flows) -> list[str]:
    """Services reachable from ``flows`` along non-soft items, in BFS order.

    Only these can be in a minimal cut set of those flows.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services:
    ...   web: {depends_on: [api, {service: ads, soft: true}]}
    ...   api: {}
    ...   ads: {depends_on: [api]}
    ... flows: {f: {requires: [web]}}''')]).manifest)
    >>> hard_support(G, ["f"])
    ['web', 'api']
    """
    table = G.graph["flows"]
    seen: dict[str, None] = {}
    for name in flows:
        for item in table[name].requires:
            if not item.soft:
                for m in item.members:
                    seen.setdefault(m)
    queue = deque(seen)
    nodes = G.nodes
    while queue:
        for item in nodes[queue.popleft()]["service"].depends_on:
            if item.soft:
                continue
            for m in item.members:
                if m not in seen:
                    seen[m] = None
                    queue.append(m)
    return list(seen)


def hard_model(G: nx.DiGraph, flows) -> HardModel:
    """Build the :class:`HardModel` of ``flows`` (names, in the order given)."""
    flows = tuple(flows)
    support = hard_support(G, flows)
    index = {name: i for i, name in enumerate(support)}
    n = len(support)
    nodes = G.nodes
    table = G.graph["flows"]

    def convert(items):
        out = []
        for item in items:
            if item.soft:
                continue
            members = tuple(index[m] for m in item.members)
            out.append((len(members) - item.need + 1, members))
        return tuple(out)

    items = [convert(nodes[name]["service"].depends_on) for name in support]
    items += [convert(table[f].requires) for f in flows]
    parents: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for owner, owned in enumerate(items):
        for k, (_, members) in enumerate(owned):
            for m in members:
                parents[m].append((owner, k))
    return HardModel(
        names=tuple(support) + flows,
        n=n,
        flows=flows,
        items=tuple(items),
        parents=tuple(tuple(p) for p in parents),
    )


def item_arrays(model: HardModel) -> tuple[list[int], list[int], list[list[int]]]:
    """Every hard item of the model numbered, for counter propagation: ``fails[i]`` (how
    many of its members DOWN make it fail), ``owner_of[i]``, and per service the numbers
    of the items that name it.

    >>> m = HardModel(("a", "b", "f"), 2, ("f",), ((), ((1, (0,)),), ((2, (0, 1)),)),
    ...               (((1, 0), (2, 0)), ((2, 0),)))
    >>> item_arrays(m)
    ([1, 2], [1, 2], [[0, 1], [1]])
    """
    fails: list[int] = []
    owner_of: list[int] = []
    item_id: dict[tuple[int, int], int] = {}
    for owner, owned in enumerate(model.items):
        for k, (need, _) in enumerate(owned):
            item_id[owner, k] = len(fails)
            fails.append(need)
            owner_of.append(owner)
    parents = [[item_id[p] for p in model.parents[v]] for v in range(model.n)]
    return fails, owner_of, parents


def strongly_connected(model: HardModel) -> list[list[int]]:
    """Strongly connected components of the hard dependency graph of the model's
    nodes (flows included), dependencies first (Tarjan, iterative).

    Every component comes after all components it depends on, so a bottom-up
    analysis can walk the list in order.
    """
    return model.components


def tarjan(succ: list[list[int]], roots) -> list[list[int]]:
    """Strongly connected components of the graph ``succ`` (node -> successors) reachable
    from ``roots``, dependencies first: R. Tarjan, "Depth-first search and linear graph
    algorithms", SIAM J. Comput. 1(2), 1972, with an explicit stack (no recursion).

    >>> tarjan([[1], [0], [1]], range(3))
    [[1, 0], [2]]
    """
    total = len(succ)
    number = [-1] * total
    low = [0] * total
    on_stack = [False] * total
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in roots:
        if number[root] != -1:
            continue
        work = [(root, 0)]
        number[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            v, i = work[-1]
            children = succ[v]
            if i < len(children):
                work[-1] = (v, i + 1)
                w = children[i]
                if number[w] == -1:
                    number[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, 0))
                elif on_stack[w] and number[w] < low[v]:
                    low[v] = number[w]
                continue
            work.pop()
            if work:
                u = work[-1][0]
                if low[v] < low[u]:
                    low[u] = low[v]
            if low[v] == number[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    component.append(w)
                    if w == v:
                        break
                out.append(component)
    return out


def preorder(model: HardModel, reverse: bool = False) -> list[int]:
    """A variable order for decision diagrams: each service's position in the
    depth-first preorder from the flows (members in item order), or the reverse
    of it. A node then comes next to what it needs and the sub-trees of one gate
    hold neighbouring variables, as fault-tree tools order them.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {a: {depends_on: [b, c]}, b: {depends_on: [c]}, c: {}}
    ... flows: {f: {requires: [a]}}''')]).manifest)
    >>> model = hard_model(G, ["f"])
    >>> [dict(zip(model.names, preorder(model, r))) for r in (False, True)]
    [{'a': 0, 'b': 1, 'c': 2}, {'a': 2, 'b': 1, 'c': 0}]
    """
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
            level[v] = n - 1 - position if reverse else position
            position += 1
        for _, members in reversed(items[v]):
            stack.extend(m for m in reversed(members) if not seen[m])
    return level


@record(slots=False)
class FlowOrder:
    """One flow's depth-first preorder (:func:`flow_preorder`).

    ``order[p]`` is the service at position ``p`` and ``position`` the inverse;
    ``closed[p]``: the service at ``p`` and everything it needs take exactly the
    positions ``p .. end[p] - 1`` (nothing it needs was met before it), so its
    diagram under this order is its diagram under its own preorder, every variable
    shifted by ``p``; ``outermost[p]``: closed, and no service above it in the
    depth-first tree is.
    """

    order: list[int]
    position: dict[int, int]
    end: list[int]
    closed: bytearray
    outermost: bytearray


def flow_preorder(model: HardModel, node: int) -> FlowOrder:
    """The depth-first preorder from ``node`` (a flow of the model: ``n + k``),
    members in item order: the same positions :func:`preorder` gives a model of
    that flow alone. Linear in the flow's hard support, not in the model.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {a: {depends_on: [b, c]}, b: {depends_on: [d]}, c: {depends_on: [d]},
    ...            d: {}, e: {depends_on: [b]}}
    ... flows: {f: {requires: [a]}, g: {requires: [e, c]}}''')]).manifest)
    >>> model = hard_model(G, ["f", "g"])
    >>> o = flow_preorder(model, model.n + 1)
    >>> [model.names[v] for v in o.order], list(o.closed), list(o.outermost)
    (['e', 'b', 'd', 'c'], [1, 1, 1, 0], [1, 0, 0, 0])
    """
    items = model.items
    position: dict[int, int] = {}
    order: list[int] = []
    end: list[int] = []
    low: list[int] = []  # the smallest position named from inside each block
    parent: list[int] = []
    get = position.get
    # frames: node, its members (flattened), next member, its position
    nodes = [node]
    kids = [[m for _, members in items[node] for m in members]]
    next_ = [0]
    here = [-1]
    while nodes:
        i = next_[-1]
        members = kids[-1]
        if i < len(members):
            next_[-1] = i + 1
            m = members[i]
            p = get(m)
            if p is None:
                p = len(order)
                position[m] = p
                order.append(m)
                end.append(0)
                low.append(p)
                parent.append(here[-1])
                nodes.append(m)
                kids.append([x for _, owned in items[m] for x in owned])
                next_.append(0)
                here.append(p)
            else:
                v = here[-1]
                if v >= 0 and p < low[v]:
                    low[v] = p
            continue
        nodes.pop()
        kids.pop()
        next_.pop()
        v = here.pop()
        if v >= 0:
            end[v] = len(order)
            up = here[-1]
            if up >= 0 and low[v] < low[up]:
                low[up] = low[v]
    size = len(order)
    closed = bytearray(size)
    outermost = bytearray(size)
    covered = bytearray(size)
    for p in range(size):
        up = parent[p]
        above = up >= 0 and covered[up]
        if low[p] >= p:
            closed[p] = 1
            outermost[p] = not above
        covered[p] = above or closed[p]
    return FlowOrder(order, position, end, closed, outermost)


def or_groups(model: HardModel, component: list[int]) -> list[list[int]]:
    """Split a strongly connected ``component`` into groups whose nodes are DOWN
    together in every fixpoint of spec §4: strongly connected through items that
    fail with one member DOWN (``fails == 1``: a plain dependency, an
    ``at_least: n`` of ``n``). Along such an item a failure always passes, so in a
    group each node's failure implies every other's. Groups come dependencies
    first (along those items).

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services:
    ...   a: {depends_on: [b]}
    ...   b: {depends_on: [a, {at_least: 2, of: [c, d, e]}]}
    ...   c: {depends_on: [a]}
    ...   d: {depends_on: [a]}
    ...   e: {}
    ... flows: {f: {requires: [a]}}''')]).manifest)
    >>> model = hard_model(G, ["f"])
    >>> [sorted(model.names[v] for v in group)
    ...  for group in or_groups(model, strongly_connected(model)[-2])]
    [['a', 'b'], ['d'], ['c']]
    """
    local = {v: i for i, v in enumerate(component)}
    succ = [sorted({local[m] for fails, members in model.items[v] if fails == 1
                    for m in members if m in local}) for v in component]
    return [[component[i] for i in group] for group in tarjan(succ, range(len(component)))]


def least_fixpoint(model: HardModel, value: list, compute, bottom, join, *,
                   check=None, progress=None, release: bool = False) -> None:
    """Fill ``value`` (indexed like ``model.names``) with the least fixpoint of
    ``value[v] = compute(v)``, where ``compute`` reads the values of ``v``'s
    members and is monotone; ``bottom`` is "not DOWN" and ``join`` the OR of a
    list of values.

    Component by component, dependencies first (:func:`strongly_connected`). A
    cycle is not iterated function by function: its :func:`or_groups` share one
    value, which is the OR of their nodes' functions with the group's own value
    taken as ``bottom`` (for a monotone boolean equation ``x = f(x, y)`` the least
    solution is ``f(false, y)``; H. Bekić, "Definable operations in general
    algebras", 1984); groups are then re-solved only when a group they depend on
    changed (a worklist), which ends since values only grow. A ring of 5,000
    services is one group, solved in one pass.

    ``check()`` is called once per component and per group solved (a deadline);
    ``progress(done, total)`` every 256 components. With ``release``, a
    service's value is dropped (``None``) as soon as every node that depends on it
    is computed (memory stays bounded by what is in flight).
    """
    components = strongly_connected(model)
    total = len(components)
    items = model.items
    n = model.n
    waiting: list[int] = []
    if release:
        waiting = [0] * len(items)
        for owned in items:
            for m in {m for _, members in owned for m in members}:
                waiting[m] += 1
    for done, component in enumerate(components, 1):
        if check is not None:
            check()
        if len(component) == 1:
            value[component[0]] = compute(component[0])
        else:
            _solve_cycle(model, component, value, compute, bottom, join, check)
        if release:
            for v in component:
                for m in {m for _, members in items[v] for m in members}:
                    waiting[m] -= 1
                    if not waiting[m] and m < n:
                        value[m] = None
        if progress is not None and (done % 256 == 0 or done == total):
            progress(done, total)


def _solve_cycle(model: HardModel, component: list[int], value: list, compute, bottom,
                 join, check) -> None:
    groups = or_groups(model, component)
    group_of = {v: g for g, group in enumerate(groups) for v in group}
    for v in component:
        value[v] = bottom
    dependents = []
    for group in groups:
        owners = {group_of[owner] for m in group for owner, _ in model.parents[m]
                  if owner in group_of}
        dependents.append(sorted(owners))
    queued = [True] * len(groups)
    todo = deque(range(len(groups)))
    while todo:
        if check is not None:
            check()
        g = todo.popleft()
        queued[g] = False
        group = groups[g]
        old = value[group[0]]
        for v in group:  # Bekić: the group solved for its own value, taken as bottom
            value[v] = bottom
        parts = [compute(v) for v in group]
        new = parts[0] if len(parts) == 1 else join(parts)
        for v in group:
            value[v] = new
        if new != old:
            for d in dependents[g]:
                if d != g and not queued[d]:
                    queued[d] = True
                    todo.append(d)
