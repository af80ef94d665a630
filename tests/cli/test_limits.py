"""Every command is bounded (issue 24 §2, issue 17 §4): a time budget on every command
that can reach a superlinear engine, a memory cap on every command, MemoryError and
budgets as one line and exit 3 with no output file left, SIGTERM honoured deep inside
an engine. Budgets are small here (fractions of a second) so the tests stay fast; the
engines that would run long are stood in for by loops that never end."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pruner.cli import COMMANDS, limits, main
from pruner.cli.limits import DEFAULT_MEMORY_LIMIT, parse_size

ROOT = Path(__file__).resolve().parents[2]
SHOP = str(ROOT / "manifests" / "shop")
BUDGETED = ("validate", "diff", "report", "render", "availability", "bootstrap", "cuts",
            "essential", "rank", "plan")


def run(*args: str, env=None):
    return CliRunner().invoke(main, list(args), env=env)


@pytest.fixture(autouse=True, scope="module")
def warm(tmp_path_factory):
    """Run every budgeted command once first: a budget of a fraction of a second that
    runs out while this test process imports networkx or graphviz would leave the
    module half-imported for every later test (a real process simply ends)."""
    out = tmp_path_factory.mktemp("warm") / "out"
    for command in BUDGETED:
        args = {"diff": [SHOP, SHOP], "render": [SHOP, "--format", "dot", "-o", str(out)],
                "report": [SHOP, "-o", str(out)]}.get(command, [SHOP])
        assert run(command, *args).exit_code in (0, 1)


def forever(*args, **kwargs):
    """An engine that never ends (pure Python, as pruner's engines are)."""
    n = 0
    while True:
        n += 1


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


@pytest.mark.parametrize("command,args,target", [
    ("validate", [SHOP], "pruner.analysis.lint.lint"),
    ("availability", [SHOP], "pruner.cli.availability.flow_availability"),
    ("essential", [SHOP], "pruner.analysis.essential.essential"),  # imported when it runs
    ("bootstrap", [SHOP], "pruner.cli.bootstrap.bootstrap"),
    ("diff", [SHOP, SHOP], "pruner.cli.gate.diff_report"),
    ("report", [SHOP], "pruner.report.overview.overview_report"),
    ("render", [SHOP, "--format", "dot"], "pruner.cli.diagrams.diagram_report"),
])
def test_an_engine_that_never_ends_is_stopped_past_the_budget(tmp_path, monkeypatch,
                                                              command, args, target):
    module, name = target.rsplit(".", 1)
    import importlib

    monkeypatch.setattr(importlib.import_module(module), name, forever)
    out = [] if command == "validate" else ["-o", str(tmp_path / "out")]
    began = time.monotonic()
    result = run(command, *args, "--time-budget", "0.3", *out)
    took = time.monotonic() - began
    assert result.exit_code == 3, result.output
    line = one_line(result.output)
    assert line.startswith(f"pruner: budget: {command}: the time budget of 0.3 s ran out")
    assert took < 0.3 + 2.0
    assert list(tmp_path.iterdir()) == []  # no output file, no temporary file


@pytest.mark.parametrize("command", BUDGETED)
def test_every_budgeted_command_documents_its_budget_and_exit_3(command):
    text = " ".join(run(command, "--help").output.split())
    assert "--time-budget SECONDS" in text and "[default: " in text
    assert "3 a time, node or memory budget ran out" in text


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_takes_a_memory_limit(command):
    text = " ".join(run(command, "--help").output.split())
    assert "--memory-limit SIZE" in text and "PRUNER_MEMORY_LIMIT" in text


def test_memory_error_anywhere_is_one_line_exit_3_and_no_file(tmp_path, monkeypatch):
    import pruner.cli.failure as failure

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(failure, "minimal_cut_sets", exhausted)
    out = tmp_path / "cuts.json"
    result = run("cuts", SHOP, "--format", "json", "-o", str(out))
    assert result.exit_code == 3
    assert one_line(result.output).startswith("pruner: budget: memory cap of 900M reached")
    assert list(tmp_path.iterdir()) == []


def test_memory_error_while_writing_leaves_no_temporary_file(tmp_path, monkeypatch):
    import pruner.cli.common as common

    def replace(src, dst):
        raise MemoryError

    monkeypatch.setattr(common.os, "replace", replace)
    result = run("check", SHOP, "-o", str(tmp_path / "out.txt"))
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_memory_cap_stops_a_growing_engine(tmp_path, monkeypatch):
    import pruner.analysis.essential as essential  # the command imports it when it runs

    def hoard(*args, **kwargs):
        kept = []
        while True:  # about 1 MB a step, in pure Python
            kept.append(bytearray(1 << 20))

    monkeypatch.setattr(essential, "essential", hoard)
    result = run("essential", SHOP, "--memory-limit", "100M", "-o", str(tmp_path / "e.txt"))
    assert result.exit_code == 3
    assert one_line(result.output).startswith("pruner: budget: memory cap of 100M reached")
    assert list(tmp_path.iterdir()) == []


def test_the_memory_limit_comes_from_the_environment_and_is_checked():
    import pruner.cli.failure as failure

    result = run("essential", SHOP, "--memory-limit", "lots")
    assert result.exit_code == 2 and "not a size" in result.output
    result = run("essential", SHOP, env={"PRUNER_MEMORY_LIMIT": "12"})
    assert result.exit_code == 2 and "below 64M" in result.output
    assert run("essential", SHOP, env={"PRUNER_MEMORY_LIMIT": "0"}).exit_code == 0
    huge = "9" * 400 + "G"  # too long a number for a float: one line, not a traceback
    for result in (run("essential", SHOP, "--memory-limit", huge),
                   run("essential", SHOP, env={"PRUNER_MEMORY_LIMIT": huge})):
        assert result.exit_code == 2 and "is too large (say 0 for no cap)" in result.output
    assert failure  # imported: the command module loads without a cap too


def test_a_time_budget_must_be_a_number_of_seconds():
    result = run("essential", SHOP, "--time-budget", "nan")
    assert result.exit_code == 2 and "nan is not a number of seconds" in result.output
    assert run("essential", SHOP, "--time-budget", "inf").exit_code == 0  # no budget


def test_sizes():
    assert parse_size("900M") == DEFAULT_MEMORY_LIMIT
    assert parse_size("2G") == 2 * 2**30 and parse_size("1.5GB") == 1_500_000_000
    assert parse_size("off") is None and parse_size("0") is None
    with pytest.raises(ValueError):
        parse_size("-1G")


@pytest.mark.parametrize("text", ["900M", "900m", "4096", "4g", "1.5GB", " 2 G", "２G", "9x",
                                  "G", "", "9.m", "64mib", "63m", "1e3m", "900 mb"])
def test_a_size_is_read_as_its_pattern_reads_it(text):
    # parse_size reads digits and a unit without its pattern (the default, 900M, every
    # run): the same size, or the same refusal, as the pattern's reading
    import re

    def by_pattern(value):
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value.strip().lower())
        if not match or match.group(2) not in limits._UNITS:
            return "refused"
        size = float(match.group(1)) * limits._UNITS[match.group(2)]
        return int(size) if 64 * 2**20 <= size < 2**62 else "refused"

    try:
        got = parse_size(text)
    except ValueError:
        got = "refused"
    assert got == by_pattern(text)


