"""A single self-contained HTML page for ``pruner report``: verdict, flows with
explanations, single points of failure and the diagram as inline SVG.

No scripts, fonts, images or styles are fetched from anywhere: the page opens from
disk. Every piece of manifest text goes through :func:`html.escape`; the inline
SVG comes from Graphviz run on DOT whose labels were all escaped by
:mod:`pruner.render.dot`, which is what makes it safe to inline.
"""

from __future__ import annotations

import html
import re
from functools import singledispatch

from pruner.analysis.evaluate import BROKEN, DEGRADED, DOWN, OK
from pruner.render.common import clean, flow_summary, line_text, service_summary
from pruner.render.dot import STYLE, tidy_svg
from pruner.report.diagram import OFF
from pruner.report.overview import Overview

__all__ = ["render", "inline_svg", "text"]

MAX_DEPTH_INDENT = 8


def text(value: object) -> str:
    r"""Manifest text for HTML: control characters made visible, markup escaped.

    >>> text('<script>alert("x")</script>\x1b[31m')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\\x1b[31m'
    """
    return html.escape(clean(value), quote=True)


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)


def inline_svg(svg: str) -> str:
    """Graphviz's SVG document made fit for inlining: XML prolog, doctype and comments
    dropped (they are not allowed, or not wanted, inside HTML).

    >>> inline_svg('<?xml version="1.0"?>\\n<!DOCTYPE svg>\\n<!-- x -->\\n<svg a="1"></svg>\\n')
    '<svg a="1"></svg>'
    """
    return tidy_svg(_PROLOG.sub("", svg, count=1)).strip()


_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica,
  Arial, sans-serif; color: #202124; background: #f8f9fa; }
