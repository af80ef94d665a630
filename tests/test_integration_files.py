"""action.yml and .pre-commit-hooks.yaml are well-formed and call real commands."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

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


def _run_action_step(tmp_path, repo, base: str, fail_on: str = "spof"):
    """The Action's `pruner diff` step, run as GitHub runs a composite bash step
    (bash -eo pipefail), with the installed `pruner` on PATH."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "diff")
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(output),
               PRUNER_PATH="m.yaml", PRUNER_BASE=base, PRUNER_FAIL_ON=fail_on,
               PRUNER_SARIF="", PRUNER_ACCEPT="", GIT_CONFIG_NOSYSTEM="1")
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    return proc, (output.read_text() if output.exists() else ""), (
        summary.read_text() if summary.exists() else "")


def _repo(tmp_path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.email=ci@example.org", "-c", "user.name=ci"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "m.yaml").write_text("services: {web: {}, sms: {availability: 0.9999}}\n"
                                 "flows: {login: {target: 0.999, requires: [web, sms]}}\n")
    subprocess.run([*git, "add", "m.yaml"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "first"], cwd=repo, check=True)
    return repo


def test_action_on_the_first_push_of_a_branch_compares_with_nothing(tmp_path):
    # GitHub's `before` on the first push of a branch is 40 zeros: no raw git error.
    repo = _repo(tmp_path)
    proc, output, summary = _run_action_step(tmp_path, repo, "0" * 40)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "exit-code=0" in output
    assert "first push" in proc.stdout
    assert "| `login` | ➕ added |" in summary


def test_action_with_a_base_it_cannot_fetch_says_so(tmp_path):
    repo = _repo(tmp_path)
    proc, output, _ = _run_action_step(tmp_path, repo, "1" * 40)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "::error::pruner: cannot fetch the base revision" in proc.stdout
    assert "exit-code=2" in output


def test_action_fails_on_an_availability_regression_by_default(tmp_path):
    repo = _repo(tmp_path)
    (repo / "m.yaml").write_text((repo / "m.yaml").read_text().replace("0.9999", "0.99"))
    proc, output, summary = _run_action_step(tmp_path, repo, "HEAD")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "exit-code=1" in output
    assert "drops below its availability target" in summary


def test_action_documents_every_fail_on_choice():
    from pruner.cli.gate import diff

    action = yaml.safe_load((ROOT / "action.yml").read_text())
    text = action["inputs"]["fail-on"]["description"]
    choices = next(p for p in diff.params if p.name == "fail_on").type.choices
    for choice in choices:
        assert f"{choice} -" in text or f"{choice} (default) -" in text, choice


def test_install_examples_name_our_distribution_and_a_pinned_release():
    from pruner import __version__

    tag = f"v{__version__}"
    texts = {p: (ROOT / p).read_text() for p in ("README.md", "docs/ci-gate.md")}
    for name, text in texts.items():
        # `pruner` on PyPI is an unrelated project: never tell anyone to install it
        assert not re.search(r"pip install (-U )?pruner(\s|`|$)", text), name
        for ref in re.findall(r"OWNER/pruner@([^\s\"`]+)", text):
            assert ref in (tag, "COMMIT", "<sha>"), (name, ref)
        for rev in re.findall(r"^\s*rev: (\S+)", text, re.M):
            assert rev == tag, (name, rev)
    assert 'git+https://github.com/OWNER/pruner@' + tag in texts["README.md"]
    assert "pruner-sre @ git+" in texts["docs/ci-gate.md"]
