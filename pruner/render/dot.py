"""Graphviz DOT output of a :class:`~pruner.report.diagram.Diagram`.

Written as the ``graphviz`` package's ``Digraph`` writes it (:class:`_Graph`, the few
statements pruner needs, and :func:`quote`, its quoting of IDs, byte for byte; the
package itself is not imported: 15 ms of every run's start-up). Free text (names,
descriptions, notes, system and owner names) only ever reaches DOT through
:func:`html_text` inside HTML-like labels, or through :func:`dot_string` in
quoted attributes, so nothing a manifest says can end a string, open a tag or
smuggle in a DOT statement. The SVG that ``dot`` makes from this source is safe
to inline in a web page for the same reason.
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from functools import lru_cache, partial
from itertools import count
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import DEGRADED, DOWN, OK, UP
from pruner.render.common import Dispatch, clean
from pruner.render.style import (
    BOOTSTRAP_GREY,
    BOOTSTRAP_RED,
    EDGE_COLOR,
    STATE_WORD,
    STYLE,
    bootstrap_ids,
)
from pruner.report.diagram import FLOW, JUNCTION, OFF, OPERATION, Diagram, Node

if TYPE_CHECKING:
    from pruner.report.bootstrap import BootstrapDiagram

__all__ = ["render", "html_text", "dot_string", "quote", "quote_text", "nohtml", "NoHtml",
           "KEYWORDS", "BACKSLASH", "BIG_DIAGRAM", "BIG_LAYOUT", "bootstrap_dot"]

FONT = "Helvetica,Arial,sans-serif"
MAX_NOTE = 60
# Graphviz reads no quoted or HTML-like string longer than 16,384 bytes ("syntax error"):
# free text that can be any length (a title, a cluster label, a tooltip) is cut here,
# escaped, at most 6 bytes a character.
MAX_TEXT = 2000
# Graphviz gives a backslash meaning everywhere (``\N`` becomes the node name, ``\G``
# the graph's, even in HTML-like labels, after a doubled backslash, or written as
# ``&#92;``), so free text shows a backslash as this look-alike (U+2216 SET MINUS).
BACKSLASH = "\u2216"

# Above this many nodes or edges, Graphviz's exact layout phases (network simplex
# for ranks and positions, crossing minimisation) take minutes: a 1,000-service
# diagram (about 1,500 nodes and 5,500 edges) ran for more than 150 s. These
# limits cap their iterations and draw edges as straight lines, which measured
# 150 s+ -> about 40 s on it (benchmarks/README.md); smaller diagrams keep the
# full layout.
BIG_DIAGRAM = (400, 1500)  # nodes, edges
BIG_LAYOUT = {"nslimit": "0.2", "nslimit1": "0.2", "mclimit": "0.01", "remincross": "false",
              "splines": "false"}

_HTML = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;",
         ord("'"): "&#39;"}
_SPACES = re.compile(r"\s+")
# Text that every escaping below leaves as it is (most names): returned at once.
_PLAIN = re.compile(r"[A-Za-z0-9._:/@+=,;#()\[\]-]*\Z").match


# --- DOT IDs, quoted as graphviz.quoting.quote quotes them ------------------------
# https://www.graphviz.org/doc/info/lang.html: an ID is a name, a number, a "quoted
# string" or an HTML-like <string>. The patterns are graphviz's own, ``$`` and all (it
# matches before a final newline, so "a\n" passes for a name as it does there).
_HTML_STRING = re.compile(r"<.*>$", re.DOTALL).match
_VALID_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$").match
KEYWORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})
# a quote gets a backslash, unless it has one already (after an even run of them)
_ESCAPE_QUOTES = partial(re.compile(r"(?P<backslashes>(?:\\{2})*)\\?(?P<quote>\")").sub,
                         r"\g<backslashes>\\\g<quote>")


class NoHtml(str):
    """A string never taken for an HTML-like ``<...>`` one (``graphviz.nohtml``)."""

    __slots__ = ()


nohtml = NoHtml


def quote(identifier: str) -> str:
    r"""``identifier`` as a DOT ID, quoted where it must be: ``graphviz.quoting.quote``,
    byte for byte (``tests/render/test_dot_quoting.py`` holds it to it on any string).

    >>> quote("web"), quote("svc:web"), quote("node"), quote("-4.2"), quote("")
    ('web', '"svc:web"', '"node"', '-4.2', '""')
    >>> quote("<<B>web</B>>"), quote(nohtml("<i>"))
    ('<<B>web</B>>', '"<i>"')
    >>> print(quote('say "hi"'), quote('a\\"b'))
    "say \"hi\"" "a\"b"
    """
    if _HTML_STRING(identifier) and not isinstance(identifier, NoHtml):
        return identifier
    if not _VALID_ID(identifier) or identifier.lower() in KEYWORDS:
        return f'"{_ESCAPE_QUOTES(identifier)}"'
    return identifier


def _a_list(label: str | None = None, attrs: dict[str, str] | None = None) -> str:
    """``graphviz.quoting.a_list``: ``label`` first, then the attributes sorted by
    name, ``None`` values left out."""
    result = [f"label={quote(label)}"] if label is not None else []
    if attrs:
        result += [f"{quote(k)}={quote(v)}" for k, v in sorted(attrs.items()) if v is not None]
    return " ".join(result)


def _attr_list(label: str | None = None, attrs: dict[str, str] | None = None) -> str:
    """``graphviz.quoting.attr_list``: `` [a_list]``, or nothing."""
    content = _a_list(label, attrs)
    return f" [{content}]" if content else ""


class _Graph:
    """The statements of a ``graphviz.Digraph`` pruner writes, line for line as the
    package writes them: ``attr``, ``node``, ``edge`` (a name is one ID: a ``:`` in it
    is no port) and ``subgraph``; :attr:`source` is the whole text."""

    def __init__(self, name: str, head: str = "digraph") -> None:
        self.head = f"{head} {quote(name)} {{\n" if name else (
            "{\n" if head == "subgraph" else f"{head} {{\n")
        self.body: list[str] = []

    def attr(self, kw: str | None = None, **attrs: str) -> None:
        if attrs:
            self.body.append(f"\t{_a_list(None, attrs)}\n" if kw is None
                             else f"\t{kw}{_attr_list(None, attrs)}\n")

    def node(self, name: str, label: str | None = None, **attrs: str) -> None:
        self.body.append(f"\t{quote(name)}{_attr_list(label, attrs)}\n")

    def edge(self, tail: str, head: str, label: str | None = None, **attrs: str) -> None:
        self.body.append(f"\t{quote(tail)} -> {quote(head)}{_attr_list(label, attrs)}\n")

    @contextmanager
    def subgraph(self, name: str):
        """A subgraph, added to this graph's body, indented, when the block ends."""
        sub = _Graph(name, "subgraph")
        yield sub
        self.body += [f"\t{line}" for line in (sub.head, *sub.body, "}\n")]

    @property
    def source(self) -> str:
        return "".join((self.head, *self.body, "}\n"))


