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


# --- cuts, essential, rank (issue 3) ---
from pruner.report import CutsReport, EssentialReport, RankReport  # noqa: E402


@render.register
def _(report: CutsReport) -> str:
    return dumps({
        "source": report.source,
        "among": None if report.among is None else list(report.among),
        "flows": {
            f.name: {
                "cut_sets": [list(c) for c in f.cuts.cut_sets],
                "max_order": f.cuts.max_order,
                "complete": f.cuts.complete,
                "critical": f.flow.critical,
            }
            for f in report.flows
        },
    })


@render.register
def _(report: EssentialReport) -> str:
    e = report.result
    return dumps({
        "source": report.source,
        "flows": list(e.flows),
        "keep": list(e.keep),
        "prunable": list(e.prunable),
        "uncovered": list(e.uncovered),
        "minimum": e.minimum,
        "single_points_of_failure": list(e.spof),
        "services": e.services,
    })


@render.register
def _(report: RankReport) -> str:
    r = report.ranking
    return dumps({
        "source": report.source,
        "flows": list(r.flows),
        "complete": r.complete,
        "harmless": r.harmless,
        "services": [
            {"name": h.service, "rank": i, "spof_for": list(h.spof_for),
             "cut_sets": h.cut_sets}
            for i, h in enumerate(r.services, 1)
        ],
    })
