"""Graphviz DOT output of a :class:`~pruner.report.diagram.Diagram`.

Built with :class:`graphviz.Digraph`, which quotes identifiers. Free text (names,
descriptions, notes, system and owner names) only ever reaches DOT through
:func:`html_text` inside HTML-like labels, or through :func:`dot_string` in
quoted attributes, so nothing a manifest says can end a string, open a tag or
smuggle in a DOT statement. The SVG that ``dot`` makes from this source is safe
to inline in a web page for the same reason.
"""

from __future__ import annotations

import re
from functools import singledispatch

import graphviz
from graphviz import quoting

from pruner.analysis.evaluate import BROKEN, DEGRADED, DOWN, OK, UP
from pruner.render.common import clean
from pruner.report.diagram import FLOW, JUNCTION, OFF, Diagram, Node

__all__ = ["render", "html_text", "dot_string", "tidy_svg", "STYLE", "BACKSLASH"]

# One palette for every picture (and the HTML report's CSS): fill, border, text.
STYLE = {
    UP: ("#ffffff", "#5f6368", "#202124"),
    OK: ("#e8f0fe", "#1a73e8", "#174ea6"),
    DEGRADED: ("#fef3e0", "#e37400", "#8a4500"),
    DOWN: ("#fce8e6", "#d93025", "#a50e0e"),
    BROKEN: ("#fce8e6", "#d93025", "#a50e0e"),
    OFF: ("#e8eaed", "#9aa0a6", "#5f6368"),
}
EDGE_COLOR = {None: "#80868b", DEGRADED: "#e37400", DOWN: "#d93025"}
STATE_WORD = {OFF: "SWITCHED OFF", DOWN: "DOWN", DEGRADED: "DEGRADED", BROKEN: "BROKEN",
              OK: "ok", UP: ""}
FONT = "Helvetica,Arial,sans-serif"
MAX_NOTE = 60
# Graphviz gives a backslash meaning everywhere (``\N`` becomes the node name, ``\G``
# the graph's, even in HTML-like labels, after a doubled backslash, or written as
# ``&#92;``), so free text shows a backslash as this look-alike (U+2216 SET MINUS).
BACKSLASH = "\u2216"

_HTML = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;",
         ord("'"): "&#39;"}
_SPACES = re.compile(r"\s+")


def html_text(text: object, limit: int | None = None) -> str:
    r"""Free text for a Graphviz HTML-like label: one line, control characters
    shown as escapes, ``& < > " '`` as entities, cut after ``limit`` characters.
    A backslash is drawn as ``∖`` (see :data:`BACKSLASH`).

    >>> html_text('<b>"Tom" & Jerry</b>\n\x1b[31m')
    '&lt;b&gt;&quot;Tom&quot; &amp; Jerry&lt;/b&gt;∖n∖x1b[31m'
    """
    s = clean(text).replace("\\", BACKSLASH)
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.translate(_HTML)


def dot_string(text: object) -> str:
    r"""Free text for a quoted DOT attribute (a tooltip): one line, never taken for
    an HTML-like string, ``&`` as ``&amp;`` (Graphviz resolves entities), a
    backslash drawn as ``∖`` (see :data:`BACKSLASH`).

    >>> print(graphviz.Digraph().__class__._quote(dot_string('a "b" \\N & <i>')))
    "a \"b\" ∖N &amp; <i>"
    """
    s = _SPACES.sub(" ", clean(text)).replace("&", "&amp;").replace("\\", BACKSLASH)
    return quoting.nohtml(s)


_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)


def tidy_svg(svg: str) -> str:
    r"""Graphviz's SVG with its comments dropped and ``&#45;`` written as ``-``, so that
    names read (and grep) as written; the two spellings mean the same in XML.

    >>> tidy_svg('<!-- a&#45;b -->\n<text>a&#45;b</text>')
    '<text>a-b</text>'
    """
    return _COMMENT.sub("", svg).replace("&#45;", "-")


class _Digraph(graphviz.Digraph):
    # Service names may contain ':', which graphviz would read as a port in an edge.
    _quote_edge = staticmethod(quoting.quote)


def _label(node: Node) -> str:
    name = html_text(node.name)
    fill, border, ink = STYLE[node.state]
    if node.kind == JUNCTION:
        return f'<<FONT POINT-SIZE="9" COLOR="{ink}">{name}</FONT>>'
    if node.state == OFF:
        name = f"<S>{name}</S>"
    lines = [f"<B>{name}</B>"]
    small = []
    if STATE_WORD[node.state] and (node.kind == FLOW or node.state != UP):
        small.append(f'<FONT COLOR="{ink}"><B>{STATE_WORD[node.state]}</B></FONT>')
    small += [html_text(note, MAX_NOTE) for note in node.notes]
    if small:
        lines.append(f'<FONT POINT-SIZE="9" COLOR="#5f6368">{" · ".join(small)}</FONT>')
    return "<" + "<BR/>".join(lines) + ">"


def _node_attrs(node: Node) -> dict[str, str]:
    fill, border, ink = STYLE[node.state]
    attrs = {"label": _label(node), "fillcolor": fill, "color": border, "fontcolor": ink}
    if node.tooltip:
        attrs["tooltip"] = dot_string(node.tooltip)
    else:
        attrs["tooltip"] = dot_string(node.name)
    if node.kind == FLOW:
        attrs.update(shape="box", style="rounded,filled,bold", penwidth="2", margin="0.15,0.06")
    elif node.kind == JUNCTION:
        attrs.update(shape="ellipse", style="filled,dashed" if node.soft else "filled",
                     height="0.25", margin="0.04,0.02", fontsize="9")
        if node.state == UP:
            attrs["fillcolor"] = "#f1f3f4"
    else:
        style = "rounded,filled,dashed" if node.state == OFF else "rounded,filled"
        attrs.update(shape="box", style=style, margin="0.12,0.04")
        if node.state in (DOWN, DEGRADED):
            attrs["penwidth"] = "2"
    return attrs


