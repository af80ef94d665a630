"""The report of ``pruner diff``: what a change to the manifest does to the flows.

Built from the two graphs and :func:`pruner.analysis.diff.compare`; the new
version's evaluation (removed services switched off) is also kept as a
:class:`~pruner.report.check.CheckReport` with ``off_word="removed"``, so every
renderer can reuse its explanations.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from pruner.analysis.bootstrap import bootstrap_regressions
from pruner.analysis.diff import (
    DiffGate,
    FlowChange,
    ManifestDiff,
    compare,
    diff_gate,
)
from pruner.analysis.explain import OFF, Line
from pruner.report.check import CheckReport, FlowResult, check_report

__all__ = ["FlowDiff", "DiffReport", "diff_report", "removed_causes"]


@dataclass(frozen=True)
class FlowDiff:
    """A changed flow: its change, and its result in the new version (``None`` when
    the flow was deleted)."""

    change: FlowChange
    result: FlowResult | None

    @property
    def name(self) -> str:
        return self.change.name

    @property
    def kind(self) -> str:
        return self.change.kind

    @property
    def explanation(self) -> tuple[Line, ...]:
        return () if self.result is None else self.result.explanation


@dataclass(frozen=True)
class DiffReport:
    """The outcome of ``pruner diff``: ``flows`` are the changed flows, most severe
    first; ``unchanged`` counts the others."""

    old_source: str
    new_source: str
    diff: ManifestDiff
    check: CheckReport
    flows: tuple[FlowDiff, ...]
    unchanged: int
    gate: DiffGate
    off_word: str = "removed"
    # issue 13: start-up cycles the change creates, critical flows it makes un-bootstrappable
    startup_cycles: tuple[tuple[str, ...], ...] = ()
    unbootstrappable: tuple[str, ...] = ()

    def flows_of(self, *kinds: str) -> tuple[FlowDiff, ...]:
        """The changed flows whose kind is one of ``kinds``."""
        return tuple(f for f in self.flows if f.kind in kinds)


def removed_causes(lines: tuple[Line, ...]) -> tuple[str, ...]:
    """The removed (switched-off) services an explanation ends at, sorted.

    >>> from pruner.analysis.explain import Line
    >>> removed_causes((Line(1, "sms-gateway", (), "off"),))
    ('sms-gateway',)
    """
    found = set()
    for line in lines:
        if line.end == OFF and line.subject is not None:
            found.add(line.subject)
        for hop in line.hops:
            if hop.end == OFF and hop.target is not None:
                found.add(hop.target)
    return tuple(sorted(found))


def diff_report(
    G_old: nx.DiGraph,
    G_new: nx.DiGraph,
    assumed=(),
    *,
    old_source: str = "",
    new_source: str = "",
    fail_on: str = "spof",
) -> DiffReport:
    """Compare the two versions and assemble the report.

    ``assumed`` are the placeholder services of ``G_new`` (``LoadResult.assumed``).
    """
    diff = compare(G_old, G_new, assumed)
    check = check_report(G_new, diff.evaluation, source=new_source, off_word="removed")
    results = {f.name: f for f in check.flows}
    changed = diff.changed_flows()
    flows = tuple(FlowDiff(c, results.get(c.name)) for c in changed)
    gate = diff_gate(diff, fail_on)
    cycles, unbootable = bootstrap_regressions(G_old, G_new)
    if fail_on != "never" and (cycles or unbootable):
        extra = tuple((f, "unbootstrappable") for f in unbootable)
        extra += tuple((", ".join(c), "startup-cycle") for c in cycles)
        gate = DiffGate(gate.fail_on, False, gate.failing + extra)
    return DiffReport(
        old_source=old_source,
        new_source=new_source,
        diff=diff,
        check=check,
        flows=flows,
        unchanged=len(diff.flows) - len(changed),
        gate=gate,
        startup_cycles=tuple(cycles),
        unbootstrappable=tuple(unbootable),
    )
