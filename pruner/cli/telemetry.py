"""import and drift: manifests from what teams already run, and how far they drifted."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pruner.analysis.discover import CALLS_PER_REQUEST, MIN_TRACES
from pruner.analysis.drift import DRIFT_FAIL_ON
from pruner.cli import limits
from pruner.cli.common import (
    EXIT_GATE,
    EXIT_OK,
    check_output,
    command_inputs,
    emit,
    emit_report,
    format_option,
    load_graph,
    output_option,
    output_path,
    refuse_clobbering,
)
from pruner.errors import InputError, ManifestError, neutral
from pruner.importers import IMPORTERS, import_sources, result_to_yaml
from pruner.importers.base import dependency_count
from pruner.importers.observe import MANIFEST, observe
from pruner.importers.traces import DEFAULT_WINDOW, TRACE_KINDS, discover_sources
from pruner.loader import load, load_sources, manifest_files
from pruner.report import drift_report
from pruner.sources import read_regular

__all__ = ["import_command", "discover_command", "drift"]


_update_options = [
    click.option("--force", is_flag=True, help="Overwrite the --output file if it exists."),
    click.option("--update", is_flag=True,
                 help="Merge into the existing --output manifest, keeping every hand edit "
                      "(comments, order, flows, soft, notes); only adds what is new."),
    click.option("--prune", is_flag=True,
                 help="With --update: delete dependencies the sources no longer show "
                      "(without it they are only reported)."),
]


def _update_options_on(function):
    for option in reversed(_update_options):
        function = option(function)
    return function


def _read_existing(path: str) -> str:
    """The text of the manifest file that --update merges into (a regular file only).

    Text that is not UTF-8 or not YAML (a control character, nesting deeper than any
    manifest) is refused as ``pruner validate`` refuses it, at its ``file:line:col``,
    before the round-trip library reads it and says so in its own words, without a place.
    """
    from pruner.loader.yaml_nodes import NodeReader
    from pruner.sources import read_regular  # refuses FIFOs and devices, never hangs

    content = read_regular(path)
    problems: list = []
    if NodeReader(path, problems.append).compose(content) is None:
        raise ManifestError(problems)
    return content.decode("utf-8")


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


#: A folder manifest with more files than this is not searched for (--update -o FILE).
FOLDER_FILES = 2000


def _few_yaml_files(folder: Path) -> bool:
    """Whether ``folder`` holds at most :data:`FOLDER_FILES` YAML files (counting stops
    there: a home folder is not walked whole)."""
    count = 0
    for _root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        count += sum(1 for f in files if f.endswith((".yaml", ".yml")) and not f.startswith("."))
        if count > FOLDER_FILES:
            return False
    return True


def _folder_of(output: str, existing: str):
    """``(folder, LoadResult)`` when ``output`` is one file of a folder manifest: the
    folder holding it loads with it (even when the file loads alone: it would still define
    a service twice on getting one another file has), or the file does not load alone and
    that folder's parent, not past a git work tree's top, does. At most
    :data:`FOLDER_FILES` files. Else None: the file is validated alone (issue 17 §5)."""
    from pruner.errors import PrunerError

    folder = Path(output).resolve().parent
    for level in range(2):
        if level:
            try:
                load_sources([(output, existing)])
                return None
            except PrunerError:
                pass
        if not _few_yaml_files(folder):
            return None
        try:
            files = manifest_files(folder)
            if len(files) <= FOLDER_FILES and any(_same_file(name, output) for name in files):
                return folder, load(folder)
        except PrunerError:
            pass
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent
    return None


def _refuse_before_reading(output: str) -> None:
    """Refuse an --output that is one of the inputs before reading them (a bad input would
    otherwise be reported first, hiding that the output would clobber it)."""
    if output != "-":
        refuse_clobbering(output, command_inputs())


def _write_manifest(result, output: str, force: bool, update: bool, prune: bool,
                    origin: str) -> None:
    """Write (or, with ``update``, merge) an importer's result; what is written must load."""
    if prune and not update:
        raise click.UsageError("--prune goes with --update")
    if output != "-" and Path(output).is_dir():
        raise InputError(f"{output}: is a folder; --output takes a file name")
    exists = output != "-" and Path(output).exists()
    if update and not exists:
        raise InputError(f"{output}: no such file to --update; drop --update to create it")
    if exists and not force and not update:
        raise InputError(f"{output}: already exists; pass --update to merge into it or "
                         "--force to overwrite it")
    for note in result.notes:
        click.echo(f"pruner: note: {neutral(note)}", err=True)
    if update:
        from pruner.importers.update import update_manifest

        existing = _read_existing(output)
        folder = _folder_of(output, existing)
        elsewhere = frozenset() if folder is None else frozenset(
            name for name, svc in folder[1].manifest.services.items()
            if not _same_file(svc.location.file, output))
        flows_elsewhere = frozenset() if folder is None else frozenset(
            name for name, flow in folder[1].manifest.flows.items()
            if not _same_file(flow.location.file, output))
        merged = update_manifest(existing, result.document, origin,
                                 prune=prune, where=output, elsewhere=elsewhere,
                                 flows_elsewhere=flows_elsewhere)
        text = merged.text
        if folder is None:
            load_sources([(output, text)])  # the merge must still be a valid manifest
        else:  # one file of a folder manifest: the folder, with the merged file in place
            load_sources([(name, text if _same_file(name, output) else read_regular(name))
                          for name in manifest_files(folder[0])])
        for name in merged.elsewhere:
            click.echo(f"pruner: note: {neutral(name)} is defined in another file of "
                       f"{neutral(str(folder[0]) if folder else output)}: left as it is there",
                       err=True)
        for line in merged.stale:
            click.echo(f"pruner: note: no longer seen in the sources (kept; --prune deletes "
                       f"it): {neutral(line)}", err=True)
        for line in merged.pruned:
            click.echo(f"pruner: note: deleted, no longer seen in the sources: {neutral(line)}",
                       err=True)
        emit(text, output, read=result.read)
        click.echo(f"pruner: updated {neutral(output)}: {len(merged.added)} added, "
                   f"{len(merged.stale)} stale, {len(merged.pruned)} deleted", err=True)
        return
    text = result_to_yaml(result)
    load_sources([(output, text)])  # what we write must validate; a failure here is a bug
    emit(text, output, read=result.read)
    services = result.document.get("services", {})
    edges = dependency_count(result.document)
    flows = len(result.document.get("flows") or {})
    flow_text = (f"{flows} flow{'' if flows == 1 else 's'}" if flows
                 else "no flows (add them by hand)")
    if output != "-":
        click.echo(f"pruner: wrote {neutral(output)}: {len(services)} "
                   f"service{'' if len(services) == 1 else 's'}, {edges} "
                   f"dependenc{'y' if edges == 1 else 'ies'}, {flow_text}", err=True)


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(IMPORTERS)))
@click.argument("sources", nargs=-1, required=True, type=click.Path(), metavar="SOURCE...")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              callback=output_path,
              help="The manifest file to write (atomically); '-' for standard output.")
