"""What every command shares: writing output, loading the manifest, the common
options, names from ``--off`` and ``--flow``, progress and deadlines."""

from __future__ import annotations

import gc
import os
import stat
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from pruner.cli import limits
from pruner.cli.limits import DEFAULT_TIME_BUDGET
from pruner.errors import InputError, UnknownNameError, did_you_mean, display
from pruner.graph import dependency_graph, services_of, unknown_name
from pruner.loader import load, load_sources
from pruner.render import DIAGRAM_FORMATS, FORMATS, render
from pruner.sources import read_regular, shown

EXIT_OK, EXIT_GATE, EXIT_INPUT = 0, 1, 2
GLOB_CHARACTERS = "*?["
SELECTOR_HELP = ("names, shell-style globs (sms-*), tag:T, owner:O, system:S, leaves "
                 "(services with no dependencies)")


def use_color() -> bool:
    """Whether standard output gets colour: ``--color always|never``, or under ``auto``
    only a terminal, with neither ``NO_COLOR`` set nor ``TERM=dumb``."""
    ctx = click.get_current_context(silent=True)
    choice = "auto"
    while ctx is not None:
        if isinstance(ctx.obj, dict) and "color" in ctx.obj:
            choice = ctx.obj["color"]
            break
        ctx = ctx.parent
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout is not None and sys.stdout.isatty()  # None: closed (>&-)


# Which click parameters name files a command reads, beside every ``click.Path`` argument
# (``diff`` takes its OLD NEW as plain strings).
INPUT_PARAMETERS = ("path", "paths", "manifest", "sources", "observed", "off_file",
                    "costs_file", "cost_map")
# What any command reads from a folder it is given: manifests, traces, dependency JSON.
READ_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".ndjson")
# Parameters naming sources of traces, metrics, deployments or fault trees (import,
# discover, rpc, drift's OBSERVED, plan --observed), and what their folders are read for
# besides: servicegraph metrics (importers.servicegraph.METRIC_SUFFIXES), Open-PSA fault
# trees, Parquet span files. A manifest folder is not read for these.
SOURCE_PARAMETERS = ("sources", "observed")
SOURCE_SUFFIXES = READ_SUFFIXES + (".prom", ".txt", ".metrics", ".xml", ".parquet")
# Temporary output files being written, removed if a signal ends the process.
_PENDING: set[str] = set()


def command_inputs() -> list[str]:
    """The paths the running command was given to read (every file or folder argument)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return []
    found = []
    for param in ctx.command.params:
        if param.name in ("output",):
            continue
        if not (isinstance(param.type, click.Path) or param.name in INPUT_PARAMETERS):
            continue
        value = ctx.params.get(param.name)
        values = value if isinstance(value, (tuple, list)) else (value,)
        found += [v for v in values if isinstance(v, str) and v != "-"]
    return found


def _inside(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:
        return False


def source_inputs() -> list[str]:
    """The paths among :func:`command_inputs` that name sources (:data:`SOURCE_PARAMETERS`),
    whose folders are read for more than manifests and JSON."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return []
    found = []
    for name in SOURCE_PARAMETERS:
        value = ctx.params.get(name)
        values = value if isinstance(value, (tuple, list)) else (value,)
        found += [v for v in values if isinstance(v, str) and v != "-"]
    return found


def refuse_clobbering(output: str, inputs: list[str], sources: list[str] | None = None) -> None:
    """Raise :class:`InputError` when writing ``output`` would overwrite what the command
    reads: one of its input files (through any link or alias), or a file it reads from one
    of its input folders (a ``*.yaml``, ``*.json`` ... below it, hidden ones aside; below a
    folder of ``sources``, a metrics, fault-tree or Parquet file too)."""
    real = os.path.realpath(output)
    exists = os.path.exists(output)
    sources = source_inputs() if sources is None else sources
    for source in inputs:
        try:
            if os.path.isdir(source):
                folder = os.path.realpath(source)
                if not _inside(real, folder) or real == folder:
                    continue
                rel = os.path.relpath(real, folder).split(os.sep)
                if any(part.startswith(".") for part in rel):
                    continue
                if not real.lower().endswith(
                        SOURCE_SUFFIXES if source in sources else READ_SUFFIXES):
                    continue
                raise InputError(f"refusing to write {display(output)}: it is inside the "
                                 f"folder {display(source)} that this command reads")
            if exists and os.path.exists(source) and (
                    os.path.samefile(output, source) or real == os.path.realpath(source)):
                raise InputError(f"refusing to write {display(output)}: it is the input "
                                 f"{display(source)}; choose another --output")
        except OSError:
            continue


