"""What a Compose file means, read as Compose reads it: interpolation of environment
values and ``extends``."""

from __future__ import annotations

from pruner.importers import import_sources


def _deps(r, name):
    return {d["service"]: d for d in r.document["services"][name].get("depends_on", [])}


def test_compose_interpolated_hosts_take_their_default_or_the_dot_env_value(tmp_path, v1):
    # ${VAR:-default} is the host Compose starts the container with when nothing sets
    # VAR; .env beside the file sets variables for interpolation. Both name a service.
    (tmp_path / "compose.yaml").write_text("""
services:
  api:
    image: api
    environment:
      DB_HOST: ${DB_HOST:-db}
      QUEUE_URL: "amqp://${MQ_USER:-guest}@${MQ_HOST-rabbit}:5672/"
      SEARCH_ADDR: ${SEARCH_ADDR}
      CACHE_ADDR: $CACHE
      TRACE_HOST: ${TRACE_HOST:?set it}
  db: {image: postgres}
  rabbit: {image: rabbitmq}
  es: {image: elasticsearch}
  redis: {image: redis}
  jaeger: {image: jaeger}
""")
    (tmp_path / ".env").write_text("SEARCH_ADDR=es:9200\nCACHE=redis:6379\n")
    r = import_sources("compose", [str(tmp_path / "compose.yaml")])
    v1(r.document)
    api = _deps(r, "api")
    assert set(api) == {"db", "rabbit", "es", "redis"}  # TRACE_HOST: set only in the shell
    assert "interpolated as db (from default)" in api["db"]["note"]
    assert "interpolated as es:9200 (from .env)" in api["es"]["note"]
    assert "guest" not in api["rabbit"]["note"]  # user info is never copied


def test_compose_extends_shares_the_environment_of_the_base_service(tmp_path, v1):
    # extends shares the base's environment (its own variables win); depends_on, links
    # and volumes_from are never shared (Compose documentation, "Extend your Compose file").
    (tmp_path / "common.yml").write_text("""
services:
  java:
    environment: [TRACE_HOST=jaeger]
  app:
    extends: {service: java}
    environment: {DB_HOST: db, CACHE_ADDR: "cache:6379"}
    depends_on: [mq]
""")
    (tmp_path / "compose.yaml").write_text("""
services:
  base:
    image: app
    environment: {DB_HOST: db}
  web:
    extends: base
    image: web
  api:
    extends: {file: common.yml, service: app}
    image: api
    environment: {DB_HOST: other-db}
  db: {image: postgres}
  other-db: {image: postgres}
  cache: {image: redis}
  jaeger: {image: jaegertracing/all-in-one}
  mq: {image: rabbitmq}
""")
    r = import_sources("compose", [str(tmp_path / "compose.yaml")])
    v1(r.document)
    web = _deps(r, "web")
    assert set(web) == {"db"}
    assert "inherited through extends: base, compose.yaml:" in web["db"]["note"]
    assert set(_deps(r, "api")) == {"other-db", "cache", "jaeger"}
    assert "extends: java, common.yml:" in _deps(r, "api")["jaeger"]["note"]
    assert str(tmp_path / "common.yml") in r.read


def test_compose_ipc_and_pid_of_another_service_are_dependencies(tmp_path, v1):
    # ipc/pid "service:X" join X's namespace, as network_mode does: Compose counts all
    # three as dependencies on X (compose-go GetDependencies).
    (tmp_path / "compose.yaml").write_text("""
services:
  app: {image: app}
  sidecar: {image: s, ipc: "service:app", pid: "service:app", network_mode: "service:app"}
  debug: {image: d, pid: host, ipc: shareable}
""")
    r = import_sources("compose", [str(tmp_path / "compose.yaml")])
    v1(r.document)
    [dep] = r.document["services"]["sidecar"]["depends_on"]
    assert dep["service"] == "app"
    assert "ipc: service:app (shares its IPC namespace)" in dep["note"]
    assert "pid: service:app (shares its PID namespace)" in dep["note"]
    assert "depends_on" not in r.document["services"]["debug"]


def test_a_long_extends_chain_does_not_recurse(tmp_path):
    """A service's environment came through its extends chain by recursion, one level a
    base: a chain of 3,000 was a RecursionError traceback. Here 400 bases with the stack
    held to 250 frames more than the test has."""
    import inspect
    import sys

    lines = ["services:", "  s0: {image: x, environment: {DB_HOST: db}}", "  db: {image: pg}"]
    lines += [f"  s{i}: {{image: x, extends: s{i - 1}}}" for i in range(1, 400)]
    (tmp_path / "compose.yaml").write_text("\n".join(lines) + "\n")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 250)
    try:
        r = import_sources("compose", [str(tmp_path / "compose.yaml")])
    finally:
        sys.setrecursionlimit(limit)
    assert "inherited through extends: s0" in _deps(r, "s399")["db"]["note"]
