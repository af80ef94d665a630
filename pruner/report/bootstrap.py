"""The report of ``pruner bootstrap``: the cold start (or partial restart) and its gate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pruner.analysis.bootstrap import Bootstrap
from pruner.frozen import record

if TYPE_CHECKING:  # annotations only: `check` starts without networkx
    import networkx as nx

__all__ = ["BootstrapReport", "bootstrap_report", "BootstrapDiagram", "bootstrap_diagram",
           "STARTUP", "RUNTIME"]

WAVE_LIMIT = 200  # waves shown in text/markdown; JSON has them all


@record(slots=False)
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


STARTUP, RUNTIME = "startup", "runtime"


@record(slots=False)
class BootstrapDiagram:
    """What ``render --bootstrap`` draws: one column per wave (left to right), the
    stuck services in a last column, start-up cycles in red.

    ``columns`` are ``(label, names)``; ``edges`` are ``(dependency, dependent, kind,
    red)`` with kind :data:`STARTUP` or :data:`RUNTIME` (an operation counts as its
    service); ``red`` marks edges inside a start-up cycle; ``cycle_nodes`` and ``stuck``
    name the services drawn red and grey.
    """

    title: str
    columns: tuple[tuple[str, tuple[str, ...]], ...]
    edges: tuple[tuple[str, str, str, bool], ...]
    cycle_nodes: frozenset[str]
    stuck: frozenset[str]


def bootstrap_diagram(G: nx.DiGraph, result: Bootstrap, *, title: str = "") -> BootstrapDiagram:
    """The diagram of a cold start (or partial restart: waves of the restarted only,
    the services still running in a first column).

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> from pruner.analysis.bootstrap import bootstrap
    >>> text = "services: {a: {depends_on: [b]}, b: {depends_on: [a]}, c: , d: {depends_on: [c]}}"
    >>> G = dependency_graph(load_sources([("m.yaml", text)]).manifest)
    >>> d = bootstrap_diagram(G, bootstrap(G))
    >>> d.columns
    (('wave 0', ('c',)), ('wave 1', ('d',)), ('stuck', ('a', 'b')))
    >>> sorted(d.edges)[0], sorted(d.cycle_nodes)
    (('a', 'b', 'startup', True), ['a', 'b'])
    """
    nodes = G.nodes

    def owner(name: str) -> str:
        return nodes[name]["service"].operation_of or name

    columns: list[tuple[str, tuple[str, ...]]] = []
    if result.from_off:
        running = sorted(n for n, s in result.start.items()
                         if s is None and nodes[n]["service"].operation_of is None
                         and n not in result.stuck)
        columns.append(("still running", tuple(running)))
    columns += [(f"wave {i}", w) for i, w in enumerate(result.waves)]
    if result.stuck:
        columns.append(("stuck", result.stuck))
    cycle_of = {m: k for k, c in enumerate(result.cycles) for m in c.members}
    edges: dict[tuple[str, str], tuple[str, bool]] = {}
    for name in G:
        svc = nodes[name]["service"]
        is_op = svc.operation_of is not None
        for item in svc.depends_on:
            if item.soft or getattr(item, "implicit", False):
                continue
            kind = STARTUP if item.startup and not is_op else RUNTIME
            head = owner(name)
            for m in item.members:
                tail = owner(m)
                if tail == head:
                    continue
                red = (kind == STARTUP and head in cycle_of
                       and cycle_of.get(tail) == cycle_of[head])
                old = edges.get((tail, head))
                if old is None or (old[0] == RUNTIME and kind == STARTUP):
                    edges[(tail, head)] = (kind, red)
    return BootstrapDiagram(
        title=title,
        columns=tuple(columns),
        edges=tuple(sorted((t, h, k, r) for (t, h), (k, r) in edges.items())),
        cycle_nodes=frozenset(cycle_of),
        stuck=frozenset(result.stuck),
    )
