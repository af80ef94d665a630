"""The DOT renderer writes DOT itself, without the ``graphviz`` package: its own
:func:`render.dot.quote` and :class:`render.dot._Graph` (attr, node, edge and subgraph
statements), node lines quoting each distinct string once (``render.dot._quoter``,
``_node_line``). The package is the oracle here: every string is quoted as
``graphviz.quoting.quote`` quotes it (keywords, numbers, HTML-like ``<...>``, quotes,
backslashes, newlines, any unicode), every statement is the line ``graphviz.Digraph``
writes, and every node line the one ``Digraph.node`` writes, byte for byte."""

from __future__ import annotations

import warnings

import graphviz
import pytest
from graphviz import quoting
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.evaluate import switch_off
from pruner.render.dot import (
    KEYWORDS,
    STYLE,
    _Graph,
    _node_attrs,
    _node_line,
    _operations_box,
    _quoter,
    diagram_dot,
    dot_string,
    nohtml,
    quote,
)
from pruner.report.diagram import FLOW, JUNCTION, OFF, OPERATION, SERVICE, Node, diagram_report
from tests.render_helpers import graph_of

HOSTILE = ['plain', 'node', 'EDGE', 'Graph', 'subgraph', 'strict', '-1.5', '.5', '1.', '0x',
           'a b', 'a"b', 'a\\"b', 'a\\\\"b', '"', '<', '>', '<>', '<b>', '<b>\n', 'x<b>',
           '<<B>x</B>>', '<a>b', 'a:b:c', 'svc:x#0', '', ' ', '\n', 'tab\there', 'é', '日本',
           '\u202ename', 'a\x1b[31m', '&amp;', "it's", '{', '}', ';', '--', '->', 'a\nb',
           'x' * 2001, 'node' + '-x' * 1000]


