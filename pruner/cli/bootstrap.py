"""bootstrap: can everything start again after a full outage, in what order, and
how long until each flow works?"""

from __future__ import annotations

import click

from pruner.analysis.bootstrap import bootstrap
from pruner.cli.common import (
    EXIT_GATE,
    EXIT_OK,
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


@click.command("bootstrap")
@path_argument
@click.option("--from-off", "from_off", multiple=True, metavar="NAME[,NAME...]",
              help="Partial restart: these went down, everything else still runs "
                   "(repeatable, comma-separated).")
@click.option("--time-budget", type=click.FloatRange(min=0), default=2.0, show_default=True,
              metavar="SECONDS",
              help="Time for proving the unsticking sets minimum (they are minimal anyway).")
@format_option("text", "json", "markdown")
@output_option
def bootstrap_command(path: str, from_off: tuple[str, ...], time_budget: float, fmt: str,
                      output: str | None) -> None:
    """Cold start after a full outage: start-up waves, stuck services and why, when
    each flow works again (spec §10).

    Exit 1 when a critical flow can never be served again.
    """
    _result, G = load_graph(path)
    names = off_names(G, from_off, None) if from_off else None
    result = bootstrap(G, names, budget=time_budget)
    report = bootstrap_report(G, result, source=source_label(path))
    emit_report(report, fmt, output)
    raise SystemExit(EXIT_OK if report.passed else EXIT_GATE)