def html_text(text: object, limit: int | None = None) -> str:
    r"""Free text for a Graphviz HTML-like label: one line, control characters
    shown as escapes, ``& < > " '`` as entities, cut after ``limit`` characters.
    A backslash is drawn as ``∖`` (see :data:`BACKSLASH`).

    >>> html_text('<b>"Tom" & Jerry</b>\n\x1b[31m')
    '&lt;b&gt;&quot;Tom&quot; &amp; Jerry&lt;/b&gt;∖n∖x1b[31m'
    """
    if type(text) is str and _PLAIN(text) and (limit is None or len(text) <= limit):
        return text
    s = clean(text).replace("\\", BACKSLASH)
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.translate(_HTML)


def dot_string(text: object) -> str:
    r"""Free text for a quoted DOT attribute (a tooltip): one line, never taken for
    an HTML-like string, ``&`` as ``&amp;`` (Graphviz resolves entities), a
    backslash drawn as ``∖`` (see :data:`BACKSLASH`), cut after :data:`MAX_TEXT`
    characters.

    >>> print(quote(dot_string('a "b" \\N & <i>')))
    "a \"b\" ∖N &amp; <i>"
    """
    if type(text) is str and _PLAIN(text) and len(text) <= MAX_TEXT:
        return NoHtml(text)
    s = _SPACES.sub(" ", clean(text))
    if len(s) > MAX_TEXT:
        s = s[: MAX_TEXT - 1] + "…"
    return NoHtml(s.replace("&", "&amp;").replace("\\", BACKSLASH))


