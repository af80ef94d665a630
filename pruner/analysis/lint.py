"""Warnings about a valid manifest: hard dependency cycles, start-up cycles (spec §10)
and uncovered services."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from pruner.errors import Problem, display
from pruner.graph import reachable, services_of

if TYPE_CHECKING:  # imported where used: `check` starts without networkx
    import networkx as nx

__all__ = ["group_cycles", "hard_cycles", "uncovered", "reached", "lint"]


def _needs_every_member(G: nx.DiGraph, u: str, v: str) -> bool:
    """Whether ``u`` holds a hard item on ``v`` that needs all its members (a single
    dependency, or a group whose K is its size): then ``v`` DOWN makes ``u`` DOWN."""
    items = G.nodes[u]["service"].depends_on
    return any(not items[i].soft and items[i].need >= len(items[i].members)
               for i in G.edges[u, v]["items"])


def hard_cycles(G: nx.DiGraph) -> list[list[str]]:
    """Groups of services that depend on each other through hard items that need every
    member (single dependencies, or groups whose K is their size), each sorted.

    In such a group one service going DOWN takes all the others with it (spec §4:
    each needs the next around the cycle). A cycle that closes only through a
    fallback or quorum group is not one: see :func:`group_cycles`.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> text = "services: {a: {depends_on: [b]}, b: {depends_on: [a]}, c: {depends_on: [a]}}"
    >>> G = dependency_graph(load_sources([("m.yaml", text)]).manifest)
    >>> hard_cycles(G)
    [['a', 'b']]
    >>> text = "services: {a: {depends_on: [{any_of: [b, c]}]}, b: {depends_on: [a]}, c: }"
    >>> hard_cycles(dependency_graph(load_sources([("m.yaml", text)]).manifest))
    []
    """
    return _cycle_groups(G)[0]


def _cycle_groups(G: nx.DiGraph) -> tuple[list[list[str]], list[list[str]]]:
    """``(hard_cycles(G), the cycles of hard edges)``: groups along edges that need every
    member lie inside groups along hard edges (such an edge is hard), so the first are
    looked for only among the members of the second (a few, in a manifest of 20,000)."""
    nodes = G.nodes

    def needed(u: str, v: str, data: dict) -> bool:  # _needs_every_member, edge data at hand
        items = nodes[u]["service"].depends_on
        return any(not items[i].soft and items[i].need >= len(items[i].members)
                   for i in data["items"])

    hard = _cycles(G, lambda u, v, data: not data["soft"])
    return _cycles(G, needed, [n for group in hard for n in group]), hard


def _cycles(G: nx.DiGraph, keep, among: list[str] | None = None) -> list[list[str]]:
    """The strongly connected groups of two or more nodes of ``G`` (of ``among``, when
    given) along the edges ``keep(u, v, data)`` accepts, each sorted, sorted (iterative
    Tarjan on plain lists: no networkx view, whose filtered adjacency costs a call per
    edge per visit)."""
    from pruner.analysis.hard import tarjan

    names = list(G) if among is None else among
    index = {name: i for i, name in enumerate(names)}
    succ = [[index[v] for v, data in G._succ[u].items() if v in index and keep(u, v, data)]
            for u in names]
    groups = [sorted(names[i] for i in c) for c in tarjan(succ, range(len(names)))
              if len(c) > 1]
    return sorted(groups)


#: Largest group-closed cycle whose members are each switched off in turn (members ×
#: edges inside it) to say exactly what one failure does; above, the warning says less.
EXACT_BUDGET = 2_000_000


def _down_within(G: nx.DiGraph, group: list[str], off: str) -> set[str]:
    """The members of ``group`` (a strongly connected set of hard dependencies) DOWN
    when ``off`` alone is switched off (spec §4's least fixpoint). Exact without
    looking outside ``group``: a node outside it that a failure inside could reach
    and that leads back into it would lie on the cycle, so be inside it."""
    inside = set(group)
    down = {off}
    queue = deque([off])
    while queue:
        v = queue.popleft()
        for u in G.predecessors(v):
            if u in down or u not in inside:
                continue
            items = G.nodes[u]["service"].depends_on
            for item in items:
                if not item.soft and sum(m not in down for m in item.members) < item.need:
                    down.add(u)
                    queue.append(u)
                    break
    return down


def group_cycles(G: nx.DiGraph, groups=None
                 ) -> list[tuple[list[str], str, str, str | None, str | None]]:
    """Cycles of hard dependencies that close through a fallback or quorum group
    (``coord`` needs 2 of [r1, r2, r3], ``r1`` needs ``coord``), which
    :func:`hard_cycles` does not report. Each as ``(sorted names, owner, item, spared,
    survivor)``: ``owner``'s group ``item`` closes the cycle; switching off ``spared``
    alone leaves ``survivor`` up (both None when every single failure takes the whole
    cycle down, or when the cycle is too big to check within :data:`EXACT_BUDGET`:
    then ``spared`` is None and ``survivor`` is ``"?"``). ``groups``: what
    ``_cycle_groups(G)`` gives, when the caller has it already.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> text = ("services: {coord: {depends_on: [{at_least: 2, of: [r1, r2, r3]}]}, "
    ...         "r1: {depends_on: [coord]}, r2: , r3: }")
    >>> group_cycles(dependency_graph(load_sources([("m.yaml", text)]).manifest))
    [(['coord', 'r1'], 'coord', 'at_least 2 of [r1, r2, r3]', 'r1', 'coord')]
    """
    needed, hard = groups if groups is not None else _cycle_groups(G)
    exact = {tuple(g) for g in needed}
    found = []
    for group in hard:
        if tuple(group) in exact:
            continue
        inside = set(group)
        owner, item = next(
            (u, G.nodes[u]["service"].depends_on[i].describe())
            for u in group for v in sorted(G.successors(u)) if v in inside
            and not _needs_every_member(G, u, v)
            for i in G.edges[u, v]["items"]
            if not G.nodes[u]["service"].depends_on[i].soft)
        edges = sum(1 for u in group for v in G.successors(u) if v in inside)
        spared = survivor = None
        if len(group) * edges > EXACT_BUDGET:
            survivor = "?"
        else:
            for member in group:
                down = _down_within(G, group, member)
                if len(down) < len(group):
                    spared, survivor = member, next(n for n in group if n not in down)
                    break
        found.append((group, owner, item, spared, survivor))
    return sorted(found)


def reached(G: nx.DiGraph, flows=None) -> set[str]:
    """Services some flow (default: every flow) can reach along dependency edges."""
    table = G.graph["flows"]
    names = table if flows is None else flows
    return reachable(G._succ, {m for f in names for item in table[f].requires
                               for m in item.members})


def uncovered(G: nx.DiGraph) -> list[str]:
    """Services that no flow reaches, sorted: prune candidates, or flows nobody declared.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml",
    ...     "services: {a: {depends_on: [b]}, b: , c: }\\nflows: {f: {requires: [a]}}")]).manifest)
    >>> uncovered(G)
    ['c']
    """
    seen = reached(G)
    return sorted(n for n in services_of(G) if n not in seen)


def lint(G: nx.DiGraph) -> list[Problem]:
    """Warnings for ``pruner validate``: hard cycles, start-up cycles (spec §10), and one
    summary of the services that no flow reaches (at the first one's place), listing them all.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml",
    ...     "services: {a: , b: , c: }\\nflows: {f: {requires: [a]}}")]).manifest)
    >>> [p.message.split(" — ")[0] for p in lint(G)]
    ['2 services are reached by no flow: b, c']
    """
    nodes = G.nodes
    found = []
    groups = _cycle_groups(G)
    for group in groups[0]:
        shown = ", ".join(group[:10]) + (f" and {len(group) - 10} more" if len(group) > 10 else "")
        found.append(Problem(
            nodes[group[0]]["service"].location,
            f"hard dependency cycle among {shown}: if one goes down, all do",
            "warning",
        ))
    for group, owner, item, spared, survivor in group_cycles(G, groups):
        shown = ", ".join(group[:10]) + (f" and {len(group) - 10} more" if len(group) > 10 else "")
        closed = f"closed through a fallback or quorum group ({owner} needs {item})"
        if survivor is None:  # checked: every single failure takes the whole cycle down
            message = f"hard dependency cycle among {shown}, {closed}: if one goes down, all do"
        elif spared is None:  # too big to check member by member
            message = (f"dependency cycle among {shown}, {closed}: whether one failure takes "
                       "the others down depends on which (try pruner check --off NAME)")
        else:
            message = (f"dependency cycle among {shown}, {closed}: not every failure takes "
                       f"the others down (with {spared} off, {survivor} does not go down), but "
                       "failures can travel around it (try pruner check --off NAME)")
        found.append(Problem(nodes[group[0]]["service"].location, message, "warning"))
    # Imported here: the diagram report uses reached() alone, without the bootstrap engine.
    from pruner.analysis.bootstrap import startup_cycles

    # a start-up deadlock lies inside a cycle of hard edges (groups[1]): solved there only
    for group in startup_cycles(G, [n for cycle in groups[1] for n in cycle]):
        shown = ", ".join(group[:10]) + (f" and {len(group) - 10} more" if len(group) > 10 else "")
        found.append(Problem(
            nodes[group[0]]["service"].location,
            f"start-up cycle among {shown}: after a full outage none of them can start "
            "(mark a dependency startup: false if it is only needed to serve; "
            "see pruner bootstrap)",
            "warning",
        ))
    if not G.graph["flows"]:  # issue 17: said plainly, not as "every service unreached"
        first = min((nodes[n]["service"].location for n in services_of(G)), default=None)
        if first is not None:
            found.append(Problem(
                first, "the manifest declares no flows: no check, cut set, keep set or gate "
                       "means anything until it does — add flows (what users do) or propose "
                       "them from traces with pruner discover", "warning"))
        return found
    lost = uncovered(G)
    if len(lost) == 1:
        found.append(Problem(
            nodes[lost[0]]["service"].location,
            f"service {display(lost[0])} is reached by no flow: a prune candidate, "
            "or a sign of a flow nobody declared (monitoring, alerting, telemetry?)",
            "warning",
        ))
    elif lost:
        first = min(lost, key=lambda n: nodes[n]["service"].location)
        found.append(Problem(
            nodes[first]["service"].location,
            f"{len(lost)} services are reached by no flow: {', '.join(lost)} — prune "
            "candidates, or signs of flows nobody declared (monitoring, alerting, telemetry?)",
            "warning",
        ))
    return found
