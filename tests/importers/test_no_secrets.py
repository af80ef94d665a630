"""Importers never copy credentials into a manifest (issue 17 §5): user info in URLs,
secret-looking query parameters and values of secret-looking variables are redacted
in every note, and the importer says that it redacted something (without the value)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pruner.cli import main
from pruner.importers._refs import looks_secret, redact

SECRETS = ("S3cr3t", "r3dis", "qq-secret", "hunter2", "ch4ngeme", "abc123", "p@ss", "tok3n",
           "mongopw", "jdbcpw", "k8spw", "sigval")

COMPOSE = """\
services:
  api:
    image: x
    environment:
      DATABASE_URL: postgres://admin:S3cr3t@db:5432/app
      CACHE_URL: "redis://:r3dis@cache:6379/0?password=qq-secret"
      DB_PASSWORD: db:hunter2
      MONGO_URL: mongodb://u:mongopw@db:27017,u2:mongopw@cache:27017/x
      JDBC_URL: jdbc:postgresql://db:5432/x?user=u&password=jdbcpw
      SIGNED_URL: http://search:9200/x?X-Amz-Signature=sigval&X-Amz-Credential=tok3n
    env_file: api.env
  worker:
    image: w
    environment:
      - QUEUE_URL=amqp://guest:p@ss@search:5672/
      - AUTH_TOKEN=search:abc123
  db: {image: postgres}
  cache: {image: redis}
  search: {image: es}
"""

K8S = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: main
        env:
        - {name: DATABASE_URL, value: "postgres://admin:k8spw@db:5432/app"}
        - {name: SEARCH_URL, value: "http://search:9200/?token=tok3n"}
        - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
        - {name: API_KEY, value: "search:abc123"}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {selector: {app: db}}
---
apiVersion: v1
kind: Service
metadata: {name: search}
spec: {selector: {app: search}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db}
spec: {template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: search}
spec: {template: {metadata: {labels: {app: search}}, spec: {containers: [{name: c}]}}}
"""


def _import(tmp_path, kind, name, text, extra=None):
    path = tmp_path / name
    path.write_text(text)
    for other, body in (extra or {}).items():
        (tmp_path / other).write_text(body)
    out = tmp_path / "out.yaml"
    result = CliRunner().invoke(main, ["import", kind, str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(), result.stderr


@pytest.mark.parametrize("kind,name,text,extra", [
    ("compose", "docker-compose.yml", COMPOSE,
     {"api.env": "SEARCH_URL=http://elastic:ch4ngeme@search:9200\n"}),
    ("k8s", "app.yaml", K8S, None),
])
def test_no_secret_reaches_the_manifest_or_the_notes(tmp_path, kind, name, text, extra):
    manifest, notes = _import(tmp_path, kind, name, text, extra)
    for secret in SECRETS:
        assert secret not in manifest, secret
        assert secret not in notes, secret
    assert "credentials redacted" in notes
    assert "[credentials redacted]" in manifest
    # the dependencies are still read from the addresses
    assert "service: db" in manifest and "service: search" in manifest


def test_redaction_rules():
    assert redact("DATABASE_URL", "postgres://admin:S3cr3t@db:5432") == ("postgres://db:5432",
                                                                         True)
    assert redact("X", "user:p@ss@db:1") == ("db:1", True)
    assert redact("X_URL", "http://h/?a=1&access_token=t") == (
        "http://h/?a=1&access_token=<redacted>", True)
    assert redact("CLIENT_SECRET", "x") == ("<redacted>", True)
    assert redact("CART_ADDR", "cart:7070") == ("cart:7070", False)
    assert redact("X_URL", "http://cart/") == ("http://cart/", False)
    assert all(looks_secret(n) for n in ("password", "DbPassword", "GITHUB_PAT_TOKEN",
                                         "aws_secret_access_key", "AUTH", "x-api-key"))
    assert not any(looks_secret(n) for n in ("CART_ADDR", "KEYCLOAK_URL", "MONKEY", "HOST"))
