"""The look the diagram formats share (Graphviz, Mermaid, the HTML page): the colours
of each state, the words drawn for them, and Graphviz's SVG tidied for reading.

Kept apart from :mod:`pruner.render.dot` so that a page that draws no Graphviz
picture (``pruner report`` on a big manifest) or a Mermaid diagram starts without
importing the DOT writer (it once imported the ``graphviz`` package: 12 ms of every
such run; it now writes DOT itself).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import BROKEN, DEGRADED, DOWN, OK, UP
from pruner.report.diagram import OFF

if TYPE_CHECKING:
    from pruner.report.bootstrap import BootstrapDiagram

__all__ = ["STYLE", "EDGE_COLOR", "STATE_WORD", "BOOTSTRAP_RED", "BOOTSTRAP_GREY",
           "bootstrap_ids", "tidy_svg"]

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
BOOTSTRAP_RED, BOOTSTRAP_GREY = "#d93025", "#9aa0a6"

_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)


def tidy_svg(svg: str) -> str:
    r"""Graphviz's SVG with its comments dropped and ``&#45;`` written as ``-``, so that
    names read (and grep) as written; the two spellings mean the same in XML.

    >>> tidy_svg('<!-- a&#45;b -->\n<text>a&#45;b</text>')
    '<text>a-b</text>'
    """
    return _COMMENT.sub("", svg).replace("&#45;", "-")


def bootstrap_ids(diagram: BootstrapDiagram) -> dict[str, str]:
    """A short id per service of a start-up diagram, in column then edge order."""
    ids: dict[str, str] = {}
    for _label, names in diagram.columns:
        for name in names:
            ids.setdefault(name, f"n{len(ids)}")
    for tail, head, _k, _r in diagram.edges:
        for name in (tail, head):
            ids.setdefault(name, f"n{len(ids)}")
    return ids
