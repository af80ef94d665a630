"""Plain-text output for a terminal or a CI log: reads like ``terraform plan``."""

from __future__ import annotations

from functools import singledispatch

from pruner.analysis.evaluate import BROKEN, DEGRADED, OK
from pruner.render.common import clean, flow_summary, line_text, name_list, service_summary
from pruner.report import CheckReport, ValidateReport

__all__ = ["render"]

_ANSI = {"red": "\x1b[1;31m", "yellow": "\x1b[33m", "green": "\x1b[32m", "bold": "\x1b[1m",
         "dim": "\x1b[2m"}
_RESET = "\x1b[0m"
_STATE_STYLE = {BROKEN: ("BROKEN", "red"), DEGRADED: ("DEGRADED", "yellow"), OK: ("ok", "green")}
MAX_INDENT = 8  # deeper branches stay at this indentation so output stays linear in size


def _paint(text: str, style: str, color: bool) -> str:
    return f"{_ANSI[style]}{text}{_RESET}" if color else text


@singledispatch
def render(report, color: bool = False) -> str:
    """Render ``report`` as text; ``color`` adds ANSI colours."""
    raise TypeError(f"no text output for {type(report).__name__}")


@render.register
def _(report: CheckReport, color: bool = False) -> str:
    out = []
    what = report.off_word.capitalize()
    out.append(f"{what} ({len(report.off)}): {name_list(report.off) or 'nothing'}")
    down = [s.name for s in report.services if s.state == "down" and not s.off]
    degraded = [s.name for s in report.services if s.state == "degraded"]
    if down:
        out.append(f"Down as a result ({len(down)}): {name_list(down)}")
    if degraded:
        out.append(f"Degraded ({len(degraded)}): {name_list(degraded)}")
    out.append("")
    width = min(max((len(f.name) for f in report.flows), default=0), 40)
    for flow in report.flows:
        word, style = _STATE_STYLE[flow.state]
        label = _paint(f"{word:<8}", style, color)
        tags = []
        if flow.flow.critical:
            tags.append("critical")
        if flow.flow.owner:
            tags.append(f"owner: {clean(flow.flow.owner)}")
        suffix = f"  ({', '.join(tags)})" if tags else ""
        out.append(f"  {label}  {flow.name:<{width}}{suffix}".rstrip())
        for line in flow.explanation:
            indent = " " * (14 + 4 * min(line.depth, MAX_INDENT))
            out.append(indent + line_text(line, report.off_word))
    out.append("")
    out.append(f"Services: {service_summary(report)}")
    verdict = "PASS" if report.gate.passed else "FAIL"
    verdict = _paint(verdict, "green" if report.gate.passed else "red", color)
    out.append(f"{flow_summary(report)} — gate: {verdict}")
    if not report.gate.passed:
        state = "broken" if report.gate.fail_on == "broken" else "broken or degraded"
        out.append(f"Critical flows {state}: {name_list(report.gate.failing)}")
    return "\n".join(out) + "\n"


@render.register
def _(report: ValidateReport, color: bool = False) -> str:
    out = [str(w) for w in report.warnings]
    n = len(report.warnings)
    status = _paint("valid", "green", color)
    out.append(f"{report.source}: {status} — {report.services} services, {report.flows} flows, "
               f"{report.items} items, {n} warning{'s' if n != 1 else ''}")
    return "\n".join(out) + "\n"
