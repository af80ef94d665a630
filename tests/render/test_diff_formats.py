"""Every output format of `pruner diff` (and the new formats of `check`): golden
files, SARIF against the 2.1.0 schema, JUnit parsed back, escaping of hostile text,
determinism. Regenerate the golden files with PRUNER_UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import random
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from pruner.render import FORMATS as RENDER_FORMATS
from tests.conftest import pre_operations_root
from tests.diffhelpers import ASSETS, FORMATS, ROOT, SCENARIOS, check_golden, run

SCHEMA = json.loads((ROOT / "tests/data/sarif-2.1.0.json").read_text(encoding="utf-8"))
SARIF = jsonschema.Draft4Validator(SCHEMA)


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def diff(name: str, fmt: str, *extra: str) -> str:
    d = ASSETS / name
    return run("diff", str(d / "old"), str(d / "new"), "--format", fmt, *extra).output


def test_every_format_is_registered():
    assert set(FORMATS) <= set(RENDER_FORMATS)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("name", SCENARIOS)
def test_golden(name, fmt):
    check_golden(f"diff/{name}.{FORMATS[fmt]}", diff(name, fmt))


@pytest.mark.parametrize("fmt", ["markdown", "junit", "sarif"])
def test_check_golden(fmt, tmp_path, monkeypatch):
    # manifests/twitter as it was before operations: this golden file must not change.
    monkeypatch.chdir(pre_operations_root(tmp_path))
    out = run("check", "manifests/twitter", "--off", "sms-gateway", "--format", fmt).output
    check_golden(f"check/twitter-off-sms-gateway.{FORMATS[fmt]}", out)


@pytest.mark.parametrize("name", SCENARIOS)
def test_sarif_validates_against_the_2_1_0_schema(name):
    doc = json.loads(diff(name, "sarif"))
    SARIF.validate(doc)
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    for result in doc["runs"][0]["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        where = result["locations"][0]["physicalLocation"]
        # every result points into the NEW version (nothing gone has a place in OLD's lines)
        assert "/old/" not in where["artifactLocation"]["uri"], result
        if "region" in where:
            assert where["region"]["startLine"] >= 1
        else:  # a file without a line: the message says where the thing was
            assert "in the old version" in result["message"]["text"]


def test_sarif_of_check_validates_and_points_at_the_dependency():
    doc = json.loads(run("check", "manifests/twitter", "--off", "sms-gateway",
                         "--format", "sarif").output)
    SARIF.validate(doc)
    broken = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "PRUNER001"]
    assert len(broken) == 1 and broken[0]["level"] == "error"
    where = broken[0]["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "manifests/twitter/notifications.yaml"
    line = Path("manifests/twitter/notifications.yaml").read_text().splitlines()[
        where["region"]["startLine"] - 1]
    assert line.strip() == "- service: sms-gateway"


def test_sarif_broken_flow_points_at_the_dangling_reference():
    doc = json.loads(diff("delete-needed-service-breaks", "sarif"))
    results = {(r["ruleId"], r["partialFingerprints"]["prunerFinding/v1"]): r
               for r in doc["runs"][0]["results"]}
    login = results[("PRUNER001", "PRUNER001:login")]["locations"][0]["physicalLocation"]
    path = login["artifactLocation"]["uri"]
    assert path.endswith("new/services.yaml")
    assert Path(path).read_text().splitlines()[login["region"]["startLine"] - 1].strip() == "- sms"
    # the removed service points at the surviving owner that depended on it, in NEW
    removed = results[("PRUNER006", "PRUNER006:sms")]
    where = removed["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"].endswith("new/services.yaml")
    line = Path(where["artifactLocation"]["uri"]).read_text().splitlines()[
        where["region"]["startLine"] - 1]
    assert line.strip() == "auth:"
    assert "old/services.yaml:17:3 in the old version" in removed["message"]["text"]
    assert "service auth, which depended on it" in removed["message"]["text"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_junit_parses_back_with_one_case_per_flow(name):
    d = ASSETS / name
    root = ET.fromstring(diff(name, "junit"))
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    gate = json.loads(diff(name, "json"))["gate"]
    failed = sorted(c.get("name") for c in cases if c.find("failure") is not None)
    assert failed == sorted(f["flow"] for f in gate["failing"])
    assert int(suite.get("tests")) == len(cases)
    assert int(suite.get("failures")) == len(failed)
    flows = set()
    for side in ("old", "new"):
        for f in (ROOT / d / side).glob("*.yaml"):
            text = f.read_text()
            if "\nflows:" in "\n" + text:
                flows |= set(re.findall(r"^  ([a-z-]+):$", text.split("flows:")[1], re.M))
    assert {c.get("name") for c in cases} == flows


def test_junit_of_a_deleted_flow_is_skipped():
    root = ET.fromstring(diff("delete-flow-warns", "junit"))
    login = next(c for c in root.iter("testcase") if c.get("name") == "login")
    assert login.find("skipped") is not None
    strict = ET.fromstring(diff("delete-flow-warns", "junit", "--fail-on", "degraded"))
    login = next(c for c in strict.iter("testcase") if c.get("name") == "login")
    assert login.find("failure").get("type") == "deleted"


# -- escaping ------------------------------------------------------------------

def test_markdown_escapes_hostile_text():
    out = diff("hostile-text-breaks", "markdown")
    assert "\x1b" not in out
    # outside fenced code (where text is inert) no tag survives and no mention can ping
    prose = re.sub(r"^(`{3,})\w*\n.*?^\1$", "", out, flags=re.S | re.M)
    assert "<script" not in prose and "<i>" not in prose and "@org" not in prose
    assert "&lt;script&gt;" in prose
    code = re.search(r"^(`{4,})text\n(.*?)^\1$", out, re.S | re.M)
    assert code and "```" in code.group(2)  # the note's backticks did not close the fence
    # table rows keep their column count: unescaped pipes only at cell borders
    for row in (line for line in out.splitlines() if line.startswith("| ")):
        assert len(re.findall(r"(?<!\\)\|", row)) == 7, row
    # fenced blocks are balanced: each opening fence has its closing one
    fences = re.findall(r"^(`{3,})(\w*)$", out, re.M)
    assert len(fences) % 2 == 0
    for block in re.findall(r"```mermaid\n(.*?)\n```", out, re.S):
        for line in block.splitlines()[1:]:
            assert re.fullmatch(r'[ A-Za-z0-9_\-.>{}()\[\]"#;:/@,%!=&|]*', line), line
    # HTML blocks are balanced
    assert out.count("<details>") == out.count("</details>")


def test_text_and_junit_make_control_characters_visible():
    for fmt in ("text", "junit", "json", "sarif"):
        out = diff("hostile-text-breaks", fmt)
        assert "\x1b" not in out.replace("\\u001b", ""), fmt
    ET.fromstring(diff("hostile-text-breaks", "junit"))
    SARIF.validate(json.loads(diff("hostile-text-breaks", "sarif")))


def test_markdown_of_a_name_with_every_allowed_character(tmp_path):
    weird = "a.b_c-d:e/f@g"
    for side in ("old", "new"):
        (tmp_path / side).mkdir()
    (tmp_path / "old/m.yaml").write_text(
        f"services: {{'{weird}': , web: {{depends_on: ['{weird}']}}}}\n"
        f"flows: {{'{weird}': {{requires: [web]}}}}\n")
    (tmp_path / "new/m.yaml").write_text(
        f"services: {{web: {{depends_on: ['{weird}']}}}}\n"
        f"flows: {{'{weird}': {{requires: [web]}}}}\n")
    out = run("diff", str(tmp_path / "old"), str(tmp_path / "new"), "--format", "markdown").output
    assert f"`{weird}`" in out
    mermaid = re.search(r"```mermaid\n(.*?)\n```", out, re.S).group(1)
    assert "a.b_c-d:e/f@g" in mermaid and '"' not in mermaid.replace('"', "", 2 * 3)


# -- determinism ---------------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_is_deterministic_across_runs_and_file_creation_order(fmt, tmp_path):
    name = "hostile-text-breaks"
    first = diff(name, fmt)
    assert diff(name, fmt) == first
    rng = random.Random(fmt)
    for side in ("old", "new"):
        files = sorted((ROOT / ASSETS / name / side).iterdir())
        rng.shuffle(files)
        target = tmp_path / ASSETS / name / side
        target.mkdir(parents=True)
        for f in files:  # created in a shuffled order: the directory listing order differs
            shutil.copy(f, target / f.name)
    moved = run("diff", str(tmp_path / ASSETS / name / "old"),
                str(tmp_path / ASSETS / name / "new"), "--format", fmt).output
    assert moved.replace("file://" + str(tmp_path) + "/", "").replace(
        str(tmp_path) + "/", "") == first


@pytest.mark.parametrize("fmt", ["text", "markdown", "junit"])
def test_shuffled_definitions_give_identical_output(fmt, tmp_path):
    """Services and flows in another order, spread over other files: the same report
    (formats without line numbers)."""
    name = "delete-needed-service-breaks"
    expected = diff(name, fmt)
    rng = random.Random(7)
    for side in ("old", "new"):
        import yaml

        merged = {"services": {}, "flows": {}}
        for f in sorted((ROOT / ASSETS / name / side).glob("*.yaml")):
            data = yaml.safe_load(f.read_text())
            for key in merged:
                merged[key].update(data.get(key) or {})
        entries = [(k, n, v) for k in merged for n, v in merged[k].items()]
        rng.shuffle(entries)
        out = tmp_path / ASSETS / name / side
        out.mkdir(parents=True)
        for i, (key, n, v) in enumerate(entries):
            (out / f"part{i % 3}-{i}.yaml").write_text(yaml.safe_dump({key: {n: v}}))
    got = run("diff", str(tmp_path / ASSETS / name / "old"), str(tmp_path / ASSETS / name / "new"),
              "--format", fmt).output
    assert got.replace(str(tmp_path) + "/", "") == expected
