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
# Speed is measured in benchmarks/, not here: on a shared, loaded machine wall-clock time
# says little. This bound only catches a hang or a blow-up (an alias bomb, deep nesting or
# a huge integer that the guards failed to stop runs for minutes, not seconds).
HANG = 30.0


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
    assert elapsed < HANG


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
    assert time.perf_counter() - started < HANG
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
    assert time.perf_counter() - started < HANG
    assert result.exit_code == 2
    assert "aliases expand" in result.stderr
    assert len(result.stderr.splitlines()) <= 102  # problems are capped, then counted


@pytest.mark.parametrize("opener,closer", [("[", "]"), ("{a: ", "}")])
def test_20000_deep_nesting_is_refused_fast(tmp_path, opener, closer):
    path = _generated(tmp_path, "deep.yaml",
                      ("services:\n  a: " + opener * 20000 + "x" + closer * 20000).encode())
    started = time.perf_counter()
    result = run("check", path)
    assert time.perf_counter() - started < HANG
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
        f"{path}:2:20", f"{path}:3:20", f"{path}:4:13"]


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
    assert result.stderr == (
        f"{off}:4: error: unknown service 'sms-gatway' (did you mean 'sms-gateway'?)\n")


def test_no_traceback_through_python_m(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("services: {a: {depends_on: [b]}}\n")
    proc = subprocess.run([sys.executable, "-m", "pruner", "check", str(bad)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1


# -- issue 9 §2: typed tags, huge integers, control characters, valid YAML refused --------
TYPED = [
    ("services:\n  a: {tier: !!int abc}\n", 2, "'abc' is not an integer"),
    ("version: !!int 0x\n", 1, "'0x' is not an integer"),
    ("services:\n  a: {tier: !!int ''}\n", 2, "'' is not an integer"),
    ("services:\n  a: {tier: !!int 09}\n", 2, "'09' is not an integer"),
    ("services:\n  a: {tier: 0x_}\n", 2, "must be an integer, not '0x_'"),
    ("services:\n  a: {}\nflows:\n  f:\n    requires: [a]\n    critical: !!bool\n", 6,
     "'' is not a boolean"),
    ("services:\n  a: {}\n  b: {depends_on: [{service: a, soft: !!bool maybe}]}\n", 3,
     "'maybe' is not a boolean"),
    ("services:\n  a: {description: !!float abc}\n", 2, "'abc' is not a number"),
    ("services:\n  a: {owner: !!timestamp 2020-13-01}\n", 2, "is not a timestamp"),
    ("services:\n  a: {description: !!binary 'abc'}\n", 2, "is not base64 data"),
    ("services:\n  a:\n    tags: [&t !!null x]\n", 3, "'x' is not null"),
    ("services:\n  !!int 0b2: {}\n", 2, "'0b2' is not an integer"),
]


@pytest.mark.parametrize("text,line,fragment", TYPED, ids=[t[2][:24] for t in TYPED])
def test_typed_tag_with_bad_text_is_exit_2_at_its_line(tmp_path, text, line, fragment):
    path = _generated(tmp_path, "typed.yaml", text.encode())
    result = run("check", path)
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert f"{path}:{line}:" in first and fragment in first


def test_typed_tags_with_good_text_are_read(tmp_path):
    path = _generated(tmp_path, "typed-ok.yaml", (
        b"version: !!int 0x1\nservices:\n  a: {tier: !!int 1_0, description: !!float 1.5,"
        b" owner: !!timestamp 2020-01-31, system: !!binary aGk=}\n"
        b"  b: {depends_on: [{service: a, soft: !!bool yes}], tier: 0b11}\n"
        b"  c: {tier: 010, description: 0x_, owner: 2020-13-45}\n"
        b"flows:\n  f: {requires: [b, c], critical: !!bool Off}\n"))
    from pruner.loader import load

    m = load(path).manifest
    assert (m.services["a"].tier, m.services["b"].tier, m.services["c"].tier) == (10, 3, 8)
    assert m.services["a"].description == "1.5" and m.services["c"].description == "0x_"
    assert m.services["b"].depends_on[0].soft is True
    assert m.flows["f"].critical is False


@pytest.mark.parametrize("text,line", [
    ("services:\n  a: {tier: 1" + "0" * 5000 + "}\n", 2),
    ("services:\n  a: {}\n  b: {}\n  c: {depends_on: [{at_least: 0x" + "f" * 5000
     + ", of: [a, b]}]}\n", 4),
    ("version: " + "1" * 4301 + "\n", 1),
])
def test_huge_integers_are_exit_2_at_their_line(tmp_path, text, line):
    path = _generated(tmp_path, "huge.yaml", text.encode())
    started = time.perf_counter()
    result = run("check", path)
    assert time.perf_counter() - started < HANG
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert f"{path}:{line}:" in first and "too long an integer" in first


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x0c", "\x7f", "\ufffe", "\uffff", "\x1b"])
def test_control_characters_name_their_line_and_column(tmp_path, char):
    text = f"services:\n  a: {{}}\n  b: {{description: éé{char}x}}\n"
    path = _generated(tmp_path, "ctl.yaml", text.encode("utf-8"))
    result = run("check", path)
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert f"{path}:3:22:" in first, first
    assert f"U+{ord(char):04X}" in first and "Traceback" not in result.stderr


def test_merge_of_a_mapping_that_merges_is_read(tmp_path):
    path = _generated(tmp_path, "merge.yaml", (
        b"x-base: &base {tier: 1, owner: base}\n"
        b"x-api: &api {<<: *base, owner: api}\n"
        b"services:\n  db: {}\n  canary: {<<: *api, depends_on: [db]}\n"
        b"  other: {<<: [*api, {system: s}], owner: own}\n"
        b"flows:\n  f: {requires: [canary, other]}\n"))
    from pruner.loader import load

    s = load(path).manifest.services
    assert (s["canary"].tier, s["canary"].owner, s["canary"].depends_on[0].members) == (
        1, "api", ("db",))
    assert (s["other"].tier, s["other"].owner, s["other"].system) == (1, "own", "s")


def test_long_merge_chains_are_read_without_recursion(tmp_path):
    lines = ["x-m0: &m0 {tier: 3}"]
    lines += [f"x-m{i}: &m{i} {{<<: *m{i - 1}}}" for i in range(1, 5000)]
    lines += ["services:\n  a: {<<: *m4999}"]
    path = _generated(tmp_path, "chain.yaml", "\n".join(lines).encode())
    from pruner.loader import load

    assert load(path).manifest.services["a"].tier == 3


@pytest.mark.parametrize("where", ["quoted", "single", "comment", "block"])
def test_brackets_in_text_are_not_nesting(tmp_path, where):
    many = "[" * 501 + "{" * 501
    body = {
        "quoted": f'services:\n  a: {{description: "{many}"}}\n',
        "single": f"services:\n  a: {{description: '{many}'}}\n",
        "comment": f"services:\n  a: {{}}  # {many}\n",
        "block": f"services:\n  a:\n    description: |\n      {many}\n",
    }[where]
    path = _generated(tmp_path, "brackets.yaml", body.encode())
    result = run("validate", path)
    assert result.exit_code == 0, result.stderr


def test_real_nesting_past_500_is_refused_with_its_line(tmp_path):
    path = _generated(tmp_path, "deep.yaml",
                      ("# [[[[\nservices:\n  a: {description: '[[['}\n  b: "
                       + "[" * 501 + "]" * 501 + "\n").encode())
    result = run("validate", path)
    assert result.exit_code == 2
    assert f"{path}:4:" in result.stderr and "nested deeper than 500" in result.stderr


@pytest.mark.parametrize("text,line,hint", [
    ("services:\n  a:\n    depends_on:\n      - b\n     - c\n", 5, "indentation of line 4"),
    ("services:\n  a: {}\n   b: {}\n", 3, "indentation of line 2"),
    ("services:\n\ta: {}\n", 2, "line 2 is indented with a tab"),
    ("services:\n  a:\n    tier: 1\n     owner: x\n", 4, "indentation of line 3"),
])
def test_indentation_mistakes_get_a_hint(tmp_path, text, line, hint):
    path = _generated(tmp_path, "indent.yaml", text.encode())
    result = run("validate", path)
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert f"{path}:{line}:" in first and hint in first, first


# -- issue 9 §6: one mistake, one line ---------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("services:\n  a: {}\nflows:\n  login:\n  requires: [a]\n",
     ["5:3: error: 'requires' is a key of a flow, but it is indented as a flow name; "
      "indent it under flow 'login' (line 4)"]),
    ("services:\n  a:\n  depends_on: [b]\n  b: {}\nflows:\n  f: {requires: [a]}\n",
     ["3:3: error: 'depends_on' is a key of a service, but it is indented as a service name; "
      "indent it under service 'a' (line 2)"]),
    ("services:\n  a: {}\nflows:\n  login:\n    require: [a]\n",
     ["5:5: error: unknown key 'require' in flow 'login' (did you mean 'requires'?)"]),
    ("services:\n  a: {}\nflows:\n  login: [a]\n",
     ["4:10: error: flow 'login' must be a mapping, not a list"]),
    ("services:\n  a: {}\nflows:\n  f: {requires: [{servic: a}]}\n",
     ["4:19: error: unknown key 'servic' in an item of requires of flow 'f' "
      "(did you mean 'service'?)"]),
    ("services:\n  otp-sms: {}\nflows:\n  f: {requires: [sms-otp]}\n",
     ["4:18: error: flow 'f' requires unknown service 'sms-otp' (did you mean 'otp-sms'?)"]),
])
def test_a_structural_mistake_is_reported_once(tmp_path, text, expected):
    path = _generated(tmp_path, "once.yaml", text.encode())
    result = run("validate", path)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == len(expected), result.stderr
    for line, want in zip(lines, expected, strict=True):
        assert line.startswith(f"{path}:{want}"), line


def test_the_bracket_scan_is_skipped_below_the_limit_only():
    # too_deep counts the opening brackets first: at most MAX_NESTING of them cannot nest
    # deeper, and no scan runs; one more, nested, is found where it opens.
    from pruner.loader.yaml_nodes import MAX_NESTING, too_deep

    assert too_deep("a: " + "[" * MAX_NESTING + "]" * MAX_NESTING + "\n") is None
    assert too_deep("a: " + "{[" * (MAX_NESTING // 2) + "]}" * (MAX_NESTING // 2)) is None
    deeper = "a: " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1) + "\n"
    assert too_deep(deeper)[0] == 1
