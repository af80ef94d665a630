"""pruner discover: flows proposed from traces, checked against what the traces used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pruner.analysis.discover import CLIENT, SERVER, Span, discover_flows, fallbacks
from pruner.analysis.evaluate import BROKEN, switch_off
from pruner.cli import main
from pruner.graph import dependency_graph
from pruner.importers._io import SourceFile
from pruner.importers.emit import to_yaml
from pruner.importers.jaeger import jaeger_traces
from pruner.importers.otlp import otlp_spans
from pruner.importers.traces import assemble, assemble_batches, discover_sources
from pruner.importers.zipkin import zipkin_spans
from pruner.loader import load_sources

TRACES = Path(__file__).resolve().parents[1] / "assets" / "traces"
SAMPLES = ["otlp-login.json", "otlp-login-base64.ndjson", "jaeger-login.json",
           "zipkin-v2-login.json"]


def _file(name: str) -> SourceFile:
    return SourceFile(TRACES / name, name, True)


def _shape(spans) -> set:
    return {(s.trace_id, s.span_id, s.parent_id, s.service, s.operation, s.kind, s.error)
            for s in spans}


def test_otlp_hex_and_base64_ids_read_the_same():
    assert _shape(otlp_spans(_file("otlp-login.json"))) == _shape(
        otlp_spans(_file("otlp-login-base64.ndjson")))


def test_every_format_gives_the_same_spans():
    otlp = _shape(otlp_spans(_file("otlp-login.json")))
    jaeger = _shape(s for t in jaeger_traces(_file("jaeger-login.json")) for s in t)
    zipkin = _shape(zipkin_spans(_file("zipkin-v2-login.json")))
    assert len(otlp) == 32
    assert otlp == jaeger == zipkin


@pytest.mark.parametrize("name", SAMPLES)
def test_login_flow_from_every_format(name):
    result = discover_sources([str(TRACES / name)], min_traces=4)
    flows = result.document["flows"]
    assert list(flows) == ["web-post-login"]
    flow = flows["web-post-login"]
    hard = [i if isinstance(i, str) else i["service"] for i in flow["requires"]
            if isinstance(i, str) or not i.get("soft")]
    soft = {i["service"]: i["note"] for i in flow["requires"]
            if isinstance(i, dict) and i.get("soft")}
    assert hard == ["web:POST-/login", "auth:verify", "users-db"]
    assert soft == {"risk:score": "seen in 50% of 4 traces"}
    assert flow["x-traces"]["count"] == 4
    assert flow["critical"] is False  # a proposal until a person says otherwise
    (evidence,) = flow["evidence"]
    assert evidence.startswith("traces 4/4 traces, ")  # then the window, from the spans
    assert evidence.endswith(" (100% of 4 successful traces)")
    ops = result.document["services"]["web"]["operations"]["POST-/login"]
    assert ops["description"] == "POST /login"
    groups = [i for i in ops["depends_on"] if "any_of" in i]
    assert groups == [{"any_of": ["otp-sms:send", "otp-email:send"],
                       "note": "fallback: otp-email:send was called only after otp-sms:send "
                               "failed (2 times)",
                       "evidence": ["traces 2 calls, each after otp-sms:send failed"]}]
    manifest = load_sources([("found.yaml", to_yaml(result.document))]).manifest
    G = dependency_graph(manifest)
    assert switch_off(G, ["auth"]).flows["web-post-login"] == BROKEN
    assert switch_off(G, ["users-db"]).flows["web-post-login"] == BROKEN
    assert switch_off(G, ["risk"]).flows["web-post-login"] != BROKEN
    assert switch_off(G, ["otp-sms"]).flows["web-post-login"] != BROKEN
    assert switch_off(G, ["otp-sms", "otp-email"]).flows["web-post-login"] == BROKEN


def test_assembly_holds_at_most_the_window():
    spans = [Span(f"t{i % 50}", f"s{i}", None if i < 50 else f"s{i % 50}", "svc", "op")
             for i in range(5000)]
    held = []

    def watch():
        for s in spans:
            held.append(s)
            yield s

    traces = list(assemble(watch(), window=1000, stats=(stats := {})))
    assert sum(len(t) for t in traces) == 5000
    assert stats["reopened"] > 0  # 50 traces interleaved over 5000 spans: some come back
    assert max(len(t) for t in traces) <= 1001


# -- the acceptance property: required = used by every trace, soft = used by some --------

def _tree(draw, trace: str, services: list[str]):
    """Draw one random request tree as spans: a root on s0, calls to random services."""
    spans = [Span(trace, "0", None, "s0", "entry", SERVER, 0)]
    frontier = ["0"]
    counter = 1
    while frontier and counter < 12:
        parent = frontier.pop(0)
        for _ in range(draw(st.integers(0, 3))):
            svc = draw(st.sampled_from(services[1:]))
            op = draw(st.sampled_from(["a", "b"]))
            client = str(counter)
            spans.append(Span(trace, client, parent, "?", f"call {op}", CLIENT, counter))
            counter += 1
            spans.append(Span(trace, str(counter), client, svc, op, SERVER, counter))
            frontier.append(str(counter))
            counter += 1
    # client spans belong to their caller's service
    owner = {s.span_id: s.service for s in spans}
    fixed = []
    for s in spans:
        if s.service == "?":
            s = Span(s.trace_id, s.span_id, s.parent_id, owner[s.parent_id], s.operation,
                     s.kind, s.start)
        fixed.append(s)
    return fixed


@st.composite
def trace_sets(draw):
    services = [f"s{i}" for i in range(draw(st.integers(2, 6)))]
    n = draw(st.integers(1, 6))
    return [_tree(draw, f"t{i}", services) for i in range(n)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trace_sets())
def test_required_services_break_the_flow_and_optional_ones_do_not(traces):
    result = discover_sources_from(traces)
    manifest = load_sources([("found.yaml", to_yaml(result))]).manifest
    G = dependency_graph(manifest)
    used = [{s.service for s in t} for t in traces]
    every, some = set.intersection(*used), set.union(*used)
    (flow,) = manifest.flows
    for service in sorted(some):
        state = switch_off(G, [service]).flows[flow]
        if service in every:
            assert state == BROKEN, service
        else:
            assert state != BROKEN, service


def discover_sources_from(traces):
    from pruner.importers.traces import discovered_document

    document, _notes = discovered_document(discover_flows(traces), min_traces=1)
    return document


def test_fallback_needs_evidence():
    def trace(i, fail):
        spans = [Span(i, "r", None, "api", "otp", SERVER),
                 Span(i, "1", "r", "sms-a", "send", SERVER, 1, error=fail)]
        return spans + ([Span(i, "2", "r", "sms-b", "send", SERVER, 2)] if fail else [])

    assert fallbacks(discover_flows([trace("1", True)]), ("api", "otp")) == {}
    d = discover_flows([trace("1", True), trace("2", True)])
    assert fallbacks(d, ("api", "otp")) == {("sms-b", "send"): (("sms-a", "send"), 2)}
    # also called when nothing failed: not a fallback
    d = discover_flows([trace("1", True), trace("2", True),
                        [Span("3", "r", None, "api", "otp", SERVER),
                         Span("3", "2", "r", "sms-b", "send", SERVER, 2)]])
    assert fallbacks(d, ("api", "otp")) == {}


# -- the command -------------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_discover_command_writes_a_valid_manifest(tmp_path):
    out = tmp_path / "found.yaml"
    result = run("discover", TRACES / "otlp-login.json", "-o", out, "--min-traces", "4")
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr
    check = run("check", out, "--off", "auth")
    assert check.exit_code == 0  # proposed flows are not critical until a person says so
    assert "BROKEN" in check.output and "web-post-login" in check.output
    out.write_text(out.read_text().replace("critical: false", "critical: true"))
    assert run("check", out, "--off", "auth").exit_code == 1


@pytest.mark.parametrize("content,where", [
    (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": 5}]}]}]}', ":1"),
    (b'{"resourceSpans": [\n  {"scopeSpans": [}\n]}', ":2"),
    (b'{"data": [{"traceID": "ab", "spans": [{"spanID": 7}], "processes": {}}]}', ":1"),
    (b"", ""),
    (b"\xff\xfe", ":1"),
])
def test_malformed_traces_are_exit_2_with_a_place(tmp_path, content, where):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = run("discover", bad, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{bad}{where}" in result.stderr
    assert not (tmp_path / "out.yaml").exists()


def test_update_keeps_hand_edits_and_adds_what_is_new(tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "# hand-written; do not lose this comment\n"
        "services:\n"
        "  web:\n"
        "    owner: identity  # the login team\n"
        "    depends_on:\n"
        "      - service: auth\n"
        "        soft: true\n"
        "        note: cached tokens keep logins going\n"
        "  auth: {}\n"
        "flows:\n"
        "  login:\n"
        "    requires: [web]\n")
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  web:\n    depends_on: [auth, cache]\n  auth: {}\n"
                       "  cache: {image: redis}\n")
    result = run("import", "compose", compose, "-o", manifest, "--update")
    assert result.exit_code == 0, result.output
    text = manifest.read_text()
    assert "# hand-written; do not lose this comment" in text
    assert "# the login team" in text
    assert "note: cached tokens keep logins going" in text
    assert "soft: true" in text
    assert "login:" in text
    assert "service: cache" in text and "added by pruner import compose" in text
    assert run("validate", manifest).exit_code == 0
    # twice is the same as once
    again = run("import", "compose", compose, "-o", manifest, "--update")
    assert again.exit_code == 0
    assert manifest.read_text() == text


def test_update_reports_stale_and_prunes_only_when_asked(tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text("services:\n  web:\n    depends_on: [auth, legacy]\n  auth: {}\n"
                        "  legacy: {}\n")
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  web:\n    depends_on: [auth]\n  auth: {}\n  legacy: {}\n")
    result = run("import", "compose", compose, "-o", manifest, "--update")
    assert result.exit_code == 0
    assert "no longer seen in the sources" in result.stderr and "web -> legacy" in result.stderr
    assert "legacy" in manifest.read_text().split("auth: {}")[0]
    result = run("import", "compose", compose, "-o", manifest, "--update", "--prune")
    assert result.exit_code == 0
    assert "deleted, no longer seen" in result.stderr
    assert "- legacy" not in manifest.read_text()


def test_existing_output_needs_update_or_force(tmp_path):
    out = tmp_path / "m.yaml"
    out.write_text("services: {a: {}}\n")
    result = run("discover", TRACES / "otlp-login.json", "-o", out)
    assert result.exit_code == 2
    assert "--update" in result.stderr
    assert out.read_text() == "services: {a: {}}\n"


def test_train_ticket_preserve_flow_follows_its_call_chain():
    corpus = Path(__file__).resolve().parents[1] / "corpus" / "train-ticket"
    result = discover_sources([str(corpus / "zipkin-v1-traces")], min_traces=1)
    flow = result.document["flows"]["ts-preserve-service-http-preserve"]
    hard = {(i if isinstance(i, str) else i["service"]).split(":")[0] for i in flow["requires"]
            if isinstance(i, str) or not i.get("soft")}
    # SOURCE.md: ts-preserve-service -> contacts, notification, order, seat, security,
    # station, ticketinfo, travel, user(sso) ...; and ticketinfo -> basic -> price, route,
    # station, train
    for callee in ("ts-contacts-service", "ts-notification-service", "ts-order-service",
                   "ts-seat-service", "ts-security-service", "ts-station-service",
                   "ts-ticketinfo-service", "ts-travel-service", "ts-basic-service",
                   "ts-price-service", "ts-route-service", "ts-train-service"):
        assert callee in hard
    assert json.dumps(result.document, sort_keys=True) == json.dumps(
        discover_sources([str(corpus / "zipkin-v1-traces")], min_traces=1).document,
        sort_keys=True)


# -- drift on flows ---------------------------------------------------------------------

DECLARED = """\
services:
  web:
    operations:
      POST-/login: {depends_on: [auth:verify]}
      GET-/health:
  auth: {operations: {verify: {depends_on: [users-db]}}}
  users-db:
  risk: {operations: {score: }}
  otp-sms: {operations: {send: }}
  otp-email: {operations: {send: }}
