"""`pruner rpc` end to end: formats, flows and budgets from a manifest, the gate, and bad
input (exit 2 with file:line, or a warning naming file and trace; never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pruner.cli import main

ROOT = Path(__file__).resolve().parents[2]
PRESERVE = ROOT / "tests/corpus/train-ticket/zipkin-v1-traces/case1-success-preserve.json"


def run(*args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in r.output, r.output
    return r


def z(sid, parent, service, name, ts, dur, kind="SERVER", trace="1"):
    s = {"traceId": trace, "id": sid, "name": name, "kind": kind, "timestamp": ts,
         "duration": dur, "localEndpoint": {"serviceName": service}}
    if parent is not None:
        s["parentId"] = parent
    return s


def story(n=12, trace="1"):
    """web GET /feed calls store get n times, one after the other (1 ms each)."""
    spans = [z("a", None, "web", "GET /feed", 1000, 100_000, trace=trace)]
    spans += [z(f"b{i}", "a", "store", "get", 2000 + 1000 * i, 1000, trace=trace)
              for i in range(n)]
    return spans


def write(tmp_path, spans, name="t.json"):
    p = tmp_path / name
    p.write_text(json.dumps(spans))
    return p


def test_json_is_spec_14_exactly(tmp_path):
    r = run("rpc", write(tmp_path, story()), "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out == {"flows": {"web:GET /feed": {
        "traces": 1, "rpcs": {"p50": 12, "p99": 12, "max": 12}, "depth": 1,
        "critical_path": {"path": ["web:GET /feed", "store:get"], "duration_ms_p50": 100.0},
        "groups": [{"caller": "web:GET /feed", "callee": "store:get", "calls": 12,
                    "traces": 1, "sequential": True, "saved_ms": 11.0}]}}}


def test_min_calls_hides_smaller_groups(tmp_path):
    r = run("rpc", write(tmp_path, story()), "--format", "json", "--min-calls", "13")
    assert json.loads(r.output)["flows"]["web:GET /feed"]["groups"] == []


def test_text_reads_like_a_profile(tmp_path):
    r = run("rpc", write(tmp_path, story()))
    assert r.exit_code == 0
    assert "RPCs per request  p50 12  p99 12  max 12" in r.output
    assert "11.00 ms      12       1  sequential  web:GET /feed -> store:get" in r.output


def test_flows_from_a_manifest_and_the_budget_gate(tmp_path):
    traces = write(tmp_path, story())
    m = tmp_path / "m.yaml"
    m.write_text("services:\n  web:\n    operations:\n      GET-/feed:\n  store:\n"
                 "flows:\n  feed:\n    requires: [web:GET-/feed]\n    rpc_budget: 10\n"
                 "    latency_budget_ms: 500\n  quiet:\n    critical: false\n"
                 "    requires: [store]\n    rpc_budget: 3\n")
    r = run("rpc", traces, "--manifest", m, "--format", "json")
    assert r.exit_code == 0 and list(json.loads(r.output)["flows"]) == ["feed"]
    r = run("rpc", traces, "--manifest", m, "--fail-on", "over-budget")
    assert r.exit_code == 1, r.output
    assert "RPCs p99 12 vs rpc_budget 10: OVER" in r.output
    assert "Gate: FAIL — critical flows over budget: feed" in r.output
    assert "flows with a budget but no traces: quiet" in r.output
    md = run("rpc", traces, "--manifest", m, "--fail-on", "over-budget", "--format", "markdown")
    assert md.exit_code == 1 and "❌ RPCs p99 12 vs rpc\\_budget 10: OVER" in md.output
    sarif = json.loads(run("rpc", traces, "--manifest", m, "--fail-on", "over-budget",
                           "--format", "sarif").output)
    results = sarif["runs"][0]["results"]
    over = [x for x in results if x["ruleId"] == "PRUNER017"]
    assert over[0]["level"] == "error"
    assert over[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    assert any(x["ruleId"] == "PRUNER018" for x in results)
    m.write_text(m.read_text().replace("rpc_budget: 10", "rpc_budget: 12"))
    assert run("rpc", traces, "--manifest", m, "--fail-on", "over-budget").exit_code == 0


def test_train_ticket_names_preserves_repeated_calls():
    r = run("rpc", PRESERVE, "--min-calls", "2", "--format", "json")
    flow = json.loads(r.output)["flows"]["ts-preserve-service:http:/preserve"]
    assert flow["rpcs"]["max"] == 78
    top = flow["groups"][0]
    assert (top["caller"], top["callee"], top["calls"], top["sequential"]) == (
        "ts-travel-service:http:/travel/gettripalldetailinfo/",
        "ts-ticketinfo-service:http:/ticketinfo/queryforstationid", 8, True)


# -- bad input ------------------------------------------------------------------------

def test_malformed_json_is_exit_2_with_file_and_line(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('[{"traceId": "1", "id": "a"},\n{"traceId": ')
    r = run("rpc", p)
    assert r.exit_code == 2 and f"{p}:2" in r.output


def test_type_confusion_is_exit_2(tmp_path):
    for bad in ({"traceId": ["x"], "id": "a"}, 5, "spans", [[1, 2]]):
        r = run("rpc", write(tmp_path, [bad] if not isinstance(bad, list) else bad))
        assert r.exit_code == 2, (bad, r.output)
        assert r.output.count("\n") == 1


def test_cycles_missing_parents_and_backwards_spans_are_warnings(tmp_path):
    spans = story()
    spans += [z("c1", "c2", "x", "loop", 1, 1), z("c2", "c1", "x", "loop", 1, 1)]
    spans += [z("o", "nowhere", "y", "orphan", 5000, 10)]
    spans.append(z("w", "a", "z", "rewind", 9000, -5))  # negative duration
    p = write(tmp_path, spans)
    r = run("rpc", p)
    assert r.exit_code == 0
    assert f"{p}: trace 1: 2 span(s) in a cycle of parent ids (first: span c1)" in r.output
    assert "span o names nowhere" in r.output


def test_a_trace_larger_than_the_window_is_left_out_with_a_warning(tmp_path):
    big = [z("r", None, "web", "GET /", 0, 10, trace="big")]
    big += [z(f"s{i}", "r", "db", "q", i, 1, trace="big") for i in range(1, 1500)]
    p = write(tmp_path, big + story(trace="small"))
    r = run("rpc", p, "--window", "1000", "--format", "json")
    assert r.exit_code == 0
    assert list(json.loads(r.stdout)["flows"]) == ["web:GET /feed"]
    assert f"{p}: trace big: more than 1,000 spans (the --window); left out" in r.stderr


def test_no_such_file_is_exit_2(tmp_path):
    r = run("rpc", tmp_path / "missing.json")
    assert r.exit_code == 2 and "no such file" in r.output


def test_no_trace_at_all_is_exit_2_after_the_warnings(tmp_path):
    r = run("rpc", write(tmp_path, [z("c1", "c2", "x", "loop", 1, 1),
                                    z("c2", "c1", "x", "loop", 1, 1)]))
    assert r.exit_code == 2
    assert "cycle of parent ids" in r.output and "nothing to report" in r.output


def test_html_attributes_hold_no_control_character(tmp_path):
    """Span and service names from traces are any text: the waterfall's data-node, the
    bars' data-service and the section's data-flow held a raw NUL or ESC (a parse error
    in HTML, and a NUL becomes U+FFFD there), while the text beside them showed escapes."""
    evil = "GET /x\x00\x1b[31m\x7f"
    spans = [z("a", None, "web\x1b]0;t\x07", evil, 1000, 100_000)]
    spans += [z(f"b{i}", "a", "store\x00", "get\x01", 2000 + 1000 * i, 1000) for i in range(3)]
    page = run("rpc", write(tmp_path, spans), "--format", "html").output
    assert not [c for c in page if ord(c) < 0x20 and c not in "\t\n" or 0x7F <= ord(c) < 0xA0]
    assert 'data-service="store\\x00"' in page and 'data-flow="web\\x1b]0;t\\x07:GET' in page


def test_markdown_warnings_cannot_start_a_block(tmp_path, monkeypatch):
    """A warning starts with its file's name, any text: '- # H.json: ...' made the
    list item a heading in the PR comment ('1. x', '+ x': a list in it). The
    leading character is escaped, and shows as it is."""
    from markdown_it import MarkdownIt

    monkeypatch.chdir(tmp_path)
    spans = [z("a", None, "web", "root", 1000, 100), z("b", "zz", "db", "q", 1002, 10)]
    for name in ("# H.json", "+ P.json", "1. N.json", "2) N.json", "  # S.json"):
        write(tmp_path, spans, name)
        out = run("rpc", name, "--format", "markdown").stdout
        html = MarkdownIt("commonmark").render(out)
        item = next(line for line in html.splitlines() if "trace 1:" in line)
        assert item.startswith(f"<li>{name.strip()}: trace 1:"), item


def test_markdown_code_spans_show_a_pipe_as_it_is(tmp_path):
    """A table cell needs '|' written '\\|', even in a code span; anywhere else a code
    span shows the backslash: the heading of 'GET /a|b' read 'web:GET /a\\|b'."""
    from markdown_it import MarkdownIt

    spans = [z("a", None, "web", "GET /a|b", 1000, 100_000)]
    spans += [z(f"b{i}", "a", "store", "get", 2000 + 1000 * i, 1000) for i in range(3)]
    out = run("rpc", write(tmp_path, spans), "--format", "markdown").stdout
    html = MarkdownIt("commonmark").enable("table").render(out)
    assert "<h4><code>web:GET /a|b</code></h4>" in html
    assert "<td><code>web:GET /a|b</code></td>" in html  # the table keeps its columns
    assert "\\|" not in html


def test_a_root_goes_to_the_flow_it_enters_not_to_flows_it_serves(tmp_path):
    """discover's flow for web:GET /home requires users:get (every request called it);
    traces rooted at users:get itself (a job calling it directly) were also reported
    under web-get-home: 10 traces and an RPC p99 of 20 for a flow whose requests make
    one RPC, failing its rpc_budget. A root named by a flow's entry (its first item)
    goes under those flows only."""
    home = [z("a", None, "web", "GET /home", 1000, 100_000, trace=f"h{k}")
            for k in range(5)]
    home += [z("b", "a", "users", "get", 2000, 1000, trace=f"h{k}") for k in range(5)]
    job = [z("a", None, "users", "get", 1000, 100_000, trace=f"j{k}") for k in range(5)]
    job += [z(f"q{i}", "a", "db", "q", 2000 + 1000 * i, 1000, trace=f"j{k}")
            for k in range(5) for i in range(20)]
    traces = write(tmp_path, home + job)
    m = tmp_path / "m.yaml"
    assert run("discover", traces, "-o", m).exit_code == 0
    m.write_text(m.read_text().replace("  web-get-home:\n", "  web-get-home:\n"
                                       "    rpc_budget: 1\n"))
    r = run("rpc", traces, "--manifest", m, "--format", "json")
    flows = json.loads(r.stdout)["flows"]
    assert {k: (v["traces"], v["rpcs"]["p99"]) for k, v in flows.items()} == {
        "users-get": (5, 20), "web-get-home": (5, 1)}
    m.write_text(m.read_text().replace("critical: false", "critical: true"))
    assert run("rpc", traces, "--manifest", m, "--fail-on", "over-budget").exit_code == 0


def test_since_and_until_keep_the_spans_of_files_too(tmp_path):
    """--since/--until were applied to trace stores only: a file's spans were all read
    (the window silently ignored), though the docs say "from files too"."""
    late = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z in microseconds
    spans = story(trace="1")
    spans += [dict(s, timestamp=s["timestamp"] + late) for s in story(trace="2")]
    p = write(tmp_path, spans)
    every = json.loads(run("rpc", p, "--format", "json").stdout)
    assert every["flows"]["web:GET /feed"]["traces"] == 2
    r = run("rpc", p, "--format", "json", "--since", "2025-12-31T00:00:00Z")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["flows"]["web:GET /feed"]["traces"] == 1
    r = run("rpc", p, "--format", "json", "--until", "2025-12-31T00:00:00Z")
    assert json.loads(r.stdout)["flows"]["web:GET /feed"]["traces"] == 1
    r = run("rpc", p, "--since", "2030-01-01T00:00:00Z")
    assert r.exit_code == 2 and "no trace with a root span found" in r.output


def test_a_mistyped_span_time_is_exit_2_not_parallel_calls(tmp_path):
    """A string timestamp was read as 0: every call of the trace overlapped, and the
    batching candidate came out 'parallel, saved 0 ms'. The docs say mistyped JSON is
    exit 2 with FILE:LINE."""
    spans = story(3)
    spans[2]["timestamp"] = str(spans[2]["timestamp"])
    p = tmp_path / "t.json"
    p.write_text("[\n" + ",\n".join(json.dumps(s) for s in spans) + "\n]\n")
    r = run("rpc", p, "--min-calls", "2")
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"{p}:4: error: ") and "'timestamp'" in r.output
    assert r.output.count("\n") == 1 and "parallel" not in r.output


def test_a_negative_duration_is_the_documented_warning(tmp_path):
    spans = story(3)
    spans[2]["duration"] = -5
    p = write(tmp_path, spans)
    r = run("rpc", p, "--min-calls", "2", "--format", "json")
    assert r.exit_code == 0, r.output
    assert f"{p}: trace 1: 1 span(s) end before they start (first: span b1)" in r.stderr


def test_a_critical_flow_whose_budget_no_trace_reached_is_never_reported_as_met(tmp_path):
    """A critical flow with a budget but no traces passed the gate under a line saying
    'every critical flow is within its budgets': a budget not checked was reported as
    met. The gate (spec §14: exit 1 when a p99 exceeds a budget) still passes it, and
    every format says it was not checked; --require-traces fails closed on it."""
    traces = write(tmp_path, story())
    m = tmp_path / "m.yaml"
    m.write_text("services:\n  web:\n    operations:\n      GET-/feed:\n  store:\n  pay:\n"
                 "flows:\n  feed:\n    requires: [web:GET-/feed]\n    rpc_budget: 20\n"
                 "  checkout:\n    requires: [pay]\n    rpc_budget: 3\n"
                 "  quiet:\n    critical: false\n    requires: [store]\n    rpc_budget: 3\n")
    gate = ("--manifest", m, "--fail-on", "over-budget")
    r = run("rpc", traces, *gate)
    assert r.exit_code == 0, r.output
    assert "every critical flow is within its budgets" not in r.output
    assert ("Gate: PASS — every critical flow with traces is within its budgets; not checked "
            "(no traces): checkout" in r.output), r.output
    page = run("rpc", traces, *gate, "--format", "html")
    assert page.exit_code == 0 and "every critical flow is within" not in page.output
    sarif = json.loads(run("rpc", traces, *gate, "--format", "sarif").output)
    unchecked = [x for x in sarif["runs"][0]["results"]
                 if x["ruleId"] == "PRUNER017" and "checkout" in x["message"]["text"]]
    assert [x["level"] for x in unchecked] == ["note"], sarif["runs"][0]["results"]
    js = run("rpc", traces, *gate, "--format", "json")
    assert js.exit_code == 0 and "checkout" in js.stderr and "checkout" not in js.stdout

    strict = (*gate, "--require-traces")
    r = run("rpc", traces, *strict)
    assert r.exit_code == 1, r.output
    assert "within its budgets" not in r.output
    assert ("Gate: FAIL — critical flows with a budget but no traces (not checked): checkout"
            in r.output), r.output
    md = run("rpc", traces, *strict, "--format", "markdown")
    assert md.exit_code == 1 and md.output.startswith(
        "### ❌ pruner rpc: 1 critical flow(s) with a budget but no traces"), md.output
    page = run("rpc", traces, *strict, "--format", "html")
    assert page.exit_code == 1 and "every critical flow is within" not in page.output
    assert "critical flows with a budget but no traces" in page.output
    sarif = json.loads(run("rpc", traces, *strict, "--format", "sarif").output)
    unchecked = [x for x in sarif["runs"][0]["results"]
                 if x["ruleId"] == "PRUNER017" and "checkout" in x["message"]["text"]]
    assert [x["level"] for x in unchecked] == ["error"], sarif["runs"][0]["results"]
    js = run("rpc", traces, *strict, "--format", "json")
    assert js.exit_code == 1 and "checkout" in js.stderr and "checkout" not in js.stdout
    # a non-critical flow without traces is listed, never fails the gate
    m.write_text(m.read_text().replace("  checkout:\n", "  checkout:\n    critical: false\n"))
    r = run("rpc", traces, *strict)
    assert r.exit_code == 0, r.output
    assert "Gate: PASS — every critical flow is within its budgets" in r.output
    assert "flows with a budget but no traces: checkout, quiet" in r.output
