"""import and drift: manifests from what teams already run, and how far they drifted."""

from __future__ import annotations

from pathlib import Path

import click

from pruner.analysis.drift import DRIFT_FAIL_ON
from pruner.cli.common import (
    EXIT_GATE,
    EXIT_OK,
    emit,
    emit_report,
    format_option,
    load_graph,
    output_option,
)
from pruner.errors import InputError, neutral
from pruner.importers import IMPORTERS, import_sources, result_to_yaml
from pruner.importers.observe import MANIFEST, observe
from pruner.loader import load_sources
from pruner.report import drift_report

__all__ = ["import_command", "drift"]


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(IMPORTERS)))
@click.argument("sources", nargs=-1, required=True, type=click.Path(), metavar="SOURCE...")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="The manifest file to write (atomically); '-' for standard output.")
@click.option("--force", is_flag=True, help="Overwrite the --output file if it exists.")
def import_command(kind: str, sources: tuple[str, ...], output: str, force: bool) -> None:
    """Write a v1 manifest from deployment files, a catalog or traces.

    The first argument says what the SOURCEs are: Kubernetes or docker-compose files,
    Backstage catalog-info files, Jaeger /api/dependencies JSON or Zipkin spans (files or
    folders, searched recursively). Every dependency carries a note saying where it came
    from; the importer's notes go to standard error. An existing file is never
    overwritten without --force. The sources say nothing about user flows: add them by
    hand.
    """
    if output != "-" and Path(output).is_dir():
        raise InputError(f"{output}: is a folder; --output takes a file name")
    if output != "-" and Path(output).exists() and not force:
        raise InputError(f"{output}: already exists; pass --force to overwrite it")
    result = import_sources(kind, sources)
    text = result_to_yaml(result)
    load_sources([(output, text)])  # what we write must validate; a failure here is a bug
    for note in result.notes:
        click.echo(f"pruner: note: {neutral(note)}", err=True)
    emit(text, output)
    services = result.document.get("services", {})
    edges = sum(len(s.get("depends_on", ())) for s in services.values())
    flows = len(result.document.get("flows") or {})
    flow_text = (f"{flows} flow{'' if flows == 1 else 's'}" if flows
                 else "no flows (add them by hand)")
    if output != "-":
        click.echo(f"pruner: wrote {neutral(output)}: {len(services)} "
                   f"service{'' if len(services) == 1 else 's'}, {edges} "
                   f"dependenc{'y' if edges == 1 else 'ies'}, {flow_text}", err=True)


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
@format_option()
@output_option
def drift(manifest: str, observed: tuple[str, ...], observed_kind: str, fail_on: str, fmt: str,
          output: str | None) -> None:
    """Compare the dependencies MANIFEST declares with those OBSERVED.

    OBSERVED: Zipkin spans, Jaeger /api/dependencies JSON, another manifest, or what
    any importer reads (--observed-kind); files or folders, several merged. Reports
    undeclared dependencies (observed calls the manifest lacks), stale declarations
    (declared, never observed), services observed but not declared, and services no
    flow reaches that still receive traffic. Exit 1 when the gate fails (by default:
    an undeclared call starts at a service a critical flow reaches).
    """
    _, G = load_graph(manifest)
    observation = observe(observed, observed_kind)
    report = drift_report(G, observation, source=manifest, fail_on=fail_on)
    emit_report(report, fmt, output)
    raise SystemExit(EXIT_OK if report.gate.passed else EXIT_GATE)
