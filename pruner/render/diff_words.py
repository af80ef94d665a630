"""Wording of ``pruner diff`` shared by every output format (plain text; each format
escapes it for its own syntax)."""

from __future__ import annotations

from pruner.analysis.diff import ItemChange, OwnerChange
from pruner.render.common import clean, name_list
from pruner.report.diff import DiffReport, FlowDiff, removed_causes
from pruner.report.figures import percent

__all__ = [
    "accept_hint",
    "KIND_LABEL",
    "change_sentence",
    "masked_sentence",
    "item_change_text",
    "owner_change_text",
    "verdict",
    "counts_text",
    "gate_findings",
]

KIND_LABEL = {
    "broken": "BROKEN",
    "masked": "MASKED",
    "spof": "NEW SPOF",
    "degraded": "DEGRADED",
    "deleted": "DELETED",
    "demoted": "DEMOTED",
    "added": "ADDED",
    "improved": "IMPROVED",
    "edited": "EDITED",
}

def accept_hint(report: DiffReport) -> str:
    """How to deal with the masked breaks that fail the gate ("" when there is none)."""
    names = sorted({n for f in report.flows_of("masked") if not f.change.accepted
                    for n in f.change.masked})
    if not names:
        return ""
    return ("A masked break is a real break that an edit hides: restore what the flow needs, "
            "or, if losing it is intended, accept it with --accept-removal "
            f"{','.join(names)} (see docs/ci-gate.md).")

_GATE_REASON = {
    "broken": "breaks",
    "masked": "breaks in the old model (masked by an edit)",
    "spof": "gains a single point of failure",
    "degraded": "gets degraded",
    "deleted": "is deleted",
    "demoted": "is no longer critical",
}


def _flow(fd: FlowDiff) -> str:
    return f"{fd.name} (critical)" if fd.change.critical else fd.name


def change_sentence(fd: FlowDiff) -> str:
    """One sentence for a changed flow, e.g.
    ``removing sms-gateway breaks 2fa-login-sms (critical)``."""
    change = fd.change
    kind = change.kind
    if kind == "broken":
        causes = removed_causes(fd.explanation)
        if causes:
            return f"removing {name_list(causes, 5)} breaks {_flow(fd)}"
        return f"{_flow(fd)} breaks"
    if kind == "masked":
        return masked_sentence(fd)
    if kind == "spof":
        what = "single point" if len(change.new_spofs) == 1 else "single points"
        return f"{_flow(fd)} gains {what} of failure: {name_list(change.new_spofs, 10)}"
    if kind == "degraded":
        causes = removed_causes(fd.explanation)
        by = f"removing {name_list(causes, 5)} degrades " if causes else ""
        return f"{by}{_flow(fd)}" if by else f"{_flow(fd)} gets degraded"
    if kind == "deleted":
        if change.critical:
            return f"critical flow {fd.name} is deleted: the protection it gave is removed"
        return f"flow {fd.name} is deleted"
    if kind == "demoted":
        return f"flow {fd.name} is no longer critical: the gate stops protecting it"
    if kind == "added":
        return f"flow {_flow(fd)} is added"
    if kind == "improved":
        if change.removed_spofs:
            what = ("single point" if len(change.removed_spofs) == 1 else "single points")
            return (f"{_flow(fd)} improves: no longer has {what} of failure "
                    f"{name_list(change.removed_spofs, 10)}")
        return f"{_flow(fd)} improves: {change.old_state} -> {change.new_state}"
    return f"{_flow(fd)}: its requirements, owner or criticality changed"


_MASKED_BY = {
    "deleted": "the same change deletes the flow",
    "demoted": "the same change makes the flow non-critical",
    "rewired": "the same change edits what the flow requires (or what that depends on), "
               "which hides the break from the new model",
}


def masked_sentence(fd: FlowDiff) -> str:
    """E.g. ``removing otp-sms breaks login (critical) in the old model; the same
    change deletes the flow`` (``; accepted by --accept-removal`` when accepted)."""
    change = fd.change
    text = (f"removing {name_list(change.masked, 5)} breaks {fd.name} (critical) in the old "
            f"model; {_MASKED_BY[change.masked_by]}")
    if change.new_spofs:
        what = "single point" if len(change.new_spofs) == 1 else "single points"
        text += f"; it also gains {what} of failure: {name_list(change.new_spofs, 10)}"
    if change.accepted:
        text += "; accepted by --accept-removal"
    return text


def item_change_text(change: ItemChange) -> str:
    """E.g. ``service twofactor-sms: dependency softened: soft sms-dispatch``."""
    verb = "requires" if change.owner_kind == "flow" else "depends on"
    what = {
        "added": f"now {verb}",
        "removed": f"no longer {verb}",
        "modified": f"{'dependency' if change.owner_kind == 'service' else 'requirement'} "
                    "changed",
        "softened": "softened (hard -> soft)",
        "hardened": "hardened (soft -> hard)",
    }[change.change]
    if change.before is not None:
        return (f"{change.owner_kind} {change.owner} {what}: {change.before.describe()} -> "
                f"{change.item.describe()}")
    return f"{change.owner_kind} {change.owner} {what}: {change.item.describe()}"


