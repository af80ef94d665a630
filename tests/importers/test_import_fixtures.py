"""Hand-made fixtures for what the corpus does not show."""

from __future__ import annotations

import json

import pytest

from pruner.importers import SourceError, import_sources


def _deps(r, name):
    return {
        d.get("service") or tuple(d["any_of"]): d
        for d in r.document["services"][name].get("depends_on", [])
    }


def test_k8s_edge_cases(assets, v1):
    r = import_sources("k8s", [str(assets / "k8s-edge-cases.yaml")])
    v1(r.document)
    web = _deps(r, "web")
    # A Service selecting two Deployments is a fallback group.
    assert web[("cart-blue", "cart-green")]["note"].startswith("env CART_ADDR=cart:7070")
    # envFrom ConfigMap value, cluster DNS URL
    assert "envFrom ConfigMap web-config" in web["catalog"]["note"]
    # configMapKeyRef value under an *_HOST name: a dangling reference kept as a stub
    assert "from ConfigMap web-config" in web["sessions"]["note"]
    assert r.document["services"]["sessions"]["tags"] == ["external"]
    # service.namespace in a URL, to an ExternalName Service in another namespace
    assert "rabbit" in web
    assert set(web) == {("cart-blue", "cart-green"), "catalog", "sessions", "rabbit", "memcache"}
    # StatefulSet pod DNS name pg-0.pg.shop -> headless Service pg (no selector)
    assert set(_deps(r, "catalog")) == {"pg"}
    assert "no selector" in r.document["services"]["pg"]["description"]
    # CronJob's pod template; .svc name
    assert set(_deps(r, "report")) == {"web"}
    notes = "\n".join(r.notes)
    assert "Ingress ×1" in notes
    assert "api.payments.example.com" in notes  # external host: a note, no edge
    assert "self-reference" in notes  # SELF_URL points at web's own Service
    # MODE=cart (not an address name, no port) and ${DB_HOST} make no edges.
    assert "MODE" not in str(web) and "DB_HOST" not in str(web)


def test_k8s_same_name_in_two_namespaces(tmp_path, v1):
    docs = []
    for ns in ("a", "b"):
        docs.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: api, namespace: {ns}}}\n"
            f"spec: {{template: {{metadata: {{labels: {{app: api}}}}, spec: {{containers: "
            f"[{{name: c, env: [{{name: DB_ADDR, value: 'db.{ns}:5432'}}]}}]}}}}}}\n"
            f"---\napiVersion: v1\nkind: Service\nmetadata: {{name: db, namespace: {ns}}}\n"
            f"spec: {{type: ExternalName, externalName: db-{ns}.example.com}}\n"
        )
    p = tmp_path / "two.yaml"
    p.write_text("---\n".join(docs))
    r = import_sources("k8s", [str(p)])
    v1(r.document)
    assert r.edges() == {("a/api", "a/db"), ("b/api", "b/db")}



def test_k8s_pod_fqdn_behind_headless_service(tmp_path, v1):
    # kafka-0.kafka-headless.prod.svc.cluster.local names a pod of the StatefulSet that the
    # headless Service kafka-headless selects: an edge to kafka, not an "outside" host.
    p = tmp_path / "sts.yaml"
    p.write_text(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: kafka, namespace: prod}\n"
        "spec: {template: {metadata: {labels: {app: kafka}}, spec: {containers: [{name: k}]}}}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: kafka-headless, namespace: prod}\n"
        "spec: {clusterIP: None, selector: {app: kafka}}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: prod}\n"
        "spec: {template: {spec: {containers: [{name: c, env: ["
        "{name: KAFKA_BROKERS, value: 'kafka-0.kafka-headless.prod.svc.cluster.local:9092'},"
        "{name: BOOTSTRAP, value: 'kafka-1.kafka-headless.prod.svc:9092'}]}]}}}\n"
    )
    r = import_sources("k8s", [str(p)])
    v1(r.document)
    assert r.edges() == {("api", "kafka")}
    assert not any("outside the imported Services" in n for n in r.notes)



