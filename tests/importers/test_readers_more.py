"""NetworkPolicy, servicegraph metrics and telemetry agents; a fuzz test for every trace
and metrics reader: malformed input is exit 2 with file:line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pruner.cli import main
from pruner.importers import import_sources
from pruner.importers.base import SourceError

ASSETS = Path(__file__).resolve().parents[1] / "assets"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_network_policy_podselectors_are_edges():
    r = import_sources("k8s", [str(ASSETS / "importers" / "k8s-networkpolicy")])
    assert r.edges() == {("frontend", "cart"), ("cart", "redis")}
    assert any("ipBlock" in n for n in r.notes)
    note = r.document["services"]["cart"]["depends_on"][0]["note"]
    assert note.startswith("allowed by NetworkPolicy redis-ingress (ingress;")


def _deployment(name: str, labels: str) -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n"
            f"  template:\n    metadata: {{labels: {{{labels}}}}}\n"
            f"    spec: {{containers: [{{name: {name}, image: {name}}}]}}\n---\n")


_POLICY_APPS = "".join(_deployment(n, labels) for n, labels in (
    ("web", "app: web"), ("cart", "app: cart, tier: backend"),
    ("cart-canary", 'app: cart, tier: backend, canary: "yes"'), ("db", "app: db, tier: data"),
)) + """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress}
spec:
  podSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}
  egress:
    - to:
        - podSelector:
            matchLabels: {app: cart}
            matchExpressions: [{key: canary, operator: DoesNotExist}]
        - podSelector:
            matchExpressions: [{key: tier, operator: NotIn, values: [backend, web]},
                               {key: app, operator: Exists}]
"""


def test_network_policy_selectors_read_match_expressions(tmp_path):
    (tmp_path / "apps.yaml").write_text(_POLICY_APPS)
    r = import_sources("k8s", [str(tmp_path)])
    # web (its own selector is only an expression) may reach cart but not the canary (the
    # canary label exists there), and db (tier data is not in backend, web); web itself is
    # not tier backend either, but a pod is never its own peer
    assert r.edges() == {("web", "cart"), ("web", "db")}


@pytest.mark.parametrize("expression,message", [
    ("{key: app, operator: Near, values: [x]}", "In|NotIn|Exists|DoesNotExist"),
    ("{key: app, operator: In}", "operator In needs a list of values"),
    ("{operator: Exists}", "a matchExpressions entry is"),
])
def test_a_malformed_match_expression_names_its_place(tmp_path, expression, message):
    text = _POLICY_APPS.replace("{key: canary, operator: DoesNotExist}", expression)
    (tmp_path / "apps.yaml").write_text(text)
    with pytest.raises(SourceError) as err:
        import_sources("k8s", [str(tmp_path)])
    assert message in err.value.message and "apps.yaml:" in err.value.location


def test_servicegraph_edges_sum_series_and_skip_user():
    r = import_sources("servicegraph", [str(ASSETS / "importers" / "servicegraph")])
    assert r.edges() == {("frontend", "cart"), ("cart", "redis"), ("frontend", "ads--v2-")}
    deps = {d["service"]: d["note"] for d in r.document["services"]["frontend"]["depends_on"]}
    assert deps["cart"] == "servicegraph: 650 calls (12 failed)"
    assert r.document["services"]["redis"]["tags"] == ["datastore", "not-instrumented", "redis"]
    assert any("client 'user'" in n and "frontend (1200)" in n for n in r.notes)


def test_servicegraph_a_service_users_reach_is_not_tagged_as_not_instrumented(tmp_path):
    # connection_type="virtual_node" with client "user": the caller is the virtual side
    # (requests from outside), the server is traced; only a virtual server is untraced
    (tmp_path / "m.prom").write_text(
        'traces_service_graph_request_total{client="user",server="web",'
        'connection_type="virtual_node"} 7\n'
        'traces_service_graph_request_total{client="gateway",server="web"} 3\n'
        'traces_service_graph_request_total{client="web",server="pg",'
        'connection_type="virtual_node"} 5\n')
    r = import_sources("servicegraph", [str(tmp_path)])
    assert r.edges() == {("gateway", "web"), ("web", "pg")}
    assert "tags" not in r.document["services"]["web"]
    assert r.document["services"]["pg"]["tags"] == ["not-instrumented"]


def test_servicegraph_as_drift_observation(tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text("services: {frontend: {depends_on: [cart]}, cart: , redis: }\n"
                        "flows: {shop: {requires: [frontend]}}\n")
    result = run("drift", manifest, ASSETS / "importers" / "servicegraph", "--format", "json")
    data = json.loads(result.output)
    assert data["observed"]["kind"] == "servicegraph"
    assert {(u["source"], u["target"], u["calls"]) for u in data["undeclared"]} == {
        ("cart", "redis", 900), ("frontend", "ads--v2-", 3)}
    assert result.exit_code == 1  # cart -> redis is under the critical flow


def test_servicegraph_bad_line_has_its_place(tmp_path):
    bad = tmp_path / "m.prom"
    bad.write_text('# ok\ntraces_service_graph_request_total{client="a",server=b} 1\n')
    result = run("import", "servicegraph", bad, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 2
    assert f"{bad}:2" in result.stderr


def test_telemetry_agents_become_soft(tmp_path):
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  web:\n    depends_on: [db, jaeger-agent, logs]\n  db: {}\n"
                       "  jaeger-agent: {image: jaegertracing/jaeger-agent}\n"
                       "  logs: {image: 'fluent/fluent-bit:2.1'}\n")
    r = import_sources("compose", [str(compose)])
    items = {i["service"]: i for i in r.document["services"]["web"]["depends_on"]}
    assert "soft" not in items["db"]
    assert items["jaeger-agent"]["soft"] and items["logs"]["soft"]
    assert "telemetry or logging agent" in items["logs"]["note"]


# -- fuzz: mutated samples of every reader ---------------------------------------------

SAMPLES = {
    "otlp": ASSETS / "traces" / "otlp-login.json",
    "jaeger": ASSETS / "traces" / "jaeger-login.json",
    "zipkin": ASSETS / "traces" / "zipkin-v2-login.json",
    "servicegraph": ASSETS / "importers" / "servicegraph" / "metrics.prom",
}


@st.composite
def mutations(draw):
    kind = draw(st.sampled_from(sorted(SAMPLES)))
    data = bytearray(SAMPLES[kind].read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "swap"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at:at + draw(st.integers(1, 400))]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from([b'"', b"{", b"]", b"\x00", b"\xff", b"null",
                                                b'"kind": "x"', b"9" * 5000, b"-1", b"[[[["]))
        else:
            data = data.replace(b'"', b"'", 1) if draw(st.booleans()) else data.replace(
                b"[", b"{", 1)
    return kind, bytes(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(mutations())
def test_no_reader_crashes_on_mutated_input(tmp_path, case):
    kind, data = case
    suffix = ".prom" if kind == "servicegraph" else ".json"
    source = tmp_path / f"in{suffix}"
    source.write_bytes(data)
    out = tmp_path / "out.yaml"
    out.unlink(missing_ok=True)
    command = ["import", kind] if kind != "zipkin" else ["discover", "--kind", "zipkin"]
    result = CliRunner().invoke(main, [*command, str(source), "-o", str(out)])
    assert result.exit_code in (0, 2), result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    if result.exit_code == 2:
        assert str(source) in result.stderr or "no spans" in result.stderr
        assert not out.exists()
