"""Type confusion for every reader (issue 17 §3): every key of a small valid document
× every wrong-type value (list, object, numbers, bool, null, a huge string, a lone
surrogate) → exit 0, or exit 2 with ``FILE:LINE: error: REASON``; never a traceback.
The YAML readers also get a wrong tag at every key (``labels: !!map true``).

Exhaustive over each seed's shapes in the normal suite (see tests/typeconfusion.py);
``HYPOTHESIS_PROFILE=fuzz`` adds random combinations of several wrong values at once.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pruner.cli import main
from pruner.loader import load_sources
from tests.fuzzing import LONG, fuzz_settings
from tests.typeconfusion import (
    QUICK,
    WRONG,
    as_json,
    as_yaml,
    cases,
    check_outcome,
    paths,
    put,
    tagged,
)

_WORK = Path(tempfile.mkdtemp(prefix="pruner-confusion-"))

OTLP = {"resourceSpans": [
    {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "web"}}]},
     "scopeSpans": [{"scope": {"name": "m"}, "spans": [
         {"traceId": "01", "spanId": "0a", "name": "GET /", "kind": 2,
          "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000000900000",
          "status": {"code": 1}, "attributes": [
              {"key": "http.route", "value": {"stringValue": "/"}}]},
         {"traceId": "01", "spanId": "0b", "parentSpanId": "0a", "name": "call", "kind": 3,
          "startTimeUnixNano": "1700000000000100000", "endTimeUnixNano": "1700000000000800000",
          "status": {"code": 2, "message": "boom"}, "attributes": [
              {"key": "peer.service", "value": {"stringValue": "auth"}},
              {"key": "n", "value": {"intValue": "3"}},
              {"key": "l", "value": {"arrayValue": {"values": [{"boolValue": True}]}}}]}]}]},
    {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "auth"}}]},
     "scopeSpans": [{"spans": [
         {"traceId": "01", "spanId": "0c", "parentSpanId": "0b", "name": "verify",
          "kind": "SPAN_KIND_SERVER", "startTimeUnixNano": 1700000000000200000,
          "endTimeUnixNano": 1700000000000700000}]}]}]}

JAEGER_TRACES = {"data": [{"traceID": "01", "spans": [
    {"traceID": "01", "spanID": "0a", "operationName": "GET /", "references": [],
     "startTime": 1700000000000000, "duration": 900, "processID": "p1",
     "tags": [{"key": "span.kind", "type": "string", "value": "server"}], "logs": []},
    {"traceID": "01", "spanID": "0b", "operationName": "call",
     "references": [{"refType": "CHILD_OF", "traceID": "01", "spanID": "0a"}],
     "startTime": 1700000000000100, "duration": 700, "processID": "p1",
     "tags": [{"key": "span.kind", "type": "string", "value": "client"},
              {"key": "error", "type": "bool", "value": True},
              {"key": "peer.service", "type": "string", "value": "auth"}]},
    {"traceID": "01", "spanID": "0c", "operationName": "verify",
     "references": [{"refType": "CHILD_OF", "traceID": "01", "spanID": "0b"}],
     "startTime": 1700000000000200, "duration": 500, "processID": "p2",
     "tags": [{"key": "span.kind", "type": "string", "value": "server"}]}],
    "processes": {"p1": {"serviceName": "web", "tags": []},
                  "p2": {"serviceName": "auth", "tags": [{"key": "k", "value": "v"}]}}}]}

JAEGER_DEPENDENCIES = {"data": [{"parent": "web", "child": "auth", "callCount": 3},
                                {"parent": "auth", "child": "db", "callCount": 1}]}

ZIPKIN_V2 = [
    {"traceId": "01", "id": "0a", "name": "get /", "kind": "SERVER", "timestamp": 1700000000000000,
     "duration": 900, "localEndpoint": {"serviceName": "web", "ipv4": "10.0.0.1"},
     "tags": {"http.path": "/"}},
    {"traceId": "01", "id": "0b", "parentId": "0a", "name": "call", "kind": "CLIENT",
     "timestamp": 1700000000000100, "duration": 700, "localEndpoint": {"serviceName": "web"},
     "remoteEndpoint": {"serviceName": "auth", "port": 80}, "tags": {"error": "true"},
     "annotations": [{"timestamp": 1700000000000150, "value": "ws"}]},
    {"traceId": "01", "id": "0c", "parentId": "0b", "name": "verify", "kind": "SERVER",
     "timestamp": 1700000000000200, "duration": 500, "localEndpoint": {"serviceName": "auth"},
     "shared": True}]

ZIPKIN_V1 = [
    {"traceId": "01", "id": "0a", "name": "get /", "timestamp": 1700000000000000,
     "duration": 900, "annotations": [
         {"timestamp": 1700000000000000, "value": "sr",
          "endpoint": {"serviceName": "web", "ipv4": "10.0.0.1", "port": 80}},
         {"timestamp": 1700000000000900, "value": "ss", "endpoint": {"serviceName": "web"}}],
     "binaryAnnotations": [{"key": "http.path", "value": "/", "endpoint": {"serviceName": "web"}}]},
    {"traceId": "01", "id": "0b", "parentId": "0a", "name": "verify",
     "timestamp": 1700000000000100, "duration": 700, "annotations": [
         {"timestamp": 1700000000000100, "value": "cs", "endpoint": {"serviceName": "web"}},
         {"timestamp": 1700000000000200, "value": "sr", "endpoint": {"serviceName": "auth"}},
         {"timestamp": 1700000000000700, "value": "ss", "endpoint": {"serviceName": "auth"}},
         {"timestamp": 1700000000000800, "value": "cr", "endpoint": {"serviceName": "web"}}],
     "binaryAnnotations": [{"key": "sa", "value": True, "endpoint": {"serviceName": "auth"}},
                           {"key": "error", "value": "x", "endpoint": {"serviceName": "auth"}}]}]

K8S = [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-config"},
     "data": {"CART_URL": "http://cart:8080", "X": "y"}},
    {"apiVersion": "apps/v1", "kind": "Deployment",
     "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"},
                  "annotations": {"a": "b"}},
     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {
         "metadata": {"labels": {"app": "web"}},
         "spec": {"initContainers": [{"name": "init", "args": ["--wait", "cart:8080"]}],
                  "containers": [{
                      "name": "main", "image": "web:1", "command": ["run"],
                      "args": ["--db=db:5432"],
                      "envFrom": [{"configMapRef": {"name": "web-config"}}],
                      "env": [{"name": "CART_ADDR", "value": "cart:7070"},
                              {"name": "DB", "valueFrom": {"configMapKeyRef":
                                                           {"name": "web-config", "key": "X"}}}],
                      "ports": [{"containerPort": 80}]}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "cart", "namespace": "shop"},
     "spec": {"selector": {"app": "cart"}, "ports": [{"port": 8080, "targetPort": 80}]}},
    {"apiVersion": "apps/v1", "kind": "StatefulSet",
     "metadata": {"name": "cart", "namespace": "shop"},
     "spec": {"template": {"metadata": {"labels": {"app": "cart"}},
                           "spec": {"containers": [{"name": "c"}]}}}},
    {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "job"},
         "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
             {"name": "j", "env": [{"name": "WEB", "value": "http://web"}]}]}}}}}}]},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
     "metadata": {"name": "np", "namespace": "shop"},
     "spec": {"podSelector": {"matchLabels": {"app": "cart"}}, "policyTypes": ["Ingress"],
              "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]}}]

COMPOSE = {"version": "3", "x-common": {"restart": "always"}, "services": {
    "api": {"image": "api:1", "depends_on": {"db": {"condition": "service_healthy"},
                                             "cache": {"condition": "service_started",
                                                       "required": False}},
            "links": ["search:es"], "environment": {"SEARCH_URL": "http://es:9200", "N": 1},
            "networks": {"back": {"aliases": ["api-alias"]}}, "ports": ["80:80"],
            "command": "run --db db:5432", "healthcheck": {"test": ["CMD", "true"]}},
    "db": {"image": "postgres", "network_mode": "bridge"},
    "cache": {"image": "redis", "deploy": {"replicas": 2}},
    "search": {"image": "elastic", "profiles": ["x"]},
    "worker": {"image": "w", "depends_on": ["api"], "environment": ["QUEUE_HOST=api", "PLAIN"],
               "external_links": ["x:y"], "network_mode": "service:api"}},
    "networks": {"back": {}}, "volumes": {"v": {}}}

BACKSTAGE = [
    {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
     "metadata": {"name": "web", "namespace": "default", "description": "d", "tags": ["t"],
                  "annotations": {"a": "b"}},
     "spec": {"type": "service", "lifecycle": "production", "owner": "team-a", "system": "shop",
              "dependsOn": ["component:cart", "resource:db"], "consumesApis": ["cart-api"],
              "providesApis": ["web-api"]}},
    {"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "cart"},
     "spec": {"type": "service", "owner": "group:default/team-b", "providesApis": ["cart-api"],
              "subcomponentOf": "web"}},
    {"apiVersion": "backstage.io/v1alpha1", "kind": "API", "metadata": {"name": "cart-api"},
     "spec": {"type": "openapi", "owner": "team-b", "definition": "x"}},
    {"apiVersion": "backstage.io/v1alpha1", "kind": "Resource", "metadata": {"name": "db"},
     "spec": {"type": "database", "owner": "team-b", "dependencyOf": ["component:cart"]}},
    {"apiVersion": "backstage.io/v1alpha1", "kind": "System", "metadata": {"name": "shop"},
     "spec": {"owner": "team-a", "domain": "d"}},
    {"apiVersion": "backstage.io/v1alpha1", "kind": "Location", "metadata": {"name": "l"},
     "spec": {"targets": ["./x.yaml"]}}]

MANIFEST = {"version": 1, "defaults": {"availability": 0.9999}, "services": {
    "web": {"description": "d", "owner": "o", "system": "s", "tier": 1, "tags": ["t"],
            "availability": 0.999, "start_seconds": 3,
            "depends_on": ["auth", {"service": "db", "soft": True, "note": "n", "startup": False},
                           {"any_of": ["c1", "c2"]}, {"at_least": 2, "of": ["z1", "z2", "z3"]}],
            "operations": {"login": {"description": "POST /login", "availability": 0.99,
                                     "depends_on": ["auth:verify"]}}},
    "auth": {"operations": {"verify": {}}}, "db": {}, "c1": {}, "c2": {},
    "z1": {}, "z2": {}, "z3": {}},
    "flows": {"login": {"description": "d", "critical": True, "owner": "o", "target": 0.99,
                        "requires": ["web:login", {"service": "db", "soft": True}]}}}

SERVICEGRAPH = """\
# TYPE traces_service_graph_request_total counter
traces_service_graph_request_total{client="user",server="web",connection_type="virtual_node"} 12
traces_service_graph_request_total{client="web",server="auth",connection_type=""} 6 1700000000000
traces_service_graph_request_failed_total{client="web",server="auth"} 1
"""

OPENPSA = """\
<?xml version="1.0"?>
<opsa-mef>
  <define-fault-tree name="T">
    <define-gate name="top">
      <and>
        <basic-event name="a"/>
        <gate name="g"/>
      </and>
    </define-gate>
    <define-gate name="g">
      <atleast min="2">
        <basic-event name="b"/>
        <basic-event name="c"/>
        <event name="d"/>
      </atleast>
    </define-gate>
    <define-basic-event name="a"><float value="3e-2"/></define-basic-event>
    <define-basic-event name="b">
      <exponential><parameter name="lam"/><system-mission-time/></exponential>
    </define-basic-event>
    <define-basic-event name="c"><float value="0.5"/></define-basic-event>
    <define-basic-event name="d">
      <mul><float value="0.1"/><int value="1"/></mul>
    </define-basic-event>
    <define-parameter name="lam"><float value="1e-4"/></define-parameter>
  </define-fault-tree>