def owner_change_text(change: OwnerChange) -> str:
    """E.g. ``service sms-gateway: owner notifications -> messaging``."""
    old = clean(change.old) if change.old is not None else "(none)"
    new = clean(change.new) if change.new is not None else "(none)"
    return f"{change.kind} {change.name}: owner {old} -> {new}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def verdict(report: DiffReport) -> str:
    """The headline, e.g. ``1 critical flow breaks`` or ``no critical flow breaks``."""
    gate = report.gate
    if not gate.failing:
        notes = []
        broken = len(report.flows_of("broken"))
        if broken:
            notes.append(_count(broken, "non-critical flow breaks", "non-critical flows break"))
        deleted = sum(1 for f in report.flows_of("deleted") if f.change.critical)
        if deleted:
            notes.append(_count(deleted, "critical flow deleted", "critical flows deleted"))
        masked = sum(1 for f in report.flows_of("masked") if not f.change.accepted)
        if masked:
            notes.append(_count(masked, "masked break", "masked breaks"))
        if gate.accepted:
            notes.append(_count(len(gate.accepted), "masked break accepted",
                                "masked breaks accepted")
                         + f" with --accept-removal {','.join(report.diff.accepted)}")
        tail = f" ({'; '.join(notes)})" if notes else ""
        if gate.fail_on == "never":
            return "gate disabled (--fail-on never)" + tail
        return "no critical flow breaks" + tail
    by_reason: dict[str, int] = {}
    for _, reason in gate.failing:
        by_reason[reason] = by_reason.get(reason, 0) + 1
    parts = []
    for reason in ("broken", "masked", "spof", "degraded", "deleted", "demoted"):
        n = by_reason.get(reason)
        if n:
            noun = "critical flow" if n == 1 else "critical flows"
            verb = _GATE_REASON[reason]
            if n != 1:
                verb = {"breaks": "break",
                        "breaks in the old model (masked by an edit)":
                        "break in the old model (masked by an edit)",
                        "gains a single point of failure":
                        "gain single points of failure", "gets degraded": "get degraded",
                        "is deleted": "are deleted",
                        "is no longer critical": "are no longer critical"}[verb]
            parts.append(f"{n} {noun} {verb}")
    for reason, one, many in (  # availability gates (issue 12)
            ("target", "drops below its availability target", "drop below their targets"),
            ("extra-nine", "gains an 'extra nine' warning", "gain 'extra nine' warnings")):
        n = by_reason.get(reason)
        if n:
            parts.append(f"{n} critical flow{'' if n == 1 else 's'} {one if n == 1 else many}")
    parts += startup_verdict(by_reason)
    return ", ".join(parts)


def startup_verdict(by_reason: dict[str, int]) -> list[str]:
    """The bootstrap part of the headline (issue 13): new start-up cycles, critical
    flows that can no longer be brought back after a full outage."""
    parts = []
    n = by_reason.get("unbootstrappable")
    if n:
        parts.append(f"{_count(n, 'critical flow', 'critical flows')} can no longer be "
                     "brought back after a full outage")
    n = by_reason.get("startup-cycle")
    if n:
        parts.append(_count(n, "new start-up cycle", "new start-up cycles"))
    return parts


def counts_text(report: DiffReport) -> str:
    """``services: 1 removed, 0 added, 0 renamed; flows: 1 changed, 34 unchanged``."""
    d = report.diff
    return (f"services: {len(d.removed) - len(d.renamed)} removed, "
            f"{len(d.added) - len(d.renamed)} added, "
            f"{len(d.renamed)} renamed; dependency items changed: {len(d.items)}; "
            f"flows: {len(report.flows)} changed, {report.unchanged} unchanged")


def _pct(value: float | None) -> str:
    return "-" if value is None else percent(value)


def gate_findings(report: DiffReport) -> list[tuple[str, str, str]]:
    """``(subject, reason, sentence)`` for every ``(subject, reason)`` pair that fails
    the gate, in the gate's order: what every format must show when the exit is 1.
    The subject is a flow, or for a start-up cycle its services joined by ``", "``."""
    flows = {f.name: f for f in report.flows}
    availability = {c.flow: c for c in report.availability}
    nines: dict[str, list[str]] = {}
    for flow, message in report.extra_nines:
        nines.setdefault(flow, []).append(message)
    out = []
    for subject, reason in report.gate.failing:
        fd = flows.get(subject)
        if reason == "target" and subject in availability:
            c = availability[subject]
            sentence = (f"critical flow {subject} drops below its availability target: "
                        f"{_pct(c.old)} -> {_pct(c.new)}, target {_pct(c.new_target)}")
        elif reason == "extra-nine":
            sentence = "; ".join(nines.get(subject, ())) or (
                f"critical flow {subject} gains an 'extra nine' warning")
        elif reason == "unbootstrappable":
            sentence = (f"critical flow {subject} can no longer be brought back after a full "
                        "outage (pruner bootstrap)")
        elif reason == "startup-cycle":
            sentence = (f"new start-up cycle: {subject} can never start after a full outage "
                        "(pruner bootstrap)")
        elif fd is not None:
            sentence = change_sentence(fd)
            if fd.kind != reason:  # an accepted masked break, judged on what NEW shows
                sentence += f" ({_GATE_REASON.get(reason, reason)})"
        else:
            sentence = f"critical flow {subject}: {reason}"
        out.append((subject, reason, clean(sentence)))
    return out
