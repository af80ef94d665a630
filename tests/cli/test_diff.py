"""`pruner diff` end to end: exit codes, --base against a real git repository,
--output, acceptance on the Twitter manifest."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.diffhelpers import ASSETS, ROOT, run


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def twitter_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "twitter"
    shutil.copytree(ROOT / "manifests/twitter", copy)
    return copy


def delete_block(path: Path, start: str, end: str) -> None:
    text = path.read_text()
    i = text.index(start)
    path.write_text(text[:i] + text[text.index(end, i):])


def test_acceptance_deleting_sms_gateway_fails_and_names_2fa_login_sms(tmp_path):
    new = twitter_copy(tmp_path)
    delete_block(new / "notifications.yaml", "  sms-gateway:\n", "  sms-provider-a:")
    assert "sms-gateway" in (new / "notifications.yaml").read_text()  # references dangle
    result = run("diff", "manifests/twitter", str(new), "--format", "markdown")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("### ❌ pruner: 1 critical flow breaks")
    assert "`2fa-login-sms`" in result.output
    assert "removing sms-gateway breaks 2fa-login-sms (critical)" in result.output
    text = run("diff", "manifests/twitter", str(new)).output
    assert ("requires twofactor-sms -> requires sms-dispatch -> requires sms-gateway (removed)"
            in text)


def test_acceptance_a_description_only_edit_passes(tmp_path):
    new = twitter_copy(tmp_path)
    path = new / "notifications.yaml"
    path.write_text(path.read_text().replace("SMS gateway - sends", "SMS gateway, it sends"))
    for fmt in ("text", "json", "markdown", "junit", "sarif"):
        assert run("diff", "manifests/twitter", str(new), "--format", fmt).exit_code == 0


@pytest.mark.parametrize("name,code", [
    ("delete-needed-service-breaks", 1),
    ("remove-fallback-gains-spof", 1),
    ("hostile-text-breaks", 1),
    ("soften-dependency-passes", 0),
    ("add-fallback-passes", 0),
    ("delete-flow-warns", 0),
    ("rename-service-passes", 0),
    ("description-edit-passes", 0),
    ("masked-requirement-dropped-breaks", 1),
    ("masked-dependency-rewired-breaks", 1),
    ("masked-flow-demoted-breaks", 1),
    ("masked-flow-deleted-breaks", 1),
    ("remove-unused-service-passes", 0),
    ("rename-chain-passes", 0),
])
def test_scenario_exit_codes(name, code):
    d = ASSETS / name
    assert run("diff", str(d / "old"), str(d / "new")).exit_code == code


@pytest.mark.parametrize("fail_on,code", [("broken", 0), ("spof", 1), ("degraded", 1),
                                          ("never", 0)])
def test_fail_on_tunes_the_gate(fail_on, code):
    d = ASSETS / "remove-fallback-gains-spof"
    assert run("diff", str(d / "old"), str(d / "new"), "--fail-on", fail_on).exit_code == code


def test_deleted_critical_flow_fails_the_strict_gate():
    d = ASSETS / "delete-flow-warns"
    assert run("diff", str(d / "old"), str(d / "new"), "--fail-on", "degraded").exit_code == 1


def test_errors_in_new_that_removals_do_not_explain_exit_2(tmp_path):
    new = tmp_path / "new"
    shutil.copytree(ROOT / ASSETS / "delete-needed-service-breaks/new", new)
    flows = new / "flows.yaml"
    flows.write_text(flows.read_text().replace("requires: [web, auth]", "requires: [web, auht]"))
    result = run("diff", str(ASSETS / "delete-needed-service-breaks/old"), str(new))
    assert result.exit_code == 2
    assert "unknown service 'auht' (did you mean 'auth'?)" in result.stderr
    assert "'sms'" not in result.stderr  # the removal itself is no error
    assert "Traceback" not in result.output


def test_usage_errors_exit_2():
    assert run("diff", "only-one").exit_code == 2
    assert run("diff", "a", "b", "c").exit_code == 2
    assert run("diff", "--base", "HEAD", "a", "b").exit_code == 2
    missing = run("diff", "no/such/old", "no/such/new")
    assert missing.exit_code == 2 and "no such file or directory" in missing.stderr


def test_output_is_written_atomically_to_the_file(tmp_path):
    d = ASSETS / "delete-needed-service-breaks"
    target = tmp_path / "report.md"
    result = run("diff", str(d / "old"), str(d / "new"), "--format", "markdown",
                 "--output", str(target))
    assert result.exit_code == 1 and result.output == ""
    assert target.read_text().startswith("### ❌ pruner:")
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_check_accepts_every_format():
    for fmt in ("markdown", "junit", "sarif"):
        result = run("check", "manifests/twitter", "--off", "sms-gateway", "--format", fmt)
        assert result.exit_code == 1 and "2fa-login-sms" in result.output


# -- --base against a real git repository --------------------------------------

def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "deploy").mkdir(parents=True)
    shutil.copytree(ROOT / ASSETS / "delete-needed-service-breaks/old", repo / "deploy/manifest")
    (repo / "README.md").write_text("not a manifest\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "base")
    monkeypatch.chdir(repo)
    return repo


def test_base_compares_the_revision_with_the_working_tree(repo):
    assert run("diff", "--base", "HEAD", "deploy/manifest").exit_code == 0
    services = repo / "deploy/manifest/services.yaml"
    delete_block(services, "  sms:\n", "  provider-a:")
    result = run("diff", "--base", "HEAD", "deploy/manifest", "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["old"] == "deploy/manifest@HEAD"
    assert data["flows"]["login"]["change"] == "broken"
    # the removed service is located in the old version, under the working-tree path
    assert data["services"]["removed"]["sms"]["location"] == "deploy/manifest/services.yaml:17:3"
    sarif = json.loads(run("diff", "--base", "HEAD", "deploy/manifest", "--format", "sarif").output)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"]}
    assert uris == {"deploy/manifest/services.yaml"}


def test_base_reads_a_single_file_and_a_path_new_since_the_revision(repo):
    git(repo, "mv", "deploy/manifest/flows.yaml", "deploy/flows-moved.yaml")
    assert run("diff", "--base", "HEAD", "deploy/manifest/services.yaml").exit_code == 0
    # absent at the base revision: everything is new, nothing breaks
    result = run("diff", "--base", "HEAD", "deploy/flows-moved.yaml", "--format", "json")
    assert result.exit_code == 2  # flows name services defined in another file: input error
    assert "unknown service" in result.stderr


def test_base_with_default_path_and_errors(repo, tmp_path):
    assert run("diff", "--base", "HEAD", "deploy").exit_code == 0
    bad = run("diff", "--base", "no-such-rev", "deploy")
    assert bad.exit_code == 2
    assert "unknown git revision 'no-such-rev': no commit, branch or tag" in bad.stderr
    assert run("diff", "--base", "--upload-pack=x", "deploy").exit_code == 2
    outside = tmp_path / "outside"
    outside.mkdir()
    result = run("diff", "--base", "HEAD", str(outside))
    assert result.exit_code == 2


def test_base_detects_a_new_manifest_as_all_added(repo):
    shutil.copytree(repo / "deploy/manifest", repo / "other")
    result = run("diff", "--base", "HEAD", "other", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["summary"]["flows"]["added"] == 3 and data["summary"]["services"]["added"] == 8
