"""The command line: the only module that reads arguments, prints, writes files
and maps exceptions to exit codes (0 gate holds, 1 gate fails, 2 bad input)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from pruner import __version__
from pruner.analysis.evaluate import FAIL_ON, switch_off
from pruner.analysis.lint import lint
from pruner.errors import (
    InputError,
    ManifestError,
    PrunerError,
    UnknownNameError,
    did_you_mean,
    display,
)
from pruner.graph import dependency_graph
from pruner.loader import load
from pruner.render import FORMATS, render
from pruner.report import check_report, validate_report
from pruner.schema import schema_text

__all__ = ["main"]

EXIT_OK, EXIT_GATE, EXIT_INPUT = 0, 1, 2
MAX_PROBLEM_LINES = 100


class _Cli(click.Group):
    """Maps pruner's exceptions to exit code 2 with one line per problem, no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ManifestError as exc:
            shown = exc.problems[:MAX_PROBLEM_LINES]
            for problem in shown:
                click.echo(f"pruner: {problem}", err=True)
            more = len(exc.problems) - len(shown) + exc.omitted
            if more:
                click.echo(f"pruner: ... and {more} more problems", err=True)
            raise SystemExit(EXIT_INPUT) from None
        except PrunerError as exc:
            click.echo(f"pruner: error: {exc}", err=True)
            raise SystemExit(EXIT_INPUT) from None


def _color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _emit(text: str, output: str | None) -> None:
    """Print ``text``, or write it to ``output`` atomically (a temp file, then rename)."""
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    target = Path(output)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"cannot write {display(output)}: no folder {display(str(directory))}")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_graph(path: str):
    result = load(path)
    return result, dependency_graph(result.manifest)


def _off_names(G, values: tuple[str, ...], off_file: str | None) -> list[str]:
    """Names from ``--off`` (comma-separated, repeatable) and ``--off-file``."""
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    if off_file is not None:
        try:
            lines = Path(off_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{off_file}: cannot read: {getattr(exc, 'strerror', None) or exc}")
        for number, raw in enumerate(lines, 1):
            name = raw.split("#", 1)[0].strip()
            if not name:
                continue
            if name not in G:
                raise UnknownNameError(
                    f"{off_file}:{number}: unknown service {display(name)}{did_you_mean(name, G)}"
                )
            names.append(name)
    return names


def _format_option(*allowed: str):
    choices = [f for f in FORMATS if not allowed or f in allowed]
    return click.option("--format", "fmt", type=click.Choice(choices), default="text",
                        show_default=True, help="Output format.")


_output_option = click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=False), default=None,
    help="Write to this file (atomically) instead of standard output.",
)
_path_argument = click.argument("path", type=click.Path(exists=False))


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pruner")
def main() -> None:
    """Know which user flows break before you switch services off.

    Exit codes: 0 ran and the gate holds; 1 ran and the gate fails; 2 bad usage or input.
    """


@main.command()
@_path_argument
@_format_option("text", "json")
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
def validate(path: str, fmt: str, strict: bool) -> None:
    """Check that the manifest at PATH is valid; print warnings.

    Warnings: hard dependency cycles, items that name a service twice, services no
    flow reaches.
    """
    result, G = _load_graph(path)
    warnings = list(result.warnings) + lint(G)
    report = validate_report(G, warnings, source=path)
    options = {"color": _color()} if fmt == "text" else {}
    _emit(render(report, fmt, **options), None)
    if strict and warnings:
        raise SystemExit(EXIT_GATE)


@main.command()
@_path_argument
@click.option("--off", "off", multiple=True, metavar="NAME[,NAME...]",
              help="Services to switch off (repeatable, comma-separated).")
@click.option("--off-file", type=click.Path(dir_okay=False), default=None,
              help="File with one service name per line (# comments).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="broken", show_default=True,
              help="Which state of a critical flow fails the gate.")
