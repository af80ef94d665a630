"""cuts, essential and rank: failure analysis over every flow."""

from __future__ import annotations

import click

from pruner.analysis.cuts import minimal_cut_sets
from pruner.cli.common import (
    SELECTOR_HELP,
    Progress,
    among_services,
    budget_option,
    complete_flows,
    complete_services,
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
from pruner.report import cuts_report, essential_report, rank_report

__all__ = ["cuts", "essential", "rank"]

PROOF_SECONDS = 10.0  # essential: time for proving the keep set minimum


@click.command()
@path_argument
@flow_option
@click.option("--max-order", type=click.IntRange(min=1), default=2, show_default=True,
              metavar="K", help="Largest cut set size to find.")
@click.option("--among", "among", multiple=True, metavar="SELECTOR[,...]",
              shell_complete=complete_services,
              help=f"Only these services may be switched off: {SELECTOR_HELP} "
                   "(repeatable, comma-separated).")
@budget_option("When it runs out: the flows not finished list only their single points "
               "of failure and say complete: false (exit 0, a note on stderr).")
@format_option("text", "json")
@output_option
def cuts(path: str, flow_names: tuple[str, ...], max_order: int, among: tuple[str, ...],
         time_budget: float | None, fmt: str, output: str | None) -> None:
    """Minimal cut sets: the smallest sets of services whose switching off breaks each flow.

    Exact, up to --max-order services per set; single points of failure first. With
    --time-budget (default 60 s), flows not finished in time list only their single
    points of failure and say complete: false. Exit 0 when the search ran (complete or
    not), 2 on bad input.
    """
    _, G = load_graph(path, light=True)  # no networkx algorithm runs: spare its import
    flows = selected_flows(G, flow_names)
    candidates = among_services(G, among)
    # The diagrams, the cut sets (baobab1: 46,188 tuples of names) and their text are
    # acyclic: built with the collector paused (two collections scanning them took
    # 22 ms of a 0.45 s run)
    with Progress("cuts") as bar, gc_paused():
        results = minimal_cut_sets(G, flows, max_order, candidates,
                                   deadline=deadline_after(), progress=bar)
        report = cuts_report(G, results, source=source_label(path), among=candidates,
                             explain=fmt == "text")
        emit_report(report, fmt, output)
    if not report.complete:
        # Not only the clock: a diagram's node cap, or more sets than a flow may list
        # (analysis.cuts.MAX_CUT_SETS), ends the search too, often within a second.
        click.echo("pruner: note: a limit stopped the search (the time budget, a diagram's "
                   "node cap, or more than 1,000,000 cut sets in a flow); results marked "
                   "incomplete", err=True)


@click.command()
@path_argument
@flow_option
@budget_option("The proof of a minimum keep set gets at most 10 s of it (minimum: "
               "false when unproven); the minimal set itself is always computed.")
@format_option("text", "json")
@output_option
def essential(path: str, flow_names: tuple[str, ...], time_budget: float | None, fmt: str,
              output: str | None) -> None:
    """The keep set: services that must stay on for the critical flows (or --flow) to work.

    Always minimal (no kept service can go); "minimum" only when proven within the time
    budget (default 10 s for the proof; the minimal set itself is always computed).
    """
    _, G = load_graph(path, light=True)  # no networkx algorithm runs: spare its import
    flows = selected_flows(G, flow_names)
    from pruner.analysis.essential import essential as essential_analysis  # its command only

    with Progress("essential") as bar:
        result = essential_analysis(G, flows, deadline=deadline_after(PROOF_SECONDS),
                                    progress=bar)
    report = essential_report(G, result, source=source_label(path))
    emit_report(report, fmt, output)


@click.command()
@path_argument
@click.option("--flow", "flow_names", multiple=True, metavar="NAME",
              shell_complete=complete_flows,
              help="Rank by harm to this flow (repeatable, comma-separated); default: every "
                   "critical flow.")
@budget_option("When it runs out, the ranking counts only the cut sets found and says "
               "INCOMPLETE (JSON: complete: false).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True,
              help="text: one line per service, most harmful first; json: the same as data.")
@output_option
def rank(path: str, flow_names: tuple[str, ...], time_budget: float | None, fmt: str,
         output: str | None) -> None:
    """Services by harm: critical flows each alone breaks, then order-<=2 cut sets it is in.

    Each service that appears in some minimal cut set of order <= 2 of the flows is
    listed with the flows it breaks on its own (it is their single point of failure)
    and the number of order-<=2 cut sets it is part of; ties are sorted by name.
    """
    _, G = load_graph(path, light=True)  # no networkx algorithm runs: spare its import
    flows = selected_flows(G, flow_names)
    from pruner.analysis.rank import rank as rank_analysis  # its command only

    with Progress("rank") as bar:
        ranking = rank_analysis(G, flows, deadline=deadline_after(), progress=bar)
    report = rank_report(ranking, source=source_label(path))
    emit_report(report, fmt, output)