def _label(node: Node) -> str:
    head, tail = _label_frame(node.kind, node.state, node.notes)
    return head + html_text(node.label) + tail


@lru_cache(maxsize=4096)
def _label_frame(kind: str, state: str, notes: tuple[str, ...]) -> tuple[str, str]:
    """What a node's HTML-like label holds before and after its name: the same for
    every node of one kind, state and notes ("no flow reaches it" on every service
    of a star), so it is built once, not once a node."""
    fill, border, ink = STYLE[state]
    if kind == JUNCTION:
        return f'<<FONT POINT-SIZE="9" COLOR="{ink}">', "</FONT>>"
    head, tail = ("<<B><S>", "</S></B>") if state == OFF else ("<<B>", "</B>")
    small = []
    if STATE_WORD[state] and (kind == FLOW or state != UP):
        small.append(f'<FONT COLOR="{ink}"><B>{STATE_WORD[state]}</B></FONT>')
    small += [_note_html(note) for note in notes]
    if small:
        tail += f'<BR/><FONT POINT-SIZE="9" COLOR="#5f6368">{" · ".join(small)}</FONT>'
    return head, tail + ">"


@lru_cache(maxsize=1024)
def _note_html(note: str) -> str:
    """A node's note in its label: a few notes recur on most nodes ("no flow reaches
    it" on every service of a star), so each is escaped once."""
    return html_text(note, MAX_NOTE)


def _node_attrs(node: Node) -> dict[str, str]:
    """The attributes ``Digraph.node`` is given for ``node``."""
    attrs = {"label": _label(node), **_style_attrs(node.kind, node.state, node.soft)}
    attrs["tooltip"] = dot_string(node.tooltip or node.name)
    return attrs


def _style_attrs(kind: str, state: str, soft: bool) -> dict[str, str]:
    """A node's attributes but its label and tooltip: the same for every node of one
    kind, state and softness."""
    fill, border, ink = STYLE[state]
    attrs = {"fillcolor": fill, "color": border, "fontcolor": ink}
    if kind == FLOW:
        attrs.update(shape="box", style="rounded,filled,bold", penwidth="2", margin="0.15,0.06")
    elif kind == OPERATION:  # a port of its service: smaller, square-cornered
        style = "filled,dashed" if state == OFF else "filled"
        attrs.update(shape="box", style=style, margin="0.08,0.02", fontsize="10")
        if state in (DOWN, DEGRADED):
            attrs["penwidth"] = "2"
    elif kind == JUNCTION:
        attrs.update(shape="ellipse", style="filled,dashed" if soft else "filled",
                     height="0.25", margin="0.04,0.02", fontsize="9")
        if state == UP:
            attrs["fillcolor"] = "#f1f3f4"
    else:
        style = "rounded,filled,dashed" if state == OFF else "rounded,filled"
        attrs.update(shape="box", style=style, margin="0.12,0.04")
        if state in (DOWN, DEGRADED):
            attrs["penwidth"] = "2"
    return attrs


