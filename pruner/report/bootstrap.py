"""The report of ``pruner bootstrap``: the cold start (or partial restart) and its gate."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from pruner.analysis.bootstrap import Bootstrap

__all__ = ["BootstrapReport", "bootstrap_report"]

WAVE_LIMIT = 200  # waves shown in text/markdown; JSON has them all


@dataclass(frozen=True)
class BootstrapReport:
    """Everything the bootstrap renderers show.

    ``critical`` maps each flow to whether it is critical; ``passed`` is the gate
    (no critical flow that can never be served again).
    """

    source: str
    result: Bootstrap
    critical: dict[str, bool]
    services: int
    # late[n]: services (not operations) that started before wave n (or were running,
    # in a partial restart) and serve from wave n on, sorted
    late: tuple[tuple[str, ...], ...] = ()

    @property
    def passed(self) -> bool:
        return not self.result.critical_never


def bootstrap_report(G: nx.DiGraph, result: Bootstrap, *, source: str = "") -> BootstrapReport:
    """Wrap ``result`` for the renderers.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> from pruner.analysis.bootstrap import bootstrap
    >>> text = "services: {a: }\\nflows: {f: {requires: [a]}}"
    >>> G = dependency_graph(load_sources([("m.yaml", text)]).manifest)
    >>> bootstrap_report(G, bootstrap(G)).passed
    True
    """
    flows = G.graph["flows"]
    names = [n for n in G if G.nodes[n]["service"].operation_of is None]
    late: list[list[str]] = [[] for _ in result.waves]
    for name in names:
        wave, start = result.serving[name], result.start[name]
        if wave is not None and 0 <= wave < len(late) and (start is None or start < wave):
            late[wave].append(name)
    return BootstrapReport(source, result, {f: flows[f].critical for f in flows}, len(names),
                           tuple(tuple(sorted(x)) for x in late))