def _edge_attrs(edge) -> dict[str, str]:
    attrs = {"color": EDGE_COLOR[edge.trouble]}
    if edge.soft:
        attrs["style"] = "dashed"
    if edge.trouble:
        attrs["penwidth"] = "2.5" if edge.trouble == DOWN else "2"
    if edge.member:
        attrs["arrowsize"] = "0.6"
    return attrs


def _legend(graph: graphviz.Digraph, overlay: bool) -> None:
    """A small table that says what shapes, lines and colours mean."""

    def swatch(state: str, text: str, strike: bool = False, rounded: bool = True) -> str:
        fill, border, ink = STYLE[state]
        inner = f"<S>{text}</S>" if strike else text
        style = ' STYLE="rounded"' if rounded else ""
        return (f'<TD BGCOLOR="{fill}" COLOR="{border}" BORDER="1"{style}>'
                f'<FONT COLOR="{ink}">{inner}</FONT></TD>')

    rows = [
        f'<TR>{swatch(OK, "<B>flow</B>")}<TD ALIGN="LEFT">a user flow (top row)</TD></TR>',
        f'<TR>{swatch(UP, "service")}<TD ALIGN="LEFT">a service</TD></TR>',
        '<TR><TD>any 1 of 2</TD><TD ALIGN="LEFT">fallback group; <I>2 of 3</I>: quorum</TD></TR>',
        '<TR><TD>───▶</TD><TD ALIGN="LEFT">hard dependency: needed</TD></TR>',
        '<TR><TD>- - -▶</TD><TD ALIGN="LEFT">soft dependency: losing it only degrades</TD></TR>',
    ]
    if overlay:
        rows += [
            f'<TR>{swatch(OFF, "switched off", strike=True)}<TD ALIGN="LEFT">'
            "switched off in this what-if</TD></TR>",
            f'<TR>{swatch(DOWN, "DOWN / BROKEN")}<TD ALIGN="LEFT">'
            "down as a result; flow broken</TD></TR>",
            f'<TR>{swatch(DEGRADED, "DEGRADED")}<TD ALIGN="LEFT">'
            "works, on a fallback or without a soft dependency</TD></TR>",
            f'<TR><TD><FONT COLOR="{EDGE_COLOR[DOWN]}"><B>━━▶</B></FONT></TD>'
            '<TD ALIGN="LEFT">where the failure travels</TD></TR>',
        ]
    table = ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="3">'
             + "".join(rows) + "</TABLE>>")
    with graph.subgraph(name="cluster_legend") as legend:
        legend.attr(label="<<B>Legend</B>>", style="rounded", color="#dadce0",
                    bgcolor="#ffffff", fontsize="11", fontcolor="#3c4043")
        legend.node("legend", label=table, shape="plaintext", fontsize="10", tooltip="legend")


def diagram_dot(diagram: Diagram) -> str:
    """The DOT source of ``diagram``, byte-identical for the same diagram."""
    g = _Digraph("pruner")
    g.attr(rankdir="TB", newrank="true", nodesep="0.25", ranksep="0.55", fontname=FONT,
           bgcolor="white", pad="0.3")
    if diagram.title:
        g.attr(label=f'<<FONT POINT-SIZE="18"><B>{html_text(diagram.title)}</B></FONT>>',
               labelloc="t", labeljust="l")
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", fontname=FONT, arrowsize="0.8")

    by_id = {n.id: n for n in diagram.nodes}
    clustered = {nid for c in diagram.clusters for nid in c.nodes}
    flows = [n for n in diagram.nodes if n.kind == FLOW]
    with g.subgraph(name="flows") as top:
        top.attr(rank="source")
        for node in flows:
            top.node(node.id, **_node_attrs(node))
    for cluster in diagram.clusters:
        with g.subgraph(name=cluster.id) as box:
            box.attr(label=f"<<B>{html_text(cluster.label)}</B>>", style="rounded,filled",
                     color="#dadce0", fillcolor="#f8f9fa", fontsize="10", fontcolor="#5f6368",
                     labeljust="l", margin="10")
            for nid in cluster.nodes:
                box.node(nid, **_node_attrs(by_id[nid]))
    for node in diagram.nodes:
        if node.kind != FLOW and node.id not in clustered:
            g.node(node.id, **_node_attrs(node))
    for edge in diagram.edges:
        g.edge(edge.tail, edge.head, **_edge_attrs(edge))
    # A service nothing points at would sit in the top row and pass for a flow:
    # an invisible edge from the first flow keeps it below.
    heads = {edge.head for edge in diagram.edges}
    for node in diagram.nodes:
        if flows and node.kind != FLOW and node.id not in heads:
            g.edge(flows[0].id, node.id, style="invis")
    _legend(g, diagram.overlay)
    return g.source


@singledispatch
def render(report) -> str:
    """Render ``report`` as Graphviz DOT."""
    raise TypeError(f"no DOT output for {type(report).__name__}")


@render.register
def _(report: Diagram) -> str:
    return diagram_dot(report)


# --- bootstrap (issue 13): render --bootstrap ------------------------------------
from pruner.report.bootstrap import BootstrapDiagram  # noqa: E402


@render.register
def _(report: BootstrapDiagram) -> str:
    from pruner.render.bootstrap_diagram import bootstrap_dot  # the module imports this one

    return bootstrap_dot(report)