def _quoter():
    """:func:`quote` (what ``_Graph.node`` and ``edge`` quote every name
    and attribute value with) for one diagram, the same string for the same input, but
    at a fraction of its cost on a big diagram: an HTML-like label (``<...>``, which
    ``quote`` leaves as it is) is returned at once, and every other plain string is
    quoted once (colours, shapes and styles recur on every node). A
    :class:`NoHtml` string (a tooltip) always goes to ``quote``.

    >>> q = _quoter()
    >>> q("svc:web"), q("<<B>web</B>>"), q("node"), q(nohtml("<i>"))
    ('"svc:web"', '<<B>web</B>>', '"node"', '"<i>"')
    """
    seen: dict[str, str] = {}

    def q(value: str) -> str:
        if type(value) is not str:
            return quote(value)
        if value[:1] == "<" and value[-1:] == ">":
            return value  # what quote's HTML_STRING match returns
        found = seen.get(value)
        if found is None:  # not starting with "<", never HTML-like: quoted as free text is
            found = seen[value] = quote(value) if value[:1] == "<" else quote_text(value)
        return found

    q.seen = seen  # a caller's loop may look a string up before calling q
    return q


def quote_text(text: str) -> str:
    """``quote(nohtml(text))``, the quoting of free text (a tooltip),
    byte for byte, in a fraction of its time when ``text`` holds no backslash (as
    :func:`dot_string` writes it): no quote in it can then be escaped already.

    >>> quote_text('web'), quote_text('l4-svc-1'), quote_text('node')
    ('web', '"l4-svc-1"', '"node"')
    >>> print(quote_text('say "hi"'))
    "say \\"hi\\""
    """
    if "\\" in text:
        return quote(NoHtml(text))
    if _VALID_ID(text) and text.lower() not in KEYWORDS:
        return text
    return '"' + text.replace('"', '\\"') + '"'


def _node_line(node: Node, q, styles: dict) -> str:
    """The line ``Digraph.node(node.id, **_node_attrs(node))`` writes: the label first,
    then the other attributes sorted by name (:func:`_a_list`). All but
    the label and the tooltip depend only on the node's kind, state and softness
    (``styles`` keeps them, written once, split where ``tooltip`` sorts in)."""
    key = (node.kind, node.state, node.soft)
    style = styles.get(key)
    if style is None:
        items = sorted(_style_attrs(*key).items())
        style = styles[key] = ("".join(f" {q(k)}={q(v)}" for k, v in items if k < "tooltip"),
                               "".join(f" {q(k)}={q(v)}" for k, v in items if k > "tooltip"))
    # Most names and tooltips are plain text (_PLAIN), which html_text and dot_string
    # leave as it is and quote_text quotes with no escape: written here at once, with
    # no call (a 100,000-service chain has 100,000 node lines).
    text = node.tooltip or node.name
    if type(text) is str and _PLAIN(text) and len(text) <= MAX_TEXT:
        tip = text if _VALID_ID(text) and text.lower() not in KEYWORDS else f'"{text}"'
    else:
        tip = quote_text(dot_string(text))
    name = node.name if node.kind != OPERATION else node.label
    if type(name) is not str or not _PLAIN(name):
        name = html_text(name)
    head, tail = _label_frame(node.kind, node.state, node.notes)
    # the label is always HTML-like (<...>), which quote leaves as it is
    return f"\t{q(node.id)} [label={head}{name}{tail}{style[0]} tooltip={tip}{style[1]}]\n"


def _operations_box(number: int, service: Node, operations: list[Node], q,
                    styles: dict) -> list[str]:
    """The lines ``graph.subgraph(name=f"cluster_ops_{number}")`` adds for a service and
    its operations, in a box (written here as :func:`_node_line` writes a node: a
    subgraph through graphviz copies the parent's settings and re-quotes every
    attribute, most of ``pruner render`` on a manifest with operations)."""
    key = ("box", service.state)
    look = styles.get(key)
    if look is None:
        attrs = {"label": "", "style": "rounded,filled", "color": STYLE[service.state][1],
                 "fillcolor": "#ffffff", "rank": "same", "margin": "6"}
        # tooltip sorts after every other name: the part before it is the same for a state
        look = styles[key] = " ".join(f"{q(k)}={q(v)}" for k, v in sorted(attrs.items()))
    tip = q(dot_string(f"{service.name} and its operations"))
    return [f"\tsubgraph cluster_ops_{number} {{\n", f"\t\t{look} tooltip={tip}\n",
            "\t" + _node_line(service, q, styles),
            *["\t" + _node_line(part, q, styles) for part in operations], "\t}\n"]