def refuse_clobbering_stdin(output: str) -> None:
    """Raise :class:`InputError` when the command read standard input (a PATH of ``-``)
    and ``output`` is the very file standard input came from (``< m.yaml -o m.yaml``)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or "pruner.stdin" not in ctx.find_root().meta:
        return
    try:
        here, there = os.fstat(sys.stdin.fileno()), os.stat(output)
    except (OSError, ValueError, AttributeError):  # no file behind stdin, or no output yet
        return
    if stat.S_ISREG(here.st_mode) and (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino):
        raise InputError(f"refusing to write {display(output)}: it is the file standard input "
                         "reads; choose another --output")


def check_output(output: str, *, rewriting: str | None = None, read: tuple[str, ...] = ()):
    """What :func:`emit` checks before it writes the file ``output``: an :class:`InputError`
    when it would overwrite an input (an argument, or a file in ``read`` that the command
    read beside them), is a folder or a socket, or its folder is missing (so a command
    that writes two files can check the second before writing the first).
    Returns ``(mode or None, the file written, its folder)``."""
    inputs = command_inputs() + list(read)
    if rewriting is not None and rewriting in inputs:
        inputs.remove(rewriting)  # once: also named as another input, it stays protected
    refuse_clobbering(output, inputs)
    refuse_clobbering_stdin(output)
    try:
        mode = os.stat(output).st_mode  # through links: what would be written
    except FileNotFoundError:
        mode = None  # a new file, or a link to one still to be created
    except OSError as exc:
        raise InputError(f"cannot write {display(output)}: {exc.strerror or exc}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"cannot write {display(output)}: is a folder; give a file name")
    if mode is not None and stat.S_ISSOCK(mode):
        raise InputError(f"cannot write {display(output)}: is a socket")
    if mode is not None and not stat.S_ISREG(mode):
        return mode, None, None
    # A regular file: through symbolic links (the link stays, its target gets the content).
    target = Path(os.path.realpath(output)) if os.path.islink(output) else Path(output)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"cannot write {display(output)}: no folder {display(str(directory))}")
    return mode, target, directory


def emit(data: str | bytes, output: str | None, *, rewriting: str | None = None,
         read: tuple[str, ...] = ()) -> None:
    """Print ``data``, or write it to ``output``.

    ``None`` and ``-`` mean standard output. A regular file (or a new one) is written
    atomically: a temp file beside it, given the mode the file had (or the mode a plain
    ``open()`` would give), then renamed over it. A symbolic link is written through:
    its target gets the content, the link stays. A device or FIFO is opened and written
    directly, never replaced. Writing over a file the command reads is refused
    (:func:`refuse_clobbering`). Text is written as UTF-8 with ``\n`` line ends; bytes
    (PNG) as they are. ``rewriting`` names the one input the command means to rewrite
    in place (``drift --update`` records evidence in its manifest); the others stay
    protected; ``read`` names files the command read beside its arguments (protected too).
    """
    if output is None or output == "-":
        if sys.stdout is None:  # closed (>&-): click would drop the output without a word
            raise InputError("cannot write standard output: it is closed")
        try:
            if isinstance(data, bytes):
                click.get_binary_stream("stdout").write(data)
            else:  # colour was decided by use_color(): click must not strip it again
                click.echo(data, nl=False, color=True)
        except BrokenPipeError:  # the reader left (| head): its business; the outcome stands
            _reader_left()
            return
        except OSError as exc:  # a full disk behind > FILE: one line, never a traceback
            raise InputError(f"cannot write standard output: {exc.strerror or exc}") from None
        return
    if isinstance(data, str):
        data = data.encode("utf-8")
    mode, target, directory = check_output(output, rewriting=rewriting, read=read)
    if mode is not None and not stat.S_ISREG(mode):
        # A device or FIFO (also behind a link: /dev/stdout -> /proc/self/fd/1 -> a pipe):
        # write into it, never rename over the node.
        try:
            with open(output, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise InputError(f"cannot write {display(output)}: {exc.strerror or exc}") from None
        return
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write {display(output)}: {exc.strerror or exc}") from None
    _PENDING.add(tmp)
    try:
        if mode is None:
            umask_mode(tmp)
        else:
            os.chmod(tmp, stat.S_IMODE(mode))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write {display(output)}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        _PENDING.discard(tmp)


def _reader_left() -> None:
    """Standard output's reader is gone: point it at the null device, so that what is
    left in its buffer is dropped, not written again (a second BrokenPipeError)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, sys.stdout.fileno())
        finally:
            os.close(null)
    except (OSError, ValueError, AttributeError):  # no descriptor (a test's stream)
        pass


