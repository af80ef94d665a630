"""The report of ``pruner report``: the check verdict, single points of failure
and a diagram, for one self-contained HTML page."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from pruner.analysis.availability import flow_availability, has_availability
from pruner.analysis.evaluate import OK, Evaluation
from pruner.analysis.spof import SinglePoints, single_points
from pruner.report.availability import AvailabilityReport, availability_report
from pruner.report.check import CheckReport, check_report
from pruner.report.diagram import Diagram, diagram_report

__all__ = ["Overview", "overview_report"]


@dataclass(frozen=True)
class Overview:
    """What the HTML report shows. ``focus`` says how the diagram's flows were chosen:
    ``"chosen"`` (``--flow``), ``"troubled"`` (the broken and degraded flows) or ``"all"``."""

    title: str
    check: CheckReport
    single_points: SinglePoints
    diagram: Diagram
    focus: str
    services_total: int
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
) -> Overview:
    """Assemble the HTML report's content.

    The diagram shows the ``flows`` given; otherwise, when something is switched
    off and some flow is in trouble, the broken and degraded flows and everything
    they stand on (the story of the what-if); otherwise every flow.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> from pruner.analysis.evaluate import switch_off
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {depends_on: [db]}, db: , cdn: }
    ... flows: {login: {requires: [web]}, images: {requires: [cdn]}}''')]).manifest)
    >>> o = overview_report(G, switch_off(G, ["db"]))
    >>> o.focus, o.diagram.flows, o.single_points.flows["login"]
    ('troubled', ('login',), ('db', 'web'))
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
    diagram = diagram_report(G, ev, flows=shown, depth=depth, cluster_by=cluster_by, title="")
    availability = None
    if has_availability(G):
        availability = availability_report(flow_availability(G, flows or None), source=source)
    return Overview(title, check, single_points(G), diagram, focus, G.number_of_nodes(),
                    availability)
