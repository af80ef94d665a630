"""The limits every command runs under (issue 24 §2, issue 17 §4).

- **Memory cap** (every command): the process's resident memory is watched; past
  the cap the command stops with ``pruner: budget: ...`` and exit 3, never a
  MemoryError traceback and never a half-written output file. Default
  :data:`DEFAULT_MEMORY_LIMIT`; ``--memory-limit SIZE`` or ``PRUNER_MEMORY_LIMIT``
  (``900M``, ``4G``, ``0`` = no cap) change it. A MemoryError raised anyway (one
  huge allocation) is reported the same way.
- **Time budget** (the commands that can reach a superlinear engine: validate,
  diff, report, render, availability, bootstrap, cuts, essential, rank):
  ``--time-budget SECONDS`` of wall time from the command's start (default
  :data:`DEFAULT_TIME_BUDGET`). The engines get 90% of it as a deadline and answer
  honestly in part where they can (cuts: ``complete: false``; essential: ``minimum: false``;
  bootstrap: not proven minimal); whatever still runs :data:`GRACE` seconds after it
  is stopped (exit 3, one line).
- **Signals**: SIGTERM, SIGINT and SIGHUP unwind (temporary files removed) and exit
  143 / 130 / 129; a process that has not ended :data:`FORCE_AFTER` seconds later (a deep
  unwinding of a huge heap) is ended at once, the same way.

One daemon thread does the watching: it reads ``/proc/self/statm`` every
:data:`POLL` seconds (no cost to the engines, no ``RLIMIT_AS`` that would also
count address space that is reserved but never used) and interrupts the main thread
with a signal, which Python turns into an exception at the next bytecode, however
deep the engine.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time

try:  # the C module `signal` wraps: importing `signal` builds three IntEnum classes
    import _signal as signal  # (~1 ms of every command's start-up) that pruner never reads
except ImportError:  # pragma: no cover - an interpreter without it
    import signal

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_TIME_BUDGET",
    "MEMORY_ENV",
    "GRACE",
    "LimitReached",
    "parse_size",
    "show_size",
    "WATCHDOG",
    "start_budget",
    "budget_deadline",
    "memory_message",
    "NARROWING",
]

DEFAULT_MEMORY_LIMIT = 900 * 2**20  # 900 MiB (0.94 GB): CI runners and laptops stay usable
DEFAULT_TIME_BUDGET = 60.0
MEMORY_ENV = "PRUNER_MEMORY_LIMIT"
ANSWER_SHARE = 0.9  # of the budget for the engines; the rest writes the (partial) answer
GRACE = 0.5  # seconds past the budget before a run that did not stop by itself is stopped
FORCE_AFTER = 1.5  # seconds an exit may take to unwind before it is forced
POLL = 0.02
_WAKE = signal.SIGUSR2  # how the watchdog interrupts the main thread
_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 10**3, "kib": 2**10, "m": 2**20, "mb": 10**6,
          "mib": 2**20, "g": 2**30, "gb": 10**9, "gib": 2**30, "t": 2**40, "tb": 10**12,
          "tib": 2**40}


class LimitReached(BaseException):
    """A memory cap or time budget stopped the command (a BaseException, so that no
    ``except Exception`` inside an engine swallows it). The CLI reports ``message``
    as ``pruner: budget: MESSAGE`` and exits 3."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_size(text: str) -> int | None:
    """Bytes from ``900M``, ``4G``, ``512MiB``, ``2.5GB`` (``K M G T`` are powers of
    1024, ``KB MB GB TB`` of 1000); ``0``, ``none`` or ``off`` mean no cap (``None``).

    >>> parse_size("900M"), parse_size("1GB"), parse_size("0"), parse_size("off")
    (943718400, 1000000000, None, None)
    >>> try:
    ...     parse_size("9" * 400 + "G")
    ... except ValueError as exc:
    ...     print(str(exc).split("' ")[-1])
    is too large (say 0 for no cap)
    """
    value = text.strip().lower()
    if value in ("0", "none", "off", "unlimited"):
        return None
    number = value.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = value[len(number):]
    if not (number.isascii() and number.isdigit()):  # `900M`, the default, needs no pattern
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value)
        number, unit = match.groups() if match else ("", "")
    if not number or unit not in _UNITS:
        raise ValueError(f"not a size: {text!r} (say 900M, 4G or 0 for no cap)")
    size = float(number) * _UNITS[unit]
    if not size < 2**62:  # past any machine's memory, or too long a number for a float
        raise ValueError(f"memory limit {text[:40]!r} is too large (say 0 for no cap)")
    size = int(size)
    if size < 64 * 2**20:
        raise ValueError(f"memory limit {text!r} is below 64M, too little to start")
    return size