def _edge_attrs(edge) -> dict[str, str]:
    attrs = {"color": EDGE_COLOR[edge.trouble]}
    if edge.soft:
        attrs["style"] = "dashed"
    if edge.trouble:
        attrs["penwidth"] = "2.5" if edge.trouble == DOWN else "2"
    if edge.member:
        attrs["arrowsize"] = "0.6"
    return attrs


def _legend(graph: _Graph, overlay: bool, operations: bool = False) -> None:
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
        *([f'<TR>{swatch(UP, "operation", rounded=False)}<TD ALIGN="LEFT">an operation, in a '
           "box with its service</TD></TR>"] if operations else []),
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
    g = _Graph("pruner")
    g.attr(rankdir="TB", newrank="true", nodesep="0.25", ranksep="0.55", fontname=FONT,
           bgcolor="white", pad="0.3")
    if diagram.title:
        g.attr(label=f'<<FONT POINT-SIZE="18"><B>{html_text(diagram.title, MAX_TEXT)}</B></FONT>>',
               labelloc="t", labeljust="l")
    if len(diagram.nodes) > BIG_DIAGRAM[0] or len(diagram.edges) > BIG_DIAGRAM[1]:
        g.attr(**BIG_LAYOUT)
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", fontname=FONT, arrowsize="0.8")

    by_id = {n.id: n for n in diagram.nodes}
    clustered = {nid for c in diagram.clusters for nid in c.nodes}
    flows = [n for n in diagram.nodes if n.kind == FLOW]
    # Operations (spec §8) are drawn in a box with their service, so an edge from a
    # flow enters the service at the operation it uses.
    parts: dict[str, list[Node]] = {}
    for node in diagram.nodes:
        if node.parent is not None and node.parent in by_id:
            parts.setdefault(node.parent, []).append(node)
    inside = {n.id for nodes in parts.values() for n in nodes}

    # Nodes and edges are most of a big diagram: their lines are written here, as
    # Digraph.node and Digraph.edge write them, with each distinct string quoted once
    # (_quoter) and each of the few distinct edge attribute lists built once (graphviz
    # re-quotes every string of every line: most of `pruner render` on 20,000 services).
    q = _quoter()
    styles: dict[tuple, tuple[str, str]] = {}

    def place(graph, node: Node) -> None:
        if node.id in inside:
            return  # drawn with its service
        if node.id not in parts:
            graph.body.append(_node_line(node, q, styles))
            return
        graph.body += _operations_box(next(boxes), node, parts[node.id], q, styles)

    boxes = count()  # cluster_ops_0, cluster_ops_1, ... in the order placed
    with g.subgraph(name="flows") as top:
        top.attr(rank="source")
        for node in flows:
            top.body.append(_node_line(node, q, styles))
    for cluster in diagram.clusters:
        with g.subgraph(name=cluster.id) as box:
            box.attr(label=f"<<B>{html_text(cluster.label, MAX_TEXT)}</B>>", style="rounded,filled",
                     color="#dadce0", fillcolor="#f8f9fa", fontsize="10", fontcolor="#5f6368",
                     labeljust="l", margin="10")
            for nid in cluster.nodes:
                place(box, by_id[nid])
    for node in diagram.nodes:
        if node.kind != FLOW and node.id not in clustered:
            place(g, node)
    attr_lists: dict[tuple, str] = {}
    body, get_attr, quoted = g.body, attr_lists.get, q.seen.get
    for edge in diagram.edges:  # a diagram has 100,000 of them: no call per edge
        key = (edge.trouble, edge.soft, edge.member)
        attr = get_attr(key)
        if attr is None:
            attr = attr_lists[key] = _attr_list(None, _edge_attrs(edge))
        # every end is a node's id, quoted when its node's line was written
        tail, head = edge.tail, edge.head
        body.append(f"\t{quoted(tail) or q(tail)} -> {quoted(head) or q(head)}{attr}\n")
    invis = _attr_list(None, {"style": "invis"})

    def invisible(tail: str, head: str) -> None:
        body.append(f"\t{quoted(tail) or q(tail)} -> {quoted(head) or q(head)}{invis}\n")

    # A service nothing points at would sit in the top row and pass for a flow:
    # an invisible edge from the first flow keeps it below. Services with no edge at
    # all are packed into a square grid of invisible edges instead of one long row.
    heads = {edge.head for edge in diagram.edges}
    tails = {edge.tail for edge in diagram.edges}
    isolated = [n.id for n in diagram.nodes
                if n.kind != FLOW and n.id not in heads and n.id not in tails]
    alone = set(isolated)
    if flows:
        for node in diagram.nodes:
            if node.kind != FLOW and node.id not in heads and node.id not in alone:
                invisible(flows[0].id, node.id)
    width = max(1, math.isqrt(len(isolated) - 1) + 1) if isolated else 1
    for i, nid in enumerate(isolated):
        if i < width:
            if flows:
                invisible(flows[0].id, nid)
        else:
            invisible(isolated[i - width], nid)
    _legend(g, diagram.overlay, any(n.kind == OPERATION for n in diagram.nodes))
    return g.source