@_format_option()
@_output_option
def check(path: str, off: tuple[str, ...], off_file: str | None, fail_on: str, fmt: str,
          output: str | None) -> None:
    """What breaks if the services --off are switched off?

    Lists every flow (broken, degraded, ok) with the chain of failed requirements
    behind each broken or degraded one.
    """
    result, G = _load_graph(path)
    ev = switch_off(G, _off_names(G, off, off_file))
    report = check_report(G, ev, source=path, fail_on=fail_on,
                          explain_services=fmt not in ("text", "json"))
    options = {"color": _color() and output is None} if fmt == "text" else {}
    _emit(render(report, fmt, **options), output)
    raise SystemExit(EXIT_OK if report.gate.passed else EXIT_GATE)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the manifest format (for editors and yaml-language-server)."""
    click.echo(schema_text(), nl=False)


# --- cuts, essential, rank (issue 3) ---
import time  # noqa: E402

from pruner.analysis.cuts import minimal_cut_sets  # noqa: E402
from pruner.analysis.essential import essential as essential_analysis  # noqa: E402
from pruner.analysis.rank import rank as rank_analysis  # noqa: E402
from pruner.report import cuts_report, essential_report, rank_report  # noqa: E402

_flow_option = click.option("--flow", "flow_names", multiple=True, metavar="NAME",
                            help="Only this flow (repeatable, comma-separated).")
_budget_option = click.option(
    "--time-budget", type=click.FloatRange(min=0, min_open=True), default=None,
    metavar="SECONDS",
    help="Stop searching after this many seconds; unfinished results say complete: false "
         "(cuts) or minimum: false (essential).")


def _flow_names(G, values: tuple[str, ...]) -> list[str] | None:
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    if not names:
        return None
    table = G.graph["flows"]
    for name in names:
        if name not in table:
            raise UnknownNameError(f"unknown flow {display(name)}{did_you_mean(name, table)}")
    return sorted(set(names))


def _among(G, values: tuple[str, ...]) -> set[str] | None:
    """Services allowed in cut sets: names, ``leaves``, ``tag:T``, ``owner:O``, ``system:S``."""
    selectors = [s.strip() for v in values for s in v.split(",") if s.strip()]
    if not selectors:
        return None
    services = [G.nodes[n]["service"] for n in G]
    chosen: set[str] = set()
    for sel in selectors:
        if sel == "leaves":
            chosen.update(s.name for s in services if not s.depends_on)
            continue
        field, _, value = sel.partition(":")
        if value and field in ("tag", "owner", "system"):
            if field == "tag":
                known = {t for s in services for t in s.tags}
                found = {s.name for s in services if value in s.tags}
            else:
                known = {getattr(s, field) for s in services if getattr(s, field)}
                found = {s.name for s in services if getattr(s, field) == value}
            if not found:
                raise InputError(f"--among {display(sel)}: no service has {field} "
                                 f"{display(value)}{did_you_mean(value, known)}")
            chosen |= found
        elif sel in G:
            chosen.add(sel)
        else:
            raise UnknownNameError(f"--among: unknown service {display(sel)}"
                                   f"{did_you_mean(sel, G)}")
    return chosen


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, label: str):
        self.label = label
        self.active = sys.stderr.isatty()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if self.active and total:
            width = 30
            filled = width * done // total
            click.echo(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
                       f"{done}/{total}", err=True, nl=False)
            self.shown = True

    def close(self) -> None:
        if self.shown:
            click.echo("\r" + " " * 79 + "\r", err=True, nl=False)


def _deadline(budget: float | None) -> float | None:
    return None if budget is None else time.monotonic() + budget


@main.command()
@_path_argument
@_flow_option
@click.option("--max-order", type=click.IntRange(min=1), default=2, show_default=True,
              metavar="K", help="Largest cut set size to find.")
@click.option("--among", "among", multiple=True, metavar="SELECTOR[,...]",
              help="Only these services may be switched off: names, leaves, tag:T, owner:O, "
                   "system:S (repeatable, comma-separated).")
@_budget_option
@_format_option("text", "json")
@_output_option
def cuts(path: str, flow_names: tuple[str, ...], max_order: int, among: tuple[str, ...],
         time_budget: float | None, fmt: str, output: str | None) -> None:
    """Minimal cut sets: the smallest sets of services whose switching off breaks each flow.

    Exact, up to --max-order services per set; single points of failure first. With
    --time-budget, flows not finished in time list only their single points of failure
    and say complete: false. Exit 0 when the search ran (complete or not), 2 on bad input.
    """
    _, G = _load_graph(path)
    flows = _flow_names(G, flow_names)
    candidates = _among(G, among)
    bar = _Progress("cuts")
    try:
        results = minimal_cut_sets(G, flows, max_order, candidates,
                                   deadline=_deadline(time_budget), progress=bar)
    finally:
        bar.close()
    report = cuts_report(G, results, source=path, among=candidates, explain=fmt == "text")
    options = {"color": _color() and output is None} if fmt == "text" else {}
    _emit(render(report, fmt, **options), output)
    if not report.complete:
        click.echo("pruner: note: the time budget stopped the search; results marked "
                   "incomplete", err=True)


@main.command()
@_path_argument
@_flow_option
@_budget_option
@_format_option("text", "json")
@_output_option
def essential(path: str, flow_names: tuple[str, ...], time_budget: float | None, fmt: str,
              output: str | None) -> None:
    """The keep set: services that must stay on for the critical flows (or --flow) to work.

    Always minimal (no kept service can go); "minimum" only when proven within the time
    budget (default 10 s for the proof; the minimal set itself is always computed).
    """
    _, G = _load_graph(path)
    flows = _flow_names(G, flow_names)
    bar = _Progress("essential")
    try:
        result = essential_analysis(G, flows, deadline=_deadline(time_budget or 10.0),
                                    progress=bar)
    finally:
        bar.close()
    report = essential_report(result, source=path)
    options = {"color": _color() and output is None} if fmt == "text" else {}
    _emit(render(report, fmt, **options), output)


@main.command()
@_path_argument
@_flow_option
@_budget_option
@_format_option("text", "json")
@_output_option
def rank(path: str, flow_names: tuple[str, ...], time_budget: float | None, fmt: str,
         output: str | None) -> None:
    """Services by harm: critical flows each alone breaks, then order-<=2 cut sets it is in."""
    _, G = _load_graph(path)
    flows = _flow_names(G, flow_names)
    bar = _Progress("rank")
    try:
        ranking = rank_analysis(G, flows, deadline=_deadline(time_budget), progress=bar)
    finally:
        bar.close()
    report = rank_report(ranking, source=path)
    options = {"color": _color() and output is None} if fmt == "text" else {}
    _emit(render(report, fmt, **options), output)
