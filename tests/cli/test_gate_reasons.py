"""The diff gate fails on everything it reports, in every format (issue 17 §2).

Every reason that can set the exit code of ``pruner diff`` (each flow kind the gate
judges, an availability target missed, a new "extra nine" warning, a start-up cycle, a
flow that can no longer be brought back) is produced by a small change, and every
format is checked: exit 1, and the reason shown where a reader of that format looks
(text and Markdown: the headline; JSON: ``gate.failing``; SARIF: an ``error`` result of
the reason's rule for the flow; JUnit: a ``<failure>`` of that reason on the flow's test
case). Conversely, on every level, exit 1 holds exactly when each format shows a failure.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from pruner.analysis.diff import GATE_REASONS, REASON_ORDER
from tests.conftest import ROOT, run

SARIF = jsonschema.Draft4Validator(
    json.loads((ROOT / "tests/data/sarif-2.1.0.json").read_text(encoding="utf-8")))

# reason -> (old manifest, new manifest, --fail-on level, subject)
CASES = {
    "broken": (
        "services: {a: {depends_on: [b]}, b: {}}\nflows: {f: {requires: [a]}}\n",
        "services: {a: {depends_on: [b]}}\nflows: {f: {requires: [a]}}\n",
        "broken", "f"),
    "masked": (
        "services: {a: {depends_on: [b]}, b: {}}\nflows: {f: {requires: [a]}}\n",
        "services: {a: {}}\nflows: {f: {requires: [a]}}\n",
        "broken", "f"),
    "spof": (
        "services: {a: {depends_on: [{any_of: [b, c]}]}, b: {}, c: {}}\n"
        "flows: {f: {requires: [a]}}\n",
        "services: {a: {depends_on: [b]}, b: {}, c: {}}\nflows: {f: {requires: [a]}}\n",
        "spof", "f"),
    "degraded": (
        "services: {a: {depends_on: [{service: b, soft: true}]}, b: {}}\n"
        "flows: {f: {requires: [a]}}\n",
        "services: {a: {depends_on: [{service: b, soft: true}]}}\n"
        "flows: {f: {requires: [a]}}\n",
        "degraded", "f"),
    "deleted": (
        "services: {a: {}}\nflows: {f: {requires: [a]}, g: {requires: [a]}}\n",
        "services: {a: {}}\nflows: {g: {requires: [a]}}\n",
        "degraded", "f"),
    "demoted": (
        "services: {a: {}}\nflows: {f: {requires: [a]}}\n",
        "services: {a: {}}\nflows: {f: {requires: [a], critical: false}}\n",
        "degraded", "f"),
    "target": (  # sms-gateway 0.9999 -> 0.99 against a 99.9% target: the default gate
        "services: {web: {}, sms-gateway: {availability: 0.9999}}\n"
        "flows: {f: {target: 0.999, requires: [web, sms-gateway]}}\n",
        "services: {web: {}, sms-gateway: {availability: 0.99}}\n"
        "flows: {f: {target: 0.999, requires: [web, sms-gateway]}}\n",
        "spof", "f"),
    "extra-nine": (  # still above the target, but a single point of failure too weak
        "services: {web: {availability: 0.99999}}\n"
        "flows: {f: {target: 0.999, requires: [web]}}\n",
        "services: {web: {availability: 0.9995}}\n"
        "flows: {f: {target: 0.999, requires: [web]}}\n",
        "extra-nine", "f"),
    "unbootstrappable": (
        "services: {a: {depends_on: [b]}, b: {}}\nflows: {f: {requires: [a]}}\n",
        "services: {a: {depends_on: [b]}, b: {depends_on: [a]}}\n"
        "flows: {f: {requires: [a]}}\n",
        "broken", "f"),
    "startup-cycle": (
        "services: {a: {depends_on: [b]}, b: {}}\nflows: {f: {requires: [a]}}\n",
        "services: {a: {depends_on: [b]}, b: {depends_on: [a]}}\n"
        "flows: {f: {requires: [a]}}\n",
        "broken", "a, b"),
}
# What the headline of text and Markdown says for each reason.
HEADLINE = {
    "broken": "1 critical flow breaks",
    "masked": "masked by an edit",
    "spof": "gains a single point of failure",
    "degraded": "gets degraded",
    "deleted": "is deleted",
    "demoted": "is no longer critical",
    "target": "drops below its availability target",
    "extra-nine": "gains an 'extra nine' warning",
    "unbootstrappable": "can no longer be brought back after a full outage",
    "startup-cycle": "1 new start-up cycle",
}
RULE = {"broken": "flow-broken", "masked": "masked-break",
        "spof": "new-single-point-of-failure", "degraded": "flow-degraded",
        "deleted": "critical-flow-deleted", "demoted": "flow-no-longer-critical",
        "target": "availability-below-target", "extra-nine": "extra-nine",
        "unbootstrappable": "flow-not-bootstrappable", "startup-cycle": "startup-cycle-created"}
LEVELS = ("never", "broken", "spof", "target", "extra-nine", "degraded")


def test_every_reason_has_a_case():
    assert set(CASES) == set(REASON_ORDER) == set(HEADLINE) == set(RULE)
    assert set().union(*GATE_REASONS.values()) == set(REASON_ORDER)


def _pair(tmp_path, reason):
    old_text, new_text, level, subject = CASES[reason]
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(old_text)
    new.write_text(new_text)
    return str(old), str(new), level, subject


def _diff(old, new, level, fmt):
    return run("diff", old, new, "--fail-on", level, "--format", fmt)


def _sarif_errors(output: str) -> set[tuple[str, str]]:
    doc = json.loads(output)
    SARIF.validate(doc)
    run_ = doc["runs"][0]
    names = {r["id"]: r["name"] for r in run_["tool"]["driver"]["rules"]}
    return {(names[r["ruleId"]], r["partialFingerprints"]["prunerFinding/v1"].split(":", 1)[1])
            for r in run_["results"] if r["level"] == "error"}


def _junit_failures(output: str) -> dict[str, set[str]]:
    root = ET.fromstring(output)
    found = {}
    for case in root.iter("testcase"):
        failure = case.find("failure")
        if failure is not None:
            found[case.get("name")] = set(failure.get("type").split(","))
    assert int(root.get("failures")) == len(found)
    return found


@pytest.mark.parametrize("reason", REASON_ORDER)
def test_every_reason_fails_and_shows_in_every_format(tmp_path, reason):
    old, new, level, subject = _pair(tmp_path, reason)
    assert reason in GATE_REASONS[level]
    outputs = {}
    for fmt in ("text", "json", "markdown", "sarif", "junit"):
        result = _diff(old, new, level, fmt)
        assert result.exit_code == 1, (fmt, result.output)
        outputs[fmt] = result.output
    for fmt in ("text", "markdown"):
        headline = outputs[fmt].splitlines()[-1 if fmt == "text" else 0]
        assert HEADLINE[reason] in headline, (fmt, headline)
        assert "FAIL" in headline if fmt == "text" else "❌" in headline
    assert {"flow": subject, "reason": reason} in json.loads(outputs["json"])["gate"]["failing"]
    assert (RULE[reason], subject.replace(", ", ",")) in _sarif_errors(outputs["sarif"])
    assert reason in _junit_failures(outputs["junit"]).get(subject, set())


@pytest.mark.parametrize("reason", REASON_ORDER)
def test_exit_code_and_every_format_agree_on_every_level(tmp_path, reason):
    old, new, _, _ = _pair(tmp_path, reason)
    for level in LEVELS:
        data = json.loads(_diff(old, new, level, "json").output)
        code = _diff(old, new, level, "text").exit_code
        failing = {(f["flow"], f["reason"]) for f in data["gate"]["failing"]}
        assert code == (1 if failing else 0), (level, failing)
        assert data["gate"]["passed"] is (code == 0)
        assert {r for _, r in failing} <= GATE_REASONS[level]
        assert (reason in GATE_REASONS[level]) == any(r == reason for _, r in failing)
        errors = _sarif_errors(_diff(old, new, level, "sarif").output)
        assert {(RULE[r], s.replace(", ", ",")) for s, r in failing} <= errors
        assert bool(errors) == bool(failing), (level, errors)
        junit = _junit_failures(_diff(old, new, level, "junit").output)
        assert {(s, r) for s, types in junit.items() for r in types} == failing


def test_sms_gateway_below_target_fails_the_default_gate_in_sarif_and_junit(tmp_path):
    # The acceptance case: 0.9999 -> 0.99 against a 99.9% target, default --fail-on.
    old, new, _, _ = _pair(tmp_path, "target")
    text = run("diff", old, new)
    assert text.exit_code == 1 and "BELOW TARGET" in text.output
    assert text.output.rstrip().endswith("gate (--fail-on spof): FAIL")
    sarif = run("diff", old, new, "--format", "sarif")
    assert sarif.exit_code == 1 and ("availability-below-target", "f") in _sarif_errors(
        sarif.output)
    junit = run("diff", old, new, "--format", "junit")
    assert junit.exit_code == 1 and _junit_failures(junit.output) == {"f": {"target"}}
    assert run("diff", old, new, "--fail-on", "broken").exit_code == 0


def test_acceptance_below_target_fails_diff_base_head_by_default(tmp_path, monkeypatch):
    # Issue 17's acceptance line, as CI runs it: the working tree against HEAD.
    import subprocess

    repo = tmp_path / "repo"
    (repo / "manifests").mkdir(parents=True)
    old_text, new_text, _, _ = CASES["target"]
    manifest = repo / "manifests" / "m.yaml"
    manifest.write_text(old_text)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    monkeypatch.chdir(repo)
    assert run("diff", "--base", "HEAD", "manifests").exit_code == 0
    manifest.write_text(new_text)
    text = run("diff", "--base", "HEAD", "manifests")
    assert text.exit_code == 1 and "BELOW TARGET" in text.output
    sarif = run("diff", "--base", "HEAD", "manifests", "--format", "sarif")
    assert sarif.exit_code == 1
    assert ("availability-below-target", "f") in _sarif_errors(sarif.output)
    junit = run("diff", "--base", "HEAD", "manifests", "--format", "junit")
    assert junit.exit_code == 1 and _junit_failures(junit.output) == {"f": {"target"}}
