"""Every bad manifest: exit 2, one line naming file:line, no traceback, fast,
nothing executed from YAML tags."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ASSETS, ROOT, run

BAD = sorted((ASSETS / "bad").glob("*.yaml"))
EXPECT = re.compile(r"# expect: (\d+) (.+)")


def expectation(path: Path) -> tuple[int, str]:
    match = EXPECT.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert match, f"{path.name} needs a first line '# expect: LINE fragment'"
    return int(match.group(1)), match.group(2)


def test_there_are_many_bad_manifests():
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
@pytest.mark.parametrize("command", ["validate", "check"])
def test_bad_manifest_exits_2_with_file_line_reason(path, command):
    line, fragment = expectation(path)
    started = time.perf_counter()
    result = run(command, path)
    elapsed = time.perf_counter() - started
    assert result.exit_code == 2
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert f"{path}:{line}:" in first
    assert fragment in first
    assert "Traceback" not in result.stderr
    assert elapsed < 1.0


def test_python_tags_are_never_constructed(tmp_path):
    marker = tmp_path / "pwned"
    bad = tmp_path / "evil.yaml"
    bad.write_text(f"services:\n  a: !!python/object/apply:os.system ['touch {marker}']\n"
                   f"flows: !!python/object/apply:os.system ['touch {marker}']\n")
    result = run("check", bad)
    assert result.exit_code == 2
    assert not marker.exists()


def _generated(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_alias_bomb_is_refused_fast(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefghij":
        prev = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ", ".join([f"*{prev}"] * 9) + "]")
    lines.append("services:\n  s: {depends_on: [{any_of: *j}]}")
    path = _generated(tmp_path, "bomb.yaml", "\n".join(lines).encode())
    started = time.perf_counter()
    result = run("validate", path)
    assert time.perf_counter() - started < 1.0
    assert result.exit_code == 2
    assert f"{path}:1:1:" in result.stderr
    assert "Traceback" not in result.stderr


def test_alias_expansion_through_item_lists_is_bounded(tmp_path):
    members = ", ".join(f"m{i}" for i in range(2000))
    body = [f"services:\n  x: {{depends_on: [{{any_of: &l [{members}]}}]}}"]
    body += [f"  y{i}: {{depends_on: [{{any_of: *l}}, {{any_of: *l}}]}}" for i in range(3000)]
    path = _generated(tmp_path, "alias-heavy.yaml", "\n".join(body).encode())
    started = time.perf_counter()
    result = run("validate", path)
    assert time.perf_counter() - started < 1.5
    assert result.exit_code == 2
    assert "aliases expand" in result.stderr
    assert len(result.stderr.splitlines()) <= 102  # problems are capped, then counted


@pytest.mark.parametrize("opener,closer", [("[", "]"), ("{a: ", "}")])
def test_20000_deep_nesting_is_refused_fast(tmp_path, opener, closer):
    path = _generated(tmp_path, "deep.yaml",
                      ("services:\n  a: " + opener * 20000 + "x" + closer * 20000).encode())
    started = time.perf_counter()
    result = run("check", path)
    assert time.perf_counter() - started < 1.0
    assert result.exit_code == 2
    assert f"{path}:2:" in result.stderr
    assert "nested deeper" in result.stderr


def test_non_utf8_bytes_name_the_line(tmp_path):
    path = _generated(tmp_path, "latin1.yaml", b"services:\n  a: {description: caf\xe9}\n")
    result = run("validate", path)
    assert result.exit_code == 2
    assert f"{path}:2:" in result.stderr
    assert "UTF-8" in result.stderr


def test_nul_byte_is_invalid_yaml(tmp_path):
    path = _generated(tmp_path, "nul.yaml", b"services:\n  a: {description: x\x00y}\n")
    result = run("validate", path)
    assert result.exit_code == 2
    assert "invalid YAML" in result.stderr


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    path = _generated(tmp_path, "many.yaml", (
        b"services:\n  a: {depends_on: [x1]}\n  b: {depends_on: [x2]}\n  c: {tier: no}\n"))
    result = run("validate", path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert [ln.split(": error")[0] for ln in lines] == [
        f"pruner: {path}:2:20", f"pruner: {path}:3:20", f"pruner: {path}:4:13"]


def test_duplicate_across_files_names_both_places(tmp_path):
    (tmp_path / "a.yaml").write_text("services:\n  api: {}\n")
    (tmp_path / "b.yaml").write_text("services:\n  web: {}\n\n  api: {}\n")
    result = run("validate", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path}/b.yaml:4:3" in result.stderr
    assert f"{tmp_path}/a.yaml:2:3" in result.stderr


def test_missing_path_and_empty_folder(tmp_path):
    result = run("check", tmp_path / "nope")
    assert result.exit_code == 2
    assert "no such file or directory" in result.stderr
    result = run("check", tmp_path)
    assert result.exit_code == 2
    assert "no *.yaml" in result.stderr


def test_unknown_off_name_gets_did_you_mean():
    result = run("check", ROOT / "manifests/twitter", "--off", "sms-gatway")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "pruner: error: unknown service 'sms-gatway' (did you mean 'sms-gateway'?)")


def test_unknown_name_in_off_file_names_the_line(tmp_path):
    off = tmp_path / "off.txt"
    off.write_text("# prune list\nsms-gateway\n\nsms-gatway  # typo\n")
    result = run("check", ROOT / "manifests/twitter", "--off-file", off)
    assert result.exit_code == 2
    assert f"{off}:4: unknown service 'sms-gatway'" in result.stderr


def test_no_traceback_through_python_m(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("services: {a: {depends_on: [b]}}\n")
    proc = subprocess.run([sys.executable, "-m", "pruner", "check", str(bad)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
