"""action.yml and .pre-commit-hooks.yaml are well-formed and call real commands."""

from __future__ import annotations

import shlex

import yaml
from click.testing import CliRunner

from pruner.cli import main
from tests.diffhelpers import ROOT


def test_action_runs_pruner_diff_against_the_pr_base():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert action["inputs"]["path"]["required"] is True
    assert action["inputs"]["fail-on"]["default"] == "spof"
    script = next(s for s in action["runs"]["steps"] if s.get("id") == "diff")
    assert "github.event.pull_request.base.sha" in script["env"]["PRUNER_BASE"]
    assert 'pruner diff --base "$PRUNER_BASE" "$PRUNER_PATH"' in script["run"]
    assert "GITHUB_STEP_SUMMARY" in script["run"]
    assert "${{" not in script["run"]  # inputs only through the environment


def test_pre_commit_hooks_name_real_commands():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["pruner-validate", "pruner-check", "pruner-diff"]
    for hook in hooks:
        words = shlex.split(hook["entry"])
        assert words[0] == "pruner" and hook["pass_filenames"] is False
        result = CliRunner().invoke(main, [*words[1:], "--help"])
        assert result.exit_code == 0, hook["id"]
