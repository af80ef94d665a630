"""JSON output: one object per command, keys sorted, byte-identical for the same input."""

from __future__ import annotations

import json
from functools import singledispatch

from pruner.analysis.evaluate import BROKEN, DEGRADED, DOWN, OK, UP, ItemStatus
from pruner.render.common import line_text
from pruner.report import CheckReport, ValidateReport

__all__ = ["render", "dumps", "item_json"]


def dumps(data) -> str:
    """Serialise deterministically: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def item_json(status: ItemStatus) -> dict:
    """An item with its counts and the state of its members."""
    item = status.item
    return {
        "item": item.describe(),
        "kind": item.kind,
        "members": list(item.members),
        "need": item.need,
        "up": status.up,
        "down": list(status.down),
        "degraded": list(status.degraded),
        "soft": item.soft,
        "note": item.note,
        "location": str(item.location),
    }


@singledispatch
def render(report) -> str:
    """Render ``report`` as JSON."""
    raise TypeError(f"no JSON output for {type(report).__name__}")


@render.register
def _(report: CheckReport) -> str:
    return dumps(check_json(report))


def check_json(report: CheckReport) -> dict:
    """The JSON object of ``pruner check`` (spec §6)."""
    flows = {}
    for f in report.flows:
        flows[f.name] = {
            "state": f.state,
            "critical": f.flow.critical,
            "owner": f.flow.owner,
            "description": f.flow.description,
            "failed": [item_json(s) for s in f.items if s.failing],
            "troubled": [item_json(s) for s in f.items if s.troubled and not s.failing],
            "explanation": [
                {"depth": line.depth, "text": line_text(line, report.off_word)}
                for line in f.explanation
            ],
        }
    services = {}
    for s in report.services:
        services[s.name] = {
            "state": s.state,
            "off": s.off,
            "cause": None if s.cause is None else item_json(s.cause),
            "via": s.via,
        }
    off = len(report.off)
    broken = report.flows_in(BROKEN)
    return {
        "source": report.source,
        "off": list(report.off),
        "gate": {
            "fail_on": report.gate.fail_on,
            "passed": report.gate.passed,
            "failing": list(report.gate.failing),
        },
        "summary": {
            "flows": {
                "broken": len(broken),
                "broken_critical": sum(1 for f in broken if f.flow.critical),
                "degraded": len(report.flows_in(DEGRADED)),
                "ok": len(report.flows_in(OK)),
            },
            "services": {
                "off": off,
                "down": len(report.services_in(DOWN)) - off,
                "degraded": len(report.services_in(DEGRADED)),
                "up": len(report.services_in(UP)),
            },
        },
        "flows": flows,
        "services": services,
    }


@render.register
def _(report: ValidateReport) -> str:
    return dumps({
        "source": report.source,
        "valid": True,
        "services": report.services,
        "flows": report.flows,
        "items": report.items,
        "warnings": [
            {"location": str(w.location), "message": w.message} for w in report.warnings
        ],
    })


# --- drift (issue 6) ---
from pruner.report.drift import DriftReport  # noqa: E402  (kept in this block on purpose)


@render.register
def _(report: DriftReport) -> str:
    return dumps(drift_json(report))


def drift_json(report: DriftReport) -> dict:
    """The JSON object of ``pruner drift`` (documented in docs/importing.md)."""
    d, obs = report.drift, report.observation
    return {
        "source": report.source,
        "observed": {
            "kind": obs.kind,
            "sources": list(obs.sources),
            "services": len(obs.services),
            "dependencies": d.observed_edges,
            "notes": list(obs.notes),
        },
        "summary": {
            "declared_services": report.declared_services,
            "declared_flows": report.declared_flows,
            "declared_dependencies": d.declared_edges,
            "observed_dependencies": d.observed_edges,
            "matched": d.matched,
            "undeclared": len(d.undeclared),
            "undeclared_critical": len(d.undeclared_critical),
            "stale": len(d.stale),
            "unjudged": d.unjudged,
            "observed_not_declared": len(d.observed_not_declared),
            "uncovered_traffic": len(d.uncovered_traffic),
        },
        "gate": {
            "fail_on": report.gate.fail_on,
            "passed": report.gate.passed,
            "failing": list(report.gate.failing),
        },
        "undeclared": [
            {
                "source": u.source,
                "target": u.target,
                "calls": u.calls,
                "evidence": u.evidence,
                "source_declared": u.source_declared,
                "target_declared": u.target_declared,
                "critical_flows": list(u.critical_flows),
                "target_uncovered": u.target_uncovered,
            }
            for u in d.undeclared
        ],
        "stale": [
            {"source": s.source, "target": s.target, "soft": s.soft, "group": s.group,
             "note": s.note, "location": s.location}
            for s in d.stale
        ],
        "observed_not_declared": list(d.observed_not_declared),
        "uncovered_traffic": [
            {"service": t.name, "callers": list(t.callers), "callees": list(t.callees),
             "calls_in": t.calls_in}
            for t in d.uncovered_traffic
        ],
    }