def test_k8s_external_name_alias_of_an_imported_service(tmp_path, v1):
    # The ExternalName Service database is a DNS alias of the Service db: what reaches
    # database reaches db, so db must not look prunable.
    p = tmp_path / "alias.yaml"
    p.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: db, namespace: prod}\n"
        "spec: {template: {metadata: {labels: {app: db}}, spec: {containers: [{name: k}]}}}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: prod}\n"
        "spec: {selector: {app: db}}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: database, namespace: prod}\n"
        "spec: {type: ExternalName, externalName: db.prod.svc.cluster.local}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: outside, namespace: prod}\n"
        "spec: {type: ExternalName, externalName: db.example.com}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: prod}\n"
        "spec: {template: {spec: {containers: [{name: c, env: ["
        "{name: PG_URL, value: 'postgres://u:pw@database/app'},"
        "{name: EXT_URL, value: 'http://outside/'}]}]}}}\n"
    )
    r = import_sources("k8s", [str(p)])
    v1(r.document)
    assert r.edges() == {("api", "database"), ("api", "outside"), ("database", "db")}
    assert "ExternalName db.prod.svc.cluster.local" in _deps(r, "database")["db"]["note"]



def test_k8s_service_selects_only_its_own_namespace(tmp_path, v1):
    # redis (no namespace: default) and redis in "other" carry the same labels; the Service
    # redis in default selects only its own namespace's pods, so job needs default/redis
    # alone, not "either of" the two.
    p = tmp_path / "ns.yaml"
    p.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: redis}\n"
        "spec: {template: {metadata: {labels: {app: redis}}, spec: {containers: [{name: r}]}}}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: redis}\n"
        "spec: {selector: {app: redis}}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: redis, namespace: other}\n"
        "spec: {template: {metadata: {labels: {app: redis}}, spec: {containers: [{name: r}]}}}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: redis, namespace: other}\n"
        "spec: {selector: {app: redis}}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: job}\n"
        "spec: {template: {spec: {containers: [{name: c, env: ["
        "{name: CACHE_ADDR, value: 'redis:6379'}]}]}}}\n"
    )
    r = import_sources("k8s", [str(p)])
    v1(r.document)
    assert r.edges() == {("job", "default/redis")}
    assert set(_deps(r, "job")) == {"default/redis"}



def test_k8s_host_list_with_spaces_after_commas(tmp_path, v1):
    # "kafka-0:9092, kafka-1:9092" is as much a list of brokers as without the spaces.
    p = tmp_path / "list.yaml"
    p.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: kafka}\n"
        "spec: {template: {metadata: {labels: {app: kafka}}, spec: {containers: [{name: k}]}}}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: kafka}\n"
        "spec: {selector: {app: kafka}}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: zk}\n"
        "spec: {template: {metadata: {labels: {app: zk}}, spec: {containers: [{name: k}]}}}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: zk}\n"
        "spec: {selector: {app: zk}}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n"
        "spec: {template: {spec: {containers: [{name: c, env: ["
        "{name: KAFKA_BROKERS, value: 'kafka:9092, zk:2181'},"
        "{name: JAVA_OPTS, value: '-Dx=kafka:9092, -Dy=1'}]}]}}}\n"
    )
    r = import_sources("k8s", [str(p)])
    v1(r.document)
    assert r.edges() == {("api", "kafka"), ("api", "zk")}
    assert "JAVA_OPTS" not in str(_deps(r, "api"))


def test_compose_long_form(assets, v1):
    r = import_sources("compose", [str(assets / "compose-long-form.yml")])
    v1(r.document)
    api = _deps(r, "api")
    assert api["cache"]["soft"] is True
    assert "condition: service_started, required: false" in api["cache"]["note"]
    assert "soft" not in api["db"]
    assert "condition: service_healthy" in api["db"]["note"]
    assert "MODE" not in api["db"]["note"]  # MODE=db is not an address
    assert "links: search:es" in api["search"]["note"]
    assert "SEARCH_URL" in api["search"]["note"]  # via the link alias es
    assert "LEDGER=ledger-alias" in api["ledger"]["note"]  # via a network alias
    assert "AUDIT_ADDR" in api["ledger"]["note"]  # via env_file
    assert set(api) == {"cache", "db", "search", "ledger"}
    assert set(_deps(r, "sidecar")) == {"api"}
    assert set(_deps(r, "worker")) == {"api", "missing-svc", "rabbit"}
    assert any("api.example.com" in n for n in r.notes)


