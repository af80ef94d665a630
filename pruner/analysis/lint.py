"""Warnings about a valid manifest: hard dependency cycles, start-up cycles (spec §10)
and uncovered services."""

from __future__ import annotations

from collections import deque

import networkx as nx

from pruner.analysis.bootstrap import startup_cycles
from pruner.errors import Problem, display

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
    return sorted(n for n in G if n not in seen)


def lint(G: nx.DiGraph) -> list[Problem]:
    """Warnings for ``pruner validate``: hard cycles, start-up cycles, uncovered services."""
    services = G.graph["manifest"].services
    found = []
    for group in hard_cycles(G):
        shown = ", ".join(group[:10]) + (f" and {len(group) - 10} more" if len(group) > 10 else "")
        found.append(Problem(
            services[group[0]].location,
            f"hard dependency cycle among {shown}: if one goes down, all do",
            "warning",
        ))
    for group in startup_cycles(G):
        shown = ", ".join(group[:10]) + (f" and {len(group) - 10} more" if len(group) > 10 else "")
        found.append(Problem(
            G.nodes[group[0]]["service"].location,
            f"start-up cycle among {shown}: after a full outage none of them can start "
            "(mark a dependency startup: false if it is only needed to serve; "
            "see pruner bootstrap)",
            "warning",
        ))
    for name in uncovered(G):
        found.append(Problem(
            services[name].location,
            f"service {display(name)} is reached by no flow: a prune candidate, "
            "or a sign of a flow nobody declared (monitoring, alerting, telemetry?)",
            "warning",
        ))
    return found
