"""One child process measured: wall and CPU seconds, and its own peak RSS.

Linux keeps a process's peak RSS across ``exec`` and starts it from the memory of
the process that spawned it: a child started by a benchmark holding a 20,000-service
manifest in memory (225 MiB) reported at least 225 MiB, however little it used
(posix_spawn shares the parent's memory until the exec, and fork copies it). So
every child is started by a small launcher (``python -S``, about 8 MiB), which
spawns the command, waits for it and reports what ``wait4`` says of it; the
timing is taken inside the launcher, around the command alone.

    >>> run = measured([sys.executable, "-c", "x = bytearray(64 << 20); x[::4096] = b'1' * 16384"])
    >>> run.code, 64 <= run.peak_mib < 120
    (0, True)
"""

from __future__ import annotations

import compileall
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_LAUNCHER = """
import os, sys, time
report, args = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawnp(args[0], args, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(report, "w") as fh:
    fh.write(f"{seconds!r} {usage.ru_utime + usage.ru_stime!r} {usage.ru_maxrss} "
             f"{os.waitstatus_to_exitcode(status)}")
"""


@dataclass(frozen=True)
class Run:
    seconds: float  # wall time of the command alone
    cpu: float  # user + system seconds
    peak_kib: int  # the command's own peak RSS
    code: int  # exit code (negative: killed by that signal)

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / 1024


def measured(args: list[str], *, env: dict | None = None, cwd: str | None = None,
             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) -> Run:
    """Run ``args`` (standard input: /dev/null) through the launcher and measure it."""
    with tempfile.NamedTemporaryFile("r", suffix=".run") as report:
        launcher = subprocess.run(
            [sys.executable, "-S", "-c", _LAUNCHER, report.name, *map(str, args)],
            env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        text = Path(report.name).read_text()
    if launcher.returncode != 0 or not text:
        raise SystemExit(f"could not run {args[0]} (launcher exit {launcher.returncode})")
    seconds, cpu, peak, code = text.split()
    return Run(float(seconds), float(cpu), int(peak), int(code))


def byte_compile() -> None:
    """Byte-compile the package first, as an install does: this environment may set
    PYTHONDONTWRITEBYTECODE, and a stale or missing cache charges every run the
    compilation of each changed module (50 ms on a 0.15 s fault tree)."""
    compileall.compile_dir(str(REPO / "pruner"), quiet=1)
