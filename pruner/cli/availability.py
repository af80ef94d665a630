"""availability: exact flow availability from per-service availabilities, and what
to harden first (issue 12, spec §9)."""

from __future__ import annotations

import click

from pruner.analysis.availability import OutOfTime, flow_availability
from pruner.cli.common import (
    EXIT_GATE,
    EXIT_OK,
    Progress,
    budget_option,
    deadline_after,
    emit_report,
    flow_option,
    format_option,
    gc_paused,
    load_graph,
    output_option,
    path_argument,
    selected_flows,
    source_label,
)
from pruner.errors import BudgetExhausted
from pruner.report.availability import availability_report

__all__ = ["availability"]


@click.command()
@path_argument
@flow_option
@budget_option("When it runs out: exit 3, one line, no output (the gate fails closed).")
@format_option("text", "json", "markdown")
@output_option
def availability(path: str, flow_names: tuple[str, ...], time_budget: float | None, fmt: str,
                 output: str | None) -> None:
    """Exact availability of each flow, its target, and which service to harden first.

    Each service is itself down with probability 1 - availability (default 1),
    independently; a flow's availability is the exact probability that it is not
    BROKEN (a BDD over its hard support). Per service: MIF (Birnbaum), CIF, DIF
    (Fussell-Vesely: its share of the flow's downtime), RAW and RRW. Exit 1 when a
    critical flow misses its target.
    """
    _, G = load_graph(path, light=True)  # no networkx algorithm runs: spare its import
    flows = selected_flows(G, flow_names)
    # a budget that runs out (the command's --time-budget, the diagram's node cap)
    # raises BudgetExhausted: exit 3, the flows not computed named
    # the diagrams are acyclic: built with the collector paused (baobab1: a collection
    # scanning them took 6 ms of a 0.25 s run)
    with gc_paused():
        try:
            with Progress("availability") as bar:
                results = flow_availability(G, flows, deadline=deadline_after(), progress=bar)
        except OutOfTime as exc:
            raise BudgetExhausted(f"{exc.message} (--time-budget {time_budget:g} s; fail "
                                  f"closed): raise --time-budget, or try fewer flows (--flow)",
                                  partial=exc.partial) from None
        report = availability_report(results, source=source_label(path))
        emit_report(report, fmt, output)
    raise SystemExit(EXIT_OK if report.passed else EXIT_GATE)