flows:
  health: {requires: ["web:GET-/health"]}
"""


def test_drift_reports_entry_points_no_flow_requires(tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(DECLARED)
    traces = TRACES / "otlp-login.json"
    result = run("drift", manifest, traces, "--format", "json", "--fail-on", "never")
    assert result.exit_code == 0
    found = json.loads(result.output)["undeclared_flows"]
    assert found == [{"entry": "web:POST-/login", "entry_declared": True, "traces": 4}]
    gated = run("drift", manifest, traces, "--fail-on", "undeclared-flow", "--format", "json")
    assert gated.exit_code == 1
    assert "undeclared flow web:POST-/login" in json.loads(gated.output)["gate"]["failing"]
    manifest.write_text(DECLARED + '  login: {requires: ["web:POST-/login"]}\n')
    again = run("drift", manifest, traces, "--fail-on", "undeclared-flow", "--format", "json")
    assert json.loads(again.output)["undeclared_flows"] == []


def test_compose_then_traces_merge_into_one_manifest(tmp_path):
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  web:\n    depends_on: [auth, jaeger-agent]\n"
                       "  auth:\n    depends_on: [users-db]\n  users-db: {image: postgres}\n"
                       "  jaeger-agent: {image: jaegertracing/jaeger-agent}\n")
    manifest = tmp_path / "m.yaml"
    assert run("import", "compose", compose, "-o", manifest).exit_code == 0
    result = run("discover", TRACES / "otlp-login.json", "-o", manifest, "--update",
                 "--min-traces", "4")
    assert result.exit_code == 0, result.output
    text = manifest.read_text()
    assert "jaeger-agent" in text  # what compose saw stays
    assert "web-post-login:" in text and "POST-/login:" in text  # what traces saw is added
    assert run("validate", manifest).exit_code == 0
    check = run("check", manifest, "--off", "users-db")
    assert check.exit_code == 0 and "BROKEN" in check.output  # proposed: not critical


def test_update_one_file_of_a_folder_leaves_a_flow_another_file_defines(tmp_path):
    import yaml

    full = tmp_path / "full.yaml"
    assert run("discover", TRACES / "otlp-login.json", "-o", full, "--min-traces", "4"
               ).exit_code == 0
    services = yaml.safe_load(full.read_text())["services"]
    folder = tmp_path / "manifest"
    folder.mkdir()
    web = folder / "web.yaml"  # web as discover wrote it; the rest and the flow elsewhere
    web.write_text(yaml.safe_dump({"services": {"web": services.pop("web")}}, width=4096))
    (folder / "rest.yaml").write_text(yaml.safe_dump(
        {"services": services, "flows": {"web-post-login": {"requires": ["web"]}}}))
    before = web.read_text()
    result = run("discover", TRACES / "otlp-login.json", "-o", web, "--update",
                 "--min-traces", "4")
    assert result.exit_code == 0, result.output
    assert "note: flow web-post-login is defined in another file" in result.stderr
    assert web.read_text() == before  # not defined twice, no empty flows: either
    assert run("validate", folder).exit_code == 0


# -- confidence: --min-traces, failed traces apart, one span count -----------------------

def test_a_root_seen_fewer_than_min_traces_times_proposes_no_flow():
    few = discover_sources([str(TRACES / "otlp-login.json")])  # 4 traces, default 5
    assert few.document["flows"] == {}
    assert any("fewer than 5 successful traces (--min-traces) propose no flow: "
               "web:POST-/login (4 successful traces)" in n for n in few.notes)
    assert list(discover_sources([str(TRACES / "otlp-login.json")],
                                 min_traces=4).document["flows"]) == ["web-post-login"]


@st.composite
def traces_some_failed(draw):
    services = [f"s{i}" for i in range(draw(st.integers(2, 6)))]
    n = draw(st.integers(1, 7))
    out = []
    for i in range(n):
        spans = _tree(draw, f"t{i}", services)
        if draw(st.booleans()):  # the request failed: its root span says so
            spans[0] = spans[0]._replace(error=True)
        out.append(spans)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traces_some_failed())
def test_a_service_used_only_in_failed_traces_is_not_required(traces):
    from pruner.importers.traces import discovered_document

    ok = [t for t in traces if not t[0].error]
    document, _ = discovered_document(discover_flows(traces), min_traces=1)
    if not ok:
        assert document["flows"] == {}  # only failures: nothing says what the flow needs
        return
    manifest = load_sources([("found.yaml", to_yaml(document))]).manifest
    G = dependency_graph(manifest)
    used = [{s.service for s in t} for t in ok]
    every, some = set.intersection(*used), set.union(*used)
    (flow,) = manifest.flows
    assert manifest.flows[flow].critical is False
    for service in sorted({s.service for t in traces for s in t} - {"s0"}):
        if service not in manifest.services:
            assert service not in some  # seen only in failed traces: not even proposed
            continue
        state = switch_off(G, [service]).flows[flow]
        assert (state == BROKEN) == (service in every), service
        if service not in some:
            assert state != BROKEN  # seen only on the way to a failure


def _records(path: Path) -> int:
    """Span objects in a Zipkin/Jaeger/OTLP JSON file, counted by brute force."""
    data = json.loads(path.read_text())
    if isinstance(data, dict) and "resourceSpans" in data:
        return sum(len(ss.get("spans", [])) for rs in data["resourceSpans"]
                   for ss in rs.get("scopeSpans", []))
    if isinstance(data, dict) and "data" in data:
        return sum(len(t["spans"]) for t in data["data"])
    flat = [s for x in data for s in (x if isinstance(x, list) else [x])]
    return len(flat)


CORPUS_TRACES = Path(__file__).resolve().parents[1] / "corpus" / "train-ticket" / "zipkin-v1-traces"


@pytest.mark.parametrize("path", [TRACES / n for n in ("otlp-login.json", "jaeger-login.json",
                                                       "zipkin-v2-login.json")]
                         + sorted(CORPUS_TRACES.rglob("*.json")), ids=lambda p: p.name)
def test_every_reader_counts_the_span_records(path, tmp_path):
    from pruner.importers import import_sources

    expected = _records(path)
    found = discover_sources([str(path)], min_traces=1)
    assert f"read {expected:,} span(s)" in " ".join(found.notes)
    kind = {"otlp": "otlp", "jaeger": "jaeger", "zipkin": "zipkin"}[path.name.split("-")[0]] \
        if path.parent == TRACES else "zipkin"
    if kind != "otlp":  # import otlp is discover without flows: the same note
        imported = import_sources(kind, [str(path)])
        notes = " ".join(imported.notes)
        if kind == "zipkin":
            assert f"read {expected} span(s)" in notes


def test_discover_and_import_zipkin_count_the_corpus_folder_alike():
    from pruner.importers import import_sources

    found = " ".join(discover_sources([str(CORPUS_TRACES)], min_traces=1).notes)
    imported = " ".join(import_sources("zipkin", [str(CORPUS_TRACES)]).notes)
    n = sum(_records(p) for p in CORPUS_TRACES.rglob("*.json"))
    assert f"read {n:,} span(s)" in found and f"read {n} span(s)" in imported


def test_zipkin_v1_split_spans_keep_calls_on_the_callee():
    # A v1 record holding both sides of a call is read as a client span and its server
    # side ("ID#server"): the callee's own calls hang below the server side, so they are
    # the callee's runs, never operations of the caller (a regression once: ids that a
    # reader split were not treated as shared).
    result = discover_sources([str(CORPUS_TRACES)], min_traces=1)
    ops = result.document["services"]["ts-basic-service"]["operations"]
    assert sorted(ops) == ["http-/basic/queryforstationid", "http-/basic/queryfortravel"]


def test_failed_traces_that_used_an_operation_and_the_untraced_peer_of_one_service():
    """A failed trace saw ``db`` both traced (``db:query``) and as a client's peer
    (``db`` with no operation): the note that lists what only failed traces used sorts
    both without comparing an operation name with None (it raised TypeError)."""
    from pruner.importers.traces import discovered_document

    ok = [[Span(f"ok{i}", "r", None, "gw", "GET /", SERVER)] for i in range(2)]
    failed = [Span("bad", "r", None, "gw", "GET /", SERVER, error=True),
              Span("bad", "c", "r", "gw", "SELECT", CLIENT, 1, peer="db"),
              Span("bad", "s", "r", "db", "query", SERVER, 2)]
    document, notes = discovered_document(discover_flows(ok + [failed]), min_traces=1)
    assert "gw-get" in document["flows"]
    seen = [n for n in notes if "seen only in them" in n]
    assert seen and seen[0].endswith("seen only in them: db, db:query"), seen


_SERVICES = st.sampled_from(["gw", "auth", "db", "sms", "db:x", "Ünï code", ""])
_OPERATIONS = st.sampled_from(["GET /", "GET /user/123", "query", "send", "{id}", "unnamed"])


@st.composite
def _random_trace(draw, index: int = 0):
    """A tree of spans over few names, so that services are both traced and peers,
    calls repeat, fail and are rescued, and failed roots share nodes with good ones."""
    n = draw(st.integers(1, 8))
    spans = []
    for i in range(n):
        parent = None if i == 0 else str(draw(st.integers(0, i - 1)))
        kind = draw(st.sampled_from([SERVER, CLIENT, "internal", "producer", "consumer"]))
        peer = draw(st.one_of(st.none(), _SERVICES)) if kind in (CLIENT, "producer") else None
        spans.append(Span(f"t{index}", str(i), parent, draw(_SERVICES), draw(_OPERATIONS),
                          kind, draw(st.integers(0, 5)), error=draw(st.booleans()),
                          peer=peer or None))
    return spans


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_traces_make_a_manifest_that_loads(data):
    """Whatever the traces did (failed roots, peers that are also traced, repeated and
    rescued calls, odd names), the proposed manifest is made without an exception and
    loads as manifest-v1."""
    from pruner.importers.traces import discovered_document

    traces = [data.draw(_random_trace(i)) for i in range(data.draw(st.integers(1, 12)))]
    document, _notes = discovered_document(discover_flows(traces), min_traces=1)
    load_sources([("found.yaml", to_yaml(document))])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.one_of(st.none(), st.sampled_from(
    ["a", "b", "c", "d", "e", "a#server"])), st.sampled_from([SERVER, CLIENT, "internal"])),
    max_size=12))
def test_span_tree_places_every_kept_span_once_under_its_parent(rows):
    """Repeated and shared ids, self-parents, missing parents, cycles: every span kept is
    a top or the child of exactly one span; a child hangs below its parent or below the
    parent's server side; a shared id's server side is a child of its client side."""
    from pruner.analysis.discover import span_tree

    spans = [Span("t", sid, parent, "svc", "op", kind, k)
             for k, (sid, parent, kind) in enumerate(rows)]
    by_id, children, tops, dropped = span_tree(spans)
    placed = [id(s) for s in tops] + [id(s) for kids in children.values() for s in kids]
    assert sorted(placed) == sorted(id(s) for s in by_id.values())  # each once
    assert len(by_id) + dropped == len(spans)  # a shared id's two sides are two entries
    made = [k for k in by_id if k.endswith("#server") and k not in {s.span_id for s in spans}]
    for key, span in by_id.items():  # the first of each id (of each side, when shared)
        if key in made:
            first = next(s for s in spans if s.span_id + "#server" == key and s.kind == SERVER)
        elif key + "#server" in made:
            first = next(s for s in spans if s.span_id == key and s.kind == CLIENT)
        else:
            first = next(s for s in spans if s.span_id == key)
        assert span.start == first.start, (key, span)
    for key, span in by_id.items():
        assert key == span.span_id
    for parent, kids in children.items():
        for kid in kids:
            assert parent in by_id and parent != kid.span_id
            assert parent in (kid.parent_id, f"{kid.parent_id}#server")
    for top in tops:
        assert top.parent_id is None or top.parent_id == top.span_id or (
            top.parent_id not in by_id)
    for key in made:  # a server side under the client side of the same id
        assert by_id[key] in children[key[:-len("#server")]]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["t1", "t2", "t3", "t4"]), max_size=40), st.integers(1, 12))
def test_assembly_gives_every_span_once_in_traces_read_in_order(trace_ids, window):
    """Each span comes out once, in a part of its own trace, in the order read; a part is
    only cut when the window closed the trace (each reopening counted); with room for
    everything each trace comes out whole."""
    spans = [Span(t, f"s{k}", None, "svc", "op", SERVER, k) for k, t in enumerate(trace_ids)]
    parts = list(assemble(iter(spans), window=window, stats=(stats := {})))
    assert sorted(s.start for part in parts for s in part) == list(range(len(spans)))
    for part in parts:
        assert part and len({s.trace_id for s in part}) == 1
        assert [s.start for s in part] == sorted(s.start for s in part)
        assert len(part) <= window + 1  # closed as the span past the window comes in
    assert stats["reopened"] == len(parts) - len(set(trace_ids))
    if window >= len(spans):
        assert len(parts) == len(set(trace_ids))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["t1", "t2", "t3", "t4"]), max_size=40), st.integers(1, 12),
       st.lists(st.integers(1, 8), min_size=1, max_size=8))
def test_assembly_of_batches_is_assembly_span_by_span(trace_ids, window, sizes):
    """Spans that come in lists (the OTLP reader's, one per scope) make the same traces,
    in the same order, with the same reopenings, as the same spans one by one: runs of
    one trace in a list are taken together, and a trace that outgrows the window alone
    is cut where one by one cuts it."""
    spans = [Span(t, f"s{k}", None, "svc", "op", SERVER, k) for k, t in enumerate(trace_ids)]
    batches, k = [], 0
    while k < len(spans):
        size = sizes[len(batches) % len(sizes)]
        batches.append(spans[k:k + size])
        k += size
    one_by_one = list(assemble(iter(spans), window=window, stats=(expected := {})))
    in_batches = list(assemble_batches(iter(batches), window=window, stats=(got := {})))
    assert in_batches == one_by_one
    assert got == expected


@st.composite
def _untidy_trace(draw):
    """A random trace with failures, peers and every kind: what the counting paths of
    discovery see (failed calls, rescues, repeated callees, peers with and without a
    traced child)."""
    kinds = ["server", "client", "producer", "consumer", "internal"]
    spans = []
    for i in range(draw(st.integers(1, 12))):
        parent = None if i == 0 else str(draw(st.integers(0, i - 1)))
        spans.append(Span("t", str(i), parent, draw(st.sampled_from(["a", "b", "c"])),
                          draw(st.sampled_from(["op", "GET /u/123"])),
                          draw(st.sampled_from(kinds)), draw(st.integers(0, 4)),
                          draw(st.booleans()), draw(st.sampled_from([None, "db", "a"]))))
    return spans


@settings(max_examples=200, deadline=None)
@given(st.lists(_untidy_trace(), min_size=1, max_size=4), st.integers(2, 3))
def test_a_trace_added_with_a_weight_counts_as_that_many_traces(traces, weight):
    from pruner.analysis.discover import Discovery, add_trace

    def counts(d):
        return ({k: vars(v) for k, v in d.roots.items()}, d.used, d.services_used,
                d.failed_used, d.runs, d.calls, d.rescued, d.unrescued, d.operations,
                d.traces)

    weighted, repeated = Discovery(), Discovery()
    for spans in traces:
        add_trace(weighted, list(spans), weight=weight)
        for _ in range(weight):
            add_trace(repeated, list(spans))
    assert counts(weighted) == counts(repeated)
