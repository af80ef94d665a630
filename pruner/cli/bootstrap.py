"""bootstrap: can everything start again after a full outage, in what order, and
how long until each flow works?"""

from __future__ import annotations

import time

import click

from pruner.analysis.bootstrap import bootstrap
from pruner.cli.common import (
    EXIT_GATE,
    EXIT_OK,
    budget_option,
    deadline_after,
    emit_report,
    format_option,
    load_graph,
    off_names,
    output_option,
    path_argument,
    source_label,
)
from pruner.report.bootstrap import bootstrap_report

__all__ = ["bootstrap_command"]

SEARCH_SECONDS = 2.0  # the unsticking sets' search: minimal, then minimum


@click.command("bootstrap")
@path_argument
@click.option("--from-off", "from_off", multiple=True, metavar="NAME[,NAME...]",
              help="Partial restart: these went down, everything else still runs "
                   "(repeatable, comma-separated).")
@budget_option("The search for the smallest unsticking sets gets at most 2 s of it: sets "
               "not proven minimal (or minimum) in time say so.")
@format_option("text", "json", "markdown")
@output_option
def bootstrap_command(path: str, from_off: tuple[str, ...], time_budget: float, fmt: str,
                      output: str | None) -> None:
    """Cold start after a full outage: start-up waves, stuck services and why, when
    each flow works again (spec §10).

    Exit 1 when a critical flow can never be served again.
    """
    _result, G = load_graph(path, light=True)  # no networkx algorithm runs: spare its import
    names = off_names(G, from_off, None, "--from-off") if from_off else None
    deadline = deadline_after(SEARCH_SECONDS)
    result = bootstrap(G, names, budget=max(0.0, deadline - time.monotonic()))
    report = bootstrap_report(G, result, source=source_label(path))
    emit_report(report, fmt, output)
    raise SystemExit(EXIT_OK if report.passed else EXIT_GATE)