@_update_options_on
def import_command(kind: str, sources: tuple[str, ...], output: str, force: bool,
                   update: bool, prune: bool) -> None:
    """Write a v1 manifest from deployment files, a catalog or traces.

    The first argument says what the SOURCEs are: Kubernetes or docker-compose files,
    Backstage catalog-info files, Jaeger /api/dependencies or /api/traces JSON, Zipkin
    spans, OTLP/JSON traces, OpenTelemetry servicegraph metrics (files or folders,
    searched recursively). Every dependency carries a note saying where it came from;
    the importer's notes go to standard error. An existing file is never overwritten
    without --force; --update merges into it instead, keeping every hand edit. The
    sources say nothing about user flows: add them by hand, or propose them from traces
    with `pruner discover`.
    """
    _refuse_before_reading(output)
    result = import_sources(kind, sources)
    _write_manifest(result, output, force, update, prune, f"added by pruner import {kind}")


def _time_bound(ctx, param, value):
    """--since/--until: RFC 3339 or a duration back from now, as Unix nanoseconds."""
    if value is None:
        return None
    from pruner.importers.tracestore import parse_time

    try:
        return parse_time(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


_window_options = [
    click.option("--since", callback=_time_bound, metavar="TIME",
                 help="Read spans that started at or after TIME: RFC 3339 "
                      "(2026-01-02T03:04:05Z) or a duration back from now (24h, 7d)."),
    click.option("--until", callback=_time_bound, metavar="TIME",
                 help="Read spans that started before TIME (same forms as --since)."),
]


def window_options_on(function):
    """--since/--until (Unix ns after parsing) on a command that reads traces."""
    for option in reversed(_window_options):
        function = option(function)
    return function


@click.command("discover")
@click.argument("sources", nargs=-1, required=True, type=click.Path(), metavar="SOURCE...")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              callback=output_path,
              help="The manifest file to write (atomically); '-' for standard output.")
@click.option("--kind", "trace_kind", type=click.Choice(["auto", *TRACE_KINDS]),
              default="auto", show_default=True,
              help="The trace format; auto tells OTLP/JSON, Jaeger and Zipkin apart by content.")
@click.option("--window", type=click.IntRange(min=1000), default=DEFAULT_WINDOW,
              show_default=True, metavar="SPANS",
              help="Spans held while assembling traces (memory bound).")
@click.option("--max-calls", type=click.IntRange(min=1), default=CALLS_PER_REQUEST,
              show_default=True, metavar="N",
              help="Flag entry points whose requests make more calls than this.")
@click.option("--min-traces", type=click.IntRange(min=1), default=MIN_TRACES,
              show_default=True, metavar="N",
              help="Propose a flow only for entry points seen in at least N successful traces.")