def _old_quote(value: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quoting.quote(value)


def _new_quote(value: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _quoter()(value)


def test_the_quoter_quotes_as_graphviz_does():
    q = _quoter()
    for value in HOSTILE + [v + "\\" for v in HOSTILE]:
        for ours, theirs in ((value, value), (nohtml(value), quoting.nohtml(value))):
            assert q(ours) == _old_quote(theirs), repr(value)
            assert q(ours) == _old_quote(theirs), repr(value)  # again, from the memo
            assert quote(ours) == _old_quote(theirs), repr(value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab1.-_:<>"\\ \n&#\u202e'), max_size=10))
def test_any_string_is_quoted_as_graphviz_does(text):
    assert _new_quote(text) == _old_quote(text)
    assert _new_quote(nohtml(text)) == _old_quote(quoting.nohtml(text))


# Pieces that mean something to DOT's quoting, strung together: names, numbers, keywords
# in any case, HTML-like brackets, quotes after runs of backslashes, newlines (graphviz's
# patterns end in ``$``, which matches before a final one), unicode.
_PIECES = st.sampled_from(["a", "Z", "_", "0", "9", "-", ".", "1.5", "-.5", "<", ">", "<b>",
                           "<<B>x</B>>", '"', '\\"', '\\\\"', "\\", "\n", "\r", " ", ":",
                           "é", "日本", "\u202e", "\u212a", "\x00", "&amp;", *KEYWORDS,
                           *(k.upper() for k in KEYWORDS), "Node", "sUbGrApH"])
ANY_STRING = st.one_of(st.text(), st.lists(_PIECES, max_size=8).map("".join))


@settings(max_examples=500, deadline=None)
@given(ANY_STRING)
def test_quote_is_graphviz_quoting_on_any_string(text):
    """:func:`render.dot.quote` stands in for ``graphviz.quoting.quote``: the same ID
    for any string, plain or marked as no HTML."""
    assert quote(text) == _old_quote(text)
    assert quote(nohtml(text)) == _old_quote(quoting.nohtml(text))
    assert _new_quote(text) == _old_quote(text)


_ATTRS = st.dictionaries(st.sampled_from(["label", "color", "style", "tooltip", "shape", "x y",
                                          "node", "1"]),
                         st.one_of(ANY_STRING, ANY_STRING.map(nohtml)), max_size=4)
_STATEMENT = st.tuples(st.sampled_from(["attr", "graph", "node", "edge", "node_stmt",
                                        "edge_stmt", "open", "close"]),
                       ANY_STRING, ANY_STRING, st.one_of(st.none(), ANY_STRING), _ATTRS)


def _theirs(value):
    return quoting.nohtml(value) if type(value) is nohtml else value


def _write(statements, ours: bool) -> str:
    """The statements written by :class:`_Graph` (``ours``) or by ``graphviz.Digraph``
    (with ``quote`` for ends, as pruner's edges are one name each)."""
    class Digraph(graphviz.Digraph):
        _quote_edge = staticmethod(quoting.quote)

    root = _Graph("pruner") if ours else Digraph("pruner")
    stack, exits = [root], []
    fix = (lambda v: v) if ours else _theirs
    for kind, a, b, label, attrs in statements:
        graph = stack[-1]
        attrs = {k: fix(v) for k, v in attrs.items() if k != "label"}
        label = None if label is None else fix(label)
        if kind == "attr":
            graph.attr(**attrs)
        elif kind in ("graph", "node", "edge"):
            graph.attr(kind, **attrs)
        elif kind == "node_stmt":
            graph.node(fix(a), label, **attrs)
        elif kind == "edge_stmt":
            graph.edge(fix(a), fix(b), label, **attrs)
        elif kind == "open" and len(stack) < 4:
            exits.append(graph.subgraph(name=fix(a)))
            stack.append(exits[-1].__enter__())
        elif kind == "close" and len(stack) > 1:
            stack.pop()
            exits.pop().__exit__(None, None, None)
    while exits:
        exits.pop().__exit__(None, None, None)
    return root.source


@settings(max_examples=100, deadline=None)
@given(st.lists(_STATEMENT, max_size=12))
def test_graph_statements_are_the_ones_graphviz_writes(statements):
    """:class:`_Graph` writes what ``graphviz.Digraph`` wrote for the statements pruner
    makes: graph, node and edge attributes, nodes and edges with a label and attributes
    (sorted, ``label`` first), nested subgraphs, with any names and values."""
    with warnings.catch_warnings():  # graphviz warns of a final odd backslash
        warnings.simplefilter("ignore")
        assert _write(statements, True) == _write(statements, False)


def _graphviz_attrs(node):
    """``_node_attrs(node)`` for graphviz: free text marked as its ``nohtml``."""
    return {k: _theirs(v) for k, v in _node_attrs(node).items()}


def _nodes():
    for i, name in enumerate(HOSTILE):
        for kind in (FLOW, SERVICE, OPERATION, JUNCTION):
            for state in ("up", "ok", "degraded", "down", "broken", OFF):
                if kind == FLOW and state not in ("ok", "degraded", "broken"):
                    continue
                yield Node(f"svc:{name}#{i}", kind, name, state, None,
                           notes=(name, "critical"), tooltip=name or None, soft=i % 2 == 0)


def test_node_lines_are_the_ones_graphviz_writes():
    q, styles = _quoter(), {}
    for node in _nodes():
        g = graphviz.Digraph()
        g.node(node.id, **_graphviz_attrs(node))
        assert _node_line(node, q, styles) == g.body[-1], node


def _box_via_graphviz(number, service, operations, q, styles):
    """A service and its operations in a box, written by graphviz as before."""
    g = graphviz.Digraph()
    with g.subgraph(name=f"cluster_ops_{number}") as box:
        box.attr(label="", style="rounded,filled", color=STYLE[service.state][1],
                 fillcolor="#ffffff", rank="same", margin="6",
                 tooltip=_theirs(dot_string(f"{service.name} and its operations")))
        for node in (service, *operations):
            box.node(node.id, **_graphviz_attrs(node))
    return g.body


def test_operation_boxes_are_the_ones_graphviz_writes():
    q, styles = _quoter(), {}
    nodes = list(_nodes())
    services = [n for n in nodes if n.kind == SERVICE]
    operations = [n for n in nodes if n.kind == OPERATION]
    assert services and operations
    for number, service in enumerate(services):
        parts = operations[number % 7:number % 7 + number % 3]
        with warnings.catch_warnings():  # graphviz warns of a final odd backslash
            warnings.simplefilter("ignore", graphviz.exceptions.DotSyntaxWarning)
            expected = _box_via_graphviz(number, service, parts, q, styles)
        assert _operations_box(number, service, parts, q, styles) == expected, service


def _old_diagram_dot(diagram) -> str:
    """diagram_dot with every node and box written by graphviz, as before."""
    import pruner.render.dot as dot

    saved = dot._node_line, dot._operations_box

    def via_graphviz(node, q, styles):
        g = graphviz.Digraph()
        g.node(node.id, **_graphviz_attrs(node))
        return g.body[-1]

    dot._node_line, dot._operations_box = via_graphviz, _box_via_graphviz
    try:
        return diagram_dot(diagram)
    finally:
        dot._node_line, dot._operations_box = saved


@pytest.mark.parametrize("name, offs", [
    ("hostile-names-escaped", ((), ("graph",), ("a:b", "x/y@z"))),
    ("operations-inside-services.yaml", ((), ("passbird",), ("index-a", "index-b"),
                                         ("search-api", "frontend"))),
])
def test_hostile_manifest_diagrams_are_byte_identical(name, offs):
    G = graph_of(name)
    for off in offs:
        for cluster_by in ("system", "owner", "none"):
            d = diagram_report(G, switch_off(G, off), cluster_by=cluster_by,
                               title='title "<b>" & `x`\n\x1b[1m')
            assert diagram_dot(d) == _old_diagram_dot(d)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.text('ab"\\ -_.0123456789NODEnode')))
def test_quote_text_is_graphviz_quoting_of_free_text(text):
    """Tooltips are quoted without graphviz's wrapper, byte for byte as it quotes them."""
    from graphviz import quoting

    from pruner.render.dot import quote_text

    with warnings.catch_warnings():  # graphviz warns of a final odd backslash, as it quotes it
        warnings.simplefilter("ignore", graphviz.exceptions.DotSyntaxWarning)
        assert quote_text(text) == quoting.quote(quoting.nohtml(text))
