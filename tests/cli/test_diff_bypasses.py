"""Gate bypasses and a false alarm of `pruner diff` (issue 17 §2), each reproduced:
a common-cause group named like the removed service, an operation replaced by a service
literally named ``S:O``, ``--accept-removal`` of one member of a fallback group, and
``--base`` reading git submodules and symbolic links differently from the working tree;
deleting a common-cause group is no masked break; git's null revision (a first push) is
an empty old manifest."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.diffhelpers import run

GIT = ("-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "protocol.file.allow=always")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *GIT, *args], check=True,
                          capture_output=True, text=True).stdout


def pair(tmp_path: Path, old: str, new: str) -> tuple[str, str]:
    (tmp_path / "old.yaml").write_text(old)
    (tmp_path / "new.yaml").write_text(new)
    return str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml")


def diff_json(*args: str):
    result = run("diff", *args, "--format", "json")
    return result.exit_code, json.loads(result.output) if result.output else None


OLD_SMS = ("services:\n  web: {depends_on: [sms]}\n  sms: {availability: 0.99}\n"
           "flows:\n  login: {requires: [web]}\n")


@pytest.mark.parametrize("web", ["{}", "{depends_on: [sms]}"])
def test_a_common_cause_named_like_the_removed_service_does_not_hide_it(tmp_path, web):
    new = (f"services:\n  web: {web}\ncommon_causes:\n"
           "  sms: {availability: 0.999, services: [web]}\nflows:\n  login: {requires: [web]}\n")
    old, new = pair(tmp_path, OLD_SMS, new)
    code, data = diff_json(old, new)
    assert code == 1, data
    assert data["flows"]["login"]["change"] == "masked"
    assert data["flows"]["login"]["masked_break"]["removed"] == ["sms"]
    assert "sms" in data["services"]["removed"]
    assert run("diff", old, new, "--accept-removal", "sms").exit_code == 0


def test_deleting_a_common_cause_group_is_no_masked_break(tmp_path):
    old = ("services:\n  web: {depends_on: [db]}\n  db: {}\ncommon_causes:\n"
           "  az-1: {availability: 0.999, services: [db]}\nflows:\n  login: {requires: [web]}\n")
    old, new = pair(tmp_path, old, old.replace(
        "common_causes:\n  az-1: {availability: 0.999, services: [db]}\n", ""))
    code, data = diff_json(old, new)
    assert code == 0, data
    assert data["flows"]["login"]["masked_break"] is None
    assert data["services"]["removed"] == {}
    assert data["flows"]["login"]["removed_single_points_of_failure"] == ["az-1"]


def test_an_operation_replaced_by_a_service_named_like_it_counts_as_removed(tmp_path):
    old = ("services:\n  auth:\n    operations:\n      verify: {depends_on: [db]}\n  db: {}\n"
           "flows:\n  login: {requires: ['auth:verify']}\n")
    new = ("services:\n  auth: {}\n  'auth:verify': {}\n  db: {}\n"
           "flows:\n  login: {requires: ['auth:verify']}\n")
    old, new = pair(tmp_path, old, new)
    code, data = diff_json(old, new)
    assert code == 1, data
    assert data["services"]["removed_operations"] == ["auth:verify"]
    assert data["flows"]["login"]["masked_break"]["removed"] == ["auth:verify"]
    accepted = run("diff", old, new, "--accept-removal", "auth:verify", "--format", "json")
    gate = json.loads(accepted.output)["gate"]
    assert gate["accepted"] == ["login"]


def test_accepting_one_member_does_not_accept_losing_the_whole_group(tmp_path):
    old = ("services:\n  web: {depends_on: [{any_of: [a, b]}]}\n  a: {}\n  b: {}\n"
           "flows:\n  login: {requires: [web]}\n")
    old, new = pair(tmp_path, old, "services:\n  web: {}\nflows:\n  login: {requires: [web]}\n")
    result = run("diff", old, new, "--accept-removal", "a")
    assert result.exit_code == 1, result.output
    assert "accept it with --accept-removal a,b" in result.output
    assert run("diff", old, new, "--accept-removal", "b").exit_code == 1
    assert run("diff", old, new, "--accept-removal", "a,b").exit_code == 0
    assert run("diff", old, new, "--accept-removal", "a", "--accept-removal", "b").exit_code == 0


# -- --base reads the old revision as the working tree reads the new one ----------------

@pytest.fixture
def super_repo(tmp_path, monkeypatch):
    """A repository whose manifest folder holds a git submodule (with the service the
    flow needs) and a symbolic link to a YAML file elsewhere in the repository."""
    sub = tmp_path / "sub"
    sub.mkdir()
    git(sub, "init", "-q")
    (sub / "db.yaml").write_text("services: {db: {}}\n")
    git(sub, "add", ".")
    git(sub, "commit", "-qm", "db")
    repo = tmp_path / "repo"
    (repo / "m").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "m/web.yaml").write_text("services: {web: {depends_on: [db, cache]}}\n"
                                     "flows: {f: {requires: [web]}}\n")
    (repo / "common.yaml").write_text("services: {cache: {}}\n")
    os.symlink("../common.yaml", repo / "m/link.yaml")
    git(repo, "submodule", "-q", "add", str(sub), "m/shared")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    monkeypatch.chdir(repo)
    return repo


def test_base_on_an_unchanged_repository_with_a_submodule_and_a_symlink(super_repo):
    result = run("diff", "--base", "HEAD", "m")
    assert result.exit_code == 0, result.output + result.stderr
    assert "No flow changed." in result.output
    assert run("diff", "--base", "HEAD", "m/link.yaml").exit_code == 0


def test_base_reads_the_submodule_at_the_recorded_commit(super_repo):
    sub = super_repo / "m/shared"
    (sub / "db.yaml").write_text("services: {}\n")  # db removed in the working tree
    code, data = diff_json("--base", "HEAD", "m")
    assert code == 1, data
    assert data["flows"]["f"]["change"] == "broken"
    assert list(data["services"]["removed"]) == ["db"]


def test_base_follows_a_symbolic_link_at_the_revision(super_repo):
    (super_repo / "common.yaml").write_text("services: {}\n")  # cache removed since HEAD
    code, data = diff_json("--base", "HEAD", "m")
    assert code == 1, data
    assert list(data["services"]["removed"]) == ["cache"]


def test_base_with_a_symbolic_link_missing_at_the_revision_says_so(super_repo):
    os.remove(super_repo / "m/link.yaml")
    os.symlink("../gone.yaml", super_repo / "m/link.yaml")
    git(super_repo, "add", "m/link.yaml")
    git(super_repo, "commit", "-qm", "dangling link")
    result = run("diff", "--base", "HEAD", "m")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert "symbolic link to '../gone.yaml', which does not exist at 'HEAD'" in result.stderr


def test_base_null_revision_is_an_empty_manifest(super_repo):
    code, data = diff_json("--base", "0" * 40, "m")
    assert code == 0, data
    assert data["summary"]["flows"]["added"] == 1
