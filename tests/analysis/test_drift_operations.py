"""Drift with operations (spec §8): per (service, operation) where the observation
names operations, per service elsewhere."""

from pruner.analysis.drift import Observation, ObservedEdge, drift, observation_from_document
from pruner.graph import dependency_graph
from pruner.loader import load_sources

MANIFEST = """
services:
  frontend:
    depends_on: [config]
    operations:
      login: {depends_on: [passbird]}
      search: {depends_on: [search-api:find]}
  config: {}
  passbird: {}
  search-api: {operations: {find: {}}}
flows:
  login: {requires: [frontend:login]}
  search: {requires: [frontend:search]}
"""
G = dependency_graph(load_sources([("m.yaml", MANIFEST)]).manifest)


def observe(*edges):
    names = sorted({n for e in edges for n in e})
    return Observation("jaeger", (), tuple(names), tuple(ObservedEdge(a, b, 1) for a, b in edges))


def test_calls_named_by_operation_are_compared_per_operation():
    d = drift(G, observe(("frontend:login", "passbird"), ("frontend:search", "passbird"),
                         ("frontend:search", "config"), ("frontend:search", "search-api:find")))
    # search calling passbird is what the manifest does not know: the search flow needs it
    assert [(u.source, u.target, u.critical_flows) for u in d.undeclared] == [
        ("frontend:search", "passbird", ("search",))]
    assert d.matched == 3  # config: declared by the service, needed by every operation
    assert d.stale == ()
    assert d.declared_edges == 3  # the operations' implicit items are not calls


def test_service_level_observations_match_declarations_of_operations():
    d = drift(G, observe(("frontend", "passbird"), ("frontend", "search-api"),
                         ("frontend", "config")))
    assert d.undeclared == () and d.stale == () and d.matched == 3


def test_a_declared_operation_seen_without_its_call_is_stale():
    d = drift(G, observe(("frontend:login", "config"), ("frontend:search", "passbird")))
    assert [(s.source, s.target) for s in d.stale] == [("frontend:login", "passbird")]
    # frontend:search -> search-api:find: search-api never appears, so it is not judged
    assert d.unjudged == 1


def test_observation_documents_with_operations_give_operation_edges():
    doc = {"services": {"frontend": {"operations": {"login": {"depends_on": ["passbird"]}}},
                        "passbird": {}}}
    obs = observation_from_document(doc, "jaeger")
    assert [(e.source, e.target) for e in obs.edges] == [("frontend:login", "passbird")]
    assert "frontend:login" in obs.services


def test_an_operation_the_manifest_lacks_is_observed_but_not_declared():
    # Its calls are judged per service (frontend declares passbird through login); the
    # operation itself is listed as observed but not declared.
    d = drift(G, observe(("frontend:signup", "passbird"), ("frontend:signup", "ads")))
    assert d.observed_not_declared == ("ads", "frontend:signup")
    assert [(u.source, u.target, u.source_declared) for u in d.undeclared] == [
        ("frontend:signup", "ads", False)]


PLAIN = """
services:
  web: {depends_on: [db]}
  db: {}
flows:
  home: {requires: [web], critical: true}
"""


def test_calls_to_operations_of_a_service_that_declares_none_count_as_the_service():
    # Traces name span operations (db:query, web:GET-home); the manifest declares no
    # operations at all: the call is web -> db, which the manifest declares.
    G_plain = dependency_graph(load_sources([("m.yaml", PLAIN)]).manifest)
    obs = Observation("otlp", (), ("db:query", "web:GET-home"),
                      (ObservedEdge("web:GET-home", "db:query", 3),
                       ObservedEdge("web:GET-home", "db:scan", 2)))
    d = drift(G_plain, obs)
    assert d.undeclared == () and d.stale == () and d.unjudged == 0
    assert d.observed_not_declared == ()
    assert d.matched == 1 and d.observed_edges == 1


def test_operations_of_a_service_without_operations_next_to_one_with_them():
    # frontend declares operations, config declares none: config:get is config
    d = drift(G, observe(("frontend:login", "passbird"), ("frontend:login", "config:get")))
    assert d.undeclared == () and d.observed_not_declared == ()
    assert d.stale == ()


def test_entry_points_split_at_the_service_boundary_not_the_first_colon():
    # Service names may hold colons, operation names may not: api:v2:GET-users is
    # operation GET-users of service api:v2, which declares no operations and which
    # a flow requires: the entry is covered. api:v3:GET-users is an operation of
    # api:v3, which nothing declares, not of api: no flow covers it.
    from pruner.analysis.drift import undeclared_flows

    G_colon = dependency_graph(load_sources([("m.yaml", """
services:
  api:v2: {}
  api: {}
flows:
  users: {requires: ["api:v2"]}
  root: {requires: [api]}
""")]).manifest)
    obs = Observation("otlp", (), ("api:v2",), (), (), (("api:v2:GET-users", 7),
                                                        ("api:v3:GET-users", 2)))
    assert [(u.entry, u.traces) for u in undeclared_flows(G_colon, obs)] == [
        ("api:v3:GET-users", 2)]


CRITICAL_OPS = """
services:
  web: {operations: {home: {}}}
  cache: {operations: {put: {}}}
  ads: {}
flows:
  home: {requires: ['web:home'], critical: true}
"""


def test_an_undeclared_operation_of_a_declared_service_stands_for_its_service():
    # web:home (a critical flow's path) calls cache:get, an operation cache does not
    # declare: cache, which no flow reaches, serves it, so the manifest calls prunable a
    # service the flow uses; web:signup, an operation web does not declare, calls ads
    # from web, which the critical flow reaches (as a call traced from web would be)
    G_ops = dependency_graph(load_sources([("m.yaml", CRITICAL_OPS)]).manifest)
    d = drift(G_ops, observe(("web:home", "cache:get"), ("web:signup", "ads")))
    assert [(u.source, u.target, u.critical_flows, u.source_declared, u.target_declared,
             u.target_uncovered) for u in d.undeclared] == [
        ("web:home", "cache:get", ("home",), True, False, True),
        ("web:signup", "ads", ("home",), False, True, True)]
    from pruner.render import render
    from pruner.report.drift import drift_report

    text = render(drift_report(G_ops, observe(("web:home", "cache:get"))), "text")
    assert ("web:home -> cache:get  (1 call; under critical flow home; callee not declared, its "
            "service reached by no flow: the manifest calls it prunable)") in text


def test_active_uncovered_services_name_each_caller_and_callee_once_sorted():
    # web:home calls cache through two operations, which both call ads and zz
    G_ops = dependency_graph(load_sources([("m.yaml", CRITICAL_OPS)]).manifest)
    d = drift(G_ops, observe(("web:home", "cache:put"), ("web:home", "cache:get"),
                             ("cache:get", "zz"), ("cache:get", "ads"), ("cache:put", "ads")))
    cache = next(t for t in d.uncovered_traffic if t.name == "cache")
    assert cache.callers == ("web:home",)
    assert cache.callees == ("ads", "zz")
    assert cache.calls_in == 2
