"""Masked breaks (spec section 11) end to end: a change that removes services and, in
the same change, edits the model so that the new version no longer shows the break.
Every case runs as OLD NEW and as ``--base HEAD`` in a real scratch git repository;
plus --accept-removal, and the one-line errors of --base."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.diffhelpers import ASSETS, ROOT, run

GIT = ("-c", "user.name=t", "-c", "user.email=t@example.org")

# scenario -> (exit code with the default gate, flows named as masked breaks, removed)
CASES = {
    "masked-requirement-dropped-breaks": (1, {"read-timeline"}, "timeline"),
    "masked-dependency-rewired-breaks": (1, {"login", "read-timeline"}, "sms"),
    "masked-flow-demoted-breaks": (1, {"read-timeline"}, "timeline"),
    "masked-flow-deleted-breaks": (1, {"read-timeline"}, "timeline"),
    "description-edit-passes": (0, set(), None),
    "add-fallback-passes": (0, set(), None),
    "remove-unused-service-passes": (0, set(), None),
    "rename-chain-passes": (0, set(), None),
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def repo_at(tmp_path: Path, name: str) -> Path:
    """A scratch repository whose HEAD holds the scenario's OLD manifest and whose
    working tree holds its NEW one (the change under review, uncommitted)."""
    repo = tmp_path / "repo"
    (repo / "deploy").mkdir(parents=True)
    shutil.copytree(ROOT / ASSETS / name / "old", repo / "deploy/manifest")
    git(repo, "init", "-q", "-b", "main")
    git(repo, *GIT, "add", ".")
    git(repo, *GIT, "commit", "-qm", "base")
    shutil.rmtree(repo / "deploy/manifest")
    shutil.copytree(ROOT / ASSETS / name / "new", repo / "deploy/manifest")
    return repo


def both_ways(tmp_path, monkeypatch, name, *extra):
    """[(how, result)] for OLD NEW and for --base HEAD."""
    monkeypatch.chdir(ROOT)
    d = ASSETS / name
    direct = run("diff", str(d / "old"), str(d / "new"), *extra)
    repo = repo_at(tmp_path, name)
    monkeypatch.chdir(repo)
    based = run("diff", "--base", "HEAD", "deploy/manifest", *extra)
    return [("OLD NEW", direct), ("--base HEAD", based)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_masked_breaks_fail_and_name_the_flow_and_the_removal(name, tmp_path, monkeypatch):
    code, flows, removed = CASES[name]
    for how, result in both_ways(tmp_path, monkeypatch, name):
        assert result.exit_code == code, (how, result.output)
        assert "Traceback" not in result.output
        masked = [line for line in result.output.splitlines() if line.startswith("  MASKED")]
        assert {line.split(" breaks ")[1].split(" ")[0] for line in masked} == flows, how
        for line in masked:
            assert f"removing {removed} breaks" in line and "in the old model" in line


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c[0]))
@pytest.mark.parametrize("fail_on", ["broken", "spof", "degraded"])
def test_every_gate_level_but_never_fails_a_masked_break(name, fail_on, tmp_path, monkeypatch):
    for how, result in both_ways(tmp_path, monkeypatch, name, "--fail-on", fail_on,
                                 "--format", "json"):
        assert result.exit_code == 1, how
        gate = json.loads(result.output)["gate"]
        assert {f["reason"] for f in gate["failing"]} == {"masked"}, how
    d = ASSETS / name
    monkeypatch.chdir(ROOT)
    assert run("diff", str(d / "old"), str(d / "new"), "--fail-on", "never").exit_code == 0


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c[0]))
def test_accept_removal_accepts_the_masked_break(name, tmp_path, monkeypatch):
    _, flows, removed = CASES[name]
    for how, result in both_ways(tmp_path, monkeypatch, name, "--accept-removal", removed,
                                 "--format", "json"):
        data = json.loads(result.output)
        # accepted, the masked break fails nothing; what NEW shows is judged as ever (the
        # rewired dependency dropped a fallback: provider-a is a new single point of failure)
        reasons = {f["reason"] for f in data["gate"]["failing"]}
        if name == "masked-dependency-rewired-breaks":
            assert reasons == {"spof"} and result.exit_code == 1, how
        else:
            assert reasons == set() and result.exit_code == 0, (how, result.output)
        assert set(data["gate"]["accepted"]) == flows
        assert data["gate"]["accept_removal"] == [removed]
        for flow in flows:  # still reported, marked accepted
            assert data["flows"][flow]["change"] == "masked"
            assert data["flows"][flow]["masked_break"]["accepted"] is True
    monkeypatch.chdir(ROOT)
    d = ASSETS / name
    assert run("diff", str(d / "old"), str(d / "new"), "--accept-removal", removed,
               "--fail-on", "broken").exit_code == 0


def test_accepting_one_removal_does_not_accept_another(tmp_path, monkeypatch):
    """Two removals, each breaking its own flow in the old model; accepting one
    leaves the other failing."""
    monkeypatch.chdir(tmp_path)
    Path("old.yaml").write_text(
        "services: {a: , b: , web: {depends_on: [a]}, api: {depends_on: [b]}}\n"
        "flows: {f: {requires: [web]}, g: {requires: [api]}}\n")
    Path("new.yaml").write_text(
        "services: {web: , api: }\nflows: {f: {requires: [web]}, g: {requires: [api]}}\n")
    result = run("diff", "old.yaml", "new.yaml", "--accept-removal", "a", "--format", "json")
    assert result.exit_code == 1
    gate = json.loads(result.output)["gate"]
    assert gate["failing"] == [{"flow": "g", "reason": "masked"}] and gate["accepted"] == ["f"]
    assert run("diff", "old.yaml", "new.yaml", "--accept-removal", "a,b").exit_code == 0
    assert run("diff", "old.yaml", "new.yaml", "--accept-removal", "a",
               "--accept-removal", "b").exit_code == 0


def test_accept_removal_must_name_a_removed_service(monkeypatch):
    monkeypatch.chdir(ROOT)
    d = ASSETS / "masked-flow-deleted-breaks"
    for name, why in [("timelin", "did you mean 'timeline'?"),
                      ("web", "the new version still defines it")]:
        result = run("diff", str(d / "old"), str(d / "new"), "--accept-removal", name)
        assert result.exit_code == 2
        assert f"--accept-removal '{name}': this change does not remove" in result.stderr
        assert why in result.stderr and "Traceback" not in result.output
    d = ASSETS / "rename-chain-passes"
    result = run("diff", str(d / "old"), str(d / "new"), "--accept-removal", "auth")
    assert result.exit_code == 2 and "renamed to 'authn'" in result.stderr


def test_a_rename_prints_no_item_change_and_no_break(monkeypatch):
    monkeypatch.chdir(ROOT)
    d = ASSETS / "rename-chain-passes"
    out = run("diff", str(d / "old"), str(d / "new")).output
    assert "Renamed: auth -> authn" in out and "Renamed: user-db -> users-db" in out
    assert "requires" not in out and "depends on" not in out and "breaks" not in out.replace(
        "no critical flow breaks", "")


def test_an_edited_group_is_one_modification(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("old.yaml").write_text("services: {a: , b: , c: , web: {depends_on: "
                                "[{any_of: [a, b]}]}}\nflows: {f: {requires: [web]}}\n")
    Path("new.yaml").write_text("services: {a: , b: , c: , web: {depends_on: "
                                "[{at_least: 2, of: [a, b, c]}]}}\nflows: {f: {requires: [web]}}\n")
    result = run("diff", "old.yaml", "new.yaml", "--format", "json")
    items = json.loads(result.output)["items"]
    assert [(i["change"], i["before"]["item"], i["item"]["item"]) for i in items] == [
        ("modified", "any_of [a, b]", "at_least 2 of [a, b, c]")]
    text = run("diff", "old.yaml", "new.yaml").output
    assert "service web dependency changed: any_of [a, b] -> at_least 2 of [a, b, c]" in text


def test_removing_an_operation_while_dropping_the_requirement_is_masked(tmp_path, monkeypatch):
    """An operation (spec section 8) removed from a service that stays, the flow now
    requiring the service alone: the old model breaks the flow."""
    monkeypatch.chdir(tmp_path)
    Path("old.yaml").write_text(
        "services:\n  front:\n    operations:\n      login: {depends_on: [otp]}\n"
        "      search: {}\n  otp: {}\nflows:\n  login: {requires: ['front:login']}\n")
    Path("new.yaml").write_text(
        "services:\n  front:\n    operations:\n      search: {}\n  otp: {}\n"
        "flows:\n  login: {requires: [front]}\n")
    result = run("diff", "old.yaml", "new.yaml")
    assert result.exit_code == 1
    assert "Removed operations (1): front:login" in result.output
    assert "removing front:login breaks login (critical) in the old model" in result.output
    assert run("diff", "old.yaml", "new.yaml", "--accept-removal", "front:login").exit_code == 0


def test_renaming_a_service_with_operations_moves_its_operations(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = ("services:\n  front:\n    description: web\n    operations:\n"
           "      login: {depends_on: [otp]}\n      search: {}\n  otp: {description: codes}\n"
           "  edge: {depends_on: ['front:search']}\n"
           "flows:\n  login: {requires: ['front:login']}\n  browse: {requires: [edge, front]}\n")
    Path("old.yaml").write_text(old)
    Path("new.yaml").write_text(old.replace("  front:", "  web:").replace("front:", "web:")
                                .replace("[edge, front]", "[edge, web]"))
    result = run("diff", "old.yaml", "new.yaml", "--fail-on", "degraded")
    assert result.exit_code == 0, result.output
    assert "Renamed: front -> web" in result.output and "No flow changed." in result.output
    assert "requires" not in result.output


# -- --base: one line that says which and why -----------------------------------

def test_base_in_an_empty_repository(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "m.yaml").write_text("services: {a: }\n")
    monkeypatch.chdir(repo)
    result = run("diff", "--base", "HEAD", "m.yaml")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert "unknown git revision 'HEAD'" in result.stderr and "no commits yet" in result.stderr


def test_base_with_an_unknown_revision_and_a_non_commit(tmp_path, monkeypatch):
    repo = repo_at(tmp_path, "description-edit-passes")
    monkeypatch.chdir(repo)
    result = run("diff", "--base", "no-such-branch", "deploy/manifest")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "unknown git revision 'no-such-branch': no commit, branch or tag" in result.stderr
    result = run("diff", "--base", "HEAD^{tree}", "deploy/manifest")
    assert result.exit_code == 2 and "names a tree, not a commit" in result.stderr


def test_base_in_a_shallow_clone(tmp_path, monkeypatch):
    repo = repo_at(tmp_path, "description-edit-passes")
    git(repo, *GIT, "add", "-A")
    git(repo, *GIT, "commit", "-qm", "second")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)],
                   check=True, capture_output=True)
    monkeypatch.chdir(clone)
    assert run("diff", "--base", "HEAD", "deploy/manifest").exit_code == 0
    result = run("diff", "--base", "HEAD~1", "deploy/manifest")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "unknown git revision 'HEAD~1'" in result.stderr and "shallow clone" in result.stderr
    assert "fetch-depth: 0" in result.stderr


def test_base_outside_a_repository(tmp_path, monkeypatch):
    (tmp_path / "m.yaml").write_text("services: {a: }\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    result = run("diff", "--base", "HEAD", "m.yaml")
    assert result.exit_code == 2 and "is not inside one" in result.stderr


@pytest.mark.parametrize("value", ["", ",", "a,,b"])
def test_accept_removal_refuses_an_empty_name_as_every_name_option_does(tmp_path, monkeypatch,
                                                                        value):
    """`--accept-removal "$REMOVED"` with the variable empty was dropped in silence, where
    --off, --flow, --keep, --pin ... say it is a mistake."""
    monkeypatch.chdir(tmp_path)
    Path("old.yaml").write_text("services: {a: , web: {depends_on: [a]}}\n"
                                "flows: {f: {requires: [web]}}\n")
    Path("new.yaml").write_text("services: {web: }\nflows: {f: {requires: [web]}}\n")
    result = run("diff", "old.yaml", "new.yaml", "--accept-removal", value)
    assert result.exit_code == 2
    assert result.stderr == (f"pruner: error: --accept-removal '{value}': empty name (nothing "
                             "between commas); give --accept-removal NAME[,NAME...]\n")
