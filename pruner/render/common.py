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
