"""Warnings about a valid manifest: hard dependency cycles, start-up cycles (spec §10)
and uncovered services."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from pruner.analysis.bootstrap import startup_cycles
from pruner.errors import Problem, display
from pruner.graph import services_of

if TYPE_CHECKING:  # imported where used: `check` starts without networkx
    import networkx as nx

__all__ = ["hard_cycles", "uncovered", "reached", "lint"]


def hard_cycles(G: nx.DiGraph) -> list[list[str]]:
    """Groups of services that depend on each other through hard items, each sorted.

    In such a group one service going DOWN takes all the others with it.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> text = "services: {a: {depends_on: [b]}, b: {depends_on: [a]}, c: {depends_on: [a]}}"
    >>> G = dependency_graph(load_sources([("m.yaml", text)]).manifest)
    >>> hard_cycles(G)
    [['a', 'b']]
    """
    import networkx as nx

    hard = nx.subgraph_view(G, filter_edge=lambda u, v: not G.edges[u, v]["soft"])
    groups = [sorted(c) for c in nx.strongly_connected_components(hard) if len(c) > 1]
    return sorted(groups)


def reached(G: nx.DiGraph, flows=None) -> set[str]:
    """Services some flow (default: every flow) can reach along dependency edges."""
    table = G.graph["flows"]
    names = table if flows is None else flows
    seen = {m for f in names for item in table[f].requires for m in item.members}
    queue = deque(seen)
    succ = G._succ
    while queue:
        for dep in succ[queue.popleft()]:
            if dep not in seen:
                seen.add(dep)
                queue.append(dep)
    return seen


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
    for group in hard_cycles(G):
        shown = ", ".join(group[:10]) + (f" and {len(group) - 10} more" if len(group) > 10 else "")
        found.append(Problem(
            nodes[group[0]]["service"].location,
            f"hard dependency cycle among {shown}: if one goes down, all do",
            "warning",
        ))
    for group in startup_cycles(G):
        shown = ", ".join(group[:10]) + (f" and {len(group) - 10} more" if len(group) > 10 else "")
        found.append(Problem(
            nodes[group[0]]["service"].location,
            f"start-up cycle among {shown}: after a full outage none of them can start "
            "(mark a dependency startup: false if it is only needed to serve; "
            "see pruner bootstrap)",
            "warning",
        ))
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