def show_size(size: int | None) -> str:
    """``943718400`` -> ``900M``.

    >>> show_size(900 * 2**20), show_size(3 * 2**30), show_size(None)
    ('900M', '3G', 'no cap')
    """
    if size is None:
        return "no cap"
    if size % 2**30 == 0:
        return f"{size // 2**30}G"
    return f"{round(size / 2**20)}M"


#: The options of each command that ask a smaller question (less memory), for the line
#: of a run stopped by the memory cap; a command with none is told only to raise the cap.
#: tests/cli/test_limits.py holds every name here to the command's real options.
NARROWING = {
    "availability": ("--flow",),
    "check": ("--flow",),
    "cuts": ("--flow", "--max-order"),
    "discover": ("--since", "--until", "--window"),
    "drift": ("--since", "--until"),
    "essential": ("--flow",),
    "rank": ("--flow",),
    "render": ("--flow", "--depth"),
    "report": ("--flow", "--depth"),
    "rpc": ("--since", "--until", "--window"),
}


def memory_message(limit: int | None, command: str | None = None) -> str:
    """The line (after ``pruner: budget: ``) for a run of ``command`` stopped by the
    memory cap; it suggests only options ``command`` has (:data:`NARROWING`).

    >>> memory_message(2**30, "plan").split("; ")[-1]
    'raise it with --memory-limit or PRUNER_MEMORY_LIMIT'
    >>> memory_message(2**30, "cuts").split(", or ")[-1]
    'narrow the question (--flow, --max-order)'
    """
    if limit is None:
        return "out of memory; the answer is unknown (fail closed)"
    narrow = NARROWING.get(command or "")
    return (f"memory cap of {show_size(limit)} reached before the answer was known "
            f"(fail closed); raise it with --memory-limit or {MEMORY_ENV}"
            + (f", or narrow the question ({', '.join(narrow)})" if narrow else ""))


def _rss_reader():
    """``(function returning this process's resident memory in bytes, file descriptor
    to close or None)``: Linux's statm, elsewhere the peak from getrusage."""
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    try:
        fd = os.open("/proc/self/statm", os.O_RDONLY)
    except OSError:
        import resource

        scale = 1 if sys.platform == "darwin" else 1024
        return lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale, None

    def rss() -> int:
        return int(os.pread(fd, 128, 0).split()[1]) * page

    return rss, fd


_STARTUP = 5.0  # seconds: more than any interpreter start-up and import takes


