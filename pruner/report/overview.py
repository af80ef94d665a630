"""The report of ``pruner report``: the check verdict, single points of failure,
the whole model for the page's own evaluator, and a static diagram when one can be
read, for one self-contained, interactive HTML page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING

from pruner.analysis.availability import flow_availability, has_availability
from pruner.analysis.evaluate import OK, Evaluation
from pruner.analysis.focus import focus as support
from pruner.analysis.spof import SinglePoints, single_points
from pruner.frozen import record
from pruner.model import Flow, Service
from pruner.report.availability import AvailabilityReport, availability_report
from pruner.report.check import CheckReport, check_report
from pruner.report.diagram import Diagram, diagram_report

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = ["Overview", "overview_report", "STATIC_LIMIT"]

#: The most services the static (server-drawn, Graphviz) picture may hold. Above it the
#: picture cannot be read and Graphviz takes minutes, so the page draws only focused
#: views, in the browser.
STATIC_LIMIT = 150


@record(slots=False)
class Overview:
    """What the HTML report shows.

    ``focus`` says how the static diagram's flows were chosen: ``"chosen"``
    (``--flow``), ``"troubled"`` (the broken and degraded flows) or ``"all"``.
    ``diagram`` is ``None`` when that picture would hold more than
    :data:`STATIC_LIMIT` services (``shown`` says how many it would). ``nodes`` is
    every node of the graph (services and operations) in graph order and
    ``flow_defs`` every flow: the page's evaluator works on them.
    ``initial_focus`` is the flow the page focuses on first; ``states`` maps every
    node (services and operations) to its state in ``--off``'s what-if.
    """

    title: str
    check: CheckReport
    single_points: SinglePoints
    diagram: Diagram | None
    focus: str
    services_total: int
    nodes: tuple[Service, ...] = ()
    flow_defs: tuple[Flow, ...] = ()
    shown: int = 0
    initial_focus: str | None = None
    states: Mapping[str, str] = field(default_factory=dict)
    # issue 12: each flow's availability and what to harden first, when the manifest
    # gives availabilities or targets (None otherwise)
    availability: AvailabilityReport | None = None


def overview_report(
    G: nx.DiGraph,
    ev: Evaluation,
    *,
    source: str = "",
    flows=(),
    depth: int | None = None,
    cluster_by: str = "system",
    fail_on: str = "broken",
    static_limit: int = STATIC_LIMIT,
) -> Overview:
    """Assemble the HTML report's content.

    The static diagram shows the ``flows`` given; otherwise, when something is
    switched off and some flow is in trouble, the broken and degraded flows and
    everything they stand on (the story of the what-if); otherwise every flow. It
    is left out when it would hold more than ``static_limit`` services.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> from pruner.analysis.evaluate import switch_off
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {depends_on: [db]}, db: , cdn: }
    ... flows: {login: {requires: [web]}, images: {requires: [cdn]}}''')]).manifest)
    >>> o = overview_report(G, switch_off(G, ["db"]))
    >>> o.focus, o.diagram.flows, o.single_points.flows["login"], o.initial_focus
    ('troubled', ('login',), ('db', 'web'), 'login')
    >>> overview_report(G, switch_off(G, []), static_limit=2).diagram is None
    True
    """
    check = check_report(G, ev, source=source, fail_on=fail_on, explain_services=False)
    troubled = tuple(f.name for f in check.flows if f.state != OK)
    if flows:
        focus, shown = "chosen", tuple(flows)
    elif ev.off and troubled:
        focus, shown = "troubled", troubled
    else:
        focus, shown = "all", ()
    what = ", ".join(ev.off) if ev.off else "nothing"
    title = f"{source or 'manifest'}: {what} switched off"
    if shown or depth is not None:
        size = len(support(G, shown or tuple(G.graph["flows"]), depth))
    else:
        size = len(G)
    diagram = None
    if size <= static_limit:
        diagram = diagram_report(G, ev, flows=shown, depth=depth, cluster_by=cluster_by,
                                 title="")
    first = (tuple(flows) or troubled or tuple(G.graph["flows"]) or (None,))[0]
    availability = None
    if has_availability(G):
        availability = availability_report(flow_availability(G, flows or None), source=source)
    services = len(G.graph["manifest"].services)  # operations (spec §8) are not counted
    return Overview(title, check, single_points(G), diagram, focus, services,
                    nodes=tuple(G.nodes[n]["service"] for n in G),
                    flow_defs=tuple(G.graph["flows"].values()), shown=size,
                    initial_focus=first,
                    states={n: ev.state(n) for n in G}, availability=availability)
