"""Every `pruner plan` command the README shows is run here and its output compared: each
line of the README's block must appear in the real output, in order ("..." stands for lines
left out)."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.diffhelpers import ROOT, run

BLOCK = re.compile(r"```text\n(\$ pruner plan [^\n]*)\n(.*?)```", re.S)


def blocks() -> list[tuple[str, list[str]]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(m.group(1)[2:], m.group(2).splitlines()) for m in BLOCK.finditer(text)]


def test_the_readme_shows_the_plan_story():
    commands = [c for c, _ in blocks()]
    assert any("--keep '!2fa-*'" in c for c in commands)
    assert len(commands) >= 3


@pytest.mark.parametrize("command,expected", blocks(), ids=lambda v: str(v)[:60])
def test_readme_plan_output(command, expected, monkeypatch):
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)
    assert args[0] == "pruner"
    result = run(*args[1:])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    at = 0
    for want in expected:
        if want == "...":
            continue
        while at < len(lines) and lines[at] != want:
            at += 1
        assert at < len(lines), f"README line not in the output (in order): {want!r}"
        at += 1
    # the block ends where the output ends (its last line is the plan's summary)
    assert expected[-1] == lines[-1]


def test_readme_words_match_the_manifest(monkeypatch):
    """The README's "44 of its 88 services (50%, and 46% of the estimated cost)"."""
    import json

    monkeypatch.chdir(ROOT)
    data = json.loads(run("plan", "manifests/twitter", "--costs", "manifests/twitter/costs.csv",
                          "--format", "json").stdout)
    kept_cost = data["cost_total"] - data["savings"]
    assert len(data["keep"]) == 44 and len(data["keep"]) + len(data["remove"]) == 88
    assert round(100 * kept_cost / data["cost_total"]) == 46
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "needs 44 of its 88 services (50%, and 46% of the estimated cost)" in readme
