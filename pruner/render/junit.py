"""JUnit XML: one test case per flow, so any CI system shows which flows fail.

A flow that fails the gate is a ``<failure>`` with the explanation; a deleted flow
that does not fail the gate is ``<skipped>``; every other flow passes, with what
changed in ``<system-out>``. Text is made XML-safe (control characters made
visible), and the output is deterministic.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import singledispatch

from pruner.analysis.evaluate import OK
from pruner.render.common import clean, line_text
from pruner.render.diff_words import change_sentence, verdict
from pruner.report import CheckReport
from pruner.report.diff import DiffReport

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


@singledispatch
def render(report) -> str:
    """Render ``report`` as JUnit XML."""
    raise TypeError(f"no JUnit output for {type(report).__name__}")


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
    failing = dict(report.gate.failing)
    changed = {f.name: f for f in report.flows}
    cases = []
    for change in report.diff.flows:  # every flow of either version, by name
        case = _case("pruner.diff", change.name)
        fd = changed.get(change.name)
        if fd is not None:
            sentence = change_sentence(fd)
            text = _explanation(fd.explanation, report.off_word)
            if change.name in failing:
                failure = ET.SubElement(case, "failure",
                                        {"message": _x(sentence), "type": failing[change.name]})
                failure.text = text or _x(sentence)
            elif fd.kind == "deleted":
                ET.SubElement(case, "skipped", {"message": _x(sentence)})
            else:
                ET.SubElement(case, "system-out").text = _x(sentence) + (
                    f"\n{text}" if text else "")
        cases.append(case)
    name = f"pruner diff {report.old_source} -> {report.new_source}: {verdict(report)}"
    return _document(name, cases)