def remove_pending() -> None:
    """Remove temporary output files still being written (a signal ends the command)."""
    for tmp in list(_PENDING):
        Path(tmp).unlink(missing_ok=True)
        _PENDING.discard(tmp)


def emit_report(report, fmt: str, output: str | None) -> None:
    """Render ``report`` in ``fmt`` (coloured text only on a terminal) and emit it."""
    to_stdout = output in (None, "-")  # "-" is standard output too (emit)
    options = {"color": use_color() and to_stdout} if fmt == "text" else {}
    emit(render(report, fmt, **options), output)


def umask_mode(path: str) -> None:
    """Give a temp file the mode a plain ``open()`` would (mkstemp makes it 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


STDIN = "-"  # a PATH (or --off-file) of "-" is standard input
STDIN_LABEL = "<stdin>"  # its name in messages and locations


def read_stdin(what: str) -> bytes:
    """All of standard input, for ``what`` (e.g. ``"PATH"``); standard input can be read
    only once per command, so a second reader is an input error."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        root = ctx.find_root()
        first = root.meta.get("pruner.stdin")
        if first is not None:
            raise InputError(f"{what} is '-' but standard input is already read for {first}: "
                             "give only one of them as '-'")
        root.meta["pruner.stdin"] = what
    stream = sys.stdin
    if stream is None:  # closed (<&-): Python gives no object to read
        raise InputError(f"{what} is '-' but standard input is closed")
    if not hasattr(stream, "buffer"):
        return stream.read().encode()
    # Read up to the first NUL byte's chunk only: no manifest or name list holds one (both
    # readers refuse it at its line), and `< /dev/zero` would otherwise be read until the
    # memory cap (exit 3) instead of refused as the bad input it is (exit 2).
    chunks = []
    while chunk := stream.buffer.read(_STDIN_CHUNK):
        chunks.append(chunk)
        if b"\0" in chunk:
            break
    return b"".join(chunks)


_STDIN_CHUNK = 1 << 20


def source_label(path: str) -> str:
    """How reports name the manifest at ``path``: ``<stdin>`` for ``-``."""
    return STDIN_LABEL if path == STDIN else path


def load_manifest(path: str, assume_services=(), what: str = "PATH"):
    """Load the manifest at ``path`` (:func:`pruner.loader.load`); ``-`` reads one
    manifest file from standard input, named ``<stdin>`` in messages (``what``: the
    argument's name, for the message when standard input is already read)."""
    if path == STDIN:
        return load_sources([(STDIN_LABEL, read_stdin(what))], assume_services)
    return load(path, assume_services)


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while a big acyclic structure is built (a
    manifest and its graph, a diagram and its text), as the loader does around reading.

    Everything built while paused is still new to the collector: the first allocation
    after it resumes would start a collection that scans all of it (88 ms after loading
    20,000 services), and later ones again. In the command line's own process, which
    ends with the command, what was built lives until the end anyway, so it is frozen
    (``gc.freeze``: never scanned again) before the collector resumes. A caller running
    commands in its own process (tests, scripts) keeps its collector as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if limits.WATCHDOG.owns_process():
            gc.freeze()
        if was_enabled:
            gc.enable()


def load_graph(path: str, light: bool = False, flows_note: bool = True):
    """Load the manifest at ``path`` (``-``: standard input) and build its graph
    (``light``: a :class:`~pruner.graph.LightGraph`, for commands that call no networkx
    algorithm). A manifest without flows is said to have none, on standard error
    (issue 17), unless ``flows_note`` is False (``validate`` warns instead)."""
    with gc_paused():
        result = load_manifest(path)
        G = dependency_graph(result.manifest, light=light)
    if not result.manifest.flows and flows_note:
        click.echo(f"pruner: note: {shown(source_label(path))} declares no flows, so no flow "
                   "can break: add flows (what users do, see docs/manifest.md) or propose "
                   "them from traces with pruner discover", err=True)
    return result, G


