"""`pruner bootstrap` and `render --bootstrap` end to end: exit codes, formats,
partial restarts, goldens of the Twitter example and the Roblox-shaped deadlock."""

from __future__ import annotations

import json

import pytest

from tests.diffhelpers import ROOT, check_golden, run

ROBLOX = "tests/assets/bootstrap/roblox-consul-deadlock.yaml"


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("json", "json"),
                                        ("markdown", "md")])
def test_goldens(fmt, suffix):
    for name, path, code in (("twitter", "manifests/twitter", 0), ("roblox", ROBLOX, 1)):
        result = run("bootstrap", path, "--format", fmt)
        assert result.exit_code == code, result.output
        check_golden(f"bootstrap/{name}.{suffix}", result.output)


def test_json_contract_of_spec_10():
    data = json.loads(run("bootstrap", ROBLOX, "--format", "json").output)
    assert data["waves"] == [["tsdb"], ["game-api"]]
    assert data["stuck"] == ["consul", "telemetry"]
    assert data["flows"]["join-game"]["ready_wave"] is None
    assert data["cycles"][0]["chain"] == ["consul", "telemetry", "consul"]
    assert data["never_serving"]["game-api"] == {
        "started": True, "cycle": None, "waits_on": "consul", "item": "consul",
        "root_cycle": 0}
    assert data["gate"] == {"passed": False, "failing": ["join-game"]}


def test_from_off_restarts_only_those_and_says_when_flows_work_again():
    result = run("bootstrap", "manifests/twitter", "--from-off", "manhattan-a,manhattan-b",
                 "--from-off", "manhattan-c", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["from_off"] == ["manhattan-a", "manhattan-b", "manhattan-c"]
    assert data["waves"] == [["manhattan-a", "manhattan-b", "manhattan-c"]]
    assert data["services"]["alerting"]["serving_wave"] == 0
    assert data["services"]["zk-1"]["serving_wave"] == -1
    assert data["flows"]["home-timeline"]["ready_wave"] == 0


def test_unknown_from_off_name_is_exit_2_with_a_suggestion():
    result = run("bootstrap", "manifests/twitter", "--from-off", "manhatan")
    assert result.exit_code == 2
    assert "did you mean 'manhattan'" in result.stderr


@pytest.mark.parametrize("value,message", [
    (",", "--from-off ',': empty name"), ("tag:nope", "--from-off 'tag:nope': no service"),
])
def test_a_bad_from_off_is_named_as_from_off(value, message):
    """The message named --off, an option bootstrap does not have."""
    result = run("bootstrap", "manifests/twitter", "--from-off", value)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"pruner: error: {message}"), result.stderr


def test_start_seconds_give_ready_times(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("services:\n  db: {start_seconds: 30}\n  api: {depends_on: [db], "
                    "start_seconds: 12.5}\nflows: {f: {requires: [api]}}\n")
    data = json.loads(run("bootstrap", str(path), "--format", "json").output)
    assert data["flows"]["f"] == {"critical": True, "ready_seconds": 42.5, "ready_wave": 1}
    text = run("bootstrap", str(path)).output
    assert "first works at 42.5 s" in text


def test_bad_start_seconds_is_exit_2_with_the_place(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("services:\n  db: {start_seconds: -3}\n")
    result = run("bootstrap", str(path))
    assert result.exit_code == 2 and "m.yaml:2:" in result.stderr


def test_start_seconds_that_add_up_past_the_largest_float_are_bad_input(tmp_path):
    """Each start_seconds finite, a chain of them not: the JSON held 'Infinity' (not
    JSON) and the text 'first works at inf s'. Bad input, as plan says of costs."""
    path = tmp_path / "m.yaml"
    path.write_text("services:\n  db: {start_seconds: 1e308}\n  api: {depends_on: [db], "
                    "start_seconds: 1e308}\nflows: {f: {requires: [api]}}\n")
    for fmt in ("json", "text", "markdown"):
        result = run("bootstrap", str(path), "--format", fmt)
        assert result.exit_code == 2, result.output
        assert result.stderr == ("pruner: error: start_seconds: the start-up times add up to "
                                 "more than a number holds (1.8e308)\n")
    assert run("render", str(path), "--bootstrap", "-o", "-", "--format", "dot").exit_code == 0


def test_validate_warns_on_a_start_up_cycle():
    result = run("validate", ROBLOX)
    assert result.exit_code == 0
    assert "start-up cycle among consul, telemetry" in result.output


def test_render_bootstrap_draws_waves_left_to_right_and_cycles_red():
    dot = run("render", ROBLOX, "--bootstrap", "--output", "-", "--format", "dot").output
    assert "rankdir=LR" in dot and dot.count("rank=same") == 3
    assert "#d93025" in dot  # the start-up cycle
    mmd = run("render", ROBLOX, "--bootstrap", "--output", "-", "--format", "mmd").output
    assert mmd.count("subgraph") == 3 and "linkStyle" in mmd
    check_golden("bootstrap/roblox.dot", dot)
    check_golden("bootstrap/roblox.mmd", mmd)


def test_diff_fails_on_a_new_start_up_cycle(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text("services: {a: {depends_on: [b]}, b: {}}\nflows: {f: {requires: [a]}}\n")
    new.write_text("services: {a: {depends_on: [b]}, b: {depends_on: [a]}}\n"
                   "flows: {f: {requires: [a]}}\n")
    result = run("diff", str(old), str(new))
    assert result.exit_code == 1
    assert "New start-up cycle: a, b" in result.output
    assert "1 critical flow can no longer be brought back after a full outage" in result.output
    data = json.loads(run("diff", str(old), str(new), "--format", "json").output)
    assert data["bootstrap"] == {"new_startup_cycles": [["a", "b"]], "unbootstrappable": ["f"]}
    sarif = json.loads(run("diff", str(old), str(new), "--format", "sarif").output)
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert {"PRUNER014", "PRUNER015"} <= rules
    assert run("diff", str(old), str(new), "--fail-on", "never").exit_code == 0
    # the same cycle of runtime items is no start-up cycle (both boot, then serve
    # together): the gate holds; one runtime link is not enough (a ring of hard items)
    new.write_text("services: {a: {depends_on: [b]}, b: {depends_on: "
                   "[{service: a, startup: false}]}}\nflows: {f: {requires: [a]}}\n")
    assert run("diff", str(old), str(new), "--fail-on", "broken").exit_code == 1
    new.write_text("services: {a: {depends_on: [{service: b, startup: false}]}, b: "
                   "{depends_on: [{service: a, startup: false}]}}\nflows: {f: {requires: [a]}}\n")
    assert run("diff", str(old), str(new), "--fail-on", "broken").exit_code == 0


def test_diff_renaming_a_member_of_an_existing_start_up_cycle_only_says_renamed(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text("services: {a: {depends_on: [b]}, b: {depends_on: [a]}, c: {}}\n"
                   "flows: {f: {requires: [c]}}\n")
    new.write_text("services: {a: {depends_on: [bb]}, bb: {depends_on: [a]}, c: {}}\n"
                   "flows: {f: {requires: [c]}}\n")
    result = run("diff", str(old), str(new))
    assert result.exit_code == 0, result.output
    assert "Renamed: b -> bb" in result.output
    assert "start-up cycle" not in result.output
    data = json.loads(run("diff", str(old), str(new), "--format", "json").output)
    assert data.get("bootstrap", {}).get("new_startup_cycles", []) == []
