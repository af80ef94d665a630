"""How commands take their input (issue 17 §1): ``python -m pruner`` beside a folder
named ``pruner``, a PATH of ``-`` (standard input) for every command that reads a
manifest, ``--off-file`` with a byte order mark or from standard input, and empty
names in ``--off``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import run

MANIFEST = "services: {a: {}, b: {depends_on: [a]}}\nflows: {f: {requires: [b]}}\n"


def test_python_m_pruner_beside_a_folder_named_pruner(tmp_path):
    # A clone named pruner in the current folder (here: a folder with a README) must not
    # be imported in place of the installed package.
    (tmp_path / "pruner").mkdir()
    (tmp_path / "pruner" / "README.md").write_text("a clone\n")
    (tmp_path / "m.yaml").write_text(MANIFEST)
    for args, code in ((["--version"], 0), (["validate", "m.yaml"], 0),
                       (["check", "m.yaml", "--off", "a"], 1)):
        proc = subprocess.run([sys.executable, "-m", "pruner", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == code, proc.stderr
        assert "Traceback" not in proc.stderr
    version = subprocess.run([sys.executable, "-m", "pruner", "--version"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120).stdout
    assert version.startswith("pruner, version ")


@pytest.mark.parametrize(("args", "code", "text"), [
    (["validate", "-"], 0, "<stdin>: valid"),
    (["check", "-", "--off", "a"], 1, "Critical flows broken: f"),
    (["cuts", "-"], 0, "f"),
    (["essential", "-"], 0, "Keep"),
    (["availability", "-"], 0, "f"),
    (["bootstrap", "-"], 0, "f"),
    (["rank", "-"], 0, "a"),
])
def test_path_dash_reads_the_manifest_from_standard_input(args, code, text):
    result = run(*args, input=MANIFEST)
    assert result.exit_code == code, result.output + result.stderr
    assert text in result.output


def test_path_dash_names_stdin_in_errors_and_reports():
    result = run("validate", "-", input="services: {a: {depends_on: [zz]}}\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("<stdin>:1:29: error: service 'a' depends on unknown")
    junit = run("check", "-", "--format", "junit", input=MANIFEST).output
    assert 'name="pruner check &lt;stdin&gt; (switched off: nothing)"' in junit


@pytest.mark.parametrize("args", [["check", "-"], ["check", "m.yaml", "--off-file", "-"]])
def test_an_endless_standard_input_of_nul_bytes_is_bad_input_not_a_full_memory(tmp_path, args):
    """``check - < /dev/zero`` was read until the memory cap (exit 3, after reading 900 MB);
    no manifest or name list holds a NUL byte, so the first one ends the reading and the
    reader refuses it at its line (exit 2, one line)."""
    (tmp_path / "m.yaml").write_text(MANIFEST)
    with open("/dev/zero", "rb") as zeros:
        proc = subprocess.run([sys.executable, "-m", "pruner", *args], stdin=zeros,
                              cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("<stdin>:1:"), proc.stderr


def test_standard_input_is_read_whole_across_chunks():
    """Read in chunks, a manifest longer than one chunk comes through whole."""
    padding = "# " + "x" * 1000 + "\n"
    result = run("validate", "-", input=padding * 3000 + MANIFEST)
    assert result.exit_code == 0 and "<stdin>: valid" in result.output


def test_diff_reads_old_or_new_from_standard_input(tmp_path):
    new = tmp_path / "new.yaml"
    new.write_text("services: {b: {depends_on: [a]}}\nflows: {f: {requires: [b]}}\n")
    result = run("diff", "-", str(new), input=MANIFEST)
    assert result.exit_code == 1 and "removing a breaks f" in result.output
    assert result.output.startswith("pruner diff: <stdin> -> ")
    old = tmp_path / "old.yaml"
    old.write_text(MANIFEST)
    assert run("diff", str(old), "-", input=MANIFEST).exit_code == 0
    both = run("diff", "-", "-", input=MANIFEST)
    assert both.exit_code == 2 and both.stderr.count("\n") == 1
    assert "NEW is '-' but standard input is already read for OLD" in both.stderr
    assert run("diff", "--base", "HEAD", "-", input=MANIFEST).exit_code == 2


def test_output_never_overwrites_the_file_standard_input_reads(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text(MANIFEST)
    with m.open("rb") as stdin:
        proc = subprocess.run([sys.executable, "-m", "pruner", "check", "-", "-o", str(m)],
                              stdin=stdin, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "it is the file standard input reads" in proc.stderr
    assert m.read_text() == MANIFEST
    other = tmp_path / "report.txt"
    with m.open("rb") as stdin:
        proc = subprocess.run([sys.executable, "-m", "pruner", "check", "-", "--off", "a",
                               "-o", str(other)], stdin=stdin, capture_output=True, timeout=120)
    assert proc.returncode == 1 and b"Critical flows broken: f" in other.read_bytes()


@pytest.mark.parametrize("args, what", [
    (["check", "-"], "PATH"),
    (["check", "{m}", "--off-file", "-"], "--off-file"),
    (["diff", "-", "{m}"], "OLD"),
])
def test_dash_with_standard_input_closed_is_one_line(tmp_path, args, what):
    """``pruner check - <&-``: Python has no standard input object at all (None), and
    reading it was an AttributeError traceback with exit 1, a failed gate."""
    import os

    m = tmp_path / "m.yaml"
    m.write_text(MANIFEST)
    proc = subprocess.run([sys.executable, "-m", "pruner", *[a.format(m=m) for a in args]],
                          stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"pruner: error: {what} is '-' but standard input is closed\n"


def test_off_file_with_a_byte_order_mark(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text(MANIFEST)
    off = tmp_path / "off.txt"
    off.write_bytes("\ufeffa\n# a comment\n".encode())
    result = run("check", str(m), "--off-file", str(off), "--format", "json")
    assert result.exit_code == 1, result.stderr
    assert json.loads(result.output)["off"] == ["a"]


def test_off_file_from_standard_input(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text(MANIFEST)
    result = run("check", str(m), "--off-file", "-", "--format", "json", input="a\n")
    assert result.exit_code == 1 and json.loads(result.output)["off"] == ["a"]
    bad = run("check", str(m), "--off-file", "-", input="zz\n")
    assert bad.exit_code == 2 and bad.stderr.startswith("<stdin>:1:")
    twice = run("check", "-", "--off-file", "-", input=MANIFEST)
    assert twice.exit_code == 2 and "already read for PATH" in twice.stderr


@pytest.mark.parametrize("value", [",", "a,", ",a", "a,,b", "", " "])
def test_empty_names_in_off_are_an_input_error(tmp_path, value):
    m = tmp_path / "m.yaml"
    m.write_text(MANIFEST)
    result = run("check", str(m), "--off", value)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert "empty name (nothing between commas)" in result.stderr
    cuts = run("cuts", str(m), "--among", value)
    assert cuts.exit_code == 2 and "--among" in cuts.stderr
    # --flow and plan's --keep too: an empty name once meant every (critical) flow
    for command, option in (("check", "--flow"), ("essential", "--flow"),
                            ("availability", "--flow"), ("plan", "--keep")):
        result = run(command, str(m), option, value)
        assert result.exit_code == 2 and f"{option} " in result.stderr, (command, value)
        assert "empty name (nothing between commas)" in result.stderr


@pytest.mark.parametrize("args", [
    ["check", ""], ["diff", "", "{m}"], ["drift", "{m}", ""], ["rpc", ""],
    ["discover", "", "-o", "{tmp}/x.yaml"], ["import", "k8s", "", "-o", "{tmp}/x.yaml"],
    ["plan", "{m}", "--observed", ""], ["plan", "{m}", "--costs", ""],
    ["check", "{m}", "--off-file", ""],
    ["check", "{m}", "-o", ""], ["render", "{m}", "-o", ""], ["report", "{m}", "-o", ""],
    ["import", "k8s", "{m}", "-o", ""],
])
def test_an_empty_path_is_one_line_and_never_the_current_folder(tmp_path, args, monkeypatch):
    """'' from a variable that expanded to nothing: Path("") is the current folder, which
    a reader would have searched; and an error about it had no place to show ('')."""
    m = tmp_path / "m.yaml"
    m.write_text(MANIFEST)
    monkeypatch.chdir(tmp_path)  # what '' would have searched
    result = run(*[a.format(m=m, tmp=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    assert ("'': error:" in result.stderr or "an empty path names no file" in result.stderr), \
        result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml"]


def test_a_time_budget_of_nan_is_refused_by_plan_too(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text(MANIFEST)
    result = run("plan", str(m), "--time-budget", "nan")
    assert result.exit_code == 2 and "nan is not a number of seconds" in result.stderr