main { max-width: 1500px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; word-break: break-word; }
h2 { font-size: 17px; margin: 32px 0 10px; }
.sub { color: #5f6368; margin: 0 0 16px; }
.verdict { border-radius: 10px; padding: 14px 18px; margin: 16px 0; border: 2px solid; }
.verdict strong { font-size: 18px; }
.verdict.pass { background: #e6f4ea; border-color: #1e8e3e; color: #0d652d; }
.verdict.fail { background: #fce8e6; border-color: #d93025; color: #a50e0e; }
.verdict p { margin: 4px 0 0; color: #202124; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #dadce0;
  border-radius: 8px; overflow: hidden; }
th, td { text-align: left; vertical-align: top; padding: 8px 12px;
  border-bottom: 1px solid #e8eaed; }
th { background: #f1f3f4; font-weight: 600; font-size: 13px; color: #3c4043; }
td.name { font-weight: 600; white-space: nowrap; }
.desc { color: #5f6368; font-size: 13px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 700; border: 1px solid; white-space: nowrap; }
.why { font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  margin: 0; padding: 0; list-style: none; }
.why li { word-break: break-word; }
.names code, .why code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.names code { background: #f1f3f4; border-radius: 4px; padding: 0 4px; margin-right: 4px;
  display: inline-block; }
.names code.off { text-decoration: line-through; color: #5f6368; }
.diagram { background: #fff; border: 1px solid #dadce0; border-radius: 8px; padding: 8px;
  overflow: auto; }
.diagram svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
#zoom { margin-right: 6px; }
#zoom:checked ~ .diagram svg { max-width: none; }
.muted { color: #5f6368; }
footer { margin-top: 32px; color: #80868b; font-size: 12px; }
"""

_WORD = {BROKEN: "BROKEN", DEGRADED: "DEGRADED", OK: "ok", DOWN: "DOWN", OFF: "switched off"}


def _badge(state: str) -> str:
    fill, border, ink = STYLE[state]
    return (f'<span class="badge" style="background:{fill};border-color:{border};'
            f'color:{ink}">{_WORD[state]}</span>')


def _names(names, off=(), down=()) -> str:
    if not names:
        return '<span class="muted">none</span>'
    parts = []
    for name in names:
        if name in off:
            parts.append(f'<code class="off">{text(name)}</code> '
                         '<span class="muted">(switched off)</span>')
        elif name in down:
            parts.append(f"<code>{text(name)}</code> <span class=\"muted\">(down)</span>")
        else:
            parts.append(f"<code>{text(name)}</code>")
    return f'<span class="names">{" ".join(parts)}</span>'


def _flows_table(report: Overview) -> list[str]:
    check = report.check
    out = ['<table id="flows">',
           "<thead><tr><th>State</th><th>Flow</th><th>Critical</th><th>Owner</th>"
           "<th>Why</th></tr></thead>", "<tbody>"]
    for flow in check.flows:
        why = ""
        if flow.explanation:
            lines = "".join(
                f'<li style="padding-left:{1.5 * min(line.depth, MAX_DEPTH_INDENT):g}em">'
                f"{text(line_text(line, check.off_word))}</li>"
                for line in flow.explanation)
            why = f'<ul class="why">{lines}</ul>'
        desc = (f'<div class="desc">{text(flow.flow.description)}</div>'
                if flow.flow.description else "")
        owner = text(flow.flow.owner) if flow.flow.owner else '<span class="muted">—</span>'
        out.append(
            f"<tr><td>{_badge(flow.state)}</td><td><div class=\"name\"><strong>"
            f"{text(flow.name)}</strong></div>{desc}</td>"
            f"<td>{'yes' if flow.flow.critical else 'no'}</td><td>{owner}</td><td>{why}</td></tr>")
    out += ["</tbody>", "</table>"]
    return out


def _spof_table(report: Overview) -> list[str]:
    spof = report.single_points
    check = report.check
    off = set(check.off)
    down = {s.name for s in check.services if s.state == DOWN and not s.off}
    critical = {f.name: f.flow.critical for f in check.flows}
    out = ['<p class="muted">Services that break a flow when switched off on their own, '
           "in the manifest as declared (nothing else switched off).</p>",
           '<table id="spof">', "<thead><tr><th>Flow</th><th>Critical</th>"
           "<th>Single points of failure</th></tr></thead>", "<tbody>"]
    for name in sorted(spof.flows, key=lambda n: (not critical[n], n)):
        out.append(f'<tr><td class="name">{text(name)}</td>'
                   f"<td>{'yes' if critical[name] else 'no'}</td>"
                   f"<td>{_names(spof.flows[name], off, down)}</td></tr>")
    out += ["</tbody>", "</table>"]
    return out


@singledispatch
def render(report, svg: str | None = None) -> str:
    """Render ``report`` as one self-contained HTML page (``svg``: the diagram)."""
    raise TypeError(f"no HTML output for {type(report).__name__}")


@render.register
def _(report: Overview, svg: str | None = None) -> str:
    check = report.check
    gate = check.gate
    off = [s.name for s in check.services if s.off]
    down = [s.name for s in check.services if s.state == DOWN and not s.off]
    degraded = [s.name for s in check.services if s.state == DEGRADED]
    if gate.passed:
        rule = {"broken": "no critical flow is broken.",
                "degraded": "no critical flow is broken or degraded.",
                "never": "the gate is off (--fail-on never)."}[gate.fail_on]
        verdict = f'<div class="verdict pass" id="verdict"><strong>PASS</strong> — {rule}'
    else:
        state = "broken" if gate.fail_on == "broken" else "broken or degraded"
        verdict = ('<div class="verdict fail" id="verdict"><strong>FAIL</strong>'
                   f" — critical flows {state}: {_names(gate.failing)}")
    verdict += (f"<p>Flows: {text(flow_summary(check))}. "
                f"Services: {text(service_summary(check))}.</p></div>")

    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{text(report.title)} — pruner</title>",
           "<style>" + _CSS + "</style>", "</head>", "<body>", "<main>",
           f"<h1>{text(report.title)}</h1>",
           f'<p class="sub">What breaks if these services are switched off — '
           f"gate: critical flows must not be {text(gate.fail_on)}.</p>",
           verdict,
           '<table id="services"><tbody>',
           f"<tr><th>Switched off ({len(off)})</th><td>{_names(off, off)}</td></tr>",
           f"<tr><th>Down as a result ({len(down)})</th><td>{_names(down)}</td></tr>",
           f"<tr><th>Degraded ({len(degraded)})</th><td>{_names(degraded)}</td></tr>",
           "</tbody></table>",
           "<h2>Flows</h2>"]
    out += _flows_table(report)
    out.append("<h2>Diagram</h2>")
    shown = len([n for n in report.diagram.nodes if n.kind == "service"])
    if report.focus == "troubled":
        caption = (f"The broken and degraded flows and everything they stand on "
                   f"({shown} of {report.services_total} services). "
                   "<code>pruner render</code> draws the whole manifest.")
    elif report.focus == "chosen":
        caption = (f"The chosen flows and everything they stand on ({shown} of "
                   f"{report.services_total} services).")
    else:
        caption = f"Every flow and service ({shown} services)."
    out.append(f'<p class="muted">{caption}</p>')
    if svg is None:
        out.append('<p class="muted">No diagram: Graphviz was not run.</p>')
    else:
        out.append('<input type="checkbox" id="zoom"><label for="zoom">Show at full size '
                   "(scroll to pan)</label>")
        out.append(f'<div class="diagram" id="diagram">{inline_svg(svg)}</div>')
    out.append("<h2>Single points of failure</h2>")
    out += _spof_table(report)
    if report.availability is not None:
        out += availability_section(report.availability)
    out += ["<footer>Generated by pruner from "
            f"{text(check.source or 'a manifest')}. Hard dependencies are solid lines, soft "
            "ones dashed; hover a box for its description.</footer>",
            "</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


# --- availability (issue 12): a section of its own, drawn with CSS bars ---
from pruner.report.availability import AvailabilityReport, percent  # noqa: E402

AVAILABILITY_ROWS = 8  # top contributors drawn per flow
MAX_AVAILABILITY_FLOWS = 100  # flows listed in the section; the rest are counted


def _bar(share: float | None, colour: str) -> str:
    width = 0.0 if share is None else max(0.0, min(1.0, share)) * 100
    return (f'<div style="background:#e8eaed;border-radius:3px;width:220px;height:12px">'
            f'<div style="background:{colour};border-radius:3px;height:12px;'
            f'width:{width:.1f}%"></div></div>')


def availability_section(report: AvailabilityReport) -> list[str]:
    """The "Availability" section: one row per flow (availability, downtime, target)
    and, per flow, a bar chart of the services that contribute most to its downtime
    (Fussell-Vesely share), with MIF and RAW."""
    out = ['<h2 id="availability">Availability</h2>',
           '<p class="muted">Exact probability that each flow is not broken, with every '
           "service itself down with probability 1 - availability, independently. "
           "The bars show each service's share of the flow's downtime (Fussell-Vesely): "
           "harden the top one first.</p>",
           '<table id="availability-flows"><thead><tr><th>Flow</th><th>Availability</th>'
           "<th>Downtime / 30 days</th><th>Target</th><th>Verdict</th></tr></thead><tbody>"]
    flows = report.flows[:MAX_AVAILABILITY_FLOWS]
    for f in flows:
        target = "—" if f.target is None else percent(f.target)
        verdict = {None: "no target", True: "met",
                   False: "<strong>missed</strong>"}[f.meets_target]
        out.append(f"<tr><td><code>{text(f.flow)}</code></td><td>{percent(f.availability)}</td>"
                   f"<td>{f.downtime_minutes:.4g} min</td><td>{target}</td>"
                   f"<td>{verdict}</td></tr>")
    out += ["</tbody></table>"]
    if len(report.flows) > len(flows):
        out.append(f'<p class="muted">… and {len(report.flows) - len(flows)} more flows '
                   "(<code>pruner availability</code> lists them all).</p>")
    for f in flows:
        rows = [i for i in f.importance[:AVAILABILITY_ROWS] if i.dif]
        if not rows:
            continue
        colour = "#d93025" if f.meets_target is False else "#1a73e8"
        out.append(f"<h3>{text(f.flow)}: what to harden first</h3>")
        out.append('<table class="contributors"><thead><tr><th>Service</th>'
                   "<th>Availability</th><th>Share of downtime</th><th></th><th>MIF</th>"
                   "<th>RAW</th></tr></thead><tbody>")
        for i in rows:
            raw = "—" if i.raw is None else f"{i.raw:.4g}"
            out.append(f"<tr><td><code>{text(i.service)}</code></td>"
                       f"<td>{percent(i.availability)}</td><td>{_bar(i.dif, colour)}</td>"
                       f"<td>{100 * (i.dif or 0):.3g}%</td><td>{i.mif:.4g}</td>"
                       f"<td>{raw}</td></tr>")
        out += ["</tbody></table>"]
    return out
