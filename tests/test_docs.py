"""Docs that run: every command shown with its output in README.md, ARCHITECTURE.md and
docs/*.md is executed here and its output compared (issue 23 §3).

A fenced block (```text, ```console, ```sh or ```shell) whose first line starts with ``$ ``
is a transcript: each ``$ COMMAND`` line is run by bash, one block per bash process, in
a scratch folder that holds links to the repository's ``manifests/`` and ``tests/``
(so ``-o`` writes there, never into the clone), with this environment's ``pruner`` first
on ``PATH`` and ``NO_COLOR=1``. The lines after a command, up to the next ``$ `` line,
are what it prints (standard output and standard error, in order). In the expected text:

- a line that is only ``...`` (indented or not) stands for any number of lines;
- a line ending in ``...`` matches any line that starts with what comes before it;
- trailing white space is ignored.

What a transcript needs that the repository does not hold (two versions of a manifest, a
git history) is made by ``<!-- run first: COMMAND -->`` lines just above the fence: run
by the same bash before the transcript, their output not compared (a ``cd`` there holds
for the transcript). A block that cannot run here at all is preceded by
``<!-- not run: REASON -->``; the test lists them so that they stay few.

This is the project's own runner rather than a documentation-testing library: what it
needs (shell transcripts with elisions, exit codes through ``echo $?``) is forty lines,
and sybil's Markdown parsers handle Python and doctest blocks, not shell sessions.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
              + ([ROOT / "ARCHITECTURE.md"] if (ROOT / "ARCHITECTURE.md").exists() else []))
FENCE = re.compile(r"^(`{3,})(\w*)\s*$")
NOT_RUN = re.compile(r"<!--\s*not run:\s*(.+?)\s*-->")
RUN_FIRST = re.compile(r"^<!--\s*run first:\s*(.+?)\s*-->\s*$")
SHELLS = {"text", "console", "sh", "shell", ""}
MARK = "@@pruner-docs-command@@"


@dataclass(frozen=True)
class Transcript:
    file: Path
    line: int  # of the first `$ ` line
    commands: tuple[tuple[str, tuple[str, ...]], ...]  # (command, expected lines)
    not_run: str | None
    setup: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}"


def transcripts(path: Path) -> list[Transcript]:
    """Every shell transcript in ``path``, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Transcript] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2)
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        body = lines[i + 1:j]
        if info in SHELLS and body and body[0].startswith("$ "):
            before = lines[i - 1] if i else ""
            reason = NOT_RUN.search(before)
            setup: list[str] = []
            k = i - 1
            while k >= 0 and RUN_FIRST.match(lines[k]):
                setup.insert(0, RUN_FIRST.match(lines[k]).group(1))
                k -= 1
            commands: list[tuple[str, list[str]]] = []
            for text in body:
                if text.startswith("$ "):
                    commands.append((text[2:], []))
                else:
                    commands[-1][1].append(text)
            found.append(Transcript(path, i + 2,
                                    tuple((c, tuple(e)) for c, e in commands),
                                    reason.group(1) if reason else None, tuple(setup)))
        i = j + 1
    return found


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` fits ``expected`` with its ``...`` elisions (see the module doc).

    >>> matches(["a", "...", "d"], ["a", "b", "c", "d"])
    True
    >>> matches(["Keep (2): x, ..."], ["Keep (2): x, y"])
    True
    >>> matches(["a"], ["b"])
    False
    """
    expected = [e.rstrip() for e in expected]
    actual = [a.rstrip() for a in actual]
    while expected and not expected[-1]:
        expected.pop()
    while actual and not actual[-1]:
        actual.pop()
    # Greedy-free matching by dynamic programming over (expected, actual) positions:
    # linear in their product, which stays small for documentation.
    reach = {(0, 0)}
    frontier = [(0, 0)]
    while frontier:
        e, a = frontier.pop()
        if e == len(expected):
            if a == len(actual):
                return True
            continue
        pattern = expected[e]
        steps = []
        if pattern.strip() == "...":
            steps.append((e + 1, a))
            if a < len(actual):
                steps.append((e, a + 1))
        elif a < len(actual):
            line = actual[a]
            if pattern == line or (pattern.endswith("...")
                                   and line.startswith(pattern[:-3].rstrip(" ,…"))):
                steps.append((e + 1, a + 1))
        for step in steps:
            if step not in reach:
                reach.add(step)
                frontier.append(step)
    return False


def run_transcript(t: Transcript, scratch: Path) -> list[tuple[str, list[str], list[str]]]:
    """Run ``t``'s commands in one bash process in ``scratch``; per command, its
    expected and actual lines."""
    for name in ("manifests", "tests", "benchmarks", "pyproject.toml"):
        (scratch / name).symlink_to(ROOT / name)
    script = ["set +e"]
    script += [f"{{ {command} ; }} >/dev/null 2>&1" for command in t.setup]
    for command, _ in t.commands:
        script += ["__rc=$?", f"printf '%s\\n' '{MARK}'", "(exit $__rc)", command]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PRUNER_COLOR", None)
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=scratch, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300)
    outputs = done.stdout.split(MARK + "\n")[1:]
    return [(command, list(expected), out.splitlines())
            for (command, expected), out in zip(t.commands, outputs, strict=True)]


ALL = [t for path in DOCS for t in transcripts(path)]


@pytest.mark.parametrize("transcript", [t for t in ALL if t.not_run is None],
                         ids=lambda t: t.id)
def test_documented_command_prints_what_the_docs_say(transcript: Transcript, tmp_path: Path):
    for command, expected, actual in run_transcript(transcript, tmp_path):
        assert matches(expected, actual), (
            f"{transcript.id}: `{command}` printed\n" + "\n".join(actual)
            + "\n--- but the docs say ---\n" + "\n".join(expected))


def test_every_doc_has_its_transcripts_found():
    """The runner sees the transcripts the docs hold (a fence it cannot parse would
    silently run nothing)."""
    assert len(ALL) >= 15
    assert any(t.file.name == "README.md" for t in ALL)


def test_blocks_that_are_not_run_are_few_and_say_why():
    skipped = [t for t in ALL if t.not_run is not None]
    assert all(len(t.not_run) > 10 for t in skipped)
    assert len(skipped) <= 5, [t.id for t in skipped]


def test_the_readme_command_table_lists_every_command_once():
    from pruner.cli import COMMANDS

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Commands")
    rows = [line for line in text[start:].split("\n## ")[0].splitlines()
            if line.startswith("| `pruner ")]
    named = [row.split("`pruner ", 1)[1].split()[0].rstrip("`") for row in rows]
    assert sorted(named) == sorted(set(named)), "a command is listed twice"
    assert set(named) == set(COMMANDS), set(COMMANDS) ^ set(named)
