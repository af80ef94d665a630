"""The command line's own process: how it ends (issue 21: no teardown of a big heap)
and what it says when standard output cannot be written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TWITTER = str(ROOT / "manifests" / "twitter")


def _pruner(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "pruner", *args], env=env,
                          stderr=subprocess.PIPE, **kwargs)


@pytest.mark.parametrize("off, code", [("sms-gateway", 1), ("nothing-at-all", 2), ("", 0)])
def test_exit_status_and_output_survive_the_fast_exit(off, code):
    """Ending without the interpreter's teardown keeps the exit status and every byte
    of standard output and standard error (flushed first)."""
    args = ["check", TWITTER, "--format", "json"] + (["--off", off] if off else [])
    result = _pruner(*args)
    assert result.returncode == code, result.stderr
    if code != 2:
        assert result.stdout.endswith(b"}\n") and b'"gate"' in result.stdout
        assert result.stdout == _pruner(*args).stdout  # deterministic, whole
    else:
        assert result.stderr.count(b"\n") == 1 and b"nothing-at-all" in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_full_device_behind_stdout_is_one_line_not_a_traceback():
    with open("/dev/full", "wb") as full:
        result = _pruner("check", TWITTER, "--format", "json", stdout=full)
    assert result.returncode == 2
    assert result.stderr.decode().strip() == \
        "pruner: error: cannot write standard output: No space left on device"


@pytest.mark.parametrize("args", [
    ["check", TWITTER, "--off", "sms-gateway", "--fail-on", "never"],  # plain text
    ["cuts", TWITTER],  # colour decided from standard output, then a progress bar
    ["validate", TWITTER, "--format", "json"],
    ["schema"],
])
def test_a_closed_stdout_is_one_line_not_a_traceback(args):
    """``pruner ... >&-``: Python gives no standard output object at all (None); the
    output cannot be written, as on a full device: one line, exit 2."""
    result = _pruner(*args, stdout=subprocess.DEVNULL, close_fds=True,
                     preexec_fn=lambda: os.close(1))
    assert result.returncode == 2, result.stderr
    assert result.stderr.decode().strip() == \
        "pruner: error: cannot write standard output: it is closed"


@pytest.mark.parametrize("args, code", [
    (["check", TWITTER, "--off", "sms-gateway"], 1),
    (["check", TWITTER], 0),
    (["cuts", TWITTER], 0),
    (["--help"], 0),
])
def test_a_closed_stderr_keeps_the_exit_status(args, code):
    """``pruner ... 2>&-``: nothing to say anything on, and the exit status still holds
    (an AttributeError on the missing stream ended it with 1, a failed gate)."""
    result = _pruner(*args, preexec_fn=lambda: os.close(2))
    assert result.returncode == code
    assert result.stdout


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args, code", [
    (["check", TWITTER, "--off", "nothing-at-all"], 2),  # PrunerError
    (["check", str(ROOT / "no-such-manifest")], 2),
    (["check", TWITTER, "--no-such-option"], 2),  # click's usage error
    # its answer written, then a note that cannot be: as when standard output cannot be;
    # on a loaded machine the run can outlast the budget's grace (0.5 s) and is stopped
    # (exit 3, its one line lost too): either way the status is the outcome's, never 1
    (["cuts", TWITTER, "--time-budget", "0"], (2, 3)),
    (["check", TWITTER, "--off", "sms-gateway"], 1),
])
def test_a_full_device_behind_stderr_keeps_the_exit_status(args, code):
    """``2>/dev/full``: what cannot be said is lost, the exit status is not (the
    OSError of the message ended the process in a traceback with exit 1, a failed gate)."""
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "pruner", *args], stderr=full,
                                stdout=subprocess.PIPE, env=dict(os.environ,
                                                                 PYTHONPATH=str(ROOT)))
    assert result.returncode in (code if isinstance(code, tuple) else (code,))


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [["--help"], ["--version"], ["check", "--help"]])
def test_help_onto_a_full_device_is_one_line_not_a_traceback(args):
    with open("/dev/full", "wb") as full:
        result = _pruner(*args, stdout=full)
    assert result.returncode == 2
    assert result.stderr.decode().strip() == "pruner: error: No space left on device"


@pytest.mark.parametrize("args, code", [
    (["check", TWITTER, "--off", "sms-gateway"], 1),  # the gate fails
    (["check", TWITTER, "--off", "sms-gateway", "--fail-on", "never"], 0),
    (["rank", TWITTER], 0),  # no gate at all
    (["schema"], 0),
])
def test_a_reader_that_left_leaves_the_exit_status_as_the_outcome(args, code):
    """``pruner ... | head -c 10``: the reader leaving is its business. The exit status
    was click's 1 (a failed gate, for a passing gate or a command that is none) or, when
    the pipe broke later, 0: now always the command's outcome, and nothing on stderr."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte
    try:
        result = _pruner(*args, stdout=write)
    finally:
        os.close(write)
    assert result.returncode == code, result.stderr
    assert result.stderr == b""
