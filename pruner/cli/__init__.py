"""The command line: the only package that reads arguments, prints, writes files
and maps exceptions to exit codes (0 gate holds, 1 gate fails, 2 bad input).

One module per command group; :data:`COMMANDS` names where each command lives, and
a command's module is imported only when that command runs, so ``pruner check``
does not pay for importers, renderers or Graphviz it never uses.
"""

from __future__ import annotations

import gc

# One short-lived process building large acyclic structures: collect cyclic garbage
# rarely, from the first import on (the imports alone ran 24 collections, ~3 ms of a
# 90 ms `pruner check`; a check of 20,000 services: 1.6 s -> 1.3 s; peak memory
# unchanged). main() sets the same thresholds for a caller that changed them.
GC_THRESHOLDS = (50_000, 20, 100)
gc.set_threshold(*GC_THRESHOLDS)

import os  # noqa: E402
import sys  # noqa: E402
from importlib import import_module  # noqa: E402

import click  # noqa: E402

from pruner import __version__  # noqa: E402
from pruner.cli import limits  # noqa: E402
from pruner.cli.limits import signal  # noqa: E402  (the C module: see limits)
from pruner.errors import (  # noqa: E402
    EXIT_BUDGET,
    BudgetExhausted,
    ManifestError,
    PrunerError,
    error_line,
    neutral,
)

__all__ = ["main", "run", "COMMANDS"]

EXIT_OK, EXIT_GATE, EXIT_INPUT = 0, 1, 2
MAX_PROBLEM_LINES = 100

# command name -> "module:attribute" of its click command, under pruner.cli.
COMMANDS = {
    "validate": "check:validate",
    "check": "check:check",
    "schema": "check:schema",
    "cuts": "failure:cuts",
    "essential": "failure:essential",
    "rank": "failure:rank",
    "availability": "availability:availability",
    "diff": "gate:diff",
    "import": "telemetry:import_command",
    "drift": "telemetry:drift",
    "discover": "telemetry:discover_command",
    "render": "diagrams:render_command",
    "report": "diagrams:report_command",
    "bootstrap": "bootstrap:bootstrap_command",
    "plan": "plan:plan_command",
    "rpc": "rpc:rpc_command",
}


# What exit code 1 means, for the --help of each command that acts as a gate.
GATE_EXITS = {
    "check": "a critical flow (or a --flow) is in the --fail-on state",
    "diff": "the change fails the gate (--fail-on)",
    "drift": "an undeclared dependency fails the gate (--fail-on)",
    "validate": "there are warnings and --strict is given",
    "availability": "a critical flow misses its availability target",
    "bootstrap": "a critical flow is never ready after a cold start",
    "plan": "the kept flows cannot be served even with nothing removed (or meet their targets)",
    "rpc": "a critical flow's p99 is over its budget (--fail-on over-budget), or, with "
           "--require-traces, no trace reached a critical flow with a budget",
}
EXIT_SIGHUP, EXIT_SIGINT, EXIT_SIGTERM = 129, 130, 143
# The signals that end a run cleanly (temporary output removed, one line): what each
# exits with and says. SIGHUP: the terminal or SSH session that ran it went away.
_ENDING = {signal.SIGINT: (EXIT_SIGINT, "interrupted"),
           signal.SIGTERM: (EXIT_SIGTERM, "terminated")}
_SIGHUP = getattr(signal, "SIGHUP", None)  # POSIX only
if _SIGHUP is not None:
    _ENDING[_SIGHUP] = (EXIT_SIGHUP, "hung up")
COLOR_CHOICES = ("auto", "always", "never")


def exit_codes(command: str) -> str:
    """The exit-code paragraph of a command's ``--help``."""
    gate = GATE_EXITS.get(command)
    one = f"1 {gate}; " if gate else ""
    return (f"Exit codes: 0 ran{' and the gate holds' if gate else ''}; {one}2 bad usage or "
            f"input; 3 a time, node or memory budget ran out before the outcome was known "
            f"(fail closed); 129 hung up (SIGHUP); 130 interrupted (Ctrl-C); 143 terminated "
            f"(SIGTERM).")


