"""The CI formats of `pruner drift` (markdown, junit, sarif): golden files for every
drift asset, SARIF against the 2.1.0 schema, JUnit parsed back, escaping of hostile
text, determinism. Regenerate the golden files with PRUNER_UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from pruner.render.sarif import RULES
from tests.diffhelpers import ROOT, check_golden, run
from tests.test_cli_drift import CASES, DRIFT, TRACES

SARIF = jsonschema.Draft4Validator(
    json.loads((ROOT / "tests/data/sarif-2.1.0.json").read_text(encoding="utf-8")))
CI_FORMATS = {"markdown": "md", "junit": "xml", "sarif": "sarif"}
HOSTILE = "hostile-text-escaped"


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # relative paths, so the output is machine-independent


def drift(case: str, fmt: str, *extra: str):
    observed, _ = CASES[case]
    return run("drift", f"{DRIFT}/{case}/manifest.yaml", f"{DRIFT}/{case}/{observed}",
               "--format", fmt, *extra)


def gate(case: str, *extra: str) -> dict:
    return json.loads(drift(case, "json", *extra).output)


@pytest.mark.parametrize("fmt", sorted(CI_FORMATS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_and_exit_code(case, fmt):
    result = drift(case, fmt)
    assert result.exit_code == CASES[case][1], result.stderr
    check_golden(f"drift/{case}.{CI_FORMATS[fmt]}", result.stdout)


@pytest.mark.parametrize("fmt", sorted(CI_FORMATS))
def test_train_ticket_golden(fmt):
    result = run("drift", "manifests/train-ticket", TRACES, "--format", fmt)
    assert result.exit_code == 1
    check_golden(f"drift/train-ticket-zipkin.{CI_FORMATS[fmt]}", result.stdout)


def test_help_offers_every_ci_format():
    help_text = run("drift", "--help").output
    assert "[text|json|markdown|junit|sarif]" in help_text


# -- markdown ------------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(CASES))
def test_markdown_verdict_line_comes_first(case):
    first = drift(case, "markdown").output.splitlines()[0]
    data = gate(case)
    icon = "✅" if data["gate"]["passed"] else "❌"
    assert first.startswith(f"### {icon} pruner drift: ")
    if not data["gate"]["passed"]:
        n = len(data["gate"]["failing"])
        assert f"{n} undeclared dependenc" in first


def test_markdown_fail_on_states_the_rule():
    out = drift("observed-undeclared-service", "markdown", "--fail-on", "undeclared").output
    assert out.startswith("### ❌ pruner drift: 1 undeclared dependency\n")
    assert ("`--fail-on undeclared` (fails on undeclared dependencies and undeclared flows)"
            in out)
    never = drift("undeclared-call-under-critical-flow-fails", "markdown", "--fail-on", "never")
    assert never.exit_code == 0 and never.output.startswith("### ✅ pruner drift: report only")
    assert "| ⚠️ warns | `auth` | `risk-scoring` |" in never.output


def test_markdown_escapes_hostile_text():
    out = drift(HOSTILE, "markdown").output
    assert "\x1b" not in out and "\\x1b" in out
    # no tag survives, no mention can ping, no link is made
    assert "<script" not in out and "<i>" not in out and "</details>\n" in out
    assert out.count("<details>") == out.count("</details>") == 1
    assert "&lt;script&gt;" in out and "&lt;/details&gt;" in out
    assert "@org" not in out and "@\u200borg/admins" in out
    assert not re.search(r"(?<!\\)\]\(javascript", out) and "\\[click\\](javascript:x)" in out
    assert "**bold**" not in out and "\\*\\*bold\\*\\*" in out
    # every table row keeps its column count: unescaped pipes only at cell borders
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert rows
    header_pipes = 0
    for row in rows:
        pipes = len(re.findall(r"(?<!\\)\|", row))
        if row.startswith("| Gate") or row.startswith("| Service") or row.startswith("| Caller"):
            header_pipes = pipes
        assert pipes == header_pipes, row
    # no backtick run outside code spans: the note's ``` did not open a fence
    assert not re.search(r"^`{3}", out, re.M)
    # names with unusual characters stay whole, as code
    assert "`x/y@z`" in out and "`a:b`" in out


# -- junit ---------------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fail_on", ["undeclared-critical", "undeclared", "never"])
def test_junit_parses_back_one_case_per_finding(case, fail_on):
    root = ET.fromstring(drift(case, "junit", "--fail-on", fail_on).output)
    [suite] = root.findall("testsuite")
    assert suite.get("name") == "pruner.drift"
    cases = suite.findall("testcase")
    data = gate(case, "--fail-on", fail_on)
    by_class: dict[str, list[str]] = {}
    for c in cases:
        by_class.setdefault(c.get("classname"), []).append(c.get("name"))
    assert by_class.pop("pruner.drift") == ["summary"]
    assert by_class.pop("pruner.drift.undeclared", []) == [
        f"{u['source']} -> {u['target']}" for u in data["undeclared"]]
    assert by_class.pop("pruner.drift.stale", []) == [
        f"{s['source']} -> {s['target']}" for s in data["stale"]]
    assert by_class.pop("pruner.drift.observed-not-declared", []) == data[
        "observed_not_declared"]
    assert by_class.pop("pruner.drift.uncovered-traffic", []) == [
        t["service"] for t in data["uncovered_traffic"]]
    assert by_class == {}
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == data["gate"]["failing"]
    assert int(suite.get("tests")) == len(cases) and int(root.get("tests")) == len(cases)
    assert int(suite.get("failures")) == len(failed)
    for c in cases:  # every passing case says why it is there
        if c.find("failure") is None:
            assert c.find("system-out").text


def test_junit_hostile_text_is_well_formed_and_visible():
    out = drift(HOSTILE, "junit").output
    assert "\x1b" not in out
    root = ET.fromstring(out)
    texts = "\n".join(el.text or "" for el in root.iter())
    assert "<script>alert(1)</script>" in texts  # as text, escaped in the XML
    assert "\\x1b[31m" in texts and "a|b ``` <i>x</i>" in texts


# -- sarif ---------------------------------------------------------------------

def _lines(uri: str) -> list[str]:
    return Path(uri).read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("case", sorted(CASES))
def test_sarif_validates_and_points_into_the_manifest(case):
    doc = json.loads(drift(case, "sarif").output)
    SARIF.validate(doc)
    run_ = doc["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [f"PRUNER{i:03d}" for i in range(1, len(RULES) + 1)]
    data = gate(case)
    failing = set(data["gate"]["failing"])
    seen = set()
    for result in run_["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        key = result["partialFingerprints"]["prunerFinding/v1"]
        assert key not in seen
        seen.add(key)
        [where] = result["locations"]  # GitHub rejects a result without a location
        physical = where["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert uri.startswith(f"{DRIFT}/{case}/manifest.yaml")
        finding = key.split(":", 1)[1]
        if rule["name"] == "undeclared-dependency":
            caller = finding.split(" -> ")[0]
            assert result["level"] == ("error" if finding in failing else "warning")
            line = _lines(uri)[physical["region"]["startLine"] - 1]
            declared = next(u for u in data["undeclared"]
                            if f"{u['source']} -> {u['target']}" == finding)
            if declared["source_declared"]:  # the caller's definition
                assert line.strip().startswith(f"{caller}:")
        elif rule["name"] == "stale-declaration":
            assert result["level"] == "note"
            stale = next(s for s in data["stale"] if f"{s['source']} -> {s['target']}" == finding)
            region = physical["region"]
            assert stale["location"] == f"{uri}:{region['startLine']}:{region['startColumn']}"
        elif rule["name"] == "traffic-to-uncovered-service":
            assert result["level"] == "warning"
            line = _lines(uri)[physical["region"]["startLine"] - 1]
            assert line.strip().startswith(f"{finding}:")
        else:
            assert rule["name"] == "observed-service-not-declared"
            assert result["level"] == "note" and "region" not in physical
    counts = data["summary"]
    assert len(run_["results"]) == (counts["undeclared"] + counts["stale"]
                                    + counts["observed_not_declared"]
                                    + counts["uncovered_traffic"])


def test_sarif_fail_on_changes_levels_only():
    case = "observed-undeclared-service"
    levels = {fail_on: [r["level"] for r in json.loads(
        drift(case, "sarif", "--fail-on", fail_on).output)["runs"][0]["results"]
        if r["ruleId"] == "PRUNER008"] for fail_on in ("undeclared-critical", "undeclared")}
    assert levels == {"undeclared-critical": ["warning"], "undeclared": ["error"]}


def test_sarif_hostile_text_stays_inert():
    out = drift(HOSTILE, "sarif").output
    assert "\x1b" not in out
    doc = json.loads(out)
    SARIF.validate(doc)
    messages = [r["message"]["text"] for r in doc["runs"][0]["results"]]
    assert any("\\x1b[31m" in m and "\\nline2" in m for m in messages)


# -- determinism ---------------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(CI_FORMATS))
def test_deterministic_across_runs_and_copies(fmt, tmp_path):
    first = drift(HOSTILE, fmt).output
    assert drift(HOSTILE, fmt).output == first
    copy = tmp_path / DRIFT / HOSTILE
    copy.mkdir(parents=True)
    for name in ("observed.yaml", "manifest.yaml"):  # created in another order
        shutil.copy(ROOT / DRIFT / HOSTILE / name, copy / name)
    moved = run("drift", str(copy / "manifest.yaml"), str(copy / "observed.yaml"),
                "--format", fmt).output
    assert moved.replace("file://" + str(tmp_path) + "/", "").replace(
        str(tmp_path) + "/", "") == first
