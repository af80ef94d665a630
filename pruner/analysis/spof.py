"""Single points of failure (spec §5): services whose switching off alone breaks a flow.

A simple, exact method: each candidate (a service in some flow's hard support)
is switched off on its own once, and every flow it breaks records it. That costs
one linear evaluation per candidate, so ``limit`` bounds the number of candidates;
beyond it the result says it is incomplete. (The ``cuts`` command computes
minimal cut sets of any order; this is its order-1 special case.)
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from pruner.analysis.evaluate import BROKEN, switch_off
from pruner.analysis.focus import hard_support

__all__ = ["SinglePoints", "single_points"]

DEFAULT_LIMIT = 2000


@dataclass(frozen=True)
class SinglePoints:
    """``flows`` maps each flow name to its single points of failure, sorted;
    ``complete`` is False when ``limit`` cut the search short (then nothing is listed)."""

    flows: dict[str, tuple[str, ...]]
    complete: bool = True


def single_points(G: nx.DiGraph, flows=None, limit: int = DEFAULT_LIMIT) -> SinglePoints:
    """The single points of failure of ``flows`` (default: every flow).

    Examples
    --------
    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {depends_on: [db, {any_of: [a, b]}]}, db: , a: , b: }
    ... flows: {f: {requires: [web]}}''')]).manifest)
    >>> single_points(G).flows
    {'f': ('db', 'web')}
    """
    table = G.graph["flows"]
    names = sorted(table if flows is None else flows)
    support = {name: hard_support(G, name) for name in names}
    candidates = sorted(set().union(*support.values())) if support else []
    if len(candidates) > limit:
        return SinglePoints({}, complete=False)
    found: dict[str, list[str]] = {name: [] for name in names}
    for service in candidates:
        ev = switch_off(G, [service])
        for name in names:
            if service in support[name] and ev.flows[name] == BROKEN:
                found[name].append(service)
    return SinglePoints({name: tuple(found[name]) for name in names})
