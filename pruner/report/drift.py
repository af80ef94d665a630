"""The report of ``pruner drift``: the drift between a manifest and an observation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from types import MappingProxyType
from typing import TYPE_CHECKING

from pruner.analysis.drift import Drift, DriftGate, Observation, drift, drift_gate
from pruner.errors import Location
from pruner.frozen import record

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = ["DriftReport", "drift_report"]


@record(slots=False)
class DriftReport:
    """Everything the drift renderers show.

    ``source`` is the manifest path; ``observation`` what it was compared with (kind,
    sources, counts, the importer's notes); ``declared_services``,
    ``declared_operations`` and ``declared_flows`` give the manifest's size, and
    ``observed_services`` and ``observed_operations`` the observation's (services and
    operations counted apart, an operation being ``S:O`` of a service also seen);
    ``locations`` where each declared service that a finding names is defined (the
    file-pointing formats, e.g. SARIF, point there).
    """

    source: str
    observation: Observation
    declared_services: int
    declared_flows: int
    drift: Drift
    gate: DriftGate
    locations: Mapping[str, Location] = field(default_factory=lambda: MappingProxyType({}))
    declared_operations: int = 0
    observed_services: int = 0
    observed_operations: int = 0


def drift_report(
    G: nx.DiGraph,
    observation: Observation,
    *,
    source: str = "",
    fail_on: str = "undeclared-critical",
) -> DriftReport:
    """Compare ``G`` with ``observation`` and judge the result.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> from pruner.analysis.drift import ObservedEdge
    >>> G = dependency_graph(load_sources([("m.yaml", "services: {a: , b: }")]).manifest)
    >>> r = drift_report(G, Observation("jaeger", (), ("a", "b"), (ObservedEdge("a", "b"),)))
    >>> r.gate.passed, len(r.drift.undeclared)
    (True, 1)
    """
    result = drift(G, observation)
    named = {n for u in result.undeclared for n in (u.source, u.target)}
    named.update(t.name for t in result.uncovered_traffic)
    locations = {n: G.nodes[n]["service"].location for n in sorted(named) if n in G}
    # Services and operations are counted apart (as in every report); a common-cause
    # group compiled into a node is neither.
    kinds = [G.nodes[n]["service"] for n in G]
    services = sum(1 for s in kinds if s.operation_of is None and not s.common_cause)
    operations = sum(1 for s in kinds if s.operation_of is not None)
    seen = set(observation.services)
    seen_operations = sum(1 for n in seen if ":" in n and n.rsplit(":", 1)[0] in seen)
    return DriftReport(source, observation, services, len(G.graph["flows"]), result,
                       drift_gate(result, fail_on), MappingProxyType(locations), operations,
                       len(seen) - seen_operations, seen_operations)
