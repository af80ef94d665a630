"""Every command of docs/importing.md's corpus section runs, with the output it shows.

The section "The corpus, honestly" shows sessions in ```text blocks: ``$ COMMAND`` lines,
each followed by what it prints (standard error first, then standard output, as the
terminal shows them for these commands). ``$ echo $?`` prints the exit code of the
command before it. A line ``...`` stands for any number of lines. Commands run in a
temporary folder where ``tests/`` and ``docs/`` are the repository's (read-only use), so
the relative paths of the page work and what the commands write stays out of the clone.
Commands: ``pruner ...`` and ``cp SRC DST``.
"""

from __future__ import annotations

import re
import shlex
import shutil

import pytest
from click.testing import CliRunner

from pruner.cli import main
from tests.conftest import ROOT

DOC = ROOT / "docs" / "importing.md"
SECTION = "## The corpus, honestly"


def sessions() -> list[tuple[str, list[list[str]]]]:
    """``(subsection title, [lines of each block])``: the ```text blocks that run commands,
    grouped by ``###`` subsection (one system's blocks build on each other)."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    body = text[start:end if end != -1 else len(text)]
    found: list[tuple[str, list[list[str]]]] = []
    for part in re.split(r"\n### ", body)[1:]:
        title = part.split("\n", 1)[0]
        blocks = [m.group(1).splitlines() for m in re.finditer(r"```text\n(.*?)```", part, re.S)]
        found.append((title, [b for b in blocks if b and b[0].startswith("$ ")]))
    return found


def _pattern(expected: list[str]) -> re.Pattern:
    parts = []
    for line in expected:
        parts.append(r"(?:.*\n)*?" if line == "..." else re.escape(line) + r"\n")
    return re.compile("".join(parts) + r"\Z")


def _steps(lines: list[str]) -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


SESSIONS = sessions()


def test_the_section_shows_every_system():
    text = " ".join(" ".join(" ".join(b) for b in blocks) for _, blocks in SESSIONS)
    for system in ("socialNetwork", "hotelReservation", "sock-shop", "online-boutique",
                   "train-ticket"):
        assert system in text, system


@pytest.mark.parametrize("blocks", [s[1] for s in SESSIONS],
                         ids=[s[0].split(":")[0] for s in SESSIONS])
def test_session_runs_as_shown(blocks, tmp_path, monkeypatch):
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    code = 0
    assert blocks
    for lines in blocks:
        for command, expected in _steps(lines):
            words = shlex.split(command)
            if words == ["echo", "$?"]:
                got = f"{code}\n"
            elif words[0] == "cp":
                shutil.copyfile(words[1], words[2])
                got = ""
            else:
                assert words[0] == "pruner", command
                result = runner.invoke(main, words[1:], catch_exceptions=False)
                code = result.exit_code
                got = result.stderr + result.stdout
            assert _pattern(expected).match(got), f"$ {command}\n--- got ---\n{got}"
