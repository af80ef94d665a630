"""SARIF 2.1.0 for code-scanning annotations: each finding points at the manifest
``file:line`` at fault.

Where a result points:

- a broken or degraded flow: the dependency item that names the switched-off
  (removed) service on the explained path -- in ``pruner diff``, the reference a
  deletion left dangling in the new version; the flow's definition if none;
- a new single point of failure, a removed one, a no-longer-critical flow: the
  flow's definition;
- a masked break: the flow's definition in the new version;
- anything gone from the new version (a removed service, a removed item, a deleted
  flow) points at the nearest surviving place in the *new* version, never at an
  old-version line (with ``--base`` the old files carry the same paths, and their
  line numbers would land on unrelated lines): the service or flow that referred to
  a removed service (a renamed one: its new definition), the owner of a removed
  item, else the same file in the new version without a line; the message says
  where the thing was in the old version;
- a changed dependency item: the item in the new version.

In ``pruner drift``:

- an undeclared call ``A -> B``: the definition of the caller ``A`` (where the
  dependency belongs); of the callee when only it is declared; the manifest path
  when neither is (both are then also "observed but not declared");
- a stale declaration: the dependency item;
- a service that no flow reaches yet is active: its definition;
- a service observed but not declared: the manifest path (it has no line yet).

Rules have stable ids (``PRUNER001`` ...). Results that fail the gate are ``error``;
the others ``warning`` (flows, undeclared calls, traffic to services no flow reaches)
or ``note`` (services, dependencies, stale declarations).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import quote

from pruner import __version__
from pruner.analysis.evaluate import BROKEN, DEGRADED
from pruner.analysis.explain import OFF, Line
from pruner.errors import Location
from pruner.model import split_operation
from pruner.render.common import Dispatch, clean, line_text
from pruner.report import CheckReport

if TYPE_CHECKING:  # registered by name: check --format sarif loads no diff or drift
    from pruner.report.diff import DiffReport
    from pruner.report.drift import DriftReport

__all__ = ["render", "RULES", "fault_location"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

# (id, name, short description, default level)
RULES = (
    ("PRUNER001", "flow-broken", "A user flow breaks: a hard requirement is not satisfied.",
     "error"),
    ("PRUNER002", "new-single-point-of-failure",
     "A critical flow gains a single point of failure: one service whose loss alone breaks it.",
     "error"),
    ("PRUNER003", "flow-degraded", "A user flow is degraded: it runs on a fallback or without "
     "a soft dependency.", "warning"),
    ("PRUNER004", "critical-flow-deleted", "A critical flow is deleted: the gate no longer "
     "protects it.", "warning"),
    ("PRUNER005", "flow-no-longer-critical", "A flow stops being critical: the gate no longer "
     "protects it.", "warning"),
    ("PRUNER006", "service-removed", "A service is removed from the manifest.", "note"),
    ("PRUNER007", "dependency-changed", "A dependency item is added, removed, or changed "
     "between hard and soft.", "note"),
    # pruner drift (issue 6)
    ("PRUNER008", "undeclared-dependency", "An observed call that the manifest does not "
     "declare: switching the callee off may break what the caller serves.", "warning"),
    ("PRUNER009", "stale-declaration", "A declared dependency never observed, though both "
     "services appear in the observation.", "note"),
    ("PRUNER010", "observed-service-not-declared", "A service is observed that the manifest "
     "does not declare.", "note"),
    ("PRUNER011", "traffic-to-uncovered-service", "A service that no flow reaches is active in "
     "the observation: do not prune it before a flow explains the traffic.", "warning"),
    # pruner diff, masked breaks and improvements (issue 9)
    ("PRUNER012", "masked-break", "A removal breaks a flow that is critical in the old model, "
     "and the same change edits the model so that the new one no longer shows it.", "error"),
    ("PRUNER013", "single-point-of-failure-removed", "A flow no longer has a single point of "
     "failure it had.", "note"),
    # pruner diff, bootstrap (issue 13)
    ("PRUNER014", "startup-cycle-created", "A change creates a start-up cycle: after a full "
     "outage none of its services can start.", "error"),
    ("PRUNER015", "flow-not-bootstrappable", "A critical flow can no longer be brought back "
     "after a full outage.", "error"),
    # pruner drift on flows (issue 11)
    ("PRUNER016", "undeclared-flow", "An entry point with traffic in the traces that no "
     "declared flow requires: a user flow nobody declared.", "warning"),
    # pruner rpc (issue 22)
    ("PRUNER017", "rpc-over-budget", "A flow's p99 RPCs per request or latency exceeds its "
     "rpc_budget or latency_budget_ms.", "warning"),
    ("PRUNER018", "rpc-batching-candidate", "Repeated calls from one parent span to one "
     "operation that one batched call could replace (time saved when they run one after "
     "the other).", "note"),
    # pruner diff, availability (issues 12 and 17)
    ("PRUNER019", "availability-below-target", "A critical flow drops below its availability "
     "target.", "error"),
    ("PRUNER020", "extra-nine", "A critical flow gains an 'extra nine' warning: a target its "
     "dependencies cannot give, or a single point of failure less than ten times as reliable "
     "as the flow must be.", "warning"),
)
_INDEX = {name: i for i, (_, name, _, _) in enumerate(RULES)}


def fault_location(lines: tuple[Line, ...], default: Location) -> Location:
    """The location of the item that names the first switched-off service of an
    explanation (for a switched-off group member: the group item), else ``default``."""
    last_at: dict[int, Location] = {}
    for line in lines:
        if not line.hops and line.end == OFF and line.depth - 1 in last_at:
            return last_at[line.depth - 1]
        for hop in line.hops:
            last_at[line.depth] = hop.status.item.location
            if hop.end == OFF:
                return hop.status.item.location
    return default


def _uri(path: str) -> str:
    if path.startswith("/"):
        return "file://" + quote(path)
    return quote(path.replace("\\", "/"))


def _location(where: Location) -> list[dict]:
    if where.file.startswith("<"):  # "<unknown>", "<removed>": no place in any file
        return []
    physical: dict = {"artifactLocation": {"uri": _uri(where.file)}}
    if where.line:
        region = {"startLine": where.line}
        if where.column:
            region["startColumn"] = where.column
        physical["region"] = region
    return [{"physicalLocation": physical}]


def _result(rule: str, level: str, message: str, where: Location, key: str) -> dict:
    rule_id = RULES[_INDEX[rule]][0]
    return {
        "ruleId": rule_id,
        "ruleIndex": _INDEX[rule],
        "level": level,
        "message": {"text": clean(message)},
        "locations": _location(where),
        "partialFingerprints": {"prunerFinding/v1": f"{rule_id}:{key}"},
    }


def _explained(sentence: str, lines: tuple[Line, ...], off_word: str) -> str:
    if not lines:
        return sentence
    return sentence + ": " + "; ".join(line_text(line, off_word) for line in lines[:10]) + (
        f"; and {len(lines) - 10} more" if len(lines) > 10 else "")


def _document(results: list[dict]) -> str:
    rules = [
        {"id": rule_id, "name": name, "shortDescription": {"text": text},
         "defaultConfiguration": {"level": level}}
        for rule_id, name, text, level in RULES
    ]
    sarif = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pruner", "version": __version__, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"


render = Dispatch("SARIF")
render.__doc__ = """Render ``report`` as SARIF 2.1.0."""


@render.register
def _(report: CheckReport) -> str:
    failing = set(report.gate.failing)
    results = []
    for f in sorted(report.flows, key=lambda r: r.name):
        if f.state not in (BROKEN, DEGRADED):
            continue
        rule = "flow-broken" if f.state == BROKEN else "flow-degraded"
        level = "error" if f.name in failing else "warning"
        crit = " (critical)" if f.flow.critical else ""
        message = _explained(f"flow {f.name}{crit} is {f.state}", f.explanation, report.off_word)
        results.append(_result(rule, level, message,
                               fault_location(f.explanation, f.flow.location), f.name))
    return _document(results)


_FLOW_RULE = {"broken": "flow-broken", "masked": "masked-break",
              "improved": "single-point-of-failure-removed",
              "spof": "new-single-point-of-failure",
              "degraded": "flow-degraded", "deleted": "critical-flow-deleted",
              "demoted": "flow-no-longer-critical"}


# The rule of each reason that fails the gate (every one must show as an error).
_REASON_RULE = {**{k: v for k, v in _FLOW_RULE.items() if k != "improved"},
                "target": "availability-below-target", "extra-nine": "extra-nine",
                "unbootstrappable": "flow-not-bootstrappable",
                "startup-cycle": "startup-cycle-created"}


@render.register
def _(report: DiffReport) -> str:
    from pruner.render.diff_words import change_sentence, item_change_text
    from pruner.report.diff import item_key

    failing = set(report.gate.failing)
    results = []
    for fd in sorted(report.flows, key=lambda f: f.name):
        rule = _FLOW_RULE.get(fd.kind)
        if rule is None or (fd.kind == "deleted" and not fd.change.critical):
            continue
        if fd.kind == "improved" and not fd.change.removed_spofs:
            continue
        level = "error" if (fd.name, fd.kind) in failing else "warning"
        if fd.kind == "improved":
            level = "note"
        sentence = change_sentence(fd)
        if fd.kind in ("broken", "degraded"):
            message = _explained(sentence, fd.explanation, report.off_word)
            where = fault_location(fd.explanation, fd.change.flow.location)
        elif fd.kind == "masked":
            # The explanation is on the old model: its lines are old-version lines.
            message = _explained(sentence, fd.explanation, report.off_word)
            if fd.change.new is not None:
                where = fd.change.new.location
            else:
                anchor = report.anchor("flow", fd.name, fd.change.old.location)
                message, where = _noted(message, anchor.note), anchor.location
        elif fd.kind == "deleted":
            anchor = report.anchor("flow", fd.name, fd.change.old.location)
            message, where = _noted(sentence, anchor.note), anchor.location
        else:
            message, where = sentence, fd.change.flow.location
        results.append(_result(rule, level, message, where, fd.name))
    d = report.diff
    renamed = dict(d.renamed)
    for s in d.removed:
        if s.name in renamed:
            message = f"service {s.name} is renamed to {renamed[s.name]}"
        else:
            dangling = " (still referenced in the new version)" if s.name in d.dangling else ""
            message = f"service {s.name} is removed{dangling}"
        anchor = report.anchor("service", s.name, s.location)
        results.append(_result("service-removed", "note", _noted(message, anchor.note),
                               anchor.location, s.name))
    for c in d.items:
        key = item_key(c)
        message, where = item_change_text(c), c.location
        if c.change == "removed":
            anchor = report.anchor("item", key, c.location)
            message, where = _noted(message, anchor.note), anchor.location
        results.append(_result("dependency-changed", "note", message, where, key))
    results += _bootstrap_results(report)
    results += _gate_results(report, results)
    return _document(results)


def _bootstrap_results(report: DiffReport) -> list[dict]:
    """Start-up cycles the change creates, critical flows it makes un-bootstrappable."""
    failing = set(report.gate.failing)
    services = {s.name: s.service.location for s in report.check.services}
    flows = {f.name: f.flow.location for f in report.check.flows}
    out = []
    for cycle in report.startup_cycles:
        message = (f"new start-up cycle: {', '.join(cycle)} can never start after a full "
                   "outage (pruner bootstrap)")
        level = "error" if (", ".join(cycle), "startup-cycle") in failing else "warning"
        out.append(_result("startup-cycle-created", level, message,
                           services.get(cycle[0], Location("")), ",".join(cycle)))
    for flow in report.unbootstrappable:
        message = (f"critical flow {flow} can no longer be brought back after a full outage "
                   "(pruner bootstrap)")
        level = "error" if (flow, "unbootstrappable") in failing else "warning"
        out.append(_result("flow-not-bootstrappable", level, message,
                           flows.get(flow, Location("")), flow))
    return out


def _gate_results(report: DiffReport, so_far: list[dict]) -> list[dict]:
    """An error for every reason that fails the gate and no result above shows as one
    (a flow below its availability target, a new 'extra nine' warning, a masked break
    accepted but still failing on what the new version shows): the exit code is never
    1 without an error in the SARIF."""
    from pruner.render.diff_words import gate_findings

    shown = {(r["ruleId"], r["partialFingerprints"]["prunerFinding/v1"].split(":", 1)[1])
             for r in so_far if r["level"] == "error"}
    flows = {f.name: f.flow.location for f in report.check.flows}
    out = []
    for subject, reason, sentence in gate_findings(report):
        rule = _REASON_RULE[reason]
        key = subject.replace(", ", ",") if reason == "startup-cycle" else subject
        if (RULES[_INDEX[rule]][0], key) in shown:
            continue
        shown.add((RULES[_INDEX[rule]][0], key))
        out.append(_result(rule, "error", sentence, flows.get(subject, Location("")), key))
    return out


def _noted(message: str, note: str) -> str:
    return f"{message}; {note}" if note else message


# --- drift (issue 6) ---
from pruner.render.common import (  # noqa: E402  (kept in this block on purpose)
    traffic_facts,
    undeclared_facts,
)


@render.register
def _(report: DriftReport) -> str:
    d, where = report.drift, report.locations
    manifest = Location(report.source)
    failing = set(report.gate.failing)
    results = []
    for u in sorted(d.undeclared, key=lambda u: (u.source, u.target)):
        edge = f"{u.source} -> {u.target}"
        facts = undeclared_facts(u, report.declared_flows)
        message = f"undeclared dependency {edge}" + (f" ({'; '.join(facts)})" if facts else "")
        if u.evidence:
            message += f"; evidence: {u.evidence}"
        at = where.get(u.source) or where.get(u.target) or manifest
        results.append(_result("undeclared-dependency",
                               "error" if edge in failing else "warning", message, at, edge))
    for s in d.stale:
        kind = ", ".join(k for k in ("soft" if s.soft else "hard",
                                     "fallback group" if s.group else "") if k)
        note = f"; note: {s.note}" if s.note else ""
        results.append(_result(
            "stale-declaration", "note",
            f"stale declaration {s.source} -> {s.target} ({kind}): never observed{note}",
            s.location, f"{s.source} -> {s.target}"))
    for name in d.observed_not_declared:
        results.append(_result("observed-service-not-declared", "note",
                               f"service {name} is observed but the manifest does not declare it",
                               manifest, name))
    for t in d.uncovered_traffic:
        message = (f"no flow reaches {t.name}, yet it is active ({'; '.join(traffic_facts(t))}): "
                   "do not prune it before a flow explains the traffic")
        results.append(_result("traffic-to-uncovered-service", "warning", message,
                               where.get(t.name, manifest), t.name))
    for u in d.undeclared_flows:
        level = "error" if f"undeclared flow {u.entry}" in failing else "warning"
        message = (f"undeclared flow: entry point {u.entry} served {u.traces} traced "
                   "request(s) and no declared flow requires it")
        results.append(_result("undeclared-flow", level, message,
                               where.get(split_operation(u.entry)[0], manifest), u.entry))
    return _document(results)


# --- rpc (issue 22) ---
from pruner.render.common import ms_text, rpc_budget_text  # noqa: E402

if TYPE_CHECKING:  # registered by name: check --format sarif imports no rpc report
    from pruner.report.rpc import RpcReport


@render.register
def _(report: RpcReport) -> str:
    fallback = Location(report.manifest or (report.sources[0] if report.sources else ""))
    gate = report.fail_on != "never"
    results = []
    for e in report.entries:
        where = e.location or fallback
        if e.over:
            level = "error" if gate and e.fails else "warning"
            results.append(_result("rpc-over-budget", level,
                                   f"flow {e.name} is over budget: {rpc_budget_text(e)}",
                                   where, e.name))
        for g in e.profile.groups:
            kind = (f"sequential, batching saves {ms_text(g.saved_ms)} (p50)" if g.sequential
                    else "parallel, batching saves calls, not time")
            results.append(_result(
                "rpc-batching-candidate", "warning" if g.sequential else "note",
                f"{e.name}: {g.caller} calls {g.callee} {g.calls} times from one span "
                f"({kind}; in {g.traces} trace(s))", where, f"{e.name}:{g.caller}->{g.callee}"))
    failing = set(report.failing_untraced)
    for i, name in enumerate(report.untraced):  # a budget not checked is not met
        at = report.untraced_at[i] if i < len(report.untraced_at) else None
        results.append(_result("rpc-over-budget", "error" if name in failing else "note",
                               f"critical flow {name} has a budget but no traces: not "
                               "checked" + (" (fails the gate: fail closed)" if name in failing
                                            else ""),
                               at or fallback, f"{name}:untraced"))
    return _document(results)