class _Signalled(BaseException):
    """SIGINT, SIGTERM or SIGHUP arrived: unwind (removing temporary files), then exit
    130/143/129."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame) -> None:
    # Unwind (temporary files removed), but end the process anyway if unwinding a
    # deep engine's heap takes longer than limits.FORCE_AFTER seconds.
    code, word = _ENDING[signum]
    limits.WATCHDOG.exiting(code, f"pruner: {word}")
    raise _Signalled(signum)


def _memory_limit(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        limits.WATCHDOG.memory_limit = limits.parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _memory_default() -> str:
    return os.environ.get(limits.MEMORY_ENV) or limits.show_size(limits.DEFAULT_MEMORY_LIMIT)


def memory_option() -> click.Option:
    """``--memory-limit``, which every command takes (added by :class:`_Cli`)."""
    return click.Option(
        ["--memory-limit"], default=_memory_default, metavar="SIZE", expose_value=False,
        is_eager=True, callback=_memory_limit,
        show_default=f"{limits.show_size(limits.DEFAULT_MEMORY_LIMIT)}, or {limits.MEMORY_ENV}",
        help="Stop (exit 3) when the command holds more memory than this: 900M, 4G, 0 for "
             "no cap.")


def _out_of_time(exc: BaseException) -> bool:
    """Whether ``exc`` is an engine's own deadline signal that no command caught (a
    safety net: each command answers in part or raises BudgetExhausted itself)."""
    for name in ("pruner.analysis.cuts", "pruner.analysis.availability",
                 "pruner.analysis.zbdd", "pruner.analysis.bdd"):
        cls = getattr(sys.modules.get(name), "OutOfTime", None)
        if isinstance(cls, type) and isinstance(exc, cls):
            return True
    return False


def _stopped(message: str) -> None:
    """A budget or the memory cap stopped the command: one line, no file, exit 3."""
    common = sys.modules.get("pruner.cli.common")
    if common is not None:
        common.remove_pending()
    try:
        click.echo(neutral(f"pruner: budget: {message}"), err=True)
    except (OSError, MemoryError):
        pass
    sys.exit(EXIT_BUDGET)


class _Cli(click.Group):
    """Loads each command on first use; maps pruner's exceptions to exit code 2 with
    one line per problem, no traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attribute = target.split(":")
        limits.WATCHDOG.command = name  # the running command, for the budgets' lines
        command = getattr(import_module(f"pruner.cli.{module}"), attribute)
        if command.epilog is None:
            command.epilog = exit_codes(name)
        if not any(p.name == "memory_limit" for p in command.params):
            command.params.append(memory_option())
        return command

    def main(self, *args, **kwargs):
        """Run the command line; SIGINT exits 130, SIGTERM 143 and SIGHUP 129, each with one line on
        standard error and the temporary output file removed (click alone prints
        "Aborted!" and exits 1, which a CI gate would read as a failed gate)."""
        previous = {}
        for signum in _ENDING:
            try:
                if signum == _SIGHUP and signal.getsignal(signum) == signal.SIG_IGN:
                    continue  # run under nohup: a hang-up is to be ignored, as asked
                previous[signum] = signal.signal(signum, _on_signal)
            except ValueError:  # not the main thread: leave signals alone
                pass
        limits.WATCHDOG.memory_limit = limits.DEFAULT_MEMORY_LIMIT
        limits.WATCHDOG.command = None
        # The command line's own process (no arguments given: click reads sys.argv) is
        # ended at once if an exit lags; a caller running pruner inside its own process
        # (tests, scripts passing the arguments) only ever gets the exception.
        limits.WATCHDOG.start(force=not args and kwargs.get("args") is None)
        try:
            return super().main(*args, **kwargs)
        except limits.LimitReached as exc:
            _stopped(exc.message)
        except MemoryError:
            _stopped(limits.memory_message(limits.WATCHDOG.memory_limit,
                                           limits.WATCHDOG.command))
        except Exception as exc:
            if not _out_of_time(exc):
                raise
            _stopped(f"{limits.WATCHDOG.command or 'pruner'}: the time budget ran out before "
                     "the answer was known (fail closed); raise it with --time-budget")
        except (_Signalled, KeyboardInterrupt) as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            common = sys.modules.get("pruner.cli.common")
            if common is not None:
                common.remove_pending()
            code, word = _ENDING.get(signum, _ENDING[signal.SIGINT])
            try:
                click.echo(f"pruner: {word}", err=True)
            except OSError:  # a hung-up terminal: nothing to say it on
                pass
            sys.exit(code)
        finally:
            limits.WATCHDOG.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ManifestError as exc:  # one line per problem: FILE:LINE:COL: error: REASON
            shown = exc.problems[:MAX_PROBLEM_LINES]
            for problem in shown:
                _say(neutral(str(problem)))  # names stay inert
            more = len(exc.problems) - len(shown) + exc.omitted
            if more:
                _say(f"pruner: note: {more} more problem{'s' if more > 1 else ''} not shown")
            raise SystemExit(EXIT_INPUT) from None
        except BudgetExhausted as exc:  # not bad input: the outcome is unknown, fail closed
            _say(neutral(f"pruner: budget: {exc.message}"))
            raise SystemExit(EXIT_BUDGET) from None
        except PrunerError as exc:  # FILE:LINE: error: REASON, or pruner: error: REASON
            _say(neutral(error_line(exc)))
            raise SystemExit(EXIT_INPUT) from None
        except click.ClickException as exc:  # usage errors echo arguments: made inert
            _show(exc)
        except BrokenPipeError:
            raise  # the reader left (| head): pruner.cli.common.emit's business
        except OSError as exc:  # a path no reader turned into an InputError: one line
            _os_error(exc)

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as exc:
            _show(exc)
        except BrokenPipeError:
            raise
        except OSError as exc:  # --help or --version onto a full device
            _os_error(exc)


