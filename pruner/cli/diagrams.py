"""render and report: the dependency diagram and the HTML page."""

from __future__ import annotations

from pathlib import Path

import click

from pruner.analysis.evaluate import FAIL_ON, switch_off
from pruner.analysis.focus import check_flows
from pruner.cli.common import emit, load_graph, off_names, path_argument
from pruner.errors import InputError, display
from pruner.graphviz_run import run_dot
from pruner.render import render
from pruner.report.diagram import CLUSTER_BY, diagram_report
from pruner.report.overview import overview_report

__all__ = ["render_command", "report_command"]


RENDER_SUFFIXES = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".mmd": "mmd",
                   ".mermaid": "mmd"}
RENDER_FORMATS = ("dot", "svg", "png", "mmd")


def _render_format(output: str, fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    suffix = Path(output).suffix.lower()
    if suffix not in RENDER_SUFFIXES:
        raise InputError(
            f"cannot tell the format of {display(output)} from its suffix: "
            "use .dot, .svg, .png or .mmd, or --format")
    return RENDER_SUFFIXES[suffix]


def _diagram_options(function):
    function = click.option(
        "--cluster-by", type=click.Choice(CLUSTER_BY), default="system", show_default=True,
        help="Draw a box around the services of each system or owning team.")(function)
    function = click.option(
        "--depth", type=click.IntRange(min=1), default=None,
        help="Show services at most N dependency steps below the flows.")(function)
    function = click.option(
        "--flow", "flows", multiple=True, metavar="NAME",
        help="Show only this flow and what it stands on (repeatable).")(function)
    function = click.option(
        "--off-file", type=click.Path(dir_okay=False), default=None,
        help="File with one service name per line (# comments).")(function)
    function = click.option(
        "--off", "off", multiple=True, metavar="NAME[,NAME...]",
        help="Services to switch off (repeatable, comma-separated).")(function)
    return function


@click.command("render")
@path_argument
@_diagram_options
@click.option("--format", "fmt", type=click.Choice(RENDER_FORMATS), default=None,
              help="Output format (default: from the suffix of --output).")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="The file to write: .dot, .svg, .png or .mmd (- for standard output).")
@click.option("--bootstrap", "bootstrap", is_flag=True,
              help="Draw the start-up waves after a full outage instead, left to right, "
                   "start-up cycles in red (with --off: a partial restart of those).")
def render_command(path: str, off: tuple[str, ...], off_file: str | None,
                   flows: tuple[str, ...], depth: int | None, cluster_by: str,
                   fmt: str | None, output: str, bootstrap: bool = False) -> None:
    """Draw the dependency diagram, with what --off breaks painted on it.

    Flows at the top, hard dependencies solid, soft ones dashed, fallback and
    quorum groups as small junctions. SVG and PNG need Graphviz (dot); .dot and
    .mmd (Mermaid) do not. Exit 0 when the file is written, whatever broke.
    """
    fmt = _render_format(output, fmt)
    if output == "-" and fmt == "png":
        raise InputError("PNG is binary: write it to a file with --output FILE.png")
    result, G = load_graph(path)
    if bootstrap:
        diagram = _bootstrap_diagram(G, off_names(G, off, off_file), path)
    else:
        ev = switch_off(G, off_names(G, off, off_file))
        check_flows(G, flows)
        title = f"{path}: {', '.join(ev.off)} switched off" if ev.off else str(path)
        diagram = diagram_report(G, ev, flows=flows, depth=depth, cluster_by=cluster_by,
                                 title=title)
    if fmt == "mmd":
        emit(render(diagram, "mermaid"), output)
        return
    source = render(diagram, "dot")
    if fmt == "dot":
        emit(source, output)
        return
    data = run_dot(source, fmt)
    if fmt == "svg":
        # Imported here: only drawing needs the graphviz package, so `check` starts faster.
        from pruner.render.dot import tidy_svg

        data = tidy_svg(data.decode("utf-8")).encode("utf-8")
    emit(data, output)


def _bootstrap_diagram(G, names: list[str], path: str):
    """The diagram of ``render --bootstrap`` (issue 13)."""
    from pruner.analysis.bootstrap import bootstrap
    from pruner.report.bootstrap import bootstrap_diagram

    result = bootstrap(G, names or None, timed=False, fixes=False)
    title = (f"{path}: restart of {', '.join(result.from_off)}" if result.from_off
             else f"{path}: cold start")
    return bootstrap_diagram(G, result, title=title)


@click.command("report")
@path_argument
@_diagram_options
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="broken", show_default=True,
              help="Which state of a critical flow the verdict counts as a failure.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="The HTML file to write (- for standard output).")
def report_command(path: str, off: tuple[str, ...], off_file: str | None,
                   flows: tuple[str, ...], depth: int | None, cluster_by: str,
                   fail_on: str, output: str) -> None:
    """Write one self-contained HTML page: verdict, flows, single points of failure, diagram.

    Needs Graphviz (dot) for the diagram. The page fetches nothing and runs no
    script. Exit 0 when the file is written, whatever the verdict (use `pruner
    check` as the gate).
    """
    result, G = load_graph(path)
    ev = switch_off(G, off_names(G, off, off_file))
    check_flows(G, flows)
    overview = overview_report(G, ev, source=path, flows=flows, depth=depth,
                               cluster_by=cluster_by, fail_on=fail_on)
    svg = run_dot(render(overview.diagram, "dot"), "svg").decode("utf-8")
    emit(render(overview, "html", svg=svg), output)
