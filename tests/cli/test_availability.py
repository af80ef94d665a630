"""`pruner availability`, the "extra nine" warnings of `validate`, the availability
part of `diff`, and common-cause groups in `cuts`/`essential`, end to end.
Goldens in tests/golden/availability (PRUNER_UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.diffhelpers import ROOT, check_golden, run

HERE = Path("tests/assets/availability")


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def asset(name: str) -> str:
    return str(HERE / name)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
@pytest.mark.parametrize("name", ["misses-target", "common-cause-zone"])
def test_golden(name, fmt):
    result = run("availability", asset(f"{name}.yaml"), "--format", fmt)
    assert result.exit_code in (0, 1)
    ext = {"text": "txt", "json": "json", "markdown": "md"}[fmt]
    check_golden(f"availability/{name}.{ext}", result.output)


def test_exit_1_only_when_a_critical_flow_misses_its_target():
    missed = run("availability", asset("misses-target.yaml"), "--format", "json")
    assert missed.exit_code == 1
    data = json.loads(missed.output)
    assert data["flows"]["login"]["meets_target"] is False
    assert data["flows"]["browse"]["meets_target"] is False  # not critical: no failure alone
    assert run("availability", asset("misses-target.yaml"), "--flow", "browse").exit_code == 0
    assert run("availability", asset("meets-target.yaml")).exit_code == 0


def test_json_has_the_spec_shape():
    data = json.loads(run("availability", asset("misses-target.yaml"), "--format",
                          "json").output)
    login = data["flows"]["login"]
    assert login["availability"] == pytest.approx(0.999 * 0.9999 * (1 - 0.01 ** 2), rel=1e-12)
    assert login["target"] == 0.999
    assert set(login["importance"]) == {"web", "auth", "db-a", "db-b"}  # ads is soft
    assert set(login["importance"]["web"]) >= {"mif", "cif", "dif", "raw", "rrw"}
    assert login["harden_first"][0] == "web"
    assert login["downtime_minutes_per_30_days"] == pytest.approx(
        (1 - login["availability"]) * 43200)


def test_default_availability_applies_to_services_without_their_own():
    data = json.loads(run("availability", asset("meets-target.yaml"), "--format",
                          "json").output)
    login = data["flows"]["login"]
    assert login["importance"]["web"]["availability"] == 0.9999
    assert login["importance"]["db-a"]["availability"] == 0.99


def test_unknown_flow_is_exit_2():
    result = run("availability", asset("meets-target.yaml"), "--flow", "logn")
    assert result.exit_code == 2
    assert "unknown flow 'logn'" in result.stderr


@pytest.mark.parametrize(("text", "message"), [
    ("services: {a: {availability: 1.5}}", "availability of service 'a' must be a number"),
    ("services: {a: {availability: 'high'}}", "must be a number from 0 to 1"),
    ("services: {a: {}}\nflows: {f: {requires: [a], target: 2}}", "target of flow 'f'"),
    ("defaults: {availability: 0.9, colour: red}\nservices: {a: {}}", "unknown key 'colour'"),
    ("common_causes: {a: {services: [b]}}\nservices: {a: {}, b: {}}",
     "common cause 'a' has the name of a service"),
    ("common_causes: {z: {services: [b, c]}}\nservices: {b: {}}",
     "common cause 'z' names unknown service 'c'"),
    ("common_causes: {z: {availability: 0.9}}\nservices: {b: {}}", "needs services"),
])
def test_bad_availability_input_is_exit_2_with_a_line(tmp_path, text, message):
    path = tmp_path / "m.yaml"
    path.write_text(text + "\n")
    result = run("availability", str(path))
    assert result.exit_code == 2
    assert message in result.stderr
    assert f"{path}:" in result.stderr


def test_validate_warns_about_the_extra_nine():
    result = run("validate", asset("misses-target.yaml"))
    assert result.exit_code == 0
    out = result.output
    assert "flow 'login' has target 99.90% but its hard dependencies give at most 99.88%" in out
    assert "depends on 'web' (99.90%) alone" in out  # a SPOF not 10x better than the target
    assert "depends on 'auth'" not in out  # 99.99% is ten times as reliable as 99.9%
    assert run("validate", asset("misses-target.yaml"), "--strict").exit_code == 1


def test_common_cause_is_a_cut_set_and_kept(tmp_path):
    cuts = json.loads(run("cuts", asset("common-cause-zone.yaml"), "--format", "json").output)
    assert ["az-1"] in cuts["flows"]["checkout"]["cut_sets"]
    essential = json.loads(run("essential", asset("common-cause-zone.yaml"), "--format",
                               "json").output)
    assert "az-1" in essential["keep"]
    check = run("check", asset("common-cause-zone.yaml"), "--off", "az-1", "--format", "json")
    assert json.loads(check.output)["flows"]["checkout"]["state"] == "broken"


def _diff_pair(tmp_path, new_db: str):
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    old.write_text("services:\n  web: {availability: 0.9999, depends_on: "
                   "[{any_of: [db-a, db-b]}]}\n  db-a: {availability: 0.99}\n"
                   "  db-b: {availability: 0.99}\n"
                   "flows:\n  login: {requires: [web], target: 0.999}\n")
    new.write_text(old.read_text().replace("db-a: {availability: 0.99}",
                                           f"db-a: {{availability: {new_db}}}"))
    return str(old), str(new)


def test_diff_reports_availability_and_gates_on_target(tmp_path):
    old, new = _diff_pair(tmp_path, "0.95")  # worse, still above target: 99.94%
    assert run("diff", old, new).exit_code == 0
    result = run("diff", old, new, "--fail-on", "target", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    login = data["availability"]["login"]
    assert login["old"] == pytest.approx(0.9999 * (1 - 0.01 * 0.01))
    assert login["new"] == pytest.approx(0.9999 * (1 - 0.05 * 0.01))
    assert login["dropped_below_target"] is False
    old, new = _diff_pair(tmp_path, "0.0")  # db-a always down: 98.99%
    # A regression the report shows fails the default gate (issue 17 §2); only
    # --fail-on broken (or never) lets it pass.
    assert run("diff", old, new).exit_code == 1
    assert run("diff", old, new, "--fail-on", "broken").exit_code == 0
    failing = run("diff", old, new, "--fail-on", "target", "--format", "json")
    assert failing.exit_code == 1
    gate = json.loads(failing.output)["gate"]
    assert gate["failing"] == [{"flow": "login", "reason": "target"}]
    text = run("diff", old, new, "--fail-on", "target").output
    assert "login  99.980% -> 98.99%  target 99.90%  BELOW TARGET" in text
    assert "1 critical flow drops below its availability target" in text


def test_diff_without_availability_has_no_availability_key(tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text("services: {a: {}}\nflows: {f: {requires: [a]}}\n")
    data = json.loads(run("diff", str(old), str(old), "--format", "json").output)
    assert "availability" not in data


def test_html_report_has_an_availability_section_with_bars(tmp_path):
    out = tmp_path / "r.html"
    result = run("report", asset("misses-target.yaml"), "--output", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text()
    section = page[page.index('<h2 id="availability">'):page.index("<footer>")]
    assert "login: what to harden first" in section
    assert section.index("<code>web</code>") < section.index("<code>db-a</code>")  # web first
    assert "width:83.3%" in section  # web's share of login's downtime, drawn as a bar
    assert "<strong>missed</strong>" in section
    assert "http" not in section and "<script" not in section  # the page has its own script


def test_html_report_without_availability_has_no_section(tmp_path):
    out = tmp_path / "r.html"
    assert run("report", "tests/assets/check/chain-db-off-breaks-login.yaml", "--output",
               str(out)).exit_code == 0
    assert 'id="availability"' not in out.read_text()


def test_schema_agrees_with_the_loader_on_availability_keys():
    import jsonschema
    import yaml

    from pruner.schema import schema

    validator = jsonschema.Draft7Validator(schema())
    for path in sorted(HERE.glob("*.yaml")):
        assert not list(validator.iter_errors(yaml.safe_load(path.read_text()))), path
    for bad in ({"services": {"a": {"availability": 1.5}}},
                {"services": {"a": {"availability": "high"}}},
                {"flows": {"f": {"requires": ["a"], "target": -0.1}}},
                {"defaults": {"availability": 0.9, "colour": "red"}},
                {"common_causes": {"z": {"availability": 0.9}}}):
        assert list(validator.iter_errors(bad)), bad


def test_exponent_notation_is_a_number(tmp_path):
    # YAML 1.1 (PyYAML) reads a plain `1e-5` as text; pruner reads it as the number it is
    path = tmp_path / "m.yaml"
    path.write_text("services: {a: {availability: 1e-1}}\nflows: {f: {requires: [a]}}\n")
    data = json.loads(run("availability", str(path), "--format", "json").output)
    assert data["flows"]["f"]["availability"] == pytest.approx(0.1)
    path.write_text("services: {a: {availability: '1e-1'}}\n")  # quoted: text, refused
    assert run("validate", str(path)).exit_code == 2


def test_markdown_summary_is_html_not_markdown(tmp_path):
    """A <details><summary> line is an HTML block: Markdown escapes are not read there,
    so a flow named check_out showed as 'check\\_out'. The summary holds HTML escapes."""
    manifest = tmp_path / "m.yaml"
    manifest.write_text("services: {db: {availability: 0.99}}\n"
                        "flows: {check_out: {requires: [db]}}\n")
    out = run("availability", str(manifest), "--format", "markdown").output
    assert "<details><summary>check_out: what to harden first</summary>" in out
