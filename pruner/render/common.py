"""Wording shared by every output format: items, hops, explanation lines, summaries."""

from __future__ import annotations

import re

from pruner.analysis.evaluate import BROKEN, DEGRADED, DOWN, OK, UP, ItemStatus
from pruner.analysis.explain import OFF, SEEN, Hop, Line
from pruner.model import AT_LEAST, SINGLE

__all__ = [
    "clean",
    "status_text",
    "hop_text",
    "line_text",
    "flow_summary",
    "service_summary",
    "name_list",
    "plural",
    "calls_text",
    "DRIFT_GATE_RULE",
    "drift_verdict",
    "undeclared_notes",
    "undeclared_facts",
    "undeclared_text",
    "traffic_facts",
]

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean(text: object) -> str:
    r"""Free text made safe for one terminal line: control characters (ANSI escapes,
    newlines) become visible escapes.

    >>> clean("ok\x1b[31m\nred")
    'ok\\x1b[31m\\nred'
    """
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], str(text))


def status_text(status: ItemStatus) -> str:
    """An item with its counts, e.g. ``any_of [a, b]: 0 of 2 up, needs 1``.

    >>> from pruner.model import Item, ANY_OF
    >>> status_text(ItemStatus(Item(ANY_OF, ("a", "b")), 0, ("a", "b"), ()))
    'any_of [a, b]: 0 of 2 up, needs 1'
    >>> status_text(ItemStatus(Item(ANY_OF, ("a", "b")), 1, ("a",), ()))
    'any_of [a, b]: 1 of 2 up, running on fallback'
    """
    item = status.item
    if item.kind == SINGLE:
        return ("soft " if item.soft else "requires ") + item.members[0]
    total = len(item.members)
    text = f"{item.describe()}: {status.up} of {total} up"
    if not status.satisfied:
        return f"{text}, needs {item.need}"
    if status.down and item.kind == AT_LEAST and item.need > 1:
        return f"{text}, needs {item.need}: quorum holds"
    if status.down:
        return f"{text}, running on fallback"
    return text


def _end(end: str | None, off_word: str) -> str:
    if end == OFF:
        return f" ({off_word})"
    if end == SEEN:
        return " (see above)"
    return ""


def hop_text(hop: Hop, off_word: str = "switched off") -> str:
    """One hop, e.g. ``requires sms-gateway (switched off)``."""
    text = status_text(hop.status)
    if hop.status.item.soft and hop.status.item.note and hop.status.item.kind == SINGLE:
        text += f" [{clean(hop.status.item.note)}]"
    return text + _end(hop.end, off_word)


def line_text(line: Line, off_word: str = "switched off") -> str:
    """One explanation line without indentation."""
    chain = " -> ".join(hop_text(h, off_word) for h in line.hops)
    if line.subject is None:
        return chain
    if not line.hops:
        return line.subject + _end(line.end, off_word)
    return f"{line.subject}: {chain}"


def name_list(names, limit: int = 20) -> str:
    """Names joined with commas, cut after ``limit`` with a count of the rest.

    >>> name_list(["a", "b", "c"], limit=2)
    'a, b and 1 more'
    """
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def flow_summary(report) -> str:
    """``2 broken (1 critical), 3 degraded, 9 ok``."""
    broken = report.flows_in(BROKEN)
    critical = sum(1 for f in broken if f.flow.critical)
    return (f"{len(broken)} broken ({critical} critical), "
            f"{len(report.flows_in(DEGRADED))} degraded, {len(report.flows_in(OK))} ok")


def service_summary(report) -> str:
    """``1 switched off, 3 down, 5 degraded, 52 up``."""
    off = len(report.off)
    down = len(report.services_in(DOWN)) - off
    return (f"{off} {report.off_word}, {down} down, "
            f"{len(report.services_in(DEGRADED))} degraded, {len(report.services_in(UP))} up")


# -- pruner drift: wording shared by its formats (plain text; each format escapes it) --

#: What each ``--fail-on`` of ``pruner drift`` fails on.
DRIFT_GATE_RULE = {"undeclared-critical": "undeclared dependencies under a critical flow",
                   "undeclared-flow": "undeclared dependencies under a critical flow and "
                                      "undeclared flows",
                   "undeclared": "undeclared dependencies and undeclared flows",
                   "never": "nothing"}


def plural(n: int, one: str, many: str) -> str:
    """``1 flow``, ``2 flows``.

    >>> plural(1, "dependency", "dependencies"), plural(0, "flow", "flows")
    ('1 dependency', '0 flows')
    """
    return f"{n} {one if n == 1 else many}"


def calls_text(calls: int | None) -> str:
    """``1 call``, ``97 calls``; empty when the observation does not count calls."""
    if calls is None:
        return ""
    return plural(calls, "call", "calls")


def drift_verdict(report) -> str:
    """One line for the verdict of a drift report, e.g.
    ``1 undeclared dependency under a critical flow``."""
    gate = report.gate
    if gate.fail_on == "never":
        return "report only: the gate never fails (--fail-on never)"
    under = " under a critical flow" if gate.fail_on == "undeclared-critical" else ""
    if gate.passed:
        return f"no undeclared dependency{under}"
    return plural(len(gate.failing), "undeclared dependency", "undeclared dependencies") + under


def undeclared_notes(u, flows: int) -> list[str]:
    """Which end of an undeclared call the manifest lacks, or whether it calls the callee
    prunable (``flows``: how many flows the manifest declares; with none, every service
    is reached by no flow and saying so would be noise)."""
    notes = []
    if not u.source_declared:
        notes.append("caller not declared")
    if not u.target_declared:
        notes.append("callee not declared")
    elif u.target_uncovered and flows:
        notes.append("callee reached by no flow: the manifest calls it prunable")
    return notes


def undeclared_facts(u, flows: int) -> list[str]:
    """What is known about an undeclared call: calls, critical flows, then
    :func:`undeclared_notes`."""
    facts = [f for f in (calls_text(u.calls),) if f]
    if u.critical_flows:
        facts.append(f"under critical flow{'s' if len(u.critical_flows) > 1 else ''} "
                     f"{name_list(u.critical_flows, 5)}")
    return facts + undeclared_notes(u, flows)


def undeclared_text(u, flows: int) -> str:
    """``auth -> risk-scoring  (97 calls; under critical flow login; ...)``."""
    facts = undeclared_facts(u, flows)
    suffix = f"  ({'; '.join(facts)})" if facts else ""
    return f"{u.source} -> {u.target}{suffix}"


def traffic_facts(t) -> list[str]:
    """Traffic of a service no flow reaches: ``called by a, 7 calls``, ``calls b``."""
    facts = []
    if t.callers:
        calls = calls_text(t.calls_in)
        facts.append(f"called by {name_list(t.callers, 5)}" + (f", {calls}" if calls else ""))
    if t.callees:
        facts.append(f"calls {name_list(t.callees, 5)}")
    return facts
