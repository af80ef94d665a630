"""``render --bootstrap``: the start-up waves left to right (DOT and Mermaid).

One column per wave (``rank=same`` in DOT, a subgraph per wave in Mermaid), stuck
services in a last column, start-up cycles in red. Arrows run in start order, from
what must serve first to what waits on it: solid for start-up items, dashed for
runtime (``startup: false``) ones. Node ids are generated, so no name can collide
with DOT or Mermaid syntax; labels are escaped as in the other diagrams.
"""

from __future__ import annotations

from pruner.render.dot import FONT, _Digraph, dot_string, html_text
from pruner.render.mermaid import mermaid_text
from pruner.report.bootstrap import STARTUP, BootstrapDiagram

__all__ = ["bootstrap_dot", "bootstrap_mermaid"]

RED, GREY = "#d93025", "#9aa0a6"


def _ids(diagram: BootstrapDiagram) -> dict[str, str]:
    ids: dict[str, str] = {}
    for _label, names in diagram.columns:
        for name in names:
            ids.setdefault(name, f"n{len(ids)}")
    for tail, head, _k, _r in diagram.edges:
        for name in (tail, head):
            ids.setdefault(name, f"n{len(ids)}")
    return ids


def bootstrap_dot(diagram: BootstrapDiagram) -> str:
    """The DOT source, byte-identical for the same diagram."""
    ids = _ids(diagram)
    g = _Digraph("bootstrap")
    g.attr(rankdir="LR", newrank="true", nodesep="0.2", ranksep="0.9", fontname=FONT,
           bgcolor="white", pad="0.3")
    if diagram.title:
        g.attr(label=f'<<FONT POINT-SIZE="18"><B>{html_text(diagram.title)}</B></FONT>>',
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
                    attrs.update(fillcolor="#fce8e6", color=RED, fontcolor=RED, penwidth="2")
                elif name in diagram.stuck:
                    attrs.update(fillcolor="#f1f3f4", color=GREY, fontcolor="#5f6368")
                column.node(ids[name], **attrs)
    for a, b in zip(heads, heads[1:], strict=False):  # keeps the columns in wave order
        g.edge(a, b, style="invis")
    for tail, head, kind, red in diagram.edges:
        attrs = {} if kind == STARTUP else {"style": "dashed", "color": GREY}
        if red:
            attrs = {"color": RED, "penwidth": "2"}
        if tail in diagram.stuck and head not in diagram.stuck or kind != STARTUP:
            attrs["constraint"] = "false"  # never drags a column out of wave order
        g.edge(ids[tail], ids[head], **attrs)
    return g.source


def bootstrap_mermaid(diagram: BootstrapDiagram) -> str:
    """The Mermaid source: one subgraph per column, left to right."""
    ids = _ids(diagram)
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
        out.append(f"  style {ids[name]} fill:#fce8e6,stroke:{RED},color:{RED},stroke-width:2px")
    for name in sorted(diagram.stuck - diagram.cycle_nodes):
        out.append(f"  style {ids[name]} fill:#f1f3f4,stroke:{GREY}")
    skip = max(len(diagram.columns) - 1, 0)  # the invisible links between columns come first
    red_links = [str(i + skip) for i, red in enumerate(links) if red]
    if red_links:
        out.append(f"  linkStyle {','.join(red_links)} stroke:{RED},stroke-width:2px")
    return "\n".join(out) + "\n"