# --- real processes --------------------------------------------------------------

def _child(engine: str) -> str:
    """A pruner process whose ``engine`` never ends; says 'ready' once it is inside."""
    module, name = engine.rsplit(".", 1)
    return ("import sys, importlib\n"
            f"m = importlib.import_module({module!r})\n"
            "def forever(*a, **k):\n"
            "    sys.stderr.write('ready\\n'); sys.stderr.flush()\n"
            "    n = 0\n"
            "    while True:\n"
            "        n += 1\n"
            f"setattr(m, {name!r}, forever)\n"
            "from pruner.cli import main\n"
            "main(sys.argv[1:], prog_name='pruner')\n")


def test_sigterm_deep_in_an_engine_exits_143_at_once(tmp_path):
    out = tmp_path / "a.json"
    proc = subprocess.Popen(
        [sys.executable, "-c", _child("pruner.cli.availability.flow_availability"),
         "availability", SHOP, "--format", "json", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert proc.stderr.readline() == b"ready\n"
    time.sleep(0.2)
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert time.monotonic() - sent < 2.0
    assert stderr.decode().strip() == "pruner: terminated"
    assert list(tmp_path.iterdir()) == []


def test_an_exit_that_lags_is_forced_on_the_command_line(tmp_path):
    # the engine's clean-up takes 30 s (a huge heap being freed, say): the command
    # line's own process still ends about 1.5 s after SIGTERM, with the same line
    out = tmp_path / "a.json"
    child = ("import sys, time, importlib\n"
             "m = importlib.import_module('pruner.cli.availability')\n"
             "def stuck(*a, **k):\n"
             "    sys.stderr.write('ready\\n'); sys.stderr.flush()\n"
             "    try:\n"
             "        while True:\n"
             "            pass\n"
             "    finally:\n"
             "        time.sleep(30)\n"
             "m.flow_availability = stuck\n"
             "from pruner.cli import main\n"
             "sys.argv[0] = 'pruner'\n"
             "main(prog_name='pruner')\n")  # arguments from sys.argv, as the console script
    proc = subprocess.Popen([sys.executable, "-c", child, "availability", SHOP, "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert proc.stderr.readline() == b"ready\n"
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert time.monotonic() - sent < 1.5 + 2.0
    assert stderr.decode().strip() == "pruner: terminated"
    assert list(tmp_path.iterdir()) == []


def test_a_real_process_past_its_budget_ends_with_exit_3(tmp_path):
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _child("pruner.analysis.lint.lint"), "validate", SHOP,
         "--time-budget", "1"], capture_output=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 3
    assert done.stderr.decode().splitlines()[-1].startswith(
        "pruner: budget: validate: the time budget of 1 s ran out")
    assert time.monotonic() - began < 1 + 2.0 + 1.0  # start-up of a loaded machine aside


def test_graphviz_given_a_spent_budget_says_no_negative_time(tmp_path, monkeypatch):
    """What is left of a budget already spent (--time-budget 0.0001) was negative, and
    the message said "did not finish within -0.173 s"."""
    import pytest

    from pruner.errors import BudgetExhausted
    from pruner.graphviz_run import run_dot

    dot = tmp_path / "dot"
    dot.write_text("#!/bin/sh\nexec sleep 600\n")
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    with pytest.raises(BudgetExhausted) as err:
        run_dot("digraph {}", "svg", timeout=-0.173)
    assert "did not finish within 0.001 s" in str(err.value)


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz dot")
@pytest.mark.parametrize("budget", ["inf", "1e308", "1e20"])
@pytest.mark.parametrize("suffix", ["svg", "html"])
def test_a_budget_too_large_for_any_clock_is_no_limit_not_a_traceback(tmp_path, budget, suffix):
    """What is left of ``--time-budget inf`` (or 1e20) went to Graphviz as its timeout,
    which no poll() can wait: OverflowError, a traceback and exit 1."""
    out = tmp_path / f"x.{suffix}"
    command = "render" if suffix == "svg" else "report"
    result = run(command, SHOP, "-o", str(out), "--time-budget", budget)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()



def test_graphviz_past_the_budget_is_killed_and_leaves_no_file(tmp_path):
    # a stand-in `dot` that never answers (a dense 400-service layout: minutes)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    dot = bin_dir / "dot"
    pid_file = bin_dir / "pid"
    dot.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 600\n")
    dot.chmod(0o755)
    out = tmp_path / "x.svg"
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pruner", "render", SHOP, "-o", str(out),
                           "--time-budget", "3"], capture_output=True, env=env, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    line = done.stderr.decode().splitlines()[-1]
    # Graphviz's own timeout (what is left of the budget), or on a very loaded machine
    # the stop half a second past the budget: either way one line, exit 3, no file
    assert line.startswith(("pruner: budget: Graphviz 'dot' did not finish within",
                            "pruner: budget: render: the time budget of 3 s ran out"))
    assert b"Traceback" not in done.stderr
    assert time.monotonic() - began < 3 + 2.0 + 1.0
    assert not out.exists() and sorted(p.name for p in bin_dir.parent.iterdir()) == ["bin"]
    if pid_file.exists():  # dot was started: it was killed, not left running
        pid = int(pid_file.read_text())
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("dot still runs")


def _hostile(tmp_path) -> dict[str, str]:
    """Small shapes that once ran long or ended in a traceback (issue 17 §4, issue 24)."""
    shared = [f"m{i:02d}" for i in range(30)]
    lines = ["services:"] + [f"  {m}: {{availability: 0.99}}" for m in shared]
    lines += [f"  s{i:02d}: {{availability: 0.999, depends_on: "
              f"[{{at_least: 15, of: [{', '.join(shared)}]}}]}}" for i in range(30)]
    lines += ["flows:"] + [f"  f{i:02d}: {{requires: [s{i:02d}], target: 0.999}}"
                           for i in range(30)]
    quorums = tmp_path / "quorums.yaml"
    quorums.write_text("\n".join(lines) + "\n")
    n = 300
    ring = tmp_path / "ring.yaml"
    ring.write_text("\n".join(
        ["services:"] + [f"  r{i}: {{availability: 0.999, depends_on: "
                         f"[{{any_of: [r{(i + 1) % n}, r{(i + 2) % n}]}}]}}" for i in range(n)]
        + ["flows:", "  f: {requires: [r0]}"]) + "\n")
    return {"quorums": str(quorums), "ring": str(ring)}


@pytest.mark.parametrize("command", BUDGETED)
def test_hostile_shapes_end_within_the_budget_without_a_traceback(tmp_path, command):
    shapes = _hostile(tmp_path)
    out = tmp_path / "out"
    for name, path in shapes.items():
        args = {"validate": [path], "diff": [path, path],
                "render": [path, "--format", "dot", "-o", str(out)],
                "report": [path, "-o", str(out)], "cuts": [path, "--max-order", "16"],
                "plan": [path, "--targets"]}.get(
                    command, [path])
        began = time.monotonic()
        result = run(command, *args, "--time-budget", "0.5")
        assert time.monotonic() - began < 0.5 + 2.0, (name, command)
        assert result.exit_code in (0, 1, 3), (name, command, result.output)
        assert "Traceback" not in result.output and result.exception is None or \
            isinstance(result.exception, SystemExit), (name, command, result.output)
        if result.exit_code == 3:
            assert not out.exists()
        out.unlink(missing_ok=True)


def test_a_budget_that_runs_out_inside_a_gc_callback_still_stops_the_command(tmp_path):
    """An exception raised inside a garbage-collector callback is swallowed by Python
    ("Exception ignored in ..."): the interrupt that lands there must not be lost, or
    the command runs on past its budget (seen in the suite, where hypothesis times
    every collection with such a callback)."""
    import gc

    ring = _hostile(tmp_path)["ring"]
    def slow_callback(phase, info):  # most of the run is spent in here
        if phase == "start":
            time.sleep(0.05)

    gc.callbacks.append(slow_callback)
    try:
        began = time.monotonic()
        result = run("diff", ring, ring, "--time-budget", "0.5")
        took = time.monotonic() - began
    finally:
        gc.callbacks.remove(slow_callback)
    assert result.exit_code == 3, result.output
    assert "time budget" in result.output
    assert took < 0.5 + 2.0, took


def _options(command: str) -> set[str]:
    from importlib import import_module

    module, attribute = COMMANDS[command].split(":")
    click_command = getattr(import_module(f"pruner.cli.{module}"), attribute)
    return {opt for param in click_command.params for opt in getattr(param, "opts", ())}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_memory_message_suggests_only_options_the_command_has(command):
    import re

    from pruner.cli.limits import memory_message

    message = memory_message(DEFAULT_MEMORY_LIMIT, command)
    suggested = set(re.findall(r"--[a-z][a-z-]*", message)) - {"--memory-limit"}
    assert suggested <= _options(command), (command, message)


def test_plan_stopped_by_memory_suggests_no_option_plan_lacks(monkeypatch):
    import re

    import pruner.analysis.plan as analysis_plan

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(analysis_plan, "plan", exhausted)
    result = run("plan", SHOP)
    assert result.exit_code == 3
    line = one_line(result.output)
    assert line.startswith("pruner: budget: memory cap of 900M reached")
    suggested = set(re.findall(r"--[a-z][a-z-]*", line)) - {"--memory-limit"}
    assert "--flow" not in line and suggested <= _options("plan"), line


def test_a_command_that_can_narrow_still_says_how(monkeypatch):
    import pruner.cli.failure as failure

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(failure, "minimal_cut_sets", exhausted)
    line = one_line(run("cuts", SHOP).output)
    assert "--flow" in line and "--max-order" in line, line
