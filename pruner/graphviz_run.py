"""Run Graphviz ``dot`` on DOT text: the one place pruner starts an external program.

An adapter at the top layer, next to the CLI: renderers stay pure (they return DOT
text), and this module turns that text into SVG or PNG bytes.
"""

from __future__ import annotations

import shutil
import subprocess

from pruner.errors import BudgetExhausted, InputError, ToolMissingError

__all__ = ["DOT_FORMATS", "INSTALL_HINT", "dot_available", "run_dot", "kill_running"]

DOT_FORMATS = ("svg", "png")
INSTALL_HINT = ("Graphviz 'dot' is not installed: apt-get install graphviz "
                "(or brew install graphviz); .dot and .mmd output work without it")
DEFAULT_TIMEOUT = 120.0
# The longest a wait on dot can be: poll() takes milliseconds as a C int (2**31 ms, 24.8
# days); what is left of a budget such as --time-budget inf or 1e20 is more, and no limit.
LONGEST_TIMEOUT = 7 * 86400.0


def dot_available() -> bool:
    """True when a ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def run_dot(source: str, fmt: str, timeout: float = DEFAULT_TIMEOUT,
            memory: int | None = None) -> bytes:
    """Lay out ``source`` with ``dot -T<fmt>`` and return the output bytes.

    ``dot`` runs at most ``timeout`` seconds and, where the system allows it
    (``prlimit``), within ``memory`` bytes of address space: a dense graph can keep it
    busy for minutes at gigabytes (issue 17 §4). Raises :class:`ToolMissingError` when
    ``dot`` is not installed, :class:`BudgetExhausted` when it runs out of time or
    memory (the process is killed), :class:`InputError` when it fails otherwise.
    """
    if fmt not in DOT_FORMATS:
        raise ValueError(f"fmt must be one of {DOT_FORMATS}")
    program = shutil.which("dot")
    if program is None:
        raise ToolMissingError(INSTALL_HINT)
    try:
        process = subprocess.Popen([program, f"-T{fmt}"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise ToolMissingError(f"cannot run Graphviz 'dot': {exc.strerror or exc}") from None
    _RUNNING.add(process)
    capped = memory is not None and _cap(process.pid, memory)
    # what is left of a budget already spent: none, not < 0; of a boundless one: no limit
    timeout = min(max(timeout, 0.001), LONGEST_TIMEOUT)
    try:
        out, err = process.communicate(source.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise BudgetExhausted(
            f"Graphviz 'dot' did not finish within {timeout:.3g} s (the time budget); "
            "draw less with --flow and --depth, write .dot or .mmd, or raise "
            "--time-budget") from None
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        _RUNNING.discard(process)
    if process.returncode != 0:
        first = err.decode("utf-8", "replace").strip().splitlines()[:1]
        text = first[0] if first else str(process.returncode)
        if capped and (process.returncode < 0 or "memory" in text.lower()
                       or "alloc" in text.lower()):
            raise BudgetExhausted(
                f"Graphviz 'dot' ran out of its memory cap ({memory // 2**20} MiB): {text}; "
                "draw less with --flow and --depth, or raise --memory-limit")
        raise InputError(f"Graphviz 'dot' failed: {text}")
    return out


_RUNNING: set[subprocess.Popen] = set()


def _cap(pid: int, memory: int) -> bool:
    """Limit the address space of process ``pid``; False where it cannot be done."""
    try:
        import resource

        resource.prlimit(pid, resource.RLIMIT_AS, (memory, memory))
    except (ImportError, AttributeError, OSError, ValueError):
        return False
    return True


def kill_running() -> None:
    """Kill every ``dot`` still running (the process is being ended at once)."""
    for process in list(_RUNNING):
        try:
            process.kill()
        except OSError:
            pass
