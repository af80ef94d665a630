"""Services ordered by the harm of losing them (issue 3): how many critical flows
each is a single point of failure for, then in how many minimal cut sets of order
<= 2 it appears."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from pruner.analysis.cuts import cut_set_tally
from pruner.frozen import record
from pruner.graph import services_of

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = ["Harm", "Ranking", "rank"]


@record(slots=False)
class Harm:
    """One service's harm: the flows it alone breaks and its order-<=2 cut sets."""

    service: str
    spof_for: tuple[str, ...]
    cut_sets: int


@record(slots=False)
class Ranking:
    """Harmful services, worst first; ``harmless`` counts the others."""

    flows: tuple[str, ...]
    services: tuple[Harm, ...]
    harmless: int
    complete: bool


def rank(
    G: nx.DiGraph,
    flows: Iterable[str] | None = None,
    *,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Ranking:
    """Rank services by harm for ``flows`` (default: the critical flows).

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services:
    ...   web: {depends_on: [db, {any_of: [a, b]}]}
    ...   db: {}
    ...   a: {}
    ...   b: {}
    ... flows:
    ...   buy: {requires: [web]}
    ...   browse: {requires: [db]}
    ... ''')]).manifest)
    >>> [(h.service, h.spof_for, h.cut_sets) for h in rank(G).services]
    [('db', ('browse', 'buy'), 2), ('web', ('buy',), 1), ('a', (), 1), ('b', (), 1)]
    """
    table = G.graph["flows"]
    names = sorted(n for n in table if table[n].critical) if flows is None else sorted(set(flows))
    count, spof, complete = cut_set_tally(G, names, 2, deadline=deadline, progress=progress)
    harms = [Harm(s, tuple(sorted(spof.get(s, ()))), n) for s, n in count.items()]
    harms.sort(key=lambda h: (-len(h.spof_for), -h.cut_sets, h.service))
    return Ranking(tuple(names), tuple(harms), len(services_of(G)) - len(harms), complete)
