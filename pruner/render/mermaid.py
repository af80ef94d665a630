"""Mermaid flowchart output of a :class:`~pruner.report.diagram.Diagram` (``.mmd``),
for Markdown files and wikis that draw Mermaid (GitHub, GitLab, Notion).

Node ids are generated (``f0``, ``s12``, ``j3``) so that no name can collide with
Mermaid keywords (``end``, ``graph``); every label is written with Mermaid's
``#NNN;`` character codes for anything but letters, digits and plain punctuation,
so quotes, brackets, ``<>&``, backticks and newlines cannot end a label or inject
HTML.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import BROKEN, DEGRADED, DOWN, OK, UP
from pruner.render.common import Dispatch, clean
from pruner.render.style import (
    BOOTSTRAP_GREY,
    BOOTSTRAP_RED,
    EDGE_COLOR,
    STATE_WORD,
    STYLE,
    bootstrap_ids,
)
from pruner.report.diagram import FLOW, JUNCTION, OFF, OPERATION, Diagram

if TYPE_CHECKING:
    from pruner.report.bootstrap import BootstrapDiagram

__all__ = ["render", "mermaid_text", "bootstrap_mermaid"]

_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:/@_-+()")


def mermaid_text(text: object, limit: int | None = None) -> str:
    r"""Free text for a quoted Mermaid label: safe characters kept, the rest as ``#NNN;``.

    >>> mermaid_text('a "b" <i>`x`</i> [1]\nend')
    'a #34;b#34; #60;i#62;#96;x#96;#60;/i#62; #91;1#93;#92;nend'
    """
    if type(text) is str and _SAFE.issuperset(text) and (limit is None or len(text) <= limit):
        return text  # most names: safe characters only, which clean() leaves as they are
    s = clean(text)
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    if _SAFE.issuperset(s):  # most names: nothing to write as a code, no walk per character
        return s
    return "".join(c if c in _SAFE else f"#{ord(c)};" for c in s)


@lru_cache(maxsize=1024)
def _note_text(note: str) -> str:
    """A node's note in its label, written once per distinct note (a few recur on most
    nodes: "no flow reaches it" on every service of a star)."""
    return mermaid_text(note, 60)


_SHAPES = {FLOW: ('(["', '"])'), JUNCTION: ('(("', '"))'), OPERATION: ('["', '"]')}


@lru_cache(maxsize=1024)
def _frame(kind: str, state: str, notes: tuple[str, ...]) -> tuple[str, str]:
    """What a node's declaration holds before and after its name (its shape, its state
    and notes): the same for every node of one kind, state and notes, so written once,
    not once a node (a 100,000-service chain's nodes share two)."""
    words = []
    if kind == FLOW or state != UP:
        words.append(STATE_WORD[state])
    words += [_note_text(n) for n in notes if kind != FLOW]
    words = [w for w in words if w]
    head, tail = "", ""
    if words and kind != JUNCTION:
        tail = f"<br/><small>{' · '.join(words)}</small>"
    if state == OFF:
        head, tail = "<s>", f"</s><br/><small>{STATE_WORD[OFF]}</small>"
    opening, closing = _SHAPES.get(kind, ('("', '")'))
    return opening + head, tail + closing


def diagram_mermaid(diagram: Diagram) -> str:
    """The Mermaid source of ``diagram``: same nodes, edges, states and clusters as DOT."""
    ids: dict[str, str] = {}
    counters = {"f": 0, "s": 0, "j": 0}
    for node in diagram.nodes:
        prefix = "f" if node.kind == FLOW else "j" if node.kind == JUNCTION else "s"
        ids[node.id] = f"{prefix}{counters[prefix]}"
        counters[prefix] += 1

    out = ["flowchart TB"]
    if diagram.title:
        out.insert(0, f"---\ntitle: \"{mermaid_text(diagram.title)}\"\n---")

    def declare(node) -> str:
        head, tail = _frame(node.kind, node.state, node.notes)
        name = node.name if node.kind != OPERATION else node.label
        return f"{ids[node.id]}{head}{mermaid_text(name)}{tail}"

    clustered = set()
    flows = [n for n in diagram.nodes if n.kind == FLOW]
    by_id = {n.id: n for n in diagram.nodes}
    # Operations (spec §8) go in a box with their service.
    parts: dict[str, list] = {}
    for node in diagram.nodes:
        if node.parent is not None and node.parent in by_id:
            parts.setdefault(node.parent, []).append(node)
    inside = {n.id for nodes in parts.values() for n in nodes}

    def place(node, indent: str) -> list[str]:
        if node.id in inside:
            return []
        if node.id not in parts:
            return [f"{indent}{declare(node)}"]
        lines = [f'{indent}subgraph {ids[node.id]}ops[" "]', f"{indent}  {declare(node)}"]
        lines += [f"{indent}  {declare(part)}" for part in parts[node.id]]
        return lines + [f"{indent}end"]

    if flows:
        out.append('  subgraph flows["flows"]')
        out += [f"    {declare(n)}" for n in flows]
        out.append("  end")
    for index, cluster in enumerate(diagram.clusters):
        out.append(f'  subgraph c{index}["{mermaid_text(cluster.label)}"]')
        for nid in cluster.nodes:
            clustered.add(nid)
            out += place(by_id[nid], "    ")
        out.append("  end")
    for node in diagram.nodes:
        if node.kind != FLOW and node.id not in clustered:
            out += place(node, "  ")

    links = []
    for number, edge in enumerate(diagram.edges):
        arrow = "-.->" if edge.soft else "==>" if edge.trouble else "-->"
        out.append(f"  {ids[edge.tail]} {arrow} {ids[edge.head]}")
        if edge.trouble:
            width = "2.5px" if edge.trouble == DOWN else "2px"
            links.append(f"  linkStyle {number} stroke:{EDGE_COLOR[edge.trouble]},"
                         f"stroke-width:{width}")
    out += links

    for state in (UP, OK, DEGRADED, DOWN, BROKEN, OFF):
        fill, border, ink = STYLE[state]
        dash = ",stroke-dasharray:4 3" if state == OFF else ""
        out.append(f"  classDef {state} fill:{fill},stroke:{border},color:{ink}{dash}")
    out.append("  classDef junction fill:#f1f3f4,stroke:#80868b,font-size:10px")
    by_class: dict[str, list[str]] = {}
    for node in diagram.nodes:
        name = "junction" if node.kind == JUNCTION and node.state == UP else node.state
        by_class.setdefault(name, []).append(ids[node.id])
    for name in sorted(by_class):
        out.append(f"  class {','.join(by_class[name])} {name}")
    return "\n".join(out) + "\n"


render = Dispatch("Mermaid")
render.__doc__ = """Render ``report`` as a Mermaid flowchart."""


@render.register
def _(report: Diagram) -> str:
    return diagram_mermaid(report)


# --- bootstrap (issue 13): render --bootstrap ------------------------------------
# One subgraph per wave, left to right; ids and colours as in the DOT drawing.


def bootstrap_mermaid(diagram: BootstrapDiagram) -> str:
    """The Mermaid source: one subgraph per column, left to right."""
    from pruner.report.bootstrap import STARTUP  # only render --bootstrap needs it
    ids = bootstrap_ids(diagram)
    out = []
    if diagram.title:
        out.append(f"---\ntitle: \"{mermaid_text(diagram.title)}\"\n---")
    out.append("flowchart LR")
    for k, (label, names) in enumerate(diagram.columns):
        out.append(f"  subgraph c{k}[\"{mermaid_text(label)}\"]")
        out.append("    direction TB")
        for name in names:
            out.append(f"    {ids[name]}[\"{mermaid_text(name)}\"]")
        out.append("  end")
    for a in range(len(diagram.columns) - 1):
        b = a + 1
        out.append(f"  c{a} ~~~ c{b}")
    links = []
    for tail, head, kind, red in diagram.edges:
        arrow = "-->" if kind == STARTUP else "-.->"
        out.append(f"  {ids[tail]} {arrow} {ids[head]}")
        links.append(red)
    for name in sorted(diagram.cycle_nodes):
        out.append(f"  style {ids[name]} fill:#fce8e6,stroke:{BOOTSTRAP_RED},"
                   f"color:{BOOTSTRAP_RED},stroke-width:2px")
    for name in sorted(diagram.stuck - diagram.cycle_nodes):
        out.append(f"  style {ids[name]} fill:#f1f3f4,stroke:{BOOTSTRAP_GREY}")
    skip = max(len(diagram.columns) - 1, 0)  # the invisible links between columns come first
    red_links = [str(i + skip) for i, red in enumerate(links) if red]
    if red_links:
        out.append(f"  linkStyle {','.join(red_links)} stroke:{BOOTSTRAP_RED},stroke-width:2px")
    return "\n".join(out) + "\n"


@render.register
def _(report: BootstrapDiagram) -> str:
    return bootstrap_mermaid(report)
