"""The `pruner rpc` commands the README shows are run here and their output compared
(the README's story must stay true): every ``$ pruner rpc ...`` line in a ```text block,
followed by exactly what it prints."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from pruner.cli import main

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```text\n\$ (pruner rpc [^\n]*)\n(.*?)```", re.S)


def examples() -> list[tuple[str, str]]:
    return BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_shows_the_rpc_story():
    commands = [c for c, _ in examples()]
    assert len(commands) == 3
    assert any("home-timeline" in c for c in commands)
    assert any("train-ticket" in c for c in commands)


@pytest.mark.parametrize("command,shown", examples(), ids=lambda v: v[:60])
def test_readme_rpc_output_is_what_the_command_prints(command, shown, monkeypatch):
    monkeypatch.chdir(ROOT)
    r = CliRunner().invoke(main, shlex.split(command)[1:])
    assert r.exit_code == (1 if "--fail-on over-budget" in command else 0), r.output
    assert r.output == shown


def test_the_synthetic_traces_are_what_the_script_writes(tmp_path):
    import importlib.util

    script = ROOT / "tests/assets/traces/home-timeline/generate.py"
    spec = importlib.util.spec_from_file_location("generate_home_timeline", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    copy = tmp_path / "generate.py"
    copy.write_text(script.read_text())
    module.__file__ = str(copy)
    module.Path = lambda _: copy  # write beside the copy, not into the repo
    module.main()
    assert (tmp_path / "home-timeline.ndjson").read_bytes() == (
        script.parent / "home-timeline.ndjson").read_bytes()