</opsa-mef>
"""

#: reader -> (file name, seed document(s) or text, command line with FILE, allowed exits)
JSON_READERS = {
    "otlp-import": ("t.json", OTLP, ["import", "otlp", "FILE", "-o", "-"]),
    "otlp-discover": ("t.json", OTLP, ["discover", "FILE", "-o", "-"]),
    "jaeger-import": ("t.json", JAEGER_TRACES, ["import", "jaeger", "FILE", "-o", "-"]),
    "jaeger-discover": ("t.json", JAEGER_TRACES, ["discover", "FILE", "-o", "-"]),
    "jaeger-dependencies": ("d.json", JAEGER_DEPENDENCIES, ["import", "jaeger", "FILE", "-o", "-"]),
    "zipkin2-import": ("t.json", ZIPKIN_V2, ["import", "zipkin", "FILE", "-o", "-"]),
    "zipkin2-discover": ("t.json", ZIPKIN_V2, ["discover", "FILE", "-o", "-"]),
    "zipkin1-import": ("t.json", ZIPKIN_V1, ["import", "zipkin", "FILE", "-o", "-"]),
    "zipkin1-discover": ("t.json", ZIPKIN_V1, ["discover", "FILE", "-o", "-"]),
    "zipkin1-drift": ("t.json", ZIPKIN_V1, ["drift", "MANIFEST", "FILE"]),
    "jaeger-drift": ("t.json", JAEGER_TRACES, ["drift", "MANIFEST", "FILE"]),
    "otlp-drift": ("t.json", OTLP, ["drift", "MANIFEST", "FILE"]),
}
YAML_READERS = {
    "k8s": ("k.yaml", K8S, ["import", "k8s", "FILE", "-o", "-"]),
    "compose": ("docker-compose.yml", [COMPOSE], ["import", "compose", "FILE", "-o", "-"]),
    "backstage": ("catalog-info.yaml", BACKSTAGE, ["import", "backstage", "FILE", "-o", "-"]),
    "manifest": ("m.yaml", [MANIFEST], ["validate", "FILE"]),
    "manifest-check": ("m.yaml", [MANIFEST], ["check", "FILE", "--off", "auth"]),
}
_DRIFT_MANIFEST = "services: {web: {depends_on: [auth]}, auth: {}}\n"


def _run(name: str, data: bytes, argv: list[str], label: str, codes=(0, 2)) -> None:
    """Run one case; a failure raises AssertionError (see :func:`_all`)."""
    folder = _WORK / re.sub(r"[^A-Za-z0-9._=-]", "_", label)[:60]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    manifest = folder / "manifest.yaml"
    manifest.write_text(_DRIFT_MANIFEST)
    args = [str(path) if a == "FILE" else str(manifest) if a == "MANIFEST" else a for a in argv]
    result = CliRunner().invoke(main, args)
    check_outcome(result, str(path), f"{' '.join(argv)} [{label}]",
                  codes=(0, 1, 2) if argv[0] in ("drift", "check") else codes)
    if result.exit_code == 0 and "-o" in argv:
        load_sources([("out.yaml", result.stdout)])  # what a reader writes loads back


def _all(runs) -> None:
    """Run every case, then fail with all the failures (deduplicated by their first
    line), so one run shows the whole picture."""
    failures: dict[str, str] = {}
    count = 0
    for run in runs:
        count += 1
        try:
            run()
        except AssertionError as exc:
            text = str(exc)
            lines = text.splitlines()
            key = (lines[1] if len(lines) > 1 else text).split(": error: ")[-1][:80]
            failures.setdefault(key, text)
    assert count
    assert not failures, f"{len(failures)} kinds of failure:\n\n" + "\n\n".join(
        list(failures.values())[:12])


def _seed_text(kind: str, seed) -> bytes:
    return as_json(seed) if kind == "json" else as_yaml(seed)


@pytest.mark.parametrize("reader", sorted(JSON_READERS) + sorted(YAML_READERS))
def test_seed_is_valid(reader):
    """Each seed is read without error, so the mutations test the reader, not a typo."""
    kind = "json" if reader in JSON_READERS else "yaml"
    name, seed, argv = (JSON_READERS | YAML_READERS)[reader]
    _run(name, _seed_text(kind, seed), argv, f"{reader}-seed", codes=(0,))


@pytest.mark.parametrize("reader", sorted(JSON_READERS))
def test_every_key_of_a_json_reader_with_every_wrong_type(reader):
    name, seed, argv = JSON_READERS[reader]
    _all(lambda doc=doc, label=label: _run(name, as_json(doc), argv, f"{reader}-{label}")
         for label, doc in cases(seed))


@pytest.mark.parametrize("reader", sorted(YAML_READERS))
def test_every_key_of_a_yaml_reader_with_every_wrong_type(reader):
    name, seed, argv = YAML_READERS[reader]
    _all(lambda i=i, label=label, mutated=mutated: _run(
        name, as_yaml([*seed[:i], mutated, *seed[i + 1:]]), argv, f"{reader}-{i}-{label}")
        for i, doc in enumerate(seed) for label, mutated in cases(doc))


def _block_yaml(docs) -> str:
    import yaml

    return "---\n".join(yaml.safe_dump(d, sort_keys=False, default_flow_style=False)
                        for d in docs)


@pytest.mark.parametrize("reader", sorted(YAML_READERS))
def test_every_key_of_a_yaml_reader_with_a_wrong_tag(reader):
    name, seed, argv = YAML_READERS[reader]
    _all(lambda label=label, text=text: _run(name, text.encode(), argv, f"{reader}-tag-{label}")
         for label, text in tagged(_block_yaml(seed)))


def test_servicegraph_with_wrong_values():
    argv = ["import", "servicegraph", "FILE", "-o", "-"]
    wrong = ["[]", "{}", "true", "null", "-1", "1e999", "NaN", "x" * 100_000, "\\udabc", '""',
             "\udcbc", "\x00"]
    tokens = ["12", "6", "1", '"web"', '"auth"', '"virtual_node"', "1700000000000",
              "traces_service_graph_request_total", "client", "{", "}"]
    _all(lambda token=token, value=value: _run(
        "m.prom", SERVICEGRAPH.replace(token, value, 1).encode("utf-8", "surrogateescape"),
        argv, f"sg-{token}-{value[:10]}") for token in tokens for value in wrong)


def test_openpsa_with_wrong_values():
    argv = ["import", "openpsa", "FILE", "-o", "-"]
    wrong = ["", "-1", "1e999", "nan", "inf", "2", "x" * 100_000, "&#xdabc;", "&#0;", "[]",
             "true", "0x10", "1_0"]
    attrs = [m.span(1) for m in re.finditer(r'="([^"]*)"', OPENPSA)]
    _all(lambda start=start, end=end, value=value: _run(
        "t.xml", (OPENPSA[:start] + value + OPENPSA[end:]).encode(), argv,
        f"psa-{start}-{value[:8]}")
        for start, end in attrs[1:] for value in wrong)  # not the XML declaration's version
    tags = sorted(set(re.findall(r"<([a-z-]+)", OPENPSA)))

    def renamed(start: int, end: int, tag: str) -> bytes:
        text = OPENPSA[:start] + tag + OPENPSA[end:]
        return text.replace(f"</{OPENPSA[start:end]}>", f"</{tag}>", 1).encode()

    _all(lambda start=start, end=end, tag=tag: _run(
        "t.xml", renamed(start, end, tag), argv, f"psa-tag-{start}-{tag}")
        for start, end in [m.span(1) for m in re.finditer(r"<([a-z-]+)", OPENPSA)]
        for tag in [*tags, "not", "house-event", "define-house-event", "x"])


# The long run: several wrong values at once, anywhere, under HYPOTHESIS_PROFILE=fuzz.
_ALL = {**{k: ("json", *v) for k, v in JSON_READERS.items()},
        **{k: ("yaml", *v) for k, v in YAML_READERS.items()}}


@st.composite
def _combined(draw):
    reader = draw(st.sampled_from(sorted(_ALL)))
    kind, name, seed, argv = _ALL[reader]
    docs = [seed] if kind == "json" else list(seed)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(docs) - 1))
        options = list(paths(docs[i]))
        if not options:
            continue
        docs[i] = put(docs[i], draw(st.sampled_from(options)), draw(st.sampled_from(WRONG)))
    data = as_json(docs[0]) if kind == "json" else as_yaml(docs)
    return reader, name, data, argv


@fuzz_settings(quick=10)
@given(_combined())
def test_several_wrong_values_at_once(case):
    reader, name, data, argv = case
    _run(name, data, argv, f"{reader}-combined")


def test_the_seeds_cover_many_keys():
    """The enumeration is not vacuous: each seed offers dozens of places."""
    for _reader, (_name, seed, _argv) in JSON_READERS.items():
        assert len(list(paths(seed))) >= 5
    assert len(WRONG) >= 9
    assert json.loads(as_json({"a": "x\udabc"}))["a"] == "x\udabc"


_UPDATE_SOURCE = ("services:\n  web:\n    image: x\n    depends_on: [auth, cache]\n"
                  "  auth: {image: a}\n  cache: {image: c}\n")


def test_every_key_of_a_manifest_under_update_with_every_wrong_type():
    """`import --update` reads the existing manifest with ruamel.yaml: the same
    wrong values there give exit 0 or a located exit 2, and never half a file."""
    def one(label: str, data: bytes) -> None:
        # its own folder in its own folder: --update looks one level up for a folder manifest
        folder = _WORK / re.sub(r"[^A-Za-z0-9._=-]", "_", f"update-{label}")[:60] / "case"
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / "docker-compose.yml"
        source.write_text(_UPDATE_SOURCE)
        path = folder / "m.yaml"
        path.write_bytes(data)
        result = CliRunner().invoke(main, ["import", "compose", str(source), "-o", str(path),
                                           "--update"])
        check_outcome(result, str(path), f"update [{label}]")
        if result.exit_code == 2:
            assert path.read_bytes() == data  # nothing written half-way
        else:
            load_sources([("m.yaml", path.read_bytes())])

    # ruamel.yaml is slow (a tenth of a second a file, seconds over a 100 KB value): in
    # the normal suite each key gets two of the wrong values in turn (every kind used,
    # the huge string at one key), every key every value under HYPOTHESIS_PROFILE=fuzz
    if LONG:
        chosen = list(cases(MANIFEST))
    else:
        small = [v for v in QUICK if not (isinstance(v, str) and len(v) > 1000)]
        chosen = [(f"{'.'.join(map(str, path))}={small[(2 * n + k) % len(small)]!r}",
                   put(MANIFEST, path, small[(2 * n + k) % len(small)]))
                  for n, path in enumerate(paths(MANIFEST)) for k in (0, 1)]
        chosen.append(("owner=huge", put(MANIFEST, ("services", "web", "owner"), "x" * 100_000)))
    _all(lambda label=label, doc=doc: one(label, as_yaml([doc])) for label, doc in chosen)
