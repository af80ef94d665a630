"""render and report: the dependency diagram and the HTML page."""

from __future__ import annotations

from pathlib import Path

import click

from pruner.analysis.evaluate import FAIL_ON, switch_off
from pruner.analysis.focus import check_flows
from pruner.cli import limits
from pruner.cli.common import (
    Progress,
    budget_option,
    complete_flows,
    emit,
    gc_paused,
    load_graph,
    off_names,
    off_option,
    output_path,
    path_argument,
    source_label,
)
from pruner.cli.limits import DEFAULT_TIME_BUDGET
from pruner.errors import InputError, display, neutral
from pruner.render import render
from pruner.render.common import name_list, plural
from pruner.report.diagram import CLUSTER_BY, FLOW, SERVICE, diagram_report

__all__ = ["render_command", "report_command"]


RENDER_SUFFIXES = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".mmd": "mmd",
                   ".mermaid": "mmd"}
RENDER_FORMATS = ("dot", "svg", "png", "mmd")
#: Above this many services a picture cannot be read (boxes shrink to dots, edges merge
#: into a band): `render` says so and suggests --flow / --depth.
READABLE = 150
#: Above this many Graphviz takes minutes (1,000 services: 40 s and a 96,599 pt SVG).
SLOW = 1000


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
        "--flow", "flows", multiple=True, metavar="NAME", shell_complete=complete_flows,
        help="Show only this flow and what it stands on (repeatable).")(function)
    function = click.option(
        "--off-file", type=click.Path(dir_okay=False), default=None,
        help="File with one service name per line (# comments).")(function)
    function = off_option(function)
    return function


def _layout(source: str, fmt: str, diagram) -> bytes:
    """Run Graphviz, saying on a terminal what it is laying out (on big diagrams
    that is most of the time, see benchmarks/README.md)."""
    nodes = (len(diagram.nodes) if hasattr(diagram, "nodes")  # a BootstrapDiagram has columns
             else sum(len(names) for _, names in diagram.columns))
    what = (f"Graphviz dot: laying out {plural(nodes, 'node', 'nodes')}, "
            f"{plural(len(diagram.edges), 'edge', 'edges')}")
    import time

    deadline = limits.budget_deadline()
    left = 3600.0 if deadline is None else deadline - time.monotonic()
    with Progress(what) as bar:
        bar(0, 1)
        # only a layout needs it: .dot, .mmd and a page with no picture start lighter
        from pruner.graphviz_run import run_dot

        return run_dot(source, fmt, timeout=left, memory=limits.WATCHDOG.memory_limit)


@click.command("render")
@path_argument
@_diagram_options
@click.option("--format", "fmt", type=click.Choice(RENDER_FORMATS), default=None,
              help="Output format (default: from the suffix of --output).")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              callback=output_path,
              help="The file to write: .dot, .svg, .png or .mmd (- for standard output).")
@click.option("--bootstrap", "bootstrap", is_flag=True,
              help="Draw the start-up waves after a full outage instead, left to right, "
                   "start-up cycles in red (with --off: a partial restart of those).")
@budget_option("Graphviz gets what is left of it; when it runs out: exit 3, one line, "
               "no file.")