@window_options_on
@_update_options_on
def discover_command(sources: tuple[str, ...], output: str, trace_kind: str, window: int,
                     max_calls: int, min_traces: int, since: int | None, until: int | None,
                     force: bool, update: bool, prune: bool) -> None:
    """Propose flows from traces: one per entry point (the root span's service and operation).

    A flow requires what every trace of its entry point used (as operations, SERVICE:OP)
    and lists what only some traces used as soft items, with the share of traces in the
    note. Services get their operations, with the calls each made: hard when made in
    every run. A call made only after another call failed is proposed as a fallback
    (any_of). Per flow: traces, depth, calls per request; entry points whose requests
    make more than --max-calls calls, and repeated calls that could be batched, are
    flagged in the notes. SOURCEs: OTLP/JSON, Jaeger /api/traces or Zipkin span files or
    folders, streamed; or a trace store, aggregated where the spans are:
    clickhouse://[USER@]HOST[:PORT]/DATABASE[?table=TABLE] (password from
    PRUNER_CLICKHOUSE_PASSWORD), chdb:PATH[?table=[DB.]TABLE] (a local ClickHouse data
    directory, in process), or Parquet files with the exporter's otel_traces columns.
    Failed traces (the root span failed) are kept apart; entry points seen in fewer than
    --min-traces successful traces propose no flow; proposed flows are critical: false,
    with their evidence (traces, share, window), until a person decides.
    """
    _refuse_before_reading(output)
    result = discover_sources(sources, trace_kind, window=window, max_calls=max_calls,
                              min_traces=min_traces, since=since, until=until,
                              memory_cap=limits.WATCHDOG.memory_limit)
    _write_manifest(result, output, force, update, prune, "added by pruner discover")


# --- drift (issue 6) ---
@click.command()
@click.argument("manifest", type=click.Path())
@click.argument("observed", nargs=-1, required=True, type=click.Path())
@click.option("--observed-kind", type=click.Choice(["auto", MANIFEST, *sorted(IMPORTERS)]),
              default="auto", show_default=True,
              help="What OBSERVED is; auto: YAML is a manifest, JSON is told apart by content.")
@click.option("--fail-on", type=click.Choice(DRIFT_FAIL_ON), default="undeclared-critical",
              show_default=True,
              help="Which finding fails the gate: undeclared calls whose caller a critical flow "
                   "reaches, any undeclared call, or never.")
@click.option("--update", is_flag=True,
              help="Record the observed evidence (traces, calls, window) on the items of "
                   "MANIFEST (one file) that the observation confirms, keeping every hand edit.")
@window_options_on
@format_option()
@output_option
def drift(manifest: str, observed: tuple[str, ...], observed_kind: str, fail_on: str,
          since: int | None, until: int | None, fmt: str, output: str | None,
          update: bool) -> None:
    """Compare the dependencies MANIFEST declares with those OBSERVED.

    OBSERVED: Zipkin spans, Jaeger /api/dependencies JSON, another manifest, or what
    any importer reads (--observed-kind); files or folders, several merged; or a trace
    store (clickhouse://..., chdb:PATH, Parquet files), as for `pruner discover`. Reports
    undeclared dependencies (observed calls the manifest lacks), stale declarations
    (declared, never observed), services observed but not declared, and services no
    flow reaches that still receive traffic. Declared edges that a deployment file states
    and traffic never shows are "not observed" (start-up only, telemetry, a rare path),
    not stale. With --update, the evidence of every declared edge the observation
    confirms is recorded in MANIFEST. Exit 1 when the gate fails (by default: an
    undeclared call starts at a service a critical flow reaches).
    """
    if update and (Path(manifest).is_dir() or manifest == "-"):
        raise InputError(f"{manifest}: --update needs one manifest file, not a folder")
    _, G = load_graph(manifest)
    observation = observe(observed, observed_kind, since=since, until=until,
                          memory_cap=limits.WATCHDOG.memory_limit)
    report = drift_report(G, observation, source=manifest, fail_on=fail_on)
    if update:
        from pruner.analysis.drift import confirmed_evidence
        from pruner.importers.update import record_evidence

        if output is not None and output != "-":
            check_output(output)  # a report that cannot be written leaves MANIFEST as it was
        merged = record_evidence(_read_existing(manifest), confirmed_evidence(G, observation),
                                 where=manifest)
        load_sources([(manifest, merged.text)])  # what is written must still load
        if merged.evidence:
            emit(merged.text, manifest, rewriting=manifest)
        click.echo(f"pruner: updated {neutral(manifest)}: evidence recorded on "
                   f"{len(merged.evidence)} item(s) the observation confirms", err=True)
    emit_report(report, fmt, output)
    raise SystemExit(EXIT_OK if report.gate.passed else EXIT_GATE)