def off_names(G, values: tuple[str, ...], off_file: str | None,
              option: str = "--off") -> list[str]:
    """Names from ``--off`` (comma-separated, repeatable; each a name or a selector, as
    :func:`select_services` reads them; ``option`` names it in messages) and
    ``--off-file``."""
    names = sorted(select_services(G, values, option)) if values else []
    if off_file is not None:
        data = read_stdin("--off-file") if off_file == STDIN else read_regular(off_file)
        off_file = STDIN_LABEL if off_file == STDIN else shown(off_file)
        try:  # utf-8-sig: a byte order mark (as Windows editors write) is no part of a name
            lines = data.decode("utf-8-sig").splitlines()
        except UnicodeDecodeError as exc:
            raise InputError(f"cannot read: not valid UTF-8 (byte offset {exc.start})",
                             off_file) from None
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


def output_path(ctx: click.Context, param, value: str | None) -> str | None:
    """An ``--output`` value, refused when empty (no file has that name; the atomic
    write would report a rename onto '' as "Device or resource busy")."""
    if value is not None and not value:
        raise click.BadParameter("an empty path names no file", ctx, param)
    return value


output_option = click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=False), default=None,
    callback=output_path, help="Write to this file (atomically) instead of standard output.",
)
path_argument = click.argument("path", type=click.Path(exists=False))


def _completion_path(ctx: click.Context) -> str | None:
    """PATH as typed so far: parsed when click could parse it; else (an option still
    waiting for its value stops click's parse) read from the words the shell passes."""
    for key in ("path", "manifest"):
        if isinstance(ctx.params.get(key), str):
            return ctx.params[key]
    import shlex

    try:
        words = shlex.split(os.environ.get("COMP_WORDS", ""))
    except ValueError:
        words = os.environ.get("COMP_WORDS", "").split()
    takes_value = {o for p in ctx.command.params if isinstance(p, click.Option)
                   and not p.is_flag for o in p.opts + p.secondary_opts}
    if ctx.info_name not in words:
        return None
    rest = words[words.index(ctx.info_name) + 1:]
    for before, word in zip([""] + rest, rest, strict=False):
        if not word.startswith("-") and before not in takes_value and os.path.exists(word):
            return word
    return None


def _completion_graph(ctx: click.Context):
    """The graph of the manifest given as PATH on the command line, or None."""
    path = _completion_path(ctx)
    if path is None:
        return None
    try:
        return dependency_graph(load(path).manifest, light=True)
    except Exception:  # completion stays silent: a half-typed path, a bad manifest
        return None


def _complete(names, incomplete: str) -> list:
    from click.shell_completion import CompletionItem

    head, comma, last = incomplete.rpartition(",")
    return [CompletionItem(head + comma + n) for n in sorted(names) if n.startswith(last)]


def complete_services(ctx: click.Context, param, incomplete: str) -> list:
    """Shell completion of service (and operation) names and selectors, from PATH."""
    G = _completion_graph(ctx)
    if G is None:
        return []
    services = [G.nodes[n]["service"] for n in G]
    names = set(G)
    names |= {f"tag:{t}" for s in services for t in s.tags}
    names |= {f"{f}:{getattr(s, f)}" for s in services for f in ("owner", "system")
              if getattr(s, f)}
    return _complete(names, incomplete)


def complete_flows(ctx: click.Context, param, incomplete: str) -> list:
    """Shell completion of flow names, from PATH."""
    G = _completion_graph(ctx)
    return [] if G is None else _complete(G.graph["flows"], incomplete)


off_option = click.option(
    "--off", "off", multiple=True, metavar="SELECTOR[,...]", shell_complete=complete_services,
    help=f"Services to switch off (repeatable, comma-separated): {SELECTOR_HELP}.")
flow_option = click.option("--flow", "flow_names", multiple=True, metavar="NAME",
                            shell_complete=complete_flows,
                            help="Only this flow (repeatable, comma-separated).")