def _age() -> float:
    """Seconds since this process started (Linux; 0 elsewhere): a budget counts the
    interpreter's own start too, as a person timing the command would."""
    try:
        with open("/proc/self/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        with open("/proc/uptime", "rb") as handle:
            uptime = float(handle.read().split()[0])
        age = uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0
    # Older than a start-up takes: pruner runs inside a long-lived process (a test
    # session, a tool calling main()), whose age is not this command's; count from now.
    return age if 0.0 <= age < _STARTUP else 0.0


class _Watchdog:
    """The watching thread (see the module's docstring). One per process."""

    def __init__(self):
        self.memory_limit: int | None = DEFAULT_MEMORY_LIMIT
        self.baseline = 0  # resident memory when the command began (not counted)
        self.started = time.monotonic()
        self.budget: float | None = None
        self.force = True
        self.deadline: float | None = None
        self.deadline_message = ""
        self.pending: LimitReached | None = None  # delivered, waiting to be raised
        self.again = False  # the interrupt landed where it could not be raised: resend
        self.exit_code = 0
        self.forced_at: float | None = None  # when an exit began: force it after this
        self.forced_line = ""
        self.peak = 0
        self.command: str | None = None  # the running command, for memory_message
        self._thread: threading.Thread | None = None
        self._main: int | None = None
        self._stop = threading.Event()
        self._rss = None
        self._fd: int | None = None
        self._closing = False
        self._previous = None

    # -- set-up by the CLI -----------------------------------------------------

    def start(self, force: bool = True) -> None:
        """Start watching (from the main thread: installs the interrupt handler).

        ``force``: end the process itself when an exit takes too long to unwind; only
        for a process that is pruner's own (the command line), never for a caller that
        runs a command inside its own process (tests, scripts)."""
        if threading.current_thread() is not threading.main_thread():
            return
        self.stop()  # a command run inside another: one watcher
        self._closing = False
        self.force = force
        self._main = threading.get_ident()
        self.started = time.monotonic() - _age()
        self.deadline = None
        self.budget = None
        self.pending = None
        self.again = False
        self.forced_at = None
        self.peak = 0
        self._previous = signal.signal(_WAKE, self._interrupt)
        self._rss, self._fd = _rss_reader()
        try:
            self.baseline = self._rss()
        except (OSError, ValueError, IndexError):
            self.baseline = 0
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="pruner-limits", daemon=True)
        self._thread.start()

    def owns_process(self) -> bool:
        """Whether a command runs now as the command line's own process (started with
        ``force``), which ends when the command does."""
        return self._thread is not None and self.force

    def stop(self) -> None:
        """Stop watching and put the interrupt handler back."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._closing = True  # an interrupt already on its way is ignored from now on
        self._stop.set()
        thread.join()
        self.deadline = None
        self.budget = None
        self.forced_at = None
        self.pending = None
        self.again = False
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._previous is not None:
            signal.signal(_WAKE, self._previous)  # runs a pending handler first (ignored)
            self._previous = None

    def arm(self, seconds: float, message: str) -> None:
        """Stop the command ``seconds`` from now with ``message`` (exit 3)."""
        self.deadline = time.monotonic() + seconds
        self.deadline_message = message

    def exiting(self, code: int, line: str) -> None:
        """The command is ending with ``code``: if unwinding takes longer than
        :data:`FORCE_AFTER`, end the process at once with ``line`` on stderr."""
        if self.forced_at is None:
            self.forced_line = line
            self.exit_code = code
            self.forced_at = time.monotonic() + FORCE_AFTER

    # -- the thread --------------------------------------------------------------

    def _interrupt(self, signum, frame) -> None:
        reached, self.pending = self.pending, None
        if reached is None or self._closing:
            return
        if _in_gc_callback(frame):
            # Python swallows what a garbage-collector callback raises ("Exception
            # ignored in ..."): the command would run on past its budget. Keep it for
            # the watcher to send again once the callback has returned.
            self.pending, self.again = reached, True
            return
        raise reached

    def _deliver(self, reached: LimitReached) -> None:
        self.pending = reached
        self.exiting(3, f"pruner: budget: {reached.message}")
        self._send()

    def _send(self) -> None:
        try:
            signal.pthread_kill(self._main, _WAKE)
        except (OSError, ProcessLookupError):
            pass

    def _run(self) -> None:
        while not self._stop.wait(POLL):
            if self.again:
                self.again = False
                self._send()
                continue
            now = time.monotonic()
            if self.forced_at is not None:
                if now > self.forced_at and self.force:
                    self._force()
                continue
            if self.memory_limit is not None:
                try:
                    rss = self._rss()
                except (OSError, ValueError, IndexError):
                    rss = 0
                self.peak = max(self.peak, rss)
                if rss - self.baseline > self.memory_limit:
                    self._deliver(LimitReached(memory_message(self.memory_limit, self.command)))
                    continue
            if self.deadline is not None and now > self.deadline:
                self.deadline = None
                self._deliver(LimitReached(self.deadline_message))

    def _force(self) -> None:
        """The main thread did not end in time: clean up and end the process now."""
        common = sys.modules.get("pruner.cli.common")
        if common is not None:
            common.remove_pending()
        dot = sys.modules.get("pruner.graphviz_run")
        if dot is not None:
            dot.kill_running()
        try:
            os.write(2, (self.forced_line + "\n").encode("utf-8", "replace"))
        except OSError:
            pass
        os._exit(self.exit_code)


def _in_gc_callback(frame) -> bool:
    """Whether ``frame`` runs inside one of ``gc.callbacks`` (a profiler's, a test
    framework's: hypothesis times every collection with one)."""
    import gc

    codes = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    codes.discard(None)
    while frame is not None and codes:
        if frame.f_code in codes:
            return True
        frame = frame.f_back
    return False


WATCHDOG = _Watchdog()


def start_budget(seconds: float | None, command: str) -> None:
    """Give ``command`` ``seconds`` of wall time from its start (``None``: no limit).

    The engines answer (in part) by :func:`budget_deadline`; whatever still runs
    :data:`GRACE` seconds later is stopped (exit 3, one line)."""
    WATCHDOG.budget = seconds
    if seconds is None:
        WATCHDOG.deadline = None
        return
    left = WATCHDOG.started + seconds + GRACE - time.monotonic()
    WATCHDOG.arm(left, f"{command}: the time budget of {seconds:g} s ran out before the "
                       f"answer was known (fail closed); raise it with --time-budget")


def budget_deadline() -> float | None:
    """The ``time.monotonic()`` value by which the running command's engines should
    answer (``None``: no budget): :data:`ANSWER_SHARE` of its ``--time-budget`` after
    it began, so that the rest is left to write a partial answer out."""
    if WATCHDOG.budget is None:
        return None
    return WATCHDOG.started + ANSWER_SHARE * WATCHDOG.budget
