"""validate, check and schema: is the manifest valid, and what breaks if services go?"""

from __future__ import annotations

import click

from pruner.analysis.evaluate import FAIL_ON, switch_off
from pruner.cli.common import (
    EXIT_GATE,
    EXIT_OK,
    budget_option,
    complete_flows,
    deadline_after,
    emit,
    emit_report,
    format_option,
    load_graph,
    off_names,
    off_option,
    output_option,
    path_argument,
    selected_flows,
    source_label,
)
from pruner.report.check import check_report, validate_report

__all__ = ["validate", "check", "schema"]


@click.command()
@path_argument
@format_option("text", "json")
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
@budget_option("When it runs out: exit 3, one line, no output.")
def validate(path: str, fmt: str, strict: bool, time_budget: float) -> None:
    """Check that the manifest at PATH is valid; print warnings.

    Warnings: hard dependency cycles, items that name a service twice, services no
    flow reaches, and the "extra nine" of availability targets (a flow whose target
    its hard dependencies cannot give; a single point of failure of a critical flow
    less than ten times as reliable as the flow's target).
    """
    from pruner.analysis.lint import lint

    # No networkx algorithm runs here either (the lints walk plain lists): light graph.
    result, G = load_graph(path, light=True, flows_note=False)
    # validate only: check starts lighter; the lint is skipped, with a warning that
    # says so, when its BDD does not fit the budget (LINT_TIME_BUDGET, DEFAULT_MAX_NODES)
    from pruner.analysis.availability import LINT_TIME_BUDGET, extra_nine_lint
    from pruner.analysis.evidence import evidence_problems

    lint_deadline = deadline_after(LINT_TIME_BUDGET)  # within the command's own budget
    warnings = (list(result.warnings) + lint(G) + extra_nine_lint(G, lint_deadline)
                + evidence_problems(G.graph["manifest"], path))
    report = validate_report(G, warnings, source=source_label(path))
    emit_report(report, fmt, None)
    if strict and warnings:
        raise SystemExit(EXIT_GATE)


@click.command()
@path_argument
@off_option
@click.option("--off-file", type=click.Path(dir_okay=False), default=None,
              help="File with one service name per line (# comments).")
@click.option("--flow", "flow_names", multiple=True, metavar="NAME",
              shell_complete=complete_flows,
              help="Only this flow, in the report and the gate, critical or not "
                   "(repeatable, comma-separated).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="broken", show_default=True,
              help="Which state of a critical flow (or of a --flow) fails the gate.")
@format_option()
@output_option
def check(path: str, off: tuple[str, ...], off_file: str | None, flow_names: tuple[str, ...],
          fail_on: str, fmt: str, output: str | None) -> None:
    """What breaks if the services --off are switched off?

    Lists every flow (broken, degraded, ok) with the chain of failed requirements
    behind each broken or degraded one; with --flow, only those flows.
    """
    # No networkx algorithm runs here: the light graph spares its import (start-up).
    result, G = load_graph(path, light=True)
    flows = selected_flows(G, flow_names)
    ev = switch_off(G, off_names(G, off, off_file))
    # No format prints a service's own explanation (each prints the flows'), so none is
    # built: explaining every DOWN service was a third of a 10,000-cycle's markdown run.
    report = check_report(G, ev, source=source_label(path), fail_on=fail_on, flows=flows)
    emit_report(report, fmt, output)
    raise SystemExit(EXIT_OK if report.gate.passed else EXIT_GATE)


@click.command()
def schema() -> None:
    """Print the JSON Schema of the manifest format (for editors and yaml-language-server)."""
    from pruner.schema import schema_text

    emit(schema_text(), None)
