"""The reports of `pruner check` and `pruner validate`.

A report is built from the graph and the analysis results; renderers (one module
per output format in :mod:`pruner.render`) only format it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import (
    BROKEN,
    DEGRADED,
    DOWN,
    OK,
    UP,
    Evaluation,
    Gate,
    ItemStatus,
    flow_items,
    gate,
    item_status,
)
from pruner.analysis.evidence import verdict_warnings
from pruner.analysis.explain import Line, explain_flow, explain_service, hurts
from pruner.errors import Problem
from pruner.frozen import record
from pruner.model import Flow, Service

if TYPE_CHECKING:  # `check` starts without networkx (see pruner.graph.LightGraph)
    import networkx as nx

__all__ = [
    "FlowResult",
    "ServiceResult",
    "CheckReport",
    "ValidateReport",
    "check_report",
    "validate_report",
    "STATE_ORDER",
]

# Worst first: reports list broken flows before degraded ones before ok ones.
STATE_ORDER = {BROKEN: 0, DOWN: 0, DEGRADED: 1, OK: 2, UP: 2}


@record  # one per flow and one per service of every report (20,000 at 20,000 services)
class FlowResult:
    """A flow's state, the items behind it, and the explanation of any trouble."""

    flow: Flow
    state: str
    items: tuple[ItemStatus, ...]
    explanation: tuple[Line, ...]

    @property
    def name(self) -> str:
        return self.flow.name


@record
class ServiceResult:
    """A service's state; ``off`` if switched off; ``cause`` the failed hard item of a
    DOWN service; ``via`` every dependency through which a DEGRADED one is hurt
    (sorted; empty unless DEGRADED)."""

    service: Service
    state: str
    off: bool
    cause: ItemStatus | None
    via: tuple[str, ...]
    explanation: tuple[Line, ...] = ()

    @property
    def name(self) -> str:
        return self.service.name


@record(slots=False)
class CheckReport:
    """The outcome of ``pruner check``: flows worst first, then by name."""

    source: str
    off: tuple[str, ...]
    flows: tuple[FlowResult, ...]
    services: tuple[ServiceResult, ...]
    gate: Gate
    off_word: str = "switched off"
    operations: tuple[ServiceResult, ...] = ()  # spec §8; empty when none is declared
    #: switched-off services whose "harmless" rests on no evidence
    #: (pruner.analysis.evidence.verdict_warnings)
    warnings: tuple[str, ...] = ()

    def flows_in(self, state: str) -> tuple[FlowResult, ...]:
        """The flows in ``state``."""
        return tuple(f for f in self.flows if f.state == state)

    def services_in(self, state: str) -> tuple[ServiceResult, ...]:
        """The services in ``state`` (switched-off ones count as DOWN)."""
        return tuple(s for s in self.services if s.state == state)

    def operations_in(self, state: str) -> tuple[ServiceResult, ...]:
        """The operations in ``state`` (switched-off ones count as DOWN)."""
        return tuple(s for s in self.operations if s.state == state)


@record(slots=False)
class ValidateReport:
    """The outcome of ``pruner validate``: counts and warnings of a valid manifest."""

    source: str
    services: int
    flows: int
    items: int
    warnings: tuple[Problem, ...]
    operations: int = 0  # spec §8


def check_report(
    G: nx.DiGraph,
    ev: Evaluation,
    *,
    source: str = "",
    fail_on: str = "broken",
    explain_services: bool = False,
    off_word: str = "switched off",
    flows: Iterable[str] | None = None,
) -> CheckReport:
    """Assemble the report of an evaluation.

    ``explain_services`` adds a per-service explanation: each service's own step,
    pointing at the services it stands on rather than repeating their chains
    (``explain_service(..., shared=True)``), so that it stays linear in the
    manifest. Every explanation shares one table of first causes
    (:func:`~pruner.analysis.explain.first_causes`), each looked up once.
    ``flows`` limits the report and the gate to those flows (``check --flow``).
    """
    causes: dict = {}
    chosen = None if flows is None else set(flows)
    gate_result = gate(G, ev, fail_on, None if chosen is None else sorted(chosen))
    flows = []
    for name, flow in G.graph["flows"].items():
        if chosen is not None and name not in chosen:
            continue
        state = ev.flows[name]
        explanation = explain_flow(G, ev, name, causes) if state != OK else ()
        flows.append(FlowResult(flow, state, flow_items(G, ev, name), explanation))
    flows.sort(key=lambda f: (STATE_ORDER[f.state], not f.flow.critical, f.name))
    tables = []
    nodes = G._node  # the node table itself: no view per lookup (one per service)
    down = ev.cause
    for states in (ev.services, ev.operations):
        results = []
        for name, state in states.items():
            svc = nodes[name]["service"]
            if state == UP:  # most services: no cause, no via, no explanation
                results.append(ServiceResult(svc, state, False, None, ()))
                continue
            explanation = (explain_service(G, ev, name, causes, shared=True)
                           if explain_services else ())
            if name not in down:  # DEGRADED: no cause of its own, hurt via some dependencies
                results.append(ServiceResult(svc, state, False, None, _via(G, ev, name),
                                             explanation))
                continue
            index = down[name]  # None: switched off
            cause = None
            if index is not None:  # the flows' explanations judged most of these already
                cause = causes.get(name) or item_status(svc.depends_on[index], down, ev.via)
            results.append(ServiceResult(svc, state, index is None, cause, (), explanation))
        tables.append(tuple(results))
    return CheckReport(
        source=source,
        off=ev.off,
        flows=tuple(flows),
        services=tables[0],
        gate=gate_result,
        off_word=off_word,
        operations=tables[1],
        warnings=verdict_warnings(G.graph["manifest"], ev.off, source or "MANIFEST"),
    )


def _via(G: nx.DiGraph, ev: Evaluation, name: str) -> tuple[str, ...]:
    """Every dependency whose trouble degrades ``name`` (empty unless DEGRADED)."""
    if name not in ev.via or name in ev.cause:
        return ()
    return tuple(sorted(d for d in G._succ[name] if hurts(ev, d, name)))


def validate_report(G: nx.DiGraph, warnings, source: str = "") -> ValidateReport:
    """Summarise a valid manifest and its warnings."""
    manifest = G.graph["manifest"]
    items = sum(len(s.own_items) for s in manifest.nodes.values())
    items += sum(len(f.requires) for f in manifest.flows.values())
    return ValidateReport(source, len(manifest.services), len(manifest.flows), items,
                          tuple(sorted(warnings)), len(manifest.operations))
