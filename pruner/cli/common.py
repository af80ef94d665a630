"""What every command shares: writing output, loading the manifest, the common
options, names from ``--off`` and ``--flow``, progress and deadlines."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import click

from pruner.errors import InputError, UnknownNameError, did_you_mean, display
from pruner.graph import dependency_graph, services_of, unknown_name
from pruner.loader import load
from pruner.render import DIAGRAM_FORMATS, FORMATS, render
from pruner.sources import read_regular, shown

EXIT_OK, EXIT_GATE, EXIT_INPUT = 0, 1, 2


def use_color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def emit(data: str | bytes, output: str | None) -> None:
    """Print ``data``, or write it to ``output`` atomically (a temp file, then rename).

    Text is written as UTF-8 with ``\n`` line ends; bytes (PNG) as they are.
    """
    if output is None or output == "-":
        if isinstance(data, bytes):
            click.get_binary_stream("stdout").write(data)
        else:
            click.echo(data, nl=False)
        return
    if isinstance(data, str):
        data = data.encode("utf-8")
    target = Path(output)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"cannot write {display(output)}: no folder {display(str(directory))}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write {display(output)}: {exc.strerror or exc}") from None
    try:
        umask_mode(tmp)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write {display(output)}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def emit_report(report, fmt: str, output: str | None) -> None:
    """Render ``report`` in ``fmt`` (coloured text only on a terminal) and emit it."""
    options = {"color": use_color() and output is None} if fmt == "text" else {}
    emit(render(report, fmt, **options), output)


def umask_mode(path: str) -> None:
    """Give a temp file the mode a plain ``open()`` would (mkstemp makes it 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def load_graph(path: str):
    result = load(path)
    return result, dependency_graph(result.manifest)


def off_names(G, values: tuple[str, ...], off_file: str | None) -> list[str]:
    """Names from ``--off`` (comma-separated, repeatable) and ``--off-file``."""
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    if off_file is not None:
        try:
            lines = read_regular(off_file).decode("utf-8").splitlines()
        except UnicodeDecodeError as exc:
            raise InputError(f"cannot read: not valid UTF-8 (byte offset {exc.start})",
                             shown(off_file)) from None
        off_file = shown(off_file)
        for number, raw in enumerate(lines, 1):
            name = raw.split("#", 1)[0].strip()
            if not name:
                continue
            if name not in G:
                raise UnknownNameError(unknown_name(G, name), f"{off_file}:{number}")
            names.append(name)
    return names


def format_option(*allowed: str):
    choices = [f for f in FORMATS if (f in allowed if allowed else f not in DIAGRAM_FORMATS)]
    return click.option("--format", "fmt", type=click.Choice(choices), default="text",
                        show_default=True, help="Output format.")


output_option = click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=False), default=None,
    help="Write to this file (atomically) instead of standard output.",
)
path_argument = click.argument("path", type=click.Path(exists=False))


flow_option = click.option("--flow", "flow_names", multiple=True, metavar="NAME",
                            help="Only this flow (repeatable, comma-separated).")
budget_option = click.option(
    "--time-budget", type=click.FloatRange(min=0, min_open=True), default=None,
    metavar="SECONDS",
    help="Stop searching after this many seconds; unfinished results say complete: false "
         "(cuts) or minimum: false (essential).")


def selected_flows(G, values: tuple[str, ...]) -> list[str] | None:
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    if not names:
        return None
    table = G.graph["flows"]
    for name in names:
        if name not in table:
            raise UnknownNameError(f"unknown flow {display(name)}{did_you_mean(name, table)}")
    return sorted(set(names))


def among_services(G, values: tuple[str, ...]) -> set[str] | None:
    """Services allowed in cut sets: names, ``leaves``, ``tag:T``, ``owner:O``, ``system:S``."""
    selectors = [s.strip() for v in values for s in v.split(",") if s.strip()]
    if not selectors:
        return None
    services = [G.nodes[n]["service"] for n in services_of(G)]
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
            raise UnknownNameError(f"--among: {unknown_name(G, sel)}")
    return chosen


class Progress:
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

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.shown:  # clear the line, whatever happened
            click.echo("\r" + " " * 79 + "\r", err=True, nl=False)


def deadline_after(budget: float | None) -> float | None:
    return None if budget is None else time.monotonic() + budget
