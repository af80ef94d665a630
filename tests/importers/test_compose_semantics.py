"""What a Compose file means, read as Compose reads it: interpolation of environment
values and ``extends``."""

from __future__ import annotations

import pytest

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


def _counting(monkeypatch, name, limit):
    """Wrap ``pruner.importers.compose.<name>``, failing as soon as it is called more
    than ``limit`` times (so a quadratic walk fails fast instead of running for minutes)."""
    from pruner.importers import compose

    real = getattr(compose, name)
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        assert len(calls) <= limit, f"{name} called more than {limit} times"
        return real(*args, **kwargs)

    monkeypatch.setattr(compose, name, wrapper)
    return calls


def test_a_3000_extends_chain_reads_each_environment_once(tmp_path, monkeypatch):
    """Each service walked its whole extends chain, so a chain of 3,000 read 4.5 million
    environments (56 s). Each definition's environment is now resolved once."""
    n = 3000
    lines = ["services:", "  s0: {image: x, environment: {DB_HOST: db}}", "  db: {image: pg}"]
    lines += [f"  s{i}: {{image: x, extends: s{i - 1}}}" for i in range(1, n)]
    (tmp_path / "compose.yaml").write_text("\n".join(lines) + "\n")
    calls = _counting(monkeypatch, "_env_pairs", 2 * (n + 1))
    r = import_sources("compose", [str(tmp_path / "compose.yaml")])
    assert len(calls) <= 2 * (n + 1)
    note = _deps(r, f"s{n - 1}")["db"]["note"]
    assert note.startswith("env DB_HOST=db (inherited through extends: s0, compose.yaml:2)")


def test_a_file_named_by_many_extends_is_read_once(tmp_path, monkeypatch):
    """extends: {file: F} parsed F again for every service on every walk: 200 services
    extending each other through their own file took minutes."""
    n = 300
    lines = ["services:", "  s0: {image: x, environment: {DB_HOST: db}}", "  db: {image: pg}"]
    lines += [f"  s{i}: {{image: x, extends: {{file: compose.yaml, service: s{i - 1}}}}}"
              for i in range(1, n)]
    (tmp_path / "compose.yaml").write_text("\n".join(lines) + "\n")
    calls = _counting(monkeypatch, "load_yaml_documents", 5)
    r = import_sources("compose", [str(tmp_path / "compose.yaml")])
    assert len(calls) == 2  # as a source, and as the file extends names
    assert "inherited through extends: s0" in _deps(r, f"s{n - 1}")["db"]["note"]


def test_inherited_variables_keep_their_order_and_the_nearest_wins(tmp_path):
    """Resolving each base once passes on what a walk from each service found: the
    base's own variables, then its bases' less those it sets, first base first."""
    (tmp_path / "compose.yaml").write_text("""
services:
  root: {image: x, environment: {A_HOST: db, B_HOST: db, C_HOST: db}}
  mid: {image: x, extends: root, environment: {A_HOST: mq}}
  top: {image: x, extends: mid, environment: {B_HOST: cache}}
  leaf: {image: x, extends: top}
  db: {image: pg}
  mq: {image: mq}
  cache: {image: redis}
""")
    r = import_sources("compose", [str(tmp_path / "compose.yaml")])
    leaf = _deps(r, "leaf")
    assert leaf["cache"]["note"].startswith("env B_HOST=cache (inherited through extends: top,")
    assert leaf["mq"]["note"].startswith("env A_HOST=mq (inherited through extends: mid,")
    assert leaf["db"]["note"].startswith("env C_HOST=db (inherited through extends: root,")
    assert "A_HOST" not in leaf["db"]["note"] and "B_HOST" not in leaf["db"]["note"]
    assert set(_deps(r, "mid")) == {"mq", "db"}


@pytest.mark.parametrize("n", [1, 2, 12, 3000])
def test_an_extends_cycle_is_bad_input_at_its_line(tmp_path, monkeypatch, n):
    """A cycle of extends went round silently (each service picking up its own
    variables through the ring, a ring of 3,000 for ever); Compose refuses it, and so
    does the import, in one short line at the service that closes the ring."""
    from pruner.importers import SourceError

    lines = ["services:"] + [f"  s{i}: {{image: x, extends: s{(i + 1) % n}}}" for i in range(n)]
    (tmp_path / "compose.yaml").write_text("\n".join(lines) + "\n")
    _counting(monkeypatch, "_env_pairs", 2 * (n + 1))
    with pytest.raises(SourceError) as info:
        import_sources("compose", [str(tmp_path / "compose.yaml")])
    err = info.value
    assert err.location == f"{tmp_path / 'compose.yaml'}:{n + 1}"
    ring = " -> ".join(f"'s{i}'" for i in range(min(n, 4)))
    assert f"an extends cycle ({ring} -> " in err.message
    assert (f"... ({n - 6} more)" in err.message) == (n > 7)
    assert len(err.message) < 200 and "\n" not in err.message


def test_extends_naming_a_missing_file_is_a_note_not_a_traceback(tmp_path):
    """extends: {file: nope.yml} ended in 'ValueError: not enough values to unpack'."""
    (tmp_path / "compose.yaml").write_text(
        "services:\n  a: {image: x, extends: {file: nope.yml, service: b}}\n")
    r = import_sources("compose", [str(tmp_path / "compose.yaml")])
    assert any("a extends 'b' in 'nope.yml', not found; not read" in n for n in r.notes)


def test_an_extends_chain_defined_in_two_files_is_not_walked_path_by_path(tmp_path):
    """A service defined in two files extends both definitions of its base: a chain of 40
    so defined in two files holds 2**40 paths, and the variables of the chain's root came
    once per path (minutes, then memory, for nothing: the copies merged away). Each
    variable is now passed on once per definition it came through."""
    import signal

    n = 40
    for f in ("a.yaml", "b.yaml"):
        lines = ["services:", "  s0: {image: x, environment: {DB_HOST: db}}", "  db: {image: pg}"]
        lines += [f"  s{i}: {{image: x, extends: s{i - 1}}}" for i in range(1, n)]
        (tmp_path / f).write_text("\n".join(lines) + "\n")

    def hung(signum, frame):
        raise TimeoutError("the import walked every path of the extends chain")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)  # a generous bound: it takes well under a second
    try:
        r = import_sources("compose", [str(tmp_path)])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    note = _deps(r, f"s{n - 1}")["db"]["note"]
    # s39 of each file, with DB_HOST from s0 of each file: four notes, each once
    assert note.count("DB_HOST") == 4
    for base in ("a.yaml:2", "b.yaml:2"):
        assert note.count(f"inherited through extends: s0, {tmp_path.name}/{base})") == 2
