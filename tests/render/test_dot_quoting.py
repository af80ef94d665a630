"""The DOT renderer writes node lines itself, quoting each distinct string once
(``render.dot._quoter``, ``_node_line``); every line must be the one
``graphviz.Digraph.node`` writes for the same node, byte for byte, hostile names,
notes and descriptions included, and every string quoted as ``graphviz.quoting.quote``
quotes it."""

from __future__ import annotations

import warnings

import graphviz
from graphviz import quoting
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.evaluate import switch_off
from pruner.render.dot import _node_attrs, _node_line, _quoter, diagram_dot
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


def _old_diagram_dot(diagram) -> str:
    """diagram_dot with every node written by graphviz.Digraph.node, as before."""
    import pruner.render.dot as dot

    saved = dot._node_line

    def via_graphviz(node, q, styles):
        g = graphviz.Digraph()
        g.node(node.id, **_node_attrs(node))
        return g.body[-1]

    dot._node_line = via_graphviz
    try:
        return diagram_dot(diagram)
    finally:
        dot._node_line = saved


def test_hostile_manifest_diagrams_are_byte_identical():
    G = graph_of("hostile-names-escaped")
    for off in ((), ("graph",), ("a:b", "x/y@z")):
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