def budget_option(partial: str, default: float = DEFAULT_TIME_BUDGET):
    """``--time-budget SECONDS``: the command's wall time from its start (default
    ``default``); ``partial`` says what the command answers when it runs out. Whatever
    still runs a second later is stopped with exit 3 (:mod:`pruner.cli.limits`)."""
    return click.option(
        "--time-budget", type=click.FloatRange(min=0), default=default, show_default=True,
        metavar="SECONDS", callback=_start_budget, is_eager=True,
        help=f"Wall time for the whole command, from its start. {partial}")


def seconds_given(ctx: click.Context, param, value: float | None) -> float | None:
    """A ``--time-budget`` value, refused when it is nan (nan passes ``FloatRange``:
    every comparison with it is false, so it would mean no budget at all)."""
    if value is not None and value != value:
        raise click.BadParameter("nan is not a number of seconds", ctx, param)
    return value


def _start_budget(ctx: click.Context, param, value: float) -> float:
    limits.start_budget(seconds_given(ctx, param, value), ctx.info_name or "pruner")
    return value


def refuse_empty_names(values: tuple[str, ...], option: str) -> None:
    """An option's comma-separated names hold no empty one (``--flow ""`` from a variable
    that expanded to nothing is a mistake to say, not "every flow")."""
    for value in values:
        if any(not s.strip() for s in value.split(",")):
            raise InputError(f"{option} {display(value)}: empty name (nothing between commas); "
                             f"give {option} NAME[,NAME...]")


def selected_flows(G, values: tuple[str, ...]) -> list[str] | None:
    refuse_empty_names(values, "--flow")
    names = [n.strip() for v in values for n in v.split(",")]
    if not names:
        return None
    table = G.graph["flows"]
    for name in names:
        if name not in table:
            raise UnknownNameError(f"unknown flow {display(name)}{did_you_mean(name, table)}")
    return sorted(set(names))


def select_services(G, values: tuple[str, ...], option: str) -> set[str]:
    """The services (or operations) that selectors name, for ``--off`` and ``--among``.

    Each value is comma-separated; each selector is a service or operation name (exact
    names win, so a service ``tag`` with an operation ``x`` is still ``tag:x``), a
    shell-style glob over names (``sms-*``, ``zk-?``), ``tag:T``, ``owner:O``, ``system:S``
    or ``leaves`` (services with no dependencies). A selector that selects nothing is an
    input error; a flow named where a service belongs says so.
    """
    import fnmatch

    refuse_empty_names(values, option)
    selectors = [s.strip() for v in values for s in v.split(",")]
    services = [G.nodes[n]["service"] for n in services_of(G)]
    chosen: set[str] = set()
    for sel in selectors:
        if sel in G:
            chosen.add(sel)
            continue
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
                raise InputError(f"{option} {display(sel)}: no service has {field} "
                                 f"{display(value)}{did_you_mean(value, known)}")
            chosen |= found
        elif any(c in sel for c in GLOB_CHARACTERS):
            found = set(fnmatch.filter(G, sel))
            if not found:
                raise InputError(f"{option} {display(sel)}: the pattern matches no service")
            chosen |= found
        elif sel in G.graph["flows"]:
            raise UnknownNameError(
                f"{option} {display(sel)}: that is a flow, not a service; {option} takes "
                f"services (to look at one flow, use --flow {sel})")
        else:
            where = "" if option == "--off" else f"{option}: "  # --off: as switch_off says
            raise UnknownNameError(f"{where}{unknown_name(G, sel)}")
    return chosen


def among_services(G, values: tuple[str, ...]) -> set[str] | None:
    """Services allowed in cut sets (``--among``): :func:`select_services` (``None``
    without ``--among``; ``--among ,`` names nothing, an input error, never "all")."""
    if not values:
        return None
    return select_services(G, values, "--among")


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, label: str):
        self.label = label
        self.active = sys.stderr is not None and sys.stderr.isatty()  # None: 2>&-
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


def deadline_after(seconds: float | None = None) -> float | None:
    """The engines' deadline: the command's own (:func:`limits.budget_deadline`), or
    ``seconds`` from now when that comes first (a search with a smaller budget of its
    own); ``None`` when neither is set."""
    import time

    whole = limits.budget_deadline()
    part = None if seconds is None else time.monotonic() + seconds
    if whole is None or part is None:
        return part if whole is None else whole
    return min(whole, part)