render = Dispatch("DOT")
render.__doc__ = """Render ``report`` as Graphviz DOT."""


@render.register
def _(report: Diagram) -> str:
    return diagram_dot(report)


# --- bootstrap (issue 13): render --bootstrap ------------------------------------
# The start-up waves left to right: one column per wave (``rank=same``), stuck services
# in a last column, start-up cycles in red. Arrows run in start order, from what must
# serve first to what waits on it: solid for start-up items, dashed for runtime
# (``startup: false``) ones. Node ids are generated, so no name can collide with DOT.


def bootstrap_dot(diagram: BootstrapDiagram) -> str:
    """The DOT source, byte-identical for the same diagram."""
    from pruner.report.bootstrap import STARTUP  # only render --bootstrap needs it
    ids = bootstrap_ids(diagram)
    g = _Graph("bootstrap")
    g.attr(rankdir="LR", newrank="true", nodesep="0.2", ranksep="0.9", fontname=FONT,
           bgcolor="white", pad="0.3")
    if diagram.title:
        g.attr(label=f'<<FONT POINT-SIZE="18"><B>{html_text(diagram.title, MAX_TEXT)}</B></FONT>>',
               labelloc="t", labeljust="l")
    g.attr("node", fontname=FONT, fontsize="11", shape="box", style="rounded,filled",
           fillcolor="#e6f4ea", color="#5f6368")
    g.attr("edge", arrowsize="0.7", color="#5f6368")
    heads = []
    for k, (label, names) in enumerate(diagram.columns):
        head = f"c{k}"
        heads.append(head)
        with g.subgraph(name=f"column{k}") as column:
            column.attr(rank="same")
            column.node(head, label=f"<<B>{html_text(label)}</B>>", shape="plaintext",
                        style="", fillcolor="white")
            for name in names:
                attrs = {"label": dot_string(name), "tooltip": dot_string(name)}
                if name in diagram.cycle_nodes:
                    attrs.update(fillcolor="#fce8e6", color=BOOTSTRAP_RED,
                                 fontcolor=BOOTSTRAP_RED, penwidth="2")
                elif name in diagram.stuck:
                    attrs.update(fillcolor="#f1f3f4", color=BOOTSTRAP_GREY, fontcolor="#5f6368")
                column.node(ids[name], **attrs)
    for a, b in zip(heads, heads[1:], strict=False):  # keeps the columns in wave order
        g.edge(a, b, style="invis")
    for tail, head, kind, red in diagram.edges:
        attrs = {} if kind == STARTUP else {"style": "dashed", "color": BOOTSTRAP_GREY}
        if red:
            attrs = {"color": BOOTSTRAP_RED, "penwidth": "2"}
        if tail in diagram.stuck and head not in diagram.stuck or kind != STARTUP:
            attrs["constraint"] = "false"  # never drags a column out of wave order
        g.edge(ids[tail], ids[head], **attrs)
    return g.source


@render.register
def _(report: BootstrapDiagram) -> str:
    return bootstrap_dot(report)
