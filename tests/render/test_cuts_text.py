"""The text of ``pruner cuts`` held to a plain reference layout: sets grouped by order,
the first ones explained, the rest names only, with and without colour. The renderer
groups the sets in one pass and writes the unexplained ones in one string; what it
writes must not change."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.cuts import minimal_cut_sets
from pruner.render import render
from pruner.render.common import line_text, plural
from pruner.render.text import MAX_INDENT, _paint
from pruner.report import cuts_report
from pruner.report.cuts import EXPLAIN_BUDGET, EXPLAIN_LIMIT
from tests.analysis.strategies import manifests


def reference(report, color: bool) -> str:
    """The layout written the obvious way: ``of_order`` for each order, each set by itself."""
    out = [f"Minimal cut sets of order <= {report.max_order}"
           + (f", among {len(report.among)} candidate services" if report.among is not None
              else "")
           + ": services whose switching off together breaks the flow"]
    for f in report.flows:
        cuts = f.cuts
        tags = ["critical"] if f.flow.critical else []
        if not cuts.complete:
            tags.append(_paint("incomplete: a limit stopped the search", "yellow", color))
        out += ["", _paint(f.name, "bold", color) + (f"  ({', '.join(tags)})" if tags else "")]
        if not cuts.cut_sets:
            out.append(f"  no cut set of order <= {cuts.max_order}")
            continue
        index = 0
        for order in sorted({len(c) for c in cuts.cut_sets}):
            group = cuts.of_order(order)
            title = "single points of failure" if order == 1 else f"order {order}"
            out.append(f"  {title} ({len(group)}):")
            for c in group:
                out.append("    " + _paint(", ".join(c), "red" if order == 1 else "bold", color))
                if index < len(f.explanations):
                    out += [" " * (8 + 4 * min(line.depth, MAX_INDENT)) + line_text(line)
                            for line in f.explanations[index]]
                index += 1
        unexplained = len(cuts.cut_sets) - len(f.explanations)
        if unexplained > 0:
            fewer = (f" ({len(report.flows):,} flows share {EXPLAIN_BUDGET:,} explanations: "
                     "--flow NAME gives a flow more)"
                     if report.explain_limit < EXPLAIN_LIMIT else "")
            out.append(f"  ({plural(unexplained, 'cut set', 'cut sets')} shown without "
                       f"explanation: only the first {report.explain_limit} are explained"
                       f"{fewer}; `pruner check --off ...` explains any)")
    total = sum(len(f.cuts.cut_sets) for f in report.flows)
    spofs = sum(len(f.cuts.of_order(1)) for f in report.flows)
    status = "" if report.complete else " — INCOMPLETE: the time budget stopped the search"
    out += ["", f"{plural(len(report.flows), 'flow', 'flows')}, "
                f"{plural(total, 'minimal cut set', 'minimal cut sets')}, "
                f"{plural(spofs, 'single point', 'single points')} of failure{status}"]
    out += [f"warning: {w}" for w in report.warnings]
    return "\n".join(out) + "\n"


@settings(max_examples=80, deadline=None)
@given(manifests(max_services=7, max_flows=3), st.integers(1, 3), st.integers(0, 6),
       st.booleans())
def test_cuts_text_is_the_reference_layout(G, max_order, explained, color):
    report = cuts_report(G, minimal_cut_sets(G, max_order=max_order))
    # fewer explanations than sets: the names-only rest starts inside a group
    report = replace(report, explain_limit=max(1, explained), flows=tuple(
        replace(f, explanations=f.explanations[:explained]) for f in report.flows))
    assert render(report, "text", color=color) == reference(report, color)