def render_command(path: str, off: tuple[str, ...], off_file: str | None,
                   flows: tuple[str, ...], depth: int | None, cluster_by: str,
                   fmt: str | None, output: str, bootstrap: bool = False,
                   time_budget: float = DEFAULT_TIME_BUDGET) -> None:
    """Draw the dependency diagram, with what --off breaks painted on it.

    Flows at the top, hard dependencies solid, soft ones dashed, fallback and
    quorum groups as small junctions. SVG and PNG need Graphviz (dot); .dot and
    .mmd (Mermaid) do not. Exit 0 when the file is written, whatever broke.
    """
    fmt = _render_format(output, fmt)
    if output == "-" and fmt == "png":
        raise InputError("PNG is binary: write it to a file with --output FILE.png")
    # A diagram calls no networkx algorithm (the start-up waves do): the light graph
    # spares networkx's import and the DiGraph's build.
    result, G = load_graph(path, light=not bootstrap)
    if bootstrap:
        diagram = _bootstrap_diagram(G, off_names(G, off, off_file), source_label(path))
    else:
        ev = switch_off(G, off_names(G, off, off_file))
        check_flows(G, flows)
        # a title names at most 20 services: --off tag:T may switch off hundreds
        title = f"{path}: {name_list(ev.off)} switched off" if ev.off else str(path)
        with gc_paused():
            diagram = diagram_report(G, ev, flows=flows, depth=depth, cluster_by=cluster_by,
                                     title=title)
    if bootstrap:  # the start-up waves draw every service (one column per wave), no flow
        services = len({name for _, names in diagram.columns for name in names})
        shown_flows = 0
    else:
        services = sum(1 for node in diagram.nodes if node.kind == SERVICE)
        shown_flows = sum(1 for node in diagram.nodes if node.kind == FLOW)
    if services > READABLE and not bootstrap:
        slow = (f"; Graphviz needs minutes for {services} services"
                if services > SLOW and fmt in ("svg", "png") else "")
        click.echo(f"pruner: warning: the diagram holds {services} services, too many to read "
                   f"in one picture{slow}: draw less with --flow NAME and --depth N, or open "
                   "`pruner report`'s page, which draws one flow or service at a time", err=True)
    if fmt == "mmd":
        with gc_paused():
            source = render(diagram, "mermaid")
        emit(source, output)
    else:
        with gc_paused():
            source = render(diagram, "dot")
        if fmt == "dot":
            emit(source, output)
        else:
            data = _layout(source, fmt, diagram)
            if fmt == "svg":
                # Imported here: only drawing needs the graphviz package, so `check` starts faster.
                from pruner.render.style import tidy_svg

                data = tidy_svg(data.decode("utf-8")).encode("utf-8")
            emit(data, output)
    _wrote(output, f"{plural(services, 'service', 'services')}, "
                   f"{plural(shown_flows, 'flow', 'flows')}")


def _wrote(output: str, what: str) -> None:
    """Say on standard error what was written (as `import` does), unless it went to stdout."""
    if output != "-":
        click.echo(f"pruner: wrote {neutral(output)}: {what}", err=True)  # a name stays inert


def _bootstrap_diagram(G, names: list[str], path: str):
    """The diagram of ``render --bootstrap`` (issue 13)."""
    from pruner.analysis.bootstrap import bootstrap
    from pruner.report.bootstrap import bootstrap_diagram

    result = bootstrap(G, names or None, timed=False, fixes=False)
    title = (f"{path}: restart of {name_list(result.from_off)}" if result.from_off
             else f"{path}: cold start")
    return bootstrap_diagram(G, result, title=title)


@click.command("report")
@path_argument
@_diagram_options
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="broken", show_default=True,
              help="Which state of a critical flow the verdict counts as a failure.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              callback=output_path,
              help="The HTML file to write (- for standard output).")
@budget_option("Graphviz gets what is left of it; when it runs out: exit 3, one line, "
               "no file.")
def report_command(path: str, off: tuple[str, ...], off_file: str | None,
                   flows: tuple[str, ...], depth: int | None, cluster_by: str,
                   fail_on: str, output: str,
                   time_budget: float = DEFAULT_TIME_BUDGET) -> None:
    """Write the what-if page: one self-contained HTML file to switch services off by clicking.

    Click a service (in the lists or the diagram) to switch it off or on; flows,
    services and explanations follow at once, and the address keeps the what-if
    (#off=NAME,NAME), so a link shows it. --off is the initial state, which the page
    also shows with scripts disabled. Focus on a flow or a service to draw only what
    it stands on (or what depends on it). The page fetches nothing (a
    Content-Security-Policy forbids it). Needs Graphviz (dot) for the no-script
    picture when it has at most 150 services. Exit 0 when the file is written,
    whatever the verdict (use `pruner check` as the gate).
    """
    result, G = load_graph(path, light=True)  # no networkx algorithm runs: spare its import
    ev = switch_off(G, off_names(G, off, off_file))
    check_flows(G, flows)
    from pruner.report.overview import overview_report  # report only: render starts lighter

    overview = overview_report(G, ev, source=source_label(path), flows=flows, depth=depth,
                               cluster_by=cluster_by, fail_on=fail_on)
    svg = None
    if overview.diagram is not None:
        svg = _layout(render(overview.diagram, "dot"), "svg", overview.diagram).decode("utf-8")
    emit(render(overview, "html", svg=svg), output)
    nodes = plural(len(overview.nodes), "service or operation", "services and operations")
    _wrote(output, f"{nodes}, {plural(len(overview.flow_defs), 'flow', 'flows')}")
