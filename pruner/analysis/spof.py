"""Single points of failure (spec §5): services whose switching off alone breaks a flow.

These are the minimal cut sets of order 1 (:func:`pruner.analysis.cuts.minimal_cut_sets`),
computed for all flows at once as bitsets: exact and linear, whatever the size.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from pruner.analysis.cuts import minimal_cut_sets

__all__ = ["SinglePoints", "single_points"]


@dataclass(frozen=True)
class SinglePoints:
    """``flows`` maps each flow name to its single points of failure, sorted."""

    flows: dict[str, tuple[str, ...]]


def single_points(G: nx.DiGraph, flows=None) -> SinglePoints:
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
    cuts = minimal_cut_sets(G, flows, max_order=1)
    return SinglePoints({name: tuple(c[0] for c in fc.cut_sets) for name, fc in cuts.items()})
