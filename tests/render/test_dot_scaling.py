"""DOT for big diagrams (issue 9 §5): Graphviz's layout is capped above a size, and
pruner's own part stays linear."""

from __future__ import annotations

import time

from pruner.analysis.evaluate import switch_off
from pruner.graph import dependency_graph
from pruner.model import SINGLE, Flow, Item, Manifest, Service
from pruner.render import render
from pruner.render.dot import BIG_DIAGRAM, BIG_LAYOUT
from pruner.report.diagram import diagram_report


def _fan(n: int):
    services = [Service(f"s{i}", (Item(SINGLE, (f"s{i + 1}",)),)) for i in range(n - 1)]
    return dependency_graph(Manifest.from_lists(
        [*services, Service(f"s{n - 1}")], [Flow("top", (Item(SINGLE, ("s0",)),))]))


def test_big_diagrams_get_the_layout_limits_small_ones_do_not():
    limits = " ".join(f"{k}={v}" for k, v in sorted(BIG_LAYOUT.items()))
    small = render(diagram_report(_fan(10)), "dot")
    big = render(diagram_report(_fan(BIG_DIAGRAM[0] + 1)), "dot")
    assert limits not in small
    assert limits in big


def test_dot_source_of_5000_services_is_quick():
    G = _fan(5_000)
    start = time.monotonic()
    source = render(diagram_report(G, switch_off(G, ["s4999"])), "dot")
    assert time.monotonic() - start < 60  # a generous bound, not a race: ~2 s
    assert source.count(" -> ") >= 5_000
