"""The Mermaid writer's shortcuts give what the plain rules give: a label's text is
``clean()`` then every unsafe character as ``#NNN;`` (names of safe characters only are
returned at once), and a node's declaration is its shape, its name and its state and
notes, written per kind, state and notes once (``mermaid._frame``)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.render.common import clean
from pruner.render.mermaid import _SAFE, _frame, mermaid_text
from pruner.render.style import STATE_WORD
from pruner.report.diagram import FLOW, JUNCTION, OFF, OPERATION, SERVICE, Node

TEXT = st.one_of(st.text(), st.text(alphabet=sorted(_SAFE), max_size=80),
                 st.text(alphabet=[*sorted(_SAFE)[:8], "\u202e", "\n", "é", "#", '"', "<"]))


def _rule(text, limit=None) -> str:
    """mermaid_text as its docstring says, without the shortcut."""
    s = clean(text)
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return "".join(c if c in _SAFE else f"#{ord(c)};" for c in s)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.one_of(st.none(), st.integers(1, 70)))
def test_mermaid_text_is_its_rule(text, limit):
    assert mermaid_text(text, limit) == _rule(text, limit)


def _declaration(node: Node, nid: str) -> str:
    """A node's declaration as diagram_mermaid wrote it node by node."""
    name = _rule(node.label)
    words = []
    if node.kind == FLOW or node.state != "up":
        words.append(STATE_WORD[node.state])
    words += [_rule(n, 60) for n in node.notes if node.kind != FLOW]
    words = [w for w in words if w]
    label = name
    if words and node.kind != JUNCTION:
        label = f"{name}<br/><small>{' · '.join(words)}</small>"
    if node.state == OFF:
        label = f"<s>{name}</s><br/><small>{STATE_WORD[OFF]}</small>"
    if node.kind == FLOW:
        return f'{nid}(["{label}"])'
    if node.kind == JUNCTION:
        return f'{nid}(("{label}"))'
    if node.kind == OPERATION:
        return f'{nid}["{label}"]'
    return f'{nid}("{label}")'


NOTES = st.lists(st.sampled_from(["critical", "no flow reaches it", "+2 more dependencies",
                                  'a "b" <i>\n', "x" * 70, ""]), max_size=3).map(tuple)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([FLOW, SERVICE, OPERATION, JUNCTION]),
       st.sampled_from(["up", "ok", "degraded", "down", "broken", OFF]), NOTES, TEXT)
def test_declarations_are_the_ones_written_node_by_node(kind, state, notes, name):
    node = Node(f"svc:{name}", kind, name, state, None, notes)
    head, tail = _frame(kind, state, notes)
    shown = node.name if kind != OPERATION else node.label
    assert f"s1{head}{mermaid_text(shown)}{tail}" == _declaration(node, "s1")
