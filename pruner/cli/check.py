"""validate, check and schema: is the manifest valid, and what breaks if services go?"""

from __future__ import annotations

import click

from pruner.analysis.availability import extra_nine
from pruner.analysis.evaluate import FAIL_ON, switch_off
from pruner.analysis.lint import lint
from pruner.cli.common import (
    EXIT_GATE,
    EXIT_OK,
    emit_report,
    format_option,
    load_graph,
    off_names,
    output_option,
    path_argument,
)
from pruner.report import check_report, validate_report
from pruner.schema import schema_text

__all__ = ["validate", "check", "schema"]


@click.command()
@path_argument
@format_option("text", "json")
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
def validate(path: str, fmt: str, strict: bool) -> None:
    """Check that the manifest at PATH is valid; print warnings.

    Warnings: hard dependency cycles, items that name a service twice, services no
    flow reaches, and the "extra nine" of availability targets (a flow whose target
    its hard dependencies cannot give; a single point of failure of a critical flow
    less than ten times as reliable as the flow's target).
    """
    result, G = load_graph(path)
    warnings = list(result.warnings) + lint(G) + extra_nine(G)
    report = validate_report(G, warnings, source=path)
    emit_report(report, fmt, None)
    if strict and warnings:
        raise SystemExit(EXIT_GATE)


@click.command()
@path_argument
@click.option("--off", "off", multiple=True, metavar="NAME[,NAME...]",
              help="Services to switch off (repeatable, comma-separated).")
@click.option("--off-file", type=click.Path(dir_okay=False), default=None,
              help="File with one service name per line (# comments).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="broken", show_default=True,
              help="Which state of a critical flow fails the gate.")
@format_option()
@output_option
def check(path: str, off: tuple[str, ...], off_file: str | None, fail_on: str, fmt: str,
          output: str | None) -> None:
    """What breaks if the services --off are switched off?

    Lists every flow (broken, degraded, ok) with the chain of failed requirements
    behind each broken or degraded one.
    """
    result, G = load_graph(path)
    ev = switch_off(G, off_names(G, off, off_file))
    report = check_report(G, ev, source=path, fail_on=fail_on,
                          explain_services=fmt not in ("text", "json"))
    emit_report(report, fmt, output)
    raise SystemExit(EXIT_OK if report.gate.passed else EXIT_GATE)


@click.command()
def schema() -> None:
    """Print the JSON Schema of the manifest format (for editors and yaml-language-server)."""
    click.echo(schema_text(), nl=False)