def test_backstage_catalog(assets, v1):
    r = import_sources("backstage", [str(assets / "backstage-catalog.yaml")])
    v1(r.document)
    s = r.document["services"]
    assert set(s) == {
        "checkout", "resource:checkout", "pay-eu", "pay-us", "shop/stock", "ledger", "orders",
    }  # fmt: skip
    assert set(_deps(r, "checkout")) == {  # providesApis are operations (spec §8)
        "pay-eu:payments-api",
        "pay-us:payments-api",
        "shop/stock:stock-api",
        "resource:checkout",
        "orders",
    }
    assert s["pay-eu"]["operations"] == {
        "payments-api": {"description": "provides API payments-api (spec.providesApis)"}}
    assert ("checkout", "pay-eu") in r.edges()  # edges() names the provider itself
    assert set(_deps(r, "ledger")) == {"resource:checkout"}  # from dependencyOf
    assert s["checkout"]["owner"] == "payments/team-pay"
    assert s["checkout"]["system"] == "shop"
    notes = "\n".join(r.notes)
    assert "Widget ×1" in notes and "System, not a running service" in notes
    assert "not Backstage entities skipped" in notes


def test_jaeger_dependencies(assets, v1):
    r = import_sources("jaeger", [str(assets / "jaeger-dependencies.json")])
    v1(r.document)
    assert _deps(r, "frontend")["cartservice"]["note"] == "observed by Jaeger: 13 calls"
    assert r.edges() == {
        ("frontend", "cartservice"), ("frontend", "currencyservice"), ("checkout", "cartservice"),
    }  # fmt: skip
    assert any("self-call" in n for n in r.notes)


def test_jaeger_bare_list(assets, v1):
    r = import_sources("jaeger", [str(assets / "jaeger-dependencies-list.json")])
    v1(r.document)
    assert r.edges() == {("a", "b"), ("b", "c")}
    assert "not stated" in _deps(r, "b")["c"]["note"]


def test_zipkin_v2_list_of_traces(assets, v1):
    r = import_sources("zipkin", [str(assets / "zipkin-v2-traces.json")])
    v1(r.document)
    assert r.edges() == {
        ("frontend", "cart"),  # shared CLIENT/SERVER span, counted once
        ("frontend", "currency"),  # SERVER span under a CLIENT span without remoteEndpoint
        ("cart", "redis"),  # CLIENT span to an untraced service
        ("checkout", "kafka"),  # PRODUCER
        ("email", "kafka"),  # CONSUMER depends on the broker
    }
    assert _deps(r, "frontend")["cart"]["note"] == "observed in Zipkin traces: 1 call"
    notes = "\n".join(r.notes)
    assert "self-call" in notes and "parent span that is not in the data" in notes


def test_zipkin_ndjson_and_v1_client_server_split(tmp_path, v1):
    def ann(value, service):
        return [{"value": value, "endpoint": {"serviceName": service}}]

    spans = [
        {"traceId": "a", "id": "1", "annotations": ann("sr", "gw")},
        {"traceId": "a", "id": "2", "parentId": "1", "annotations": ann("cs", "gw"),
         "binaryAnnotations": [{"key": "sa", "endpoint": {"serviceName": "mysql"}}]},
        {"traceId": "a", "id": "3", "parentId": "1", "annotations": ann("cs", "gw")},
        {"traceId": "a", "id": "4", "parentId": "3", "annotations": ann("sr", "Users API")},
    ]  # fmt: skip
    lines = [json.dumps(s) for s in spans]
    p = tmp_path / "spans.ndjson"
    p.write_text("\n".join(lines) + "\n")
    r = import_sources("zipkin", [str(p)])
    v1(r.document)
    assert r.edges() == {("gw", "mysql"), ("gw", "Users-API")}
    assert any("'Users API'" in n and "'Users-API'" in n for n in r.notes)


@pytest.mark.parametrize("text", ["[]\n", "", "  \n", '{"data": []}'])
@pytest.mark.parametrize("kind", ["jaeger", "zipkin"])
def test_empty_json_files_are_refused(tmp_path, kind, text):
    # Issue 9 §2: an import that finds nothing must not succeed with 0 services.
    p = tmp_path / "empty.json"
    p.write_text(text)
    if kind == "zipkin" and text.startswith("{"):
        text = "[[]]"
        p.write_text(text)
    with pytest.raises(SourceError, match="empty file|hold no"):
        import_sources(kind, [str(p)])
