"""diff: the CI gate on a manifest change."""

from __future__ import annotations

import click

from pruner.analysis.diff import AVAILABILITY_FAIL_ON, DIFF_FAIL_ON
from pruner.cli.common import (
    EXIT_GATE,
    EXIT_OK,
    STDIN,
    budget_option,
    emit_report,
    format_option,
    gc_paused,
    load_manifest,
    output_option,
    refuse_empty_names,
    source_label,
)
from pruner.graph import dependency_graph
from pruner.loader import load_sources
from pruner.report import diff_report

__all__ = ["diff"]


@click.command()
@click.argument("paths", nargs=-1, metavar="OLD NEW | --base GIT_REV [PATH]")
@click.option("--base", metavar="GIT_REV", default=None,
              help="Compare PATH as of this git revision with the working tree.")
@click.option("--fail-on", type=click.Choice(DIFF_FAIL_ON + AVAILABILITY_FAIL_ON),
              default="spof", show_default=True,
              help="What fails the gate. broken: a critical flow breaks (a masked break "
                   "too), or a start-up regression (a new start-up cycle, a critical flow "
                   "that can no longer be brought back after a full outage); spof: that, "
                   "or a critical flow gains a single point of failure or drops below its "
                   "availability target; target: the same as spof; extra-nine: spof, or a "
                   "critical flow gains an 'extra nine' warning; degraded: spof, or a "
                   "critical flow gets degraded, is deleted or is no longer critical; "
                   "never: report only.")
@click.option("--accept-removal", "accept", multiple=True, metavar="NAME[,NAME...]",
              help="Accept that removing these services breaks flows that were critical in "
                   "OLD, though NEW no longer shows it (a masked break). Each must be a "
                   "service the change removes. Repeatable, comma-separated.")
@budget_option("When it runs out: exit 3, one line, no output (the gate fails closed).")
@format_option()
@output_option
def diff(paths: tuple[str, ...], base: str | None, fail_on: str, accept: tuple[str, ...],
         time_budget: float, fmt: str, output: str | None) -> None:
    """What does a change to the manifest break?

    Services in OLD that NEW lacks count as switched off in NEW: references that a
    deletion leaves dangling are the breakage to report, not input errors. Removals
    are also judged on OLD: a flow critical in OLD that breaks there with the
    removed services off fails the gate even when the same change drops the
    requirement, rewires the dependency, demotes or deletes the flow (a masked
    break), unless --accept-removal names those services. Reports flows that break
    or get worse or better, single points of failure gained and lost, deleted flows,
    dependency and owner changes. Exit 1 when the gate fails.
    """
    refuse_empty_names(accept, "--accept-removal")
    if base is not None:
        if len(paths) > 1:
            raise click.UsageError("with --base give at most one PATH")
        new_path = paths[0] if paths else "."
        if new_path == STDIN:
            raise click.UsageError("with --base, PATH names files in the git repository; "
                                   "standard input ('-') has no revision to compare with")
        from pruner.gitsource import sources_at  # git and its temp files: --base only

        old_sources = sources_at(base, new_path)
        old_label = f"{new_path}@{base}"
    else:
        if len(paths) != 2:
            raise click.UsageError("give OLD and NEW paths, or --base GIT_REV [PATH]")
        old_path, new_path = paths
        old_label = source_label(old_path)
        old_sources = None
    # Both versions and their graphs built with the collector paused, as every other
    # command builds its one (a collector running over them cost about 0.4 s at 20,000).
    with gc_paused():
        if old_sources is not None:
            old = load_sources(old_sources)
        else:
            old = load_manifest(old_path, what="OLD")
        new = load_manifest(new_path, assume_services=old.manifest.nodes,  # removed ops too
                            what="NEW")
        # no networkx algorithm runs: the light graphs spare its import
        G_old = dependency_graph(old.manifest, light=True)
        G_new = dependency_graph(new.manifest, light=True)
    report = diff_report(G_old, G_new,
                         new.assumed, old_source=old_label, new_source=source_label(new_path),
                         fail_on=fail_on,
                         accept=[n.strip() for v in accept for n in v.split(",") if n.strip()])
    emit_report(report, fmt, output)
    raise SystemExit(EXIT_OK if report.gate.passed else EXIT_GATE)
