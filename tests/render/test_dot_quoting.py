"""The DOT renderer writes node lines itself, quoting each distinct string once
(``render.dot._quoter``, ``_node_line``); every line must be the one
``graphviz.Digraph.node`` writes for the same node, byte for byte, hostile names,
notes and descriptions included, and every string quoted as ``graphviz.quoting.quote``
quotes it."""

from __future__ import annotations

import warnings

import graphviz
import pytest
from graphviz import quoting
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.evaluate import switch_off
from pruner.render.dot import (
    STYLE,
    _node_attrs,
    _node_line,
    _operations_box,
    _quoter,
    diagram_dot,
    dot_string,
)
from pruner.report.diagram import FLOW, JUNCTION, OFF, OPERATION, SERVICE, Node, diagram_report
from tests.render_helpers import graph_of

HOSTILE = ['plain', 'node', 'EDGE', 'Graph', 'subgraph', 'strict', '-1.5', '.5', '1.', '0x',
           'a b', 'a"b', 'a\\"b', 'a\\\\"b', '"', '<', '>', '<>', '<b>', '<b>\n', 'x<b>',
           '<<B>x</B>>', '<a>b', 'a:b:c', 'svc:x#0', '', ' ', '\n', 'tab\there', 'é', '日本',
           '\u202ename', 'a\x1b[31m', '&amp;', "it's", '{', '}', ';', '--', '->', 'a\nb']


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
        for text in (value, quoting.nohtml(value)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assert q(text) == _old_quote(text), repr(text)
                assert q(text) == _old_quote(text), repr(text)  # again, from the memo


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab1.-_:<>"\\ \n&#\u202e'), max_size=10))
def test_any_string_is_quoted_as_graphviz_does(text):
    assert _new_quote(text) == _old_quote(text)
    assert _new_quote(quoting.nohtml(text)) == _old_quote(quoting.nohtml(text))


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
        g.node(node.id, **_node_attrs(node))
        assert _node_line(node, q, styles) == g.body[-1], node


def _box_via_graphviz(number, service, operations, q, styles):
    """A service and its operations in a box, written by graphviz as before."""
    g = graphviz.Digraph()
    with g.subgraph(name=f"cluster_ops_{number}") as box:
        box.attr(label="", style="rounded,filled", color=STYLE[service.state][1],
                 fillcolor="#ffffff", rank="same", margin="6",
                 tooltip=dot_string(f"{service.name} and its operations"))
        for node in (service, *operations):
            box.node(node.id, **_node_attrs(node))
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
        g.node(node.id, **_node_attrs(node))
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
