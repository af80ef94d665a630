"""Start-up semantics of the importers (spec §10, issue 13): Compose ``depends_on`` and
what Kubernetes init containers wait on are needed to start; everything else an
importer finds is emitted ``startup: false``."""

from __future__ import annotations

from pruner.analysis.bootstrap import bootstrap
from pruner.graph import dependency_graph
from pruner.importers import import_sources
from pruner.importers.emit import to_yaml
from pruner.loader import load_sources


def _deps(r, name):
    return {d.get("service"): d for d in r.document["services"][name].get("depends_on", [])}


def test_compose_depends_on_is_start_order_and_env_is_runtime(tmp_path, v1):
    (tmp_path / "compose.yaml").write_text("""
services:
  web:
    image: web
    depends_on:
      db: {condition: service_healthy}
    environment: {CACHE_ADDR: "cache:6379"}
  worker:
    image: w
    depends_on: [db]
  db: {image: postgres}
  cache: {image: redis}
""")
    r = import_sources("compose", [str(tmp_path)])
    v1(r.document)
    web = _deps(r, "web")
    assert "startup" not in web["db"] and "condition: service_healthy" in web["db"]["note"]
    assert web["cache"]["startup"] is False
    worker = _deps(r, "worker")
    assert "startup" not in worker["db"] and "condition: service_started" in worker["db"]["note"]
    G = dependency_graph(load_sources([("m.yaml", to_yaml(r.document))]).manifest)
    assert bootstrap(G).waves == (("cache", "db"), ("web", "worker"))


def test_k8s_init_container_waiting_on_a_service_is_a_start_up_dependency(tmp_path, v1):
    (tmp_path / "k.yaml").write_text("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
      initContainers:
        - name: wait-db
          image: busybox
          command: [sh, -c, "until nslookup db; do sleep 2; done"]
      containers:
        - name: api
          env: [{name: CACHE_ADDR, value: "cache:6379"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db}
spec: {template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache}
spec: {template: {metadata: {labels: {app: cache}}, spec: {containers: [{name: c}]}}}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {selector: {app: db}}
---
apiVersion: v1
kind: Service
metadata: {name: cache}
spec: {selector: {app: cache}}
""")
    r = import_sources("k8s", [str(tmp_path)])
    v1(r.document)
    api = _deps(r, "api")
    assert "startup" not in api["db"] and "init container" in api["db"]["note"]
    assert api["cache"]["startup"] is False
