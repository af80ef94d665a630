"""Single points of failure (spec §5): services whose switching off alone breaks a flow.

These are the minimal cut sets of order 1 (:func:`pruner.analysis.cuts.minimal_cut_sets`),
computed for all flows at once as bitsets: exact and linear, whatever the size. For
"alone, on top of what is already off" (a diff's removed services), the cut sets are
taken on the :func:`residual_graph`: the manifest as it stands once those are off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from pruner.analysis.cuts import minimal_cut_sets
from pruner.analysis.evaluate import BROKEN, switch_off
from pruner.frozen import record
from pruner.graph import dependency_graph
from pruner.model import Manifest

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = ["SinglePoints", "single_points", "residual_graph"]


@record(slots=False)
class SinglePoints:
    """``flows`` maps each flow name to its single points of failure, sorted."""

    flows: dict[str, tuple[str, ...]]


def residual_graph(G: nx.DiGraph, off: Iterable[str]) -> nx.DiGraph:
    """The manifest behind ``G`` as it stands once ``off`` is switched off.

    DOWN services are gone; every item keeps only its members still up, with the
    same quorum (a hard item of a service still up always keeps enough). Flows that
    ``off`` breaks are left out. Switching anything off in the residual graph has the
    same effect on the remaining flows as switching it off on top of ``off``.

    >>> from pruner.loader import load_sources
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {depends_on: [{any_of: [a, b]}]}, a: , b: }
    ... flows: {f: {requires: [web]}}''')]).manifest)
    >>> R = residual_graph(G, ["b"])
    >>> sorted(R), R.nodes["web"]["service"].depends_on[0].members
    (['a', 'web'], ('a',))
    """
    ev = switch_off(G, off)
    down = ev.cause

    def shrink(items):
        kept = []
        for item in items:
            members = tuple(m for m in item.members if m not in down)
            if members:
                kept.append(replace(item, members=members, need=min(item.need, len(members))))
        return tuple(kept)

    manifest: Manifest = G.graph["manifest"]
    def residual(s):  # operations (spec §8) of a service still up: those still up, shrunk
        ops = tuple(replace(o, depends_on=shrink(o.depends_on))
                    for o in s.operations if o.name not in down)
        return replace(s, depends_on=shrink(s.depends_on), operations=ops)

    services = [residual(s) for name, s in manifest.services.items() if name not in down]
    flows = [replace(f, requires=shrink(f.requires))
             for name, f in manifest.flows.items() if ev.flows[name] != BROKEN]
    return dependency_graph(Manifest.from_lists(services, flows, manifest.sources))


def single_points(G: nx.DiGraph, flows=None, given_off: Iterable[str] = ()) -> SinglePoints:
    """The single points of failure of ``flows`` (default: every flow), on top of the
    services ``given_off``; a flow those already break has none.

    Examples
    --------
    >>> from pruner.loader import load_sources
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {depends_on: [db, {any_of: [a, b]}]}, db: , a: , b: }
    ... flows: {f: {requires: [web]}}''')]).manifest)
    >>> single_points(G).flows
    {'f': ('db', 'web')}
    >>> single_points(G, given_off=["b"]).flows
    {'f': ('a', 'db', 'web')}
    """
    names = sorted(G.graph["flows"] if flows is None else set(flows))
    given_off = tuple(given_off)
    R = residual_graph(G, given_off) if given_off else G
    alive = [n for n in names if n in R.graph["flows"]]
    cuts = minimal_cut_sets(R, alive, max_order=1)
    return SinglePoints({name: tuple(c[0] for c in cuts[name].cut_sets) if name in cuts else ()
                         for name in names})
