"""The report of ``pruner diff``: what a change to the manifest does to the flows.

Built from the two graphs and :func:`pruner.analysis.diff.compare`; the new
version's evaluation (removed services switched off) is also kept as a
:class:`~pruner.report.check.CheckReport` with ``off_word="removed"``, so every
renderer can reuse its explanations. A masked break is explained on the *old*
model (the new one no longer shows it).

Places in the old version (a removed service's definition, a removed item, a
deleted flow) have line numbers of the old files, which land on unrelated lines of
the new ones (with ``--base`` both carry the same path). :attr:`DiffReport.anchors`
gives each of them the nearest surviving place in the new version instead: the
owner that referred to it, the flow's new definition, or else the same file in the
new version (no line), with a note that says so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import field, replace
from typing import TYPE_CHECKING

from pruner.analysis.bootstrap import bootstrap_regressions
from pruner.analysis.diff import (
    GATE_REASONS,
    DiffGate,
    FlowChange,
    ItemChange,
    ManifestDiff,
    compare,
    diff_gate,
    off_causes,
)
from pruner.analysis.evidence import verdict_warnings
from pruner.analysis.explain import Line, explain_flow
from pruner.errors import Location
from pruner.frozen import record
from pruner.graph import has_availability
from pruner.model import Manifest
from pruner.report.check import CheckReport, FlowResult, check_report

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

    from pruner.analysis.availability import AvailabilityChange

__all__ = ["Anchor", "FlowDiff", "DiffReport", "diff_report", "removed_causes", "item_key"]

removed_causes = off_causes  # the removed services an explanation ends at


@record(slots=False)
class Anchor:
    """Where in the new version a finding about something gone points, and why
    (``note``, e.g. ``"service auth, which depended on it"``)."""

    location: Location
    note: str


@record(slots=False)
class FlowDiff:
    """A changed flow: its change, its result in the new version (``None`` when the
    flow was deleted) and, for a masked break, the explanation on the old model."""

    change: FlowChange
    result: FlowResult | None
    old_explanation: tuple[Line, ...] = ()

    @property
    def name(self) -> str:
        return self.change.name

    @property
    def kind(self) -> str:
        return self.change.kind

    @property
    def explanation(self) -> tuple[Line, ...]:
        """Why the flow is in trouble: in the old model for a masked break, else in
        the new version."""
        if self.change.masked:
            return self.old_explanation
        return () if self.result is None else self.result.explanation


@record(slots=False)
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
    anchors: Mapping[tuple[str, str], Anchor] = field(default_factory=dict)
    # each flow's availability before/after (issue 12); empty when neither version
    # says anything about availability
    availability: tuple[AvailabilityChange, ...] = ()
    # issue 13: start-up cycles the change creates, critical flows it makes un-bootstrappable
    startup_cycles: tuple[tuple[str, ...], ...] = ()
    unbootstrappable: tuple[str, ...] = ()
    # ``(flow, message)``: "extra nine" warnings on critical flows that the new version
    # gains (computed for ``--fail-on extra-nine`` only)
    extra_nines: tuple[tuple[str, str], ...] = ()
    #: removed services whose "nothing breaks" rests on no evidence in the OLD version
    #: (pruner.analysis.evidence.verdict_warnings)
    warnings: tuple[str, ...] = ()

    def flows_of(self, *kinds: str) -> tuple[FlowDiff, ...]:
        """The changed flows whose kind is one of ``kinds``."""
        return tuple(f for f in self.flows if f.kind in kinds)

    def anchor(self, kind: str, key: str, default: Location) -> Anchor:
        """The place in the new version for ``(kind, key)``: kinds ``service`` (a
        removed or renamed service), ``flow`` (a deleted flow or a masked break),
        ``item`` (a removed item, key :func:`item_key`)."""
        return self.anchors.get((kind, key)) or Anchor(default, "")


def item_key(change: ItemChange) -> str:
    """A stable key of an item change: ``owner_kind/owner/change/item``."""
    return f"{change.owner_kind}/{change.owner}/{change.change}/{change.item.describe()}"


def _file_mapper(old_source: str, new_source: str, new: Manifest):
    """Old file label -> the same file in the new version, if it exists there."""
    files = set(new.sources)
    first = min(files) if files else new_source

    def mapped(old_file: str) -> tuple[str, bool]:
        candidates = [old_file]
        if old_source and old_file == old_source:
            candidates.append(new_source)
        elif old_source:
            try:
                rel = os.path.relpath(old_file, old_source)
            except ValueError:
                rel = ""
            if rel and not rel.startswith(".."):
                candidates.append(os.path.join(new_source, rel))
        for c in candidates:
            if c in files:
                return c, True
        return first, False

    return mapped


def _anchors(G_old: nx.DiGraph, G_new: nx.DiGraph, diff: ManifestDiff, old_source: str,
             new_source: str) -> dict[tuple[str, str], Anchor]:
    old_m, new_m = G_old.graph["manifest"], G_new.graph["manifest"]
    mapped = _file_mapper(old_source, new_source, new_m)
    rename = dict(diff.renamed)
    placeholders = set(diff.dangling)
    anchors: dict[tuple[str, str], Anchor] = {}

    def in_file(where: Location, what: str) -> Anchor:
        path, same = mapped(where.file)
        note = (f"{what} was at {where} in the old version; this points at "
                + ("the same file in the new version" if same else "the new version"))
        return Anchor(Location(path), note)

    # Who referred to each removed service in the old version.
    wanted = {s.name for s in diff.removed}
    referrers: dict[str, list[tuple[str, str]]] = {}
    for kind, owners, attr in (("flow", old_m.flows, "requires"),
                               ("service", old_m.services, "depends_on")):
        for name, owner in owners.items():
            for item in getattr(owner, attr):
                for m in item.members:
                    if m in wanted:
                        referrers.setdefault(m, []).append((kind, name))
    for s in diff.removed:
        if s.name in rename:
            new = new_m.services[rename[s.name]]
            anchors[("service", s.name)] = Anchor(
                new.location, f"service {s.name} was at {s.location} in the old version; "
                f"this points at its new name {rename[s.name]}")
            continue
        found = None
        for kind, name in referrers.get(s.name, ()):
            table = new_m.flows if kind == "flow" else new_m.services
            owner = table.get(rename.get(name, name) if kind == "service" else name)
            if owner is not None and owner.name not in placeholders:
                found = Anchor(owner.location,
                               f"service {s.name} was at {s.location} in the old version; "
                               f"this points at {kind} {owner.name}, which "
                               f"{'required' if kind == 'flow' else 'depended on'} it")
                break
        anchors[("service", s.name)] = found or in_file(s.location, f"service {s.name}")
    for change in diff.flows:
        if change.new is None:
            anchors[("flow", change.name)] = in_file(change.old.location,
                                                     f"flow {change.name}")
    for change in diff.items:
        if change.change != "removed":
            continue
        # An operation's items live on the operation (issue 17 §3: ``nodes``, not
        # ``services``); an owner missing in NEW points at the old file instead.
        table = new_m.flows if change.owner_kind == "flow" else new_m.nodes
        owner = table.get(change.owner)
        if owner is None:
            anchors[("item", item_key(change))] = in_file(
                change.location, f"the item of {change.owner_kind} {change.owner}")
            continue
        anchors[("item", item_key(change))] = Anchor(
            owner.location, f"the item was at {change.location} in the old version; this "
                            f"points at {change.owner_kind} {change.owner}")
    return anchors


def diff_report(
    G_old: nx.DiGraph,
    G_new: nx.DiGraph,
    assumed=(),
    *,
    old_source: str = "",
    new_source: str = "",
    fail_on: str = "spof",
    accept=(),
) -> DiffReport:
    """Compare the two versions and assemble the report.

    ``assumed`` are the placeholder services of ``G_new`` (``LoadResult.assumed``);
    ``accept`` the removals accepted (``--accept-removal``).
    """
    diff = compare(G_old, G_new, assumed, accept=accept)
    check = check_report(G_new, diff.evaluation, source=new_source, off_word="removed")
    results = {f.name: f for f in check.flows}
    changed = diff.changed_flows()
    flows = tuple(
        FlowDiff(c, results.get(c.name),
                 explain_flow(G_old, diff.old_evaluation, c.name) if c.masked else ())
        for c in changed)
    # The availability machinery (BDDs, cut families; 8 ms to import) only when some
    # version declares an availability or a target: without one there is nothing to
    # compare and no "extra nine" to warn about.
    declared = has_availability(G_old) or has_availability(G_new)
    availability: tuple[AvailabilityChange, ...] = ()
    if declared:
        from pruner.analysis.availability import availability_diff

        availability = availability_diff(G_old, G_new, diff.evaluation.off)
    reasons = GATE_REASONS[fail_on]
    gate = diff_gate(diff, fail_on)
    extra: tuple[tuple[str, str], ...] = ()
    nines: tuple[tuple[str, str], ...] = ()
    if "target" in reasons:  # issue 12, and by default since issue 17
        extra += tuple((c.flow, "target") for c in availability if c.critical
                       and c.dropped_below_target)
    if "extra-nine" in reasons and declared:  # a warning needs a flow's target
        from pruner.analysis.availability import new_extra_nines

        nines = new_extra_nines(G_old, G_new, renamed=dict(diff.renamed))
        extra += tuple(sorted({(flow, "extra-nine") for flow, _ in nines}))
    cycles, unbootable = bootstrap_regressions(G_old, G_new, dict(diff.renamed))
    if "startup-cycle" in reasons:  # issue 13: start-up regressions
        extra += tuple((f, "unbootstrappable") for f in unbootable)
        extra += tuple((", ".join(c), "startup-cycle") for c in cycles)
    if extra:
        gate = replace(gate, passed=False, failing=gate.failing + extra)
    return DiffReport(
        old_source=old_source,
        new_source=new_source,
        diff=diff,
        check=check,
        flows=flows,
        unchanged=len(diff.flows) - len(changed),
        gate=gate,
        anchors=_anchors(G_old, G_new, diff, old_source, new_source),
        availability=availability,
        startup_cycles=tuple(cycles),
        unbootstrappable=tuple(unbootable),
        extra_nines=nines,
        warnings=verdict_warnings(G_old.graph["manifest"], [s.name for s in diff.removed],
                                  old_source or "MANIFEST"),
    )
