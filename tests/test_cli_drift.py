"""`pruner drift`: exit codes, kind detection, bad input, golden text and JSON output."""

from __future__ import annotations

import json

import pytest

from tests.conftest import GOLDEN, ROOT, assert_golden, run

DRIFT = "tests/assets/drift"
TRACES = "tests/corpus/train-ticket/zipkin-v1-traces"
CASES = {
    "undeclared-call-under-critical-flow-fails": ("observed.json", 1),
    "stale-declaration-warns": ("observed.json", 0),
    "observed-undeclared-service": ("observed.yaml", 0),
    "traffic-to-uncovered-service": ("observed.json", 0),
    "hostile-text-escaped": ("observed.yaml", 1),
}


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch):
    monkeypatch.chdir(ROOT)  # relative paths, so the golden output is machine-independent


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fmt,ext", [("text", "txt"), ("json", "json")])
def test_drift_golden_and_exit_code(case, fmt, ext):
    observed, code = CASES[case]
    result = run("drift", f"{DRIFT}/{case}/manifest.yaml", f"{DRIFT}/{case}/{observed}",
                 "--format", fmt)
    assert result.exit_code == code, result.stderr
    assert_golden(result.stdout, GOLDEN / "drift" / f"{case}.{ext}")


@pytest.mark.parametrize("fmt,ext", [("text", "txt"), ("json", "json")])
def test_train_ticket_traces_against_compose_manifest(fmt, ext):
    result = run("drift", "manifests/train-ticket", TRACES, "--format", fmt)
    assert result.exit_code == 1
    assert_golden(result.stdout, GOLDEN / "drift" / f"train-ticket-zipkin.{ext}")
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["summary"]["undeclared"] == 34
        assert data["summary"]["undeclared_critical"] == 13
        assert data["observed_not_declared"] == ["ts-login-service", "ts-sso-service"]
        assert {u["source"] for u in data["undeclared"] if u["critical_flows"]} == {
            "ts-cancel-service", "ts-preserve-service"}


@pytest.mark.parametrize("fail_on,code", [("undeclared-critical", 0), ("undeclared", 1),
                                          ("never", 0)])
def test_fail_on(fail_on, code):
    case = f"{DRIFT}/observed-undeclared-service"
    result = run("drift", f"{case}/manifest.yaml", f"{case}/observed.yaml", "--fail-on", fail_on)
    assert result.exit_code == code


def test_observed_kind_override_and_output_file(tmp_path):
    case = f"{DRIFT}/undeclared-call-under-critical-flow-fails"
    out = tmp_path / "drift.json"
    result = run("drift", f"{case}/manifest.yaml", f"{case}/observed.json",
                 "--observed-kind", "jaeger", "--format", "json", "--output", out)
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(out.read_text())["gate"]["failing"] == ["auth -> risk-scoring"]


def test_several_observed_sources_are_merged():
    case = f"{DRIFT}/traffic-to-uncovered-service"
    other = f"{DRIFT}/undeclared-call-under-critical-flow-fails/observed.json"
    result = run("drift", f"{case}/manifest.yaml", f"{case}/observed.json", other,
                 "--format", "json")
    data = json.loads(result.stdout)
    assert data["observed"]["sources"] == [f"{case}/observed.json", other]
    assert data["summary"]["observed_dependencies"] == 6


def test_k8s_observation_needs_observed_kind():
    k8s = "tests/corpus/online-boutique/release-kubernetes-manifests.yaml"
    auto = run("drift", "manifests/online-boutique", k8s)
    assert auto.exit_code == 2
    [line] = auto.stderr.splitlines()
    assert "does not load as a v1 manifest" in line and "--observed-kind" in line
    explicit = run("drift", "manifests/online-boutique", k8s, "--observed-kind", "k8s",
                   "--format", "json")
    assert explicit.exit_code == 0, explicit.stderr
    data = json.loads(explicit.stdout)
    assert data["summary"]["undeclared"] == 0 and data["summary"]["matched"] == 17


@pytest.mark.parametrize("content,message", [
    ('{"services": 3}', "x.json: error: cannot tell whether this holds Zipkin spans or Jaeger"),
    ('{"data": [\n {"parent": "a", "child": 5}\n]}',
     "x.json:1: error: a dependency link needs"),
])
def test_bad_observed_json_exits_2(tmp_path, content, message):
    bad = tmp_path / "x.json"
    bad.write_text(content)
    result = run("drift", f"{DRIFT}/stale-declaration-warns/manifest.yaml", bad)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(str(bad)) and message in line  # FILE:LINE: error: REASON


def test_missing_inputs_exit_2(tmp_path):
    manifest = f"{DRIFT}/stale-declaration-warns/manifest.yaml"
    assert run("drift", manifest, tmp_path / "nope.json").exit_code == 2
    assert run("drift", tmp_path / "nope.yaml", TRACES).exit_code == 2
    assert run("drift", manifest).exit_code == 2  # OBSERVED is required


def test_output_is_deterministic():
    args = ("drift", "manifests/train-ticket", TRACES, "--format", "json")
    assert run(*args).stdout == run(*args).stdout
