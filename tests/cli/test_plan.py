"""`pruner plan` end to end (spec §12, issue 20): goldens per format, exit codes, bad
input (exit 2 with file:line or the key), cost files, the Twitter story of the README.
Goldens in tests/golden/plan (PRUNER_UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.diffhelpers import ROOT, check_golden, run

HERE = Path("tests/assets/plan")
FALLBACK = str(HERE / "saves-the-costly-fallback.yaml")


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("fmt,ext", [("text", "txt"), ("json", "json"), ("markdown", "md")])
def test_golden(fmt, ext):
    result = run("plan", FALLBACK, "--format", fmt)
    assert result.exit_code == 0, result.output
    check_golden(f"plan/saves-the-costly-fallback.{ext}", result.stdout)


def test_json_is_exactly_the_spec_object():
    data = json.loads(run("plan", FALLBACK, "--format", "json").stdout)
    assert set(data) == {"keep_flows", "remove", "keep", "savings", "cost_total", "optimal",
                         "bound", "steps", "flows"}
    assert data["remove"] == ["ads", "ads-model", "legacy-cron", "recs", "sms-premium", "zk-2"]
    assert data["savings"] == 865.0 and data["cost_total"] == 1085.0
    assert data["optimal"] is True and data["bound"] is None
    assert data["flows"] == {"login": {"state": "degraded", "availability": None}}
    assert data["keep_flows"] == ["login"]


def test_output_is_deterministic():
    outputs = {run("plan", FALLBACK, "--format", fmt).stdout for fmt in ["json"] * 3}
    assert len(outputs) == 1


def test_every_step_command_passes_check():
    text = run("plan", FALLBACK).stdout
    commands = [line.strip() for line in text.splitlines()
                if line.strip().startswith("pruner check ")]
    assert commands
    for command in commands:
        result = run(*shlex.split(command)[1:])
        assert result.exit_code == 0, (command, result.output)


def test_keep_selectors_and_pins():
    data = json.loads(run("plan", FALLBACK, "--keep", "all", "--pin", "recs",
                          "--format", "json").stdout)
    assert data["keep_flows"] == ["feed", "login"] and "recs" not in data["remove"]
    data = json.loads(run("plan", FALLBACK, "--keep", "!feed", "--format", "json").stdout)
    assert data["keep_flows"] == ["login"]  # only negations: from the critical flows
    nothing = run("plan", FALLBACK, "--keep", "!login")
    assert nothing.exit_code == 2 and "no flow is left to keep" in nothing.stderr
    result = run("plan", FALLBACK, "--keep", "all,!login", "--format", "json")
    assert json.loads(result.stdout)["keep_flows"] == ["feed"]


def test_targets_keep_a_replica_and_report_availability():
    path = str(HERE / "targets-keep-a-replica.yaml")
    plain = json.loads(run("plan", path, "--format", "json").stdout)
    assert plain["remove"] == ["db-b"]
    kept = json.loads(run("plan", path, "--targets", "--format", "json").stdout)
    assert kept["remove"] == [] and kept["optimal"] is True
    assert kept["flows"]["login"]["availability"] == pytest.approx(1 - 0.01 ** 2, rel=1e-12)


def test_exit_1_when_the_kept_flows_cannot_meet_their_targets():
    result = run("plan", str(HERE / "targets-cannot-be-met.yaml"), "--targets")
    assert result.exit_code == 1
    assert "No plan" in result.stdout and "login" in result.stdout
    assert run("plan", str(HERE / "targets-cannot-be-met.yaml")).exit_code == 0


@pytest.mark.parametrize("args,message", [
    (["tests/assets/plan/negative-cost.yaml"],
     "tests/assets/plan/negative-cost.yaml:4:11: error: cost of service 'db' must be a "
     "finite number, 0 or more, not '-5'"),
    ([FALLBACK, "--keep", "logn"],
     "pruner: error: --keep: unknown flow 'logn' (did you mean 'login'?)"),
    ([FALLBACK, "--keep", "login,!"],
     "pruner: error: --keep '!': nothing after '!'; give --keep !FLOW"),
    ([FALLBACK, "--costs", "tests/assets/plan/opencost-wrong-shape.json"],
     "tests/assets/plan/opencost-wrong-shape.json: error: data[0][\"web\"].totalCost must be "
     "a number >= 0, not '\"cheap\"'"),
    ([FALLBACK, "--costs", "tests/assets/plan/costs-negative.csv"],
     "tests/assets/plan/costs-negative.csv:3: error: cost of 'sms-budget' must be a finite "
     "number, 0 or more, not '-3'"),
    ([FALLBACK, "--pin", "nope"], "pruner: error: --pin"),
])
def test_bad_input_exits_2_with_the_place(args, message):
    result = run("plan", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.output


def test_costs_that_add_up_past_the_largest_float_are_bad_input(tmp_path):
    """Each cost finite, their sum not: math.fsum raised OverflowError (a traceback)."""
    manifest = tmp_path / "m.yaml"
    manifest.write_text("services:\n  a: {cost: 1e308}\n  b: {cost: 1e308}\n"
                        "flows:\n  f: {requires: [a]}\n")
    costs = tmp_path / "c.csv"
    costs.write_text("web,1e308\nauth,1e308\n")
    out = tmp_path / "plan.json"
    for args in ([str(manifest)], [FALLBACK, "--costs", str(costs)]):
        result = run("plan", *args, "-o", str(out))
        assert result.exit_code == 2
        assert result.stderr == ("pruner: error: cost: the services' costs add up to more "
                                 "than a number holds (1.8e308)\n")
        assert not out.exists()


def test_a_cost_with_digit_separators_is_bad_input(tmp_path):
    costs = tmp_path / "c.csv"
    costs.write_text("service,cost\nads,1_000\n")
    result = run("plan", FALLBACK, "--costs", str(costs))
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"{costs}:2: error: cost of 'ads' must be a finite number, 0 or "
                             "more, not '1_000'\n")


def test_costs_from_opencost_with_a_mapping():
    result = run("plan", FALLBACK, "--costs", "tests/assets/plan/opencost.json",
                 "--cost-map", "tests/assets/plan/cost-map.csv")
    assert result.exit_code == 0
    text = result.stdout
    assert "Cost entries matching no service: __idle__, billing/invoicer" in text
    assert re.search(r"- sms-premium +410\.25 ", text)  # through the mapping (controller:)
    data = json.loads(run("plan", FALLBACK, "--costs", "tests/assets/plan/opencost.json",
                          "--format", "json").stdout)
    # web: 61.5 + 1.5 over two steps (controller), auth: 35 (label:app), sms-premium:
    # 410.25 (the allocation's name without its namespace); the rest keep the manifest's
    assert data["cost_total"] == 1085.0 - 50 + 63.0 - 40 + 35 - 300 + 410.25


def test_a_cost_map_key_that_matches_no_allocation_is_warned_about(tmp_path):
    """A typo in --cost-map ('controller:smss-premium') used to leave that service's cost
    out in silence; the keys that matched nothing are named in one warning line, and the
    plan is the same as without them."""
    mapping = tmp_path / "map.csv"
    mapping.write_text("controller:sms-premium-deploy,sms-premium\n"
                       "controller:smss-premium,sms-premium\nlabel:app=gone,web\n")
    args = ("plan", FALLBACK, "--costs", "tests/assets/plan/opencost.json", "--format", "json")
    result = run(*args, "--cost-map", str(mapping))
    assert result.exit_code == 0
    assert result.stderr == (f"pruner: warning: --cost-map {mapping}: 2 key(s) matched no "
                             "allocation of tests/assets/plan/opencost.json: "
                             "'controller:smss-premium', 'label:app=gone'\n")
    used = run(*args, "--cost-map", "tests/assets/plan/cost-map.csv")
    assert used.stderr == "" and used.stdout == result.stdout


def test_a_cost_map_beside_a_csv_cost_file_is_warned_about():
    result = run("plan", FALLBACK, "--costs", "tests/assets/plan/costs.csv",
                 "--cost-map", "tests/assets/plan/cost-map.csv")
    assert result.exit_code == 0
    assert "(a CSV names its services itself): 'controller:sms-premium-deploy'" in result.stderr
    assert result.stderr.count("\n") == 1


def test_costs_from_csv_list_what_matched_nothing():
    text = run("plan", FALLBACK, "--costs", "tests/assets/plan/costs.csv").stdout
    assert "Cost entries matching no service: not-a-service" in text


def test_services_without_cost_are_listed():
    text = run("plan", "manifests/twitter").stdout
    assert "No cost known for 88 services (counted as 0)" in text


def test_budget_exhausted_under_targets_exits_3(monkeypatch):
    import pruner.analysis.plan as plan_module

    def out_of_time(*args, **kwargs):
        from pruner.errors import BudgetExhausted
        raise BudgetExhausted("plan: the time budget ran out while computing availability "
                              "for --targets")

    monkeypatch.setattr(plan_module, "_availability", out_of_time)
    result = run("plan", str(HERE / "targets-keep-a-replica.yaml"), "--targets")
    assert result.exit_code == 3
    assert result.stderr.startswith("pruner: budget: plan: the time budget ran out")


def test_the_cli_prints_nothing_from_the_solver():
    """highspy's banner goes to the C stdout: a real process shows whether it leaks."""
    exe = Path(ROOT) / ".venv/bin/pruner"
    if not exe.exists():
        exe = Path("pruner")
    out = subprocess.run([str(exe), "plan", FALLBACK, "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.returncode == 0 and out.stdout.startswith("{"), out.stdout[:200]


def test_observed_traffic_contradicts_removals_and_marks_idle_services():
    observed = "tests/assets/plan/observed/traffic.yaml"
    data = json.loads(run("plan", FALLBACK, "--observed", observed, "--format", "json").stdout)
    # ads (and ads-model, which ads calls) carry login's requests; the zk-2 removal too
    assert data["remove"] == ["legacy-cron", "recs", "sms-premium"]
    text = run("plan", FALLBACK, "--observed", observed).stdout
    assert "  ~ keep ads (200): traffic: called by web on requests of kept flow login" in text
    assert re.search(r"- recs +90  \(8\.3%\)  no traffic in the window", text)
    assert "Not proposed, contradicted by traffic on a kept flow's requests:" in text


def test_removals_resting_on_no_evidence_are_shown_apart_or_kept():
    path = "tests/assets/plan/evidence-unknown-store.yaml"
    text = run("plan", path).stdout
    apart = text.index("removals resting on no evidence (--require-evidence keeps them):")
    assert text.index("- cron") < apart < text.index("- redis")
    assert "Of the savings, 30 (1 service) rest on no evidence about who uses them" in text
    data = json.loads(run("plan", path, "--format", "json").stdout)
    assert data["remove"] == ["cron", "redis"]
    kept = run("plan", path, "--require-evidence")
    assert json.loads(run("plan", path, "--require-evidence", "--format",
                          "json").stdout)["remove"] == ["cron"]
    assert "~ keep redis (30): no evidence about who uses it (--require-evidence)" in kept.stdout
    md = run("plan", path, "--format", "markdown").stdout
    assert "| `redis` | 30 | 46.2% | 1 | no evidence |" in md


def test_markdown_step_commands_hold_no_control_character(tmp_path):
    """The step commands name the manifest's path, which may hold any character: the
    Markdown code block held it raw (an ESC reached the PR comment; a vertical tab or
    U+2028 split the command over lines), while the text format shows it clean()."""
    folder = tmp_path / "e\x1b[31m\x0bv\u2028"
    folder.mkdir()
    manifest = folder / "m.yaml"
    manifest.write_text((ROOT / FALLBACK).read_text(encoding="utf-8"), encoding="utf-8")
    out = run("plan", str(manifest), "--format", "markdown").stdout
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", out)
    commands = [line for line in out.splitlines() if "pruner check" in line]
    assert commands and all("e\\x1b[31m\\x0bv\\u2028" in c for c in commands)


@pytest.mark.parametrize("name", ["traffic", "traffic.json"])
def test_observed_fifo_is_refused_as_a_fifo(tmp_path, name):
    """--observed naming a FIFO said 'holds no *.json, *.yaml or *.yml file', as if it
    were an empty folder; it is refused for what it is, without waiting on it."""
    import os

    fifo = tmp_path / name
    os.mkfifo(fifo)
    result = run("plan", FALLBACK, "--observed", str(fifo))
    assert result.exit_code == 2
    assert result.output == (f"{fifo}: error: cannot read: a FIFO (named pipe), not a "
                             "regular file or folder\n")


def test_a_target_missed_with_nothing_removed_says_so():
    """With --targets, a kept flow that works but misses its target with nothing removed
    was summed up as 'cannot be served even with nothing removed' (its state ok just
    above): the last line now says it cannot meet its target."""
    for fmt in ("text", "markdown"):
        result = run("plan", str(HERE / "targets-cannot-be-met.yaml"), "--targets",
                     "--format", fmt)
        assert result.exit_code == 1
        assert "1 kept flow cannot meet its target even with nothing removed: login" \
            in result.stdout
        assert "cannot be served" not in result.stdout


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_long_chain_of_steps_gives_the_last_command_only(tmp_path, fmt):
    """Each step's command names everything removed so far: 1,000 services removed one a
    step (a soft chain) would repeat 500,500 names (20,000: 200 million, past the memory
    cap). Past report.plan.STEP_COMMAND_NAMES only the last state's command is given, and
    the output grows with the plan, not with its square."""
    n = 1000
    chain = "".join(f"  s{i}: {{cost: 1, depends_on: [{{service: s{i + 1}, soft: true}}]}}\n"
                    for i in range(n - 1))
    path = tmp_path / "m.yaml"
    path.write_text(f"services:\n  keep: {{cost: 1}}\n{chain}  s{n - 1}: {{cost: 1}}\n"
                    "flows:\n  f: {critical: true, requires: [keep]}\n")
    result = run("plan", str(path), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert len(result.stdout) < 200 * n  # each step's line, one command of n names
    commands = [line for line in result.stdout.splitlines() if "pruner check" in line]
    assert len(commands) == 1
    off = shlex.split(commands[0].strip())[4].split(",")
    assert sorted(off) == sorted(f"s{i}" for i in range(n))
    assert re.search(rf"\b{n}\. switch off .?s{n - 1}\b", result.stdout)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_why_a_deep_service_stays_shows_the_ends_of_its_chain(tmp_path, fmt):
    """A flow needing a hard chain of n services: each kept service's reason named every
    hop above it, n^2/2 names (2 MB of text at 2,000). A chain past CHAIN_SHOWN hops
    shows its first two and last two around a count; each hop left out has its own line."""
    n = 150  # within _reasons' work cap (a probe per service, each up the whole chain)
    chain = "".join(f"  s{i:03d}: {{cost: 1, depends_on: [s{i + 1:03d}]}}\n" for i in range(n - 1))
    path = tmp_path / "m.yaml"
    path.write_text(f"services:\n{chain}  s{n - 1:03d}: {{cost: 1}}\n"
                    "flows:\n  f: {critical: true, requires: [s000]}\n")
    result = run("plan", str(path), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert len(result.stdout) < 200 * n  # whole chains: 80 kB
    tick = "`" if fmt == "markdown" else ""
    hop = " → ".join
    assert hop(f"{tick}s{i:03d}{tick}" for i in range(6)) in result.stdout  # s006's: whole
    deepest = hop([f"{tick}s000{tick}", f"{tick}s001{tick}", "… 145 more",
                   f"{tick}s147{tick}", f"{tick}s148{tick}"])
    assert f"needs it through {deepest}" in result.stdout  # s149's chain: 149 hops


def test_kept_services_the_explanation_cap_left_out_are_counted(tmp_path):
    """The reasons cost a probe per kept service up everything above it (quadratic on a
    hard chain) and stop at a work cap; the services left were dropped from the list in
    silence, as if they had no reason to stay. Each is now explained or counted."""
    n = 400
    chain = "".join(f"  s{i:03d}: {{cost: 1, depends_on: [s{i + 1:03d}]}}\n" for i in range(n - 1))
    path = tmp_path / "m.yaml"
    path.write_text(f"services:\n{chain}  s{n - 1:03d}: {{cost: 1}}\n"
                    "flows:\n  f: {critical: true, requires: [s000]}\n")
    result = run("plan", str(path))
    assert result.exit_code == 0, result.output
    explained = re.findall(r"^  ~ keep s\d+ \(1\): f needs it", result.stdout, re.M)
    left = re.search(r"why not worked out \(the explanation's work cap came first\) for "
                     r"(\d+) kept services: s(\d+), ", result.stdout)
    assert left and int(left[1]) > 0
    assert len(explained) + int(left[1]) == n
    assert int(left[2]) == len(explained)  # the first one left is the next in the chain
    markdown = run("plan", str(path), "--format", "markdown").stdout
    assert f"for {left[1]} kept services: `s{int(left[2]):03d}`" in markdown


@pytest.mark.parametrize("kind", ["zipkin", "jaeger", "otlp"])
@pytest.mark.parametrize("disguise", ["\u202e", "\u200b", "\x1f", "\u2028", "\u2066"])
def test_observed_names_match_exactly_not_after_cleaning(tmp_path, kind, disguise):
    """--observed took a trace's service '\\u202erecs' (a bidi override before 'recs', shown
    as 'recs') for the manifest's recs: an invisible character dropped while cleaning the
    name (or stripped as whitespace) made it another service's name. Such a character now
    stays visible in the name (U-202E...), which matches no service of the manifest."""
    from pruner.importers.observe import observe

    def observed(callee):
        if kind == "zipkin":
            doc = [{"traceId": "1", "id": "a", "kind": "SERVER", "name": "login",
                    "timestamp": 10, "duration": 100, "localEndpoint": {"serviceName": "web"}},
                   {"traceId": "1", "id": "b", "parentId": "a", "kind": "SERVER",
                    "name": "get", "timestamp": 20, "duration": 10,
                    "localEndpoint": {"serviceName": callee}}]
        elif kind == "jaeger":
            doc = {"data": [{"traceID": "1", "spans": [
                {"traceID": "1", "spanID": "a", "operationName": "login", "startTime": 10,
                 "duration": 100, "processID": "p1"},
                {"traceID": "1", "spanID": "b", "operationName": "get", "startTime": 20,
                 "duration": 10, "processID": "p2",
                 "references": [{"refType": "CHILD_OF", "spanID": "a"}]}],
                "processes": {"p1": {"serviceName": "web"}, "p2": {"serviceName": callee}}}]}
        else:
            def rs(service, span):
                return {"resource": {"attributes": [{"key": "service.name",
                                                     "value": {"stringValue": service}}]},
                        "scopeSpans": [{"spans": [span]}]}
            doc = {"resourceSpans": [
                rs("web", {"traceId": "0" * 31 + "1", "spanId": "0" * 15 + "a", "name": "login",
                           "kind": 2, "startTimeUnixNano": "10", "endTimeUnixNano": "100"}),
                rs(callee, {"traceId": "0" * 31 + "1", "spanId": "0" * 15 + "b",
                            "parentSpanId": "0" * 15 + "a", "name": "get", "kind": 2,
                            "startTimeUnixNano": "20", "endTimeUnixNano": "30"})]}
        path = tmp_path / f"{kind}-{len(list(tmp_path.iterdir()))}.json"
        path.write_text(json.dumps(doc))
        return str(path)

    def services(callee):
        return {s.partition(":")[0] for s in observe([observed(callee)]).services}

    assert services("recs") == {"web", "recs"}  # the plain name is the manifest's recs
    for callee in (disguise + "recs", "recs" + disguise, "re" + disguise + "cs"):
        seen = services(callee)
        assert len(seen) == 2 and "recs" not in seen, (repr(callee), seen)
    if kind == "zipkin":  # and so plan keeps recs for traffic only when recs is called
        for callee, kept in (("recs", True), (disguise + "recs", False)):
            result = run("plan", FALLBACK, "--observed", observed(callee), "--format", "json")
            assert result.exit_code == 0, result.output
            assert ("recs" not in json.loads(result.stdout)["remove"]) is kept, repr(callee)
