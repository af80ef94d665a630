"""JUnit XML: one test case per flow, so any CI system shows which flows fail.

A flow that fails the gate is a ``<failure>`` with the explanation; a deleted flow
that does not fail the gate is ``<skipped>``; every other flow passes, with what
changed in ``<system-out>``. Text is made XML-safe (control characters made
visible), and the output is deterministic.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import OK
from pruner.render.common import Dispatch, clean, line_text
from pruner.report import CheckReport

if TYPE_CHECKING:  # registered by name: check --format junit loads no diff or drift
    from pruner.report.diff import DiffReport
    from pruner.report.drift import DriftReport

__all__ = ["render"]

_NOT_XML = re.compile("[\ufffe\uffff\ud800-\udfff]")


def _x(text: object) -> str:
    """Text that XML 1.0 can hold."""
    return _NOT_XML.sub("\ufffd", clean(text))


def _explanation(lines, off_word: str) -> str:
    """The explanation, one XML-safe line per line (line breaks kept)."""
    return "\n".join(_x("  " * min(line.depth, 8) + line_text(line, off_word)) for line in lines)


def _document(suite_name: str, cases: list[ET.Element]) -> str:
    failures = sum(1 for c in cases if c.find("failure") is not None)
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0",
              "skipped": str(skipped)}
    root = ET.Element("testsuites", {"name": "pruner", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": _x(suite_name), **counts})
    suite.extend(cases)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _case(classname: str, name: str) -> ET.Element:
    return ET.Element("testcase", {"classname": classname, "name": _x(name), "time": "0"})


render = Dispatch("JUnit")  # render(report) -> JUnit XML


@render.register
def _(report: CheckReport) -> str:
    failing = set(report.gate.failing)
    cases = []
    for f in sorted(report.flows, key=lambda r: r.name):
        case = _case("pruner.check", f.name)
        text = _explanation(f.explanation, report.off_word)
        if f.name in failing:
            message = f"flow {f.name} is {f.state}" + (" (critical)" if f.flow.critical else "")
            failure = ET.SubElement(case, "failure", {"message": _x(message), "type": f.state})
            failure.text = text
        elif f.state != OK:
            ET.SubElement(case, "system-out").text = f"{f.state}:\n{text}"
        cases.append(case)
    off = ", ".join(report.off) or "nothing"
    return _document(f"pruner check {report.source} ({report.off_word}: {off})", cases)


@render.register
def _(report: DiffReport) -> str:
    from pruner.render.diff_words import change_sentence, gate_findings, verdict

    # Every (subject, reason) that fails the gate is a <failure>: a flow's reasons on
    # its own test case (type: the reasons, comma-separated), a new start-up cycle on a
    # test case of its own.
    failures: dict[str, list[tuple[str, str]]] = {}
    for subject, reason, sentence in gate_findings(report):
        failures.setdefault(subject, []).append((reason, sentence))
    changed = {f.name: f for f in report.flows}
    cases = []
    for change in report.diff.flows:  # every flow of either version, by name
        case = _case("pruner.diff", change.name)
        fd = changed.get(change.name)
        found = failures.pop(change.name, None)
        text = "" if fd is None else _explanation(fd.explanation, report.off_word)
        if found:
            message = "; ".join(sentence for _, sentence in found)
            failure = ET.SubElement(case, "failure", {
                "message": _x(message), "type": ",".join(reason for reason, _ in found)})
            failure.text = text or _x(message)
        elif fd is not None:
            sentence = change_sentence(fd)
            if fd.kind == "deleted":
                ET.SubElement(case, "skipped", {"message": _x(sentence)})
            else:
                ET.SubElement(case, "system-out").text = _x(sentence) + (
                    f"\n{text}" if text else "")
        cases.append(case)
    for cycle in report.startup_cycles:
        subject = ", ".join(cycle)
        case = _case("pruner.diff.startup", subject)
        sentence = (f"new start-up cycle: {subject} can never start after a full outage "
                    "(pruner bootstrap)")
        found = failures.pop(subject, None)
        if found:
            ET.SubElement(case, "failure", {"message": _x(sentence),
                                            "type": ",".join(r for r, _ in found)}
                          ).text = _x(sentence)
        else:
            ET.SubElement(case, "system-out").text = _x(sentence)
        cases.append(case)
    for subject, found in sorted(failures.items()):  # nothing above holds them (defensive)
        case = _case("pruner.diff", subject)
        message = "; ".join(sentence for _, sentence in found)
        ET.SubElement(case, "failure", {"message": _x(message),
                                        "type": ",".join(r for r, _ in found)}).text = _x(message)
        cases.append(case)
    name = f"pruner diff {report.old_source} -> {report.new_source}: {verdict(report)}"
    return _document(name, cases)


# --- drift (issue 6) ---
from pruner.render.common import (  # noqa: E402  (kept in this block on purpose)
    DRIFT_GATE_RULE,
    declared_size,
    drift_verdict,
    observed_size,
    plural,
    traffic_facts,
    undeclared_facts,
)


@render.register
def _(report: DriftReport) -> str:
    d, obs, gate = report.drift, report.observation, report.gate
    failing = set(gate.failing)
    summary = _case("pruner.drift", "summary")
    ET.SubElement(summary, "system-out").text = "\n".join(_x(line) for line in (
        f"{'FAIL' if not gate.passed else 'PASS'}: {drift_verdict(report)} "
        f"(--fail-on {gate.fail_on}: fails on {DRIFT_GATE_RULE[gate.fail_on]})",
        f"declared: {report.source} "
        f"({declared_size(report)}, "
        f"{plural(d.declared_edges, 'dependency', 'dependencies')}, "
        f"{plural(report.declared_flows, 'flow', 'flows')})",
        f"observed: {obs.kind} from {', '.join(obs.sources) or '-'} "
        f"({observed_size(report)}, "
        f"{plural(d.observed_edges, 'dependency', 'dependencies')})",
        f"observed dependencies the manifest declares: {d.matched} of {d.observed_edges}; "
        f"not judged: {plural(d.unjudged, 'declaration', 'declarations')}",
        *(f"note: {n}" for n in obs.notes),
    ))
    cases = [summary]
    for u in d.undeclared:  # critical first, as the other formats list them
        edge = f"{u.source} -> {u.target}"
        case = _case("pruner.drift.undeclared", edge)
        text = f"undeclared dependency {edge}"
        facts = undeclared_facts(u, report.declared_flows)
        if facts:
            text += f" ({'; '.join(facts)})"
        evidence = f"\nevidence: {_x(u.evidence)}" if u.evidence else ""
        if edge in failing:
            kind = "undeclared-critical" if u.under_critical_flow else "undeclared"
            failure = ET.SubElement(case, "failure", {"message": _x(text), "type": kind})
            failure.text = _x(text) + evidence
        else:
            ET.SubElement(case, "system-out").text = _x(text) + evidence
        cases.append(case)
    for s in d.stale:
        case = _case("pruner.drift.stale", f"{s.source} -> {s.target}")
        kind = ", ".join(k for k in ("soft" if s.soft else "hard",
                                     "fallback group" if s.group else "") if k)
        note = f"; note: {s.note}" if s.note else ""
        ET.SubElement(case, "system-out").text = _x(
            f"stale declaration ({kind}), never observed; declared at {s.location}{note}")
        cases.append(case)
    for name in d.observed_not_declared:
        case = _case("pruner.drift.observed-not-declared", name)
        ET.SubElement(case, "system-out").text = _x(
            f"service {name} is observed but the manifest does not declare it")
        cases.append(case)
    for u in d.undeclared_flows:
        case = _case("pruner.drift.undeclared-flow", u.entry)
        text = (f"undeclared flow: entry point {u.entry} served {u.traces} traced request(s) "
                "and no declared flow requires it")
        if f"undeclared flow {u.entry}" in failing:
            failure = ET.SubElement(case, "failure", {"message": _x(text),
                                                      "type": "undeclared-flow"})
            failure.text = _x(text)
        else:
            ET.SubElement(case, "system-out").text = _x(text)
        cases.append(case)
    for t in d.uncovered_traffic:
        case = _case("pruner.drift.uncovered-traffic", t.name)
        ET.SubElement(case, "system-out").text = _x(
            f"no flow reaches {t.name}, yet it is active ({'; '.join(traffic_facts(t))}): "
            "do not prune it before a flow explains the traffic")
        cases.append(case)
    return _document("pruner.drift", cases)
