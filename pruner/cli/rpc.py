"""rpc: the RPC fan-out report (issue 22, spec §14)."""

from __future__ import annotations

import click

from pruner.analysis.rpc import MIN_CALLS, RpcAccumulator
from pruner.cli import limits
from pruner.cli.common import (
    EXIT_GATE,
    EXIT_OK,
    command_inputs,
    emit_report,
    format_option,
    output_option,
    refuse_clobbering,
)
from pruner.cli.telemetry import window_options_on
from pruner.errors import neutral
from pruner.importers.base import SourceError
from pruner.importers.traces import DEFAULT_WINDOW, TRACE_KINDS, source_traces
from pruner.render.common import name_list
from pruner.report.rpc import RPC_FAIL_ON, rpc_report

__all__ = ["rpc_command"]


@click.command("rpc")
@click.argument("sources", nargs=-1, required=True, type=click.Path(), metavar="SOURCE...")
@click.option("--manifest", type=click.Path(), default=None, metavar="PATH",
              help="Report roots under the flows that require their operation (what "
                   "`pruner discover` writes) and judge the flows' rpc_budget and "
                   "latency_budget_ms.")
@click.option("--min-calls", type=click.IntRange(min=2), default=MIN_CALLS, show_default=True,
              metavar="N",
              help="Fewest calls from one parent span to one callee operation that make a "
                   "batching candidate (10: Sentry's N+1 API calls detector).")
@click.option("--fail-on", type=click.Choice(RPC_FAIL_ON), default="never", show_default=True,
              help="over-budget: exit 1 when a critical flow's p99 exceeds its rpc_budget or "
                   "latency_budget_ms.")
@click.option("--require-traces", is_flag=True,
              help="Under --fail-on over-budget, a critical flow with a budget that no trace "
                   "reached fails the gate too (fail closed); without it the gate judges the "
                   "flows with traces and names the others as not checked.")
@click.option("--kind", "trace_kind", type=click.Choice(["auto", *TRACE_KINDS]),
              default="auto", show_default=True,
              help="The trace format; auto tells OTLP/JSON, Jaeger and Zipkin apart by content.")
@click.option("--window", type=click.IntRange(min=1000), default=DEFAULT_WINDOW,
              show_default=True, metavar="SPANS",
              help="Spans held while assembling traces (memory bound); a trace with more "
                   "spans is left out, with a warning.")
@window_options_on
@format_option("text", "json", "markdown", "sarif", "html")
@output_option
def rpc_command(sources: tuple[str, ...], manifest: str | None, min_calls: int, fail_on: str,
                require_traces: bool, trace_kind: str, window: int, since: int | None,
                until: int | None, fmt: str, output: str | None) -> None:
    """How many RPCs each request makes, the chain its latency waits on, and the
    repeated calls one batched call could replace.

    Per root operation (or, with --manifest, per flow): RPCs per request (p50, p99,
    max), call depth, the critical path (from the root, repeatedly the child span that
    ends last, as Uber's CRISP does) with each step's self time, and the batching
    candidates: at least --min-calls RPCs from one parent span to one callee
    operation, sequential (each starts after the previous ended: batching saves the
    sum of their durations minus the longest) or parallel (saves calls, not time).
    SOURCEs: OTLP/JSON, Jaeger /api/traces or Zipkin span files or folders, streamed;
    or a trace store (clickhouse://..., chdb:PATH, Parquet files), as for discover.
    Problems in the traces (cycles of parent ids, missing parents, spans that end
    before they start, traces too large for --window) are warnings naming the file
    and trace.
    """
    if output is not None and output != "-":  # before reading: a bad input would hide it
        refuse_clobbering(output, command_inputs())
    model = None
    if manifest is not None:
        from pruner.loader import load

        model = load(manifest).manifest
    notes: list[str] = []
    stats: dict = {}
    acc = RpcAccumulator(min_calls)
    for where, trace in source_traces(sources, trace_kind, window, notes.append, stats,
                                      since=since, until=until,
                                      memory_cap=limits.WATCHDOG.memory_limit):
        acc.add(trace, where)
    report = rpc_report(acc, manifest=model, manifest_path=manifest, sources=sources,
                        files=stats.get("files", 0), fail_on=fail_on, notes=tuple(notes),
                        require_traces=require_traces)
    if not acc.traces:  # say why, then fail as discover does: there is nothing to report
        for line in report.warnings:
            click.echo(f"pruner: warning: {neutral(line)}", err=True)
        raise SourceError(", ".join(sources), "no trace with a root span found: nothing to "
                                              "report")
    if fmt != "text":  # text shows the warnings itself; other formats keep them on stderr
        for line in report.warnings:
            click.echo(f"pruner: warning: {neutral(line)}", err=True)
    # The gate's reason that spec §14's object has no place for: on standard error.
    if fmt == "json" and fail_on != "never" and report.unseen:
        click.echo(f"pruner: warning: flows with a budget but no traces (not checked): "
                   f"{neutral(name_list(report.unseen))}"
                   + ("; the gate fails on the critical ones (--require-traces)"
                      if report.failing_untraced else ""), err=True)
    emit_report(report, fmt, output)
    raise SystemExit(EXIT_OK if report.passed else EXIT_GATE)
