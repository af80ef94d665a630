"""A single self-contained, interactive HTML page for ``pruner report``: the what-if
page (issue 14).

The page carries the whole model as JSON and an evaluator of spec §4/§8 in
JavaScript (``assets/whatif.js``): a reviewer switches services off and on by
clicking, and flows, services, explanations and a focused diagram follow at once.
The switched-off set lives in the address (``#off=NAME,NAME``). Everything is also
rendered here, server side, for the initial state (``--off``), so the page reads
the same with scripts disabled.

Nothing is fetched from anywhere: a Content-Security-Policy forbids it, and the one
script is allowed by its hash. Every piece of manifest text goes through
:func:`html.escape` here, or through ``textContent``/``setAttribute`` in the script;
the JSON block escapes ``<`` so no text can close it. The static (no-script)
diagram comes from Graphviz run on DOT whose labels were all escaped by
:mod:`pruner.render.dot`, which is what makes it safe to inline.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import BROKEN, DEGRADED, DOWN, OK, UP
from pruner.errors import INVISIBLE
from pruner.model import ANY_OF, AT_LEAST, SINGLE
from pruner.render.common import (
    Dispatch,
    clean,
    flow_summary,
    line_text,
    plural,
    service_summary,
)
from pruner.render.style import EDGE_COLOR, STYLE, tidy_svg
from pruner.report.diagram import OFF
from pruner.report.overview import Overview

__all__ = ["render", "inline_svg", "text", "attr", "page_data", "script", "csp", "PAGE", "MAX_DRAW"]

MAX_DEPTH_INDENT = 8
PAGE = 200       # rows per page of the flow and service lists
MAX_DRAW = 160   # services in one focused diagram
LIST_LIMIT = 50  # names shown per row of the switched-off / down / degraded table
SPOF_LIMIT = 12  # single points of failure listed per flow (the diagram shows them all)


def text(value: object) -> str:
    r"""Manifest text for HTML: control characters made visible, markup escaped.

    >>> text('<script>alert("x")</script>\x1b[31m')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\\x1b[31m'
    """
    return html.escape(clean(value), quote=True)


def attr(value: str) -> str:
    r"""A name for an attribute value: escaped but not cleaned, so that the
    attribute holds exactly the name (what the script and tests look for). Names from
    traces (the RPC page) may hold control characters HTML cannot: clean those first.

    >>> attr('a"b\r<')
    'a&quot;b&#13;&lt;'
    """
    return html.escape(str(value), quote=True).replace("\r", "&#13;")


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)


def inline_svg(svg: str) -> str:
    """Graphviz's SVG document made fit for inlining: XML prolog, doctype and comments
    dropped (they are not allowed, or not wanted, inside HTML).

    >>> inline_svg('<?xml version="1.0"?>\\n<!DOCTYPE svg>\\n<!-- x -->\\n<svg a="1"></svg>\\n')
    '<svg a="1"></svg>'
    """
    return tidy_svg(_PROLOG.sub("", svg, count=1)).strip()


@lru_cache(maxsize=1)
def script() -> str:
    """The page's script (package data ``pruner/render/assets/whatif.js``)."""
    return files("pruner.render").joinpath("assets", "whatif.js").read_text(encoding="utf-8")


def csp(source: str) -> str:
    """The Content-Security-Policy of the page: nothing may be fetched, the one
    inline script runs by its hash, styles inline only (``'unsafe-inline'`` for
    styles: they cannot fetch anything since fonts, images other than ``data:``
    and connections are all forbidden, and the script sets ``style`` attributes).

    >>> csp("x")  # doctest: +ELLIPSIS
    "default-src 'none'; script-src 'sha256-LXEW...'; style-src 'unsafe-inline'; ..."
    """
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode()
    return (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
            "img-src data:; base-uri 'none'; form-action 'none'")


def _css() -> str:
    states = []
    for state, (fill, border, ink) in STYLE.items():
        states.append(f'.badge[data-s="{state}"] {{ background: {fill}; border-color: {border};'
                      f" color: {ink}; }}")
    for state in (UP, DEGRADED, DOWN):
        fill, border, ink = STYLE[state]
        states.append(f'svg g.service[data-state="{state}"] rect {{ fill: {fill};'
                      f" stroke: {border}; }}")
        states.append(f'svg g.service[data-state="{state}"] text {{ fill: {ink}; }}')
        states.append(f'svg g.junction[data-state="{state}"] rect {{ stroke: {border}; }}')
        states.append(f'.chip[data-state="{state}"], .svc[data-state="{state}"] {{ '
                      f"border-color: {border}; color: {ink}; background: {fill}; }}")
    for state in (OK, DEGRADED, BROKEN):
        fill, border, ink = STYLE[state]
        states.append(f'svg g.flow[data-state="{state}"] rect {{ fill: {fill};'
                      f" stroke: {border}; }}")
        states.append(f'svg g.flow[data-state="{state}"] text {{ fill: {ink}; }}')
    fill, border, ink = STYLE[OFF]
    states.append(f'svg g.service[data-off] rect {{ fill: {fill}; stroke: {border};'
                  " stroke-dasharray: 4 3; }")
    states.append(f"svg g.service[data-off] text {{ fill: {ink}; text-decoration: line-through; }}")
    states.append(f'.chip[data-off], .svc[data-off] {{ background: {fill}; border-color: {border};'
                  f" color: {ink}; text-decoration: line-through; }}")
    for key, color in (("none", EDGE_COLOR[None]), ("degraded", EDGE_COLOR[DEGRADED]),
                       ("down", EDGE_COLOR[DOWN])):
        states.append(f"svg path.edge.t-{key} {{ stroke: {color}; }}")
        states.append(f"svg path.arrow-{key} {{ fill: {color}; }}")
    return _CSS + "\n".join(states) + "\n"


_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica,
  Arial, sans-serif; color: #202124; background: #f8f9fa; }
main { max-width: 1500px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; word-break: break-word; }
h2 { font-size: 17px; margin: 28px 0 10px; }
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
#offtable th { width: 190px; }
tr.focused td { background: #f1f6fe; }
.desc { color: #5f6368; font-size: 13px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 700; border: 1px solid; white-space: nowrap; }
.why { font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  margin: 0; padding: 0; list-style: none; }
.why li { word-break: break-word; }
.why .d1 { padding-left: 1.5em; } .why .d2 { padding-left: 3em; } .why .d3 { padding-left: 4.5em; }
.why .d4 { padding-left: 6em; } .why .d5 { padding-left: 7.5em; } .why .d6 { padding-left: 9em; }
.why .d7 { padding-left: 10.5em; } .why .d8 { padding-left: 12em; }
.names code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: #f1f3f4; border-radius: 4px; padding: 0 4px; margin-right: 4px;
  display: inline-block; }
button { font: inherit; cursor: pointer; }
.chip, .svc { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  border: 1px solid #dadce0; border-radius: 6px; padding: 1px 6px; margin: 1px 2px 1px 0;
  background: #fff; word-break: break-all; text-align: left; }
.link { border: none; background: none; padding: 0; color: #1a73e8; font-weight: 600;
  text-align: left; word-break: break-word; }
.chip, .svc, .link, code, .why li, h1 { unicode-bidi: isolate; }
.link.small { font-size: 12px; font-weight: 400; }
.cols { display: grid; grid-template-columns: minmax(0, 3fr) minmax(280px, 1.2fr); gap: 24px; }
@media (max-width: 1000px) { .cols { grid-template-columns: 1fr; } }
.tools { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 0 0 8px; }
.tools input[type=search] { flex: 1; min-width: 160px; padding: 5px 8px; border: 1px solid #dadce0;
  border-radius: 6px; font: inherit; }
.tools select { padding: 4px; font: inherit; }
#service-list { list-style: none; margin: 0; padding: 8px; background: #fff;
  border: 1px solid #dadce0; border-radius: 8px; }
#service-list li { padding: 2px 0; }
.pager { margin: 6px 0; font-size: 13px; }
.diagram { background: #fff; border: 1px solid #dadce0; border-radius: 8px; padding: 8px;
  overflow: auto; max-height: 80vh; }
.diagram svg { display: block; margin: 0 auto; }
#static-diagram svg { max-width: 100%; height: auto; }
#zoom { margin-right: 6px; }
#zoom:checked ~ .diagram svg { max-width: none; }
#focus-diagram svg text { font: 12px system-ui, Helvetica, Arial, sans-serif; text-anchor: middle;
  pointer-events: none; }
#focus-diagram svg text.sub { font-size: 10px; fill: #5f6368; }
#focus-diagram svg g.node { cursor: pointer; }
#focus-diagram svg g.node rect { stroke-width: 1.5; }
#focus-diagram svg g.flow rect { stroke-width: 2.5; }
#focus-diagram svg g.junction rect { fill: #f1f3f4; stroke-width: 1; }
#focus-diagram svg g.junction text { font-size: 10px; fill: #3c4043; }
#focus-diagram svg g.junction.soft rect,
#focus-diagram svg path.edge.soft { stroke-dasharray: 5 4; }
#focus-diagram svg g.spof rect { stroke: #8430ce !important; stroke-width: 4; }
#focus-diagram svg g.focused rect { stroke-width: 4; }
#focus-diagram svg path.edge { fill: none; stroke-width: 1.4; }
#focus-diagram svg path.edge.t-down { stroke-width: 2.6; }
#focus-diagram svg path.edge.t-degraded { stroke-width: 2; }
#focus-diagram svg g.node:focus rect { stroke: #1a73e8; stroke-width: 3; }
body:not(.js) .js-only { display: none; }
body.js .no-js { display: none; }
body.js:not(.show-spof) .spof-col { display: none; }
.muted { color: #5f6368; }
footer { margin-top: 32px; color: #80868b; font-size: 12px; }
"""

_WORD = {BROKEN: "BROKEN", DEGRADED: "DEGRADED", OK: "ok", DOWN: "DOWN", UP: "up",
         OFF: "switched off"}


def _badge(state: str) -> str:
    return f'<span class="badge" data-s="{state}">{_WORD[state]}</span>'


def _chip(name: str, state: str, off: bool) -> str:
    hint = "switched off: click to switch on" if off else "click to switch off"
    mark = ' data-off="true"' if off else ""
    return (f'<button type="button" class="chip" data-service="{attr(name)}" '
            f'data-state="{state}"{mark} title="{hint}">{text(name)}</button>')


_KIND_FLAG = {SINGLE: 0, ANY_OF: 1, AT_LEAST: 2}


def _items(items, index: dict[str, int]) -> list:
    """Each item for the page: a plain hard dependency on one node (the common case,
    77,000 items at 20,000 services) as that node's number, inline; others as
    :func:`_item` writes them."""
    return [index[i.members[0]] if i.kind == SINGLE and not (i.soft or i.note or i.implicit)
            else _item(i, index) for i in items]


def _item(item, index: dict[str, int]) -> list:
    """``[flags, need, (note,) member...]`` for an item that is no plain hard dependency."""
    flags = _KIND_FLAG[item.kind] | (4 if item.soft else 0) | (8 if item.implicit else 0)
    head: list = [flags, item.need]
    if item.note:
        head[0] |= 16
        head.append(item.note)
    return head + [index[m] for m in item.members]


def page_data(report: Overview) -> dict:
    """The model and the initial state as the page's script reads them.

    Nodes (services and operations, in graph order) are numbered; items are
    ``[flags, need, (note,) member...]`` with flags ``kind | 4 soft | 8 implicit |
    16 note`` (kind 0 single, 1 any_of, 2 at_least), or just the member's number for
    a plain hard dependency on one node.
    """
    index = {node.name: i for i, node in enumerate(report.nodes)}
    spof = report.single_points.flows
    return {
        "source": clean(report.check.source),
        "failOn": report.check.gate.fail_on,
        "nodes": [node.name for node in report.nodes],
        "items": [_items(node.depends_on, index) for node in report.nodes],
        "ops": {index[n.name]: index[n.operation_of] for n in report.nodes
                if getattr(n, "operation_of", None) in index},
        "desc": {i: n.description for i, n in enumerate(report.nodes) if n.description},
        "flows": [[f.name, int(f.critical), _items(f.requires, index),
                   f.description, f.owner] for f in report.flow_defs],
        "spof": [[index[n] for n in spof.get(f.name, ())] for f in report.flow_defs],
        "off": [index[n] for n in report.check.off],
        "focus": report.initial_focus,
        "page": PAGE,
        "maxDraw": MAX_DRAW,
        "spofLimit": SPOF_LIMIT,
    }


def _json_block(data: dict) -> str:
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # "<" never appears raw, so no text can close the block or open a comment; invisible
    # and reordering characters are \u escapes (the same string once parsed).
    raw = raw.replace("<", "\\u003c")
    return raw.translate({ord(c): f"\\u{ord(c):04x}" for c in INVISIBLE})


def _flow_rows(report: Overview) -> list[str]:
    check = report.check
    off = set(check.off)
    out = []
    for flow in check.flows[:PAGE]:
        why = "".join(f'<li class="d{min(line.depth, MAX_DEPTH_INDENT)}">'
                      f"{text(line_text(line, check.off_word))}</li>"
                      for line in flow.explanation)
        desc = (f'<div class="desc">{text(flow.flow.description)}</div>'
                if flow.flow.description else "")
        owner = text(flow.flow.owner) if flow.flow.owner else "—"
        spofs = report.single_points.flows.get(flow.name, ())
        chips = " ".join(_chip(n, report.states[n], n in off) for n in spofs[:SPOF_LIMIT]) or (
            '<span class="muted">none</span>')
        if len(spofs) > SPOF_LIMIT:
            chips += f' <span class="muted">and {len(spofs) - SPOF_LIMIT} more</span>'

        focused = ' class="focused"' if flow.name == report.initial_focus else ""
        out.append(
            f'<tr data-flow="{attr(flow.name)}" data-state="{flow.state}"{focused}>'
            f"<td>{_badge(flow.state)}</td>"
            f'<td><button type="button" class="link" data-focus-flow="{attr(flow.name)}">'
            f"{text(flow.name)}</button>{desc}</td>"
            f"<td>{'yes' if flow.flow.critical else 'no'}</td><td>{owner}</td>"
            f'<td><ul class="why">{why}</ul></td>'
            f'<td class="spof-col"><span class="names">{chips}</span></td></tr>')
    return out


def _list_heading(report: Overview) -> str:
    """The service list's heading: services and operations counted apart, adding up to
    what the list holds (its pager says how many are shown)."""
    operations = sum(1 for n in report.nodes if n.operation_of is not None)
    if not operations:
        return f"Services ({report.services_total})"
    return f"Services ({report.services_total}) and operations ({operations})"


def _pager(total: int, what: str, ident: str) -> str:
    if total <= PAGE:
        return f'<div class="pager" id="{ident}"><span class="muted">{total} shown</span></div>'
    return (f'<div class="pager" id="{ident}"><span class="muted">1–{PAGE} of {total} {what}; '
            "the rest are reachable with scripts enabled</span></div>")


def _off_rows(report: Overview) -> list[str]:
    off = set(report.check.off)
    order = [node.name for node in report.nodes]
    groups = [("Switched off", sorted(off)),
              ("Down as a result", [n for n in order if report.states[n] == DOWN and n not in off]),
              ("Degraded", [n for n in order if report.states[n] == DEGRADED])]
    rows = []
    for label, services in groups:
        cells = " ".join(_chip(n, report.states[n], n in off) for n in services[:LIST_LIMIT])
        if not services:
            cells = '<span class="muted">none</span>'
        elif len(services) > LIST_LIMIT:
            cells += (f' <span class="muted">and {len(services) - LIST_LIMIT} more '
                      "(see Services)</span>")
        rows.append(f"<tr><th>{label} ({len(services)})</th><td>{cells}</td></tr>")
    return rows


def _service_items(report: Overview) -> list[str]:
    switched = set(report.check.off)
    out = []
    for node in report.nodes[:PAGE]:
        state, is_off = report.states[node.name], node.name in switched
        off = ' data-off="true"' if is_off else ""
        out.append(
            f'<li><button type="button" class="svc" data-service="{attr(node.name)}" '
            f'data-state="{state}"{off} aria-pressed="{"true" if is_off else "false"}">'
            f"{text(node.name)}</button> {_badge(OFF if is_off else state)} "
            f'<button type="button" class="link small js-only" '
            f'data-focus-service="{attr(node.name)}">focus</button></li>')
    return out


render = Dispatch("HTML")
render.__doc__ = """Render ``report`` as one self-contained HTML page (``svg``: its diagram)."""


@render.register
def _(report: Overview, svg: str | None = None) -> str:
    check = report.check
    gate = check.gate
    if gate.passed:
        rule = {"broken": "no critical flow is broken.",
                "degraded": "no critical flow is broken or degraded.",
                "never": "the gate is off (--fail-on never)."}[gate.fail_on]
        verdict = f'<div class="verdict pass" id="verdict"><strong>PASS</strong> — {rule}'
    else:
        state = "broken" if gate.fail_on == "broken" else "broken or degraded"
        names = " ".join(f"<code>{text(n)}</code>" for n in gate.failing[:LIST_LIMIT])
        if len(gate.failing) > LIST_LIMIT:
            names += f' <span class="muted">and {len(gate.failing) - LIST_LIMIT} more</span>'
        verdict = ('<div class="verdict fail" id="verdict"><strong>FAIL</strong>'
                   f' — critical flows {state}: <span class="names">{names}</span>')
    verdict += (f"<p>Flows: {text(flow_summary(check))}. "
                f"Services: {text(service_summary(check))}.</p></div>")
    code = script()
    total_flows = len(report.flow_defs)

    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{csp(code)}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<meta name="referrer" content="no-referrer">',
           f"<title>{text(report.title)} — pruner</title>",
           "<style>" + _css() + "</style>", "</head>", "<body>", "<main>",
           f'<h1 id="title">{text(report.title)}</h1>',
           '<p class="sub">What breaks if these services are switched off — gate: critical '
           f"flows must not be {text(gate.fail_on)}. "
           '<span class="js-only">Click a service to switch it off or on; the address '
           "(<code>#off=…</code>) keeps the what-if, so a link to this page shows it.</span>"
           '<span class="no-js">This is the state given to <code>pruner report</code>; '
           "enable scripts to switch services off and on.</span></p>",
           verdict,
           '<div class="tools js-only"><button type="button" id="reset">Back to the '
           "initial what-if</button>"
           '<button type="button" id="clear">Switch everything back on</button>'
           '<label><input type="checkbox" id="show-spof"> Show single points of '
           "failure</label></div>",
           '<table id="offtable"><tbody id="offbar">', *_off_rows(report), "</tbody></table>",
           '<div class="cols"><section id="flows-section">',
           f"<h2>Flows ({total_flows})</h2>",
           '<div class="tools js-only"><input type="search" id="flow-search" '
           'placeholder="Find a flow" aria-label="Find a flow">'
           '<select id="flow-state" aria-label="Flows in state"><option value="">all states'
           '</option><option value="broken">broken</option><option value="degraded">degraded'
           '</option><option value="ok">ok</option></select></div>',
           '<table id="flows"><thead><tr><th>State</th><th>Flow</th><th>Critical</th>'
           '<th>Owner</th><th>Why</th><th class="spof-col">Single points of failure</th>'
           '</tr></thead><tbody id="flow-rows">', *_flow_rows(report), "</tbody></table>",
           _pager(total_flows, "flows", "flow-pager"),
           '</section><section id="services-section">',
           f"<h2>{_list_heading(report)}</h2>",
           '<div class="tools js-only"><input type="search" id="svc-search" '
           'placeholder="Find a service" aria-label="Find a service">'
           '<select id="svc-state" aria-label="Services in state"><option value="">all'
           '</option><option value="off">switched off</option><option value="down">down'
           '</option><option value="degraded">degraded</option><option value="up">up'
           "</option></select></div>",
           '<ul id="service-list">', *_service_items(report), "</ul>",
           _pager(len(report.nodes) or report.services_total, "services and operations",
                  "service-pager"),
           "</section></div>",
           '<section id="focus" class="js-only"><h2>Diagram</h2>',
           '<p id="focus-caption" class="muted"></p>',
           '<div class="diagram" id="focus-diagram"></div>',
           '<p class="muted" id="focus-time"></p></section>']
    out += _static_diagram(report, svg)
    if getattr(report, "availability", None) is not None:
        out += ['<section id="availability-section">',
                *availability_section(report.availability), "</section>"]
    out += ["<footer>Generated by pruner from "
            f"{text(check.source or 'a manifest')}. Hard dependencies are solid lines, soft "
            "ones dashed; hover a box for its description.</footer>",
            "</main>",
            f'<script type="application/json" id="pruner-data">{_json_block(page_data(report))}'
            "</script>",
            f"<script>{code}</script>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _static_diagram(report: Overview, svg: str | None) -> list[str]:
    out = ['<section id="static-diagram" class="no-js"><h2>Diagram</h2>']
    if report.diagram is None:
        out.append(f'<p class="muted">The diagram would hold {report.shown} services, too many '
                   "to read in one picture: enable scripts to draw one flow or one service "
                   "at a time, or use <code>pruner render --flow NAME</code>.</p>")
        return out + ["</section>"]
    shown = len([n for n in report.diagram.nodes if n.kind == "service"])
    if report.focus == "troubled":
        caption = (f"The broken and degraded flows and everything they stand on "
                   f"({shown} of {plural(report.services_total, 'service', 'services')}). "
                   "<code>pruner render</code> draws the whole manifest.")
    elif report.focus == "chosen":
        caption = (f"The chosen flows and everything they stand on ({shown} of "
                   f"{plural(report.services_total, 'service', 'services')}).")
    else:
        caption = f"Every flow and service ({plural(shown, 'service', 'services')})."
    out.append(f'<p class="muted">{caption}</p>')
    if svg is None:
        out.append('<p class="muted">No diagram: Graphviz was not run.</p>')
    else:
        out.append('<input type="checkbox" id="zoom"><label for="zoom">Show at full size '
                   "(scroll to pan)</label>")
        out.append(f'<div class="diagram" id="diagram">{inline_svg(svg)}</div>')
    return out + ["</section>"]


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
        more = plural(len(report.flows) - len(flows), "more flow", "more flows")
        out.append(f'<p class="muted">… and {more} '
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


# --- rpc (issue 22): the fan-out page ---
from pruner.render.common import (  # noqa: E402
    RPC_UNTRACED,
    ms_text,
    rpc_budget_text,
    rpc_pass_text,
)

if TYPE_CHECKING:  # registered by name: the page of a check imports no rpc report
    from pruner.report.rpc import RpcReport

RPC_BARS = 30  # callee services drawn per flow (the rest summed up in words)
RPC_GROUPS = 50  # batching candidates listed per flow
_RPC_CSS = """
section.flow { background: #fff; border: 1px solid #dadce0; border-radius: 10px;
  padding: 8px 20px 16px; margin: 18px 0; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #eee; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
svg text { font: 12px system-ui, sans-serif; fill: #202124; }
svg .step rect { fill: #1a73e8; } svg .step.rpc rect { fill: #e37400; }
svg .bar rect { fill: #1a73e8; }
.over { color: #b3261e; font-weight: 600; }
"""
_ROW = 22
_LABEL = 360
_PLOT = 560


def _waterfall(flow: int, path, steps) -> str:
    """The critical path as a waterfall: one bar per step, where it starts (from the
    root's start) and how long it takes (means over the traces that took the path)."""
    total = max((s.start_ms + s.duration_ms for s in steps), default=0.0) or 1.0
    height = _ROW * len(steps) + 24
    out = [f'<svg class="waterfall" id="waterfall-{flow}" width="{_LABEL + _PLOT + 90}" '
           f'height="{height}" role="img" aria-label="critical path waterfall">']
    for i, s in enumerate(steps):
        x = _LABEL + _PLOT * max(s.start_ms, 0.0) / total
        w = max(_PLOT * s.duration_ms / total, 1.0)
        y = 4 + i * _ROW
        out.append(f'<g class="step" data-node="{attr(clean(s.node))}" '
                   f'data-start-ms="{s.start_ms:.3f}" data-duration-ms="{s.duration_ms:.3f}">'
                   f"<title>{text(s.node)}: "
                   f"{text(ms_text(s.duration_ms))}, self {text(ms_text(s.self_ms))}</title>"
                   f'<text x="{4 + 10 * min(i, MAX_DEPTH_INDENT)}" y="{y + 15}">'
                   f"{text(s.node[:60])}</text>"
                   f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{_ROW - 6}" rx="3"/>'
                   f'<text x="{min(x + w + 4, _LABEL + _PLOT + 4):.1f}" y="{y + 15}">'
                   f"{text(ms_text(s.duration_ms))}</text></g>")
    if len(path) > len(steps):
        out.append(f'<text x="4" y="{height - 6}">… the path goes on ({len(path)} steps)</text>')
    out.append("</svg>")
    return "".join(out)


def _callee_bars(flow: int, callees) -> str:
    """RPCs per request by callee service, as horizontal bars."""
    shown = callees[:RPC_BARS]
    top = max((n for _, n in shown), default=0.0) or 1.0
    out = [f'<svg class="bars" id="bars-{flow}" width="{_LABEL + _PLOT + 90}" '
           f'height="{_ROW * len(shown) + 8}" role="img" aria-label="RPCs per callee service">']
    for i, (service, n) in enumerate(shown):
        y = 4 + i * _ROW
        w = max(_PLOT * n / top, 1.0)
        out.append(f'<g class="bar" data-service="{attr(clean(service))}" data-rpcs="{n:.3f}">'
                   f'<text x="4" y="{y + 15}">{text(service[:60])}</text>'
                   f'<rect x="{_LABEL}" y="{y}" width="{w:.1f}" height="{_ROW - 6}" rx="3"/>'
                   f'<text x="{_LABEL + w + 4:.1f}" y="{y + 15}">{n:,.1f}</text></g>')
    out.append("</svg>")
    if len(callees) > len(shown):
        more = plural(len(callees) - len(shown), "more service", "more services")
        out.append(f'<p class="muted">… and {more}</p>')
    return "".join(out)


@render.register
def _(report: RpcReport, svg: str | None = None) -> str:
    policy = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "base-uri 'none'; form-action 'none'")
    what = "flow" if report.manifest else "root operation"
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<meta name="referrer" content="no-referrer">',
           "<title>RPC fan-out — pruner</title>",
           "<style>" + _css() + _RPC_CSS + "</style>", "</head>", '<body data-ready="1">',
           "<main>", '<h1 id="title">RPC fan-out</h1>',
           f'<p class="sub">{report.traces:,} trace(s), {report.spans:,} span(s) from '
           f"{text(plural(report.files, 'file', 'files'))}; "
           f"{text(plural(len(report.entries), what, what + 's'))}. Batching candidates: at "
           f"least {report.min_calls} calls from one parent span to one operation.</p>"]
    if report.fail_on != "never":
        if report.passed:
            out.append('<div class="verdict pass" id="verdict"><strong>PASS</strong> — '
                       f"{rpc_pass_text(report, text)}.</div>")
        else:
            reasons = []
            if report.failing:
                names = " ".join(f"<code>{text(e.name)}</code>"
                                 for e in report.failing[:LIST_LIMIT])
                reasons.append(f"critical flows over budget: {names}")
            if report.failing_untraced:
                names = " ".join(f"<code>{text(n)}</code>"
                                 for n in report.failing_untraced[:LIST_LIMIT])
                reasons.append(f"{RPC_UNTRACED}: {names}")
            out.append('<div class="verdict fail" id="verdict"><strong>FAIL</strong> — '
                       f"{'; '.join(reasons)}</div>")
    for k, e in enumerate(report.entries):
        p, cp = e.profile, e.profile.critical_path
        out.append(f'<section class="flow" id="flow-{k}" data-flow="{attr(clean(e.name))}">')
        label = "Flow" if e.flow else "Root"
        out.append(f"<h2>{label} <code>{text(e.name)}</code>"
                   f"{' (critical)' if e.flow and e.critical else ''}</h2>")
        if e.flow:
            out.append(f'<p class="muted">Roots: {text(", ".join(p.roots))}</p>')
        out.append('<table class="stats"><tr><th>Traces</th><th class="n">RPCs p50</th>'
                   '<th class="n">RPCs p99</th><th class="n">RPCs max</th><th class="n">Depth'
                   '</th><th class="n">Latency p50</th><th class="n">Latency p99</th></tr>'
                   f'<tr><td class="n">{p.traces:,}</td><td class="n">{p.rpcs.p50:,}</td>'
                   f'<td class="n">{p.rpcs.p99:,}</td><td class="n">{p.rpcs.max:,}</td>'
                   f'<td class="n">{p.depth}</td><td class="n">{ms_text(p.latency_ms.p50)}</td>'
                   f'<td class="n">{ms_text(p.latency_ms.p99)}</td></tr></table>')
        budget = rpc_budget_text(e)
        if budget:
            out.append(f'<p class="budget{" over" if e.over else ""}">Budget: {text(budget)}</p>')
        if cp.steps:
            out.append(f"<h3>Critical path: {cp.traces:,} of {p.traces:,} trace(s), p50 "
                       f"{text(ms_text(cp.duration_ms_p50))}</h3>")
            out.append(_waterfall(k, cp.path, cp.steps))
        if p.callees:
            out.append("<h3>RPCs per request by callee service</h3>")
            out.append(_callee_bars(k, p.callees))
        if p.groups:
            out.append("<h3>Batching candidates</h3>")
            out.append('<table class="groups"><tr><th class="n">Saved p50</th>'
                       '<th class="n">Calls</th><th class="n">Traces</th><th>Kind</th>'
                       "<th>Caller</th><th>Callee</th></tr>")
            for g in p.groups[:RPC_GROUPS]:
                out.append(f'<tr><td class="n">{ms_text(g.saved_ms)}</td>'
                           f'<td class="n">{g.calls:,}</td><td class="n">{g.traces:,}</td>'
                           f"<td>{'sequential' if g.sequential else 'parallel'}</td>"
                           f"<td><code>{text(g.caller)}</code></td>"
                           f"<td><code>{text(g.callee)}</code></td></tr>")
            out.append("</table>")
            if len(p.groups) > RPC_GROUPS:
                out.append(f'<p class="muted">… and {len(p.groups) - RPC_GROUPS} more</p>')
        out.append("</section>")
    if report.warnings:
        out.append(f"<h2>Warnings ({len(report.warnings)})</h2><ul>")
        out += [f"<li>{text(w)}</li>" for w in report.warnings]
        out.append("</ul>")
    out += ["<footer>Generated by pruner rpc. The waterfall shows the most frequent critical "
            "path (from the root, the child span that ends last), each bar where the span "
            "starts and how long it takes, averaged over the traces that took that path."
            "</footer>", "</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"