def _say(line: str) -> None:
    """One line on standard error. One that cannot be written (``2>/dev/full``) is lost;
    the exit code, which says the outcome, still holds."""
    try:
        click.echo(line, err=True)
    except OSError:
        pass


def _show(exc: click.ClickException) -> None:
    """Show a usage error, made inert (it echoes arguments), and exit with its code
    (click's own handling, but the code survives a standard error that cannot be
    written). The help that ``pruner`` alone prints is no argument: it stays lines."""
    if not isinstance(exc, getattr(click.exceptions, "NoArgsIsHelpError", ())):
        exc.message = neutral(exc.message)
    try:
        exc.show()
    except OSError:
        pass
    raise SystemExit(exc.exit_code) from None


def _os_error(exc: OSError) -> None:
    """An OSError no reader or writer turned into an InputError (a path, a full device
    behind standard output or error): one line, exit 2."""
    from pruner.sources import shown

    where = "pruner" if exc.filename is None else shown(exc.filename)
    _say(neutral(f"{where}: error: {exc.strerror or exc}"))
    raise SystemExit(EXIT_INPUT) from None


def run() -> None:
    """The ``pruner`` program (console script and ``python -m pruner``): :func:`main`,
    then the end of the process without the interpreter's teardown
    (:func:`_exit_without_teardown`). A caller running :func:`main` in its own
    process keeps its process."""
    try:
        main(prog_name="pruner")
    except SystemExit as exc:
        _exit_without_teardown(exc.code)
        raise


def _exit_without_teardown(code) -> None:
    """End the command line's own process with ``code`` (as ``sys.exit`` reads it)
    the way the interpreter ends one, less its teardown, which frees every object one
    by one: 74 ms after ``check --format json`` on 20,000 services, for memory the
    system takes back at once anyway. What the interpreter does first is done here in
    its order: the functions registered to run at exit (a library's clean-up, such as
    logging's), then the standard streams flushed. Output files are written, closed and
    renamed into place by then (:func:`~pruner.cli.common.emit`). A process with other
    threads running, or with an embedded trace store loaded (native code may clean up
    in its own destructors), ends the normal way."""
    import atexit
    import threading

    limits.WATCHDOG.stop()  # its thread ends here (stopping twice is nothing)
    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)  # CPython's, as at exit
    if run_exit_functions is None or threading.active_count() > 1 or "chdb" in sys.modules:
        return
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): printed, exit 1
        try:
            if sys.stderr is not None:  # print(file=None) would write it to stdout
                print(code, file=sys.stderr)
        except (OSError, ValueError):
            pass
        status = 1
    run_exit_functions()
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # closed when the process began (>&-): nothing to flush
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: the normal exit would not write it either
            if stream is sys.stdout and status == 0:
                status = 120  # what Python exits with when flushing stdout fails at exit
    os._exit(status)


def _color_default() -> str:
    value = os.environ.get("PRUNER_COLOR", "auto").lower()
    return value if value in COLOR_CHOICES else "auto"


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pruner")
@click.option("--color", type=click.Choice(COLOR_CHOICES), default=_color_default,
              show_default="auto",
              help="Colour the text output: auto (only on a terminal, not with NO_COLOR set "
                   "or TERM=dumb), always or never.")
def main(color: str) -> None:
    """Know which user flows break before you switch services off.

    \b
    Exit codes:
      0    ran, and the gate holds (for commands that are not gates: ran)
      1    ran, and the gate fails (check: a critical flow broken, by default)
      2    bad usage or input (a bad manifest, an unknown name); never a traceback
      3    a time budget (--time-budget) or the memory cap (--memory-limit, default
           900M, or PRUNER_MEMORY_LIMIT) ran out before the outcome was known: fail
           closed; one line on stderr, no output file
      129  hung up (SIGHUP: the terminal or SSH session went away)
      130  interrupted (Ctrl-C)
      143  terminated (SIGTERM); no partial output file is left behind
    """
    ctx = click.get_current_context()
    ctx.obj = {"color": color}
    gc.set_threshold(*GC_THRESHOLDS)  # see GC_THRESHOLDS
