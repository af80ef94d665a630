"""Nothing hostile reaches a terminal or a report (issue 9 §4): file names, arguments
and manifest text holding ANSI/OSC escapes, newlines, bidi overrides and isolates or
zero-width characters come out as visible escapes in every format, error lines included."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pruner.cli import main
from pruner.errors import display, neutral
from pruner.render.common import clean

ESC = "\x1b]0;TITLE\x07\x1b[31m"
BIDI = "\u202e\u2066\u2067\u2068\u2069\u202a\u200f"
ZERO = "\u200b\u200c\u200d\u2060\ufeff"
HOSTILE = ESC + BIDI + ZERO
# What must never appear raw in any output. (Markdown puts a zero-width space after "@" on
# purpose, so that no text mentions anyone: that one is checked separately.)
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069\u200c\u200d\u200f"
                 "\u2060\ufeff]")



def y(text: str) -> str:
    """``text`` for inside a double-quoted YAML string (YAML escapes, as YAML wants)."""
    return "".join(c if c.isalnum() or c in " .-_" else f"\\u{ord(c):04x}" for c in text)


MANIFEST = f"""
services:
  web:
    description: "front {y(HOSTILE)} end"
    owner: "team{y(BIDI)}x"
    system: "sys{y(ZERO)}y"
    depends_on:
      - service: db
        soft: true
        note: "note {y(HOSTILE)}"
      - auth
  auth:
    description: "a\\u202egnp.exe"
    depends_on: [db]
  db: {{}}
  spare: {{}}
flows:
  login:
    description: "log in {y(HOSTILE)}"
    requires: [web]
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("h")
    folder = root / f"dir{ESC}{BIDI}"
    folder.mkdir()
    (folder / f"m{ZERO}\u202e.yaml").write_text(MANIFEST, encoding="utf-8")
    return folder


def assert_inert(text: str, where: str) -> None:
    found = RAW.search(text)
    assert found is None, f"{where}: raw {found.group()!r} at {found.start()}"
    stray = [m.start() for m in re.finditer("\u200b", text) if text[m.start() - 1] != "@"]
    assert not stray, f"{where}: raw zero-width space"


FORMAT_RUNS = [
    ["check", "{m}", "--off", "db", "--format", fmt] for fmt in
    ("text", "json", "markdown", "junit", "sarif")] + [
    ["validate", "{m}"], ["validate", "{m}", "--format", "json"],
    ["cuts", "{m}"], ["cuts", "{m}", "--format", "json"], ["essential", "{m}"], ["rank", "{m}"],
    ["render", "{m}", "--off", "db", "-o", "-", "--format", "dot"],
    ["render", "{m}", "--off", "db", "-o", "-", "--format", "mmd"],
    ["render", "{m}", "--off", "db", "-o", "-", "--format", "svg"],
    ["report", "{m}", "--off", "db", "-o", "-"],
] + [["diff", "{m}", "{m}", "--format", fmt]
     for fmt in ("text", "json", "markdown", "junit", "sarif")]


@pytest.mark.parametrize("args", FORMAT_RUNS, ids=lambda a: "-".join(a[0:1] + a[-1:]))
def test_every_format_keeps_hostile_text_inert(hostile, args):
    result = CliRunner().invoke(main, [a.replace("{m}", str(hostile)) for a in args])
    assert result.exit_code in (0, 1), result.output
    assert_inert(result.output, " ".join(args))
    if "json" in args or "sarif" in args:
        json.loads(result.output)  # still valid, the escapes are JSON escapes


def test_error_lines_are_inert_even_when_piped(hostile, tmp_path):
    bad = tmp_path / f"bad{ESC}\n{BIDI}.yaml"
    bad.write_text("services:\n  a: {depends_on: [nope]}\n")
    runner = CliRunner()
    for args in (["check", str(bad)], ["check", str(hostile), "--off", f"x{HOSTILE}"],
                 ["check", str(hostile), "--format", f"t{HOSTILE}"],
                 ["check", str(hostile), "--flow", f"f{HOSTILE}"],
                 ["cuts", str(hostile), "--among", f"tag:{HOSTILE}"],
                 [f"nosuchcommand{HOSTILE}"],
                 ["check", str(tmp_path / f"missing{HOSTILE}")]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert_inert(result.output, repr(args))
        assert "\n" not in result.output.rstrip("\n").split("\n")[0]
        assert "Traceback" not in result.output


def test_one_neutralising_function():
    assert clean(HOSTILE) == neutral(HOSTILE)
    assert not RAW.search(display(HOSTILE)) and not RAW.search(neutral(HOSTILE))
    assert neutral("\u202e") == "\\u202e" and neutral("\n") == "\\n"
    assert neutral("ok: café → 東京 @") == "ok: café → 東京 @"  # everything else untouched


def test_written_file_names_in_messages_are_inert(tmp_path):
    out = tmp_path / f"o{ESC}.yaml"
    src = Path(__file__).resolve().parents[1] / "assets" / "importers"
    sources = sorted(src.rglob("*compose*.y*ml"))
    if not sources:
        pytest.skip("no compose asset")  # pragma: no cover
    result = CliRunner().invoke(main, ["import", "compose", str(sources[0]), "-o", str(out)])
    assert_inert(result.output, "import")
