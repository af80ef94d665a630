"""Drift analysis: each asset in tests/assets/drift/ is named for its outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from pruner.analysis.drift import (
    Observation,
    ObservedEdge,
    drift,
    drift_gate,
    merge_observations,
    observation_from_document,
    observation_from_manifest,
)
from pruner.graph import dependency_graph
from pruner.importers.observe import detect_kind, observe
from pruner.loader import load_sources
from tests.conftest import ASSETS

DRIFT = ASSETS / "drift"


def _graph(text: str):
    return dependency_graph(load_sources([("m.yaml", text)]).manifest)


def _case(name: str):
    folder = DRIFT / name
    G = dependency_graph(load_sources([("manifest.yaml", (folder / "manifest.yaml").read_text())])
                         .manifest)
    [observed] = [p for p in folder.iterdir() if p.name.startswith("observed")]
    return G, observe([str(observed)])


def test_undeclared_call_under_critical_flow_fails():
    G, obs = _case("undeclared-call-under-critical-flow-fails")
    d = drift(G, obs)
    assert [(u.source, u.target) for u in d.undeclared] == [("auth", "risk-scoring")]
    u = d.undeclared[0]
    assert u.critical_flows == ("login",) and u.calls == 97
    assert u.source_declared and u.target_declared and u.target_uncovered
    assert d.matched == 2 and d.stale == () and d.observed_not_declared == ()
    gate = drift_gate(d)
    assert not gate.passed and gate.failing == ("auth -> risk-scoring",)
    assert drift_gate(d, "never").passed


def test_stale_declaration_warns_and_unseen_services_are_not_judged():
    G, obs = _case("stale-declaration-warns")
    d = drift(G, obs)
    assert [(s.source, s.target, s.soft) for s in d.stale] == [("web", "cache", True)]
    assert d.stale[0].note == "page cache"
    assert str(d.stale[0].location).endswith("manifest.yaml:4:26")
    assert d.unjudged == 1  # web -> search: search never appears in the traces
    assert d.undeclared == () and drift_gate(d, "undeclared").passed


def test_observed_undeclared_service():
    G, obs = _case("observed-undeclared-service")
    assert obs.kind == "manifest"
    d = drift(G, obs)
    assert d.observed_not_declared == ("billing-batch",)
    [u] = d.undeclared
    assert (u.source, u.target, u.source_declared, u.critical_flows) == (
        "billing-batch", "orders-db", False, ())
    assert u.evidence == "nightly export"
    assert drift_gate(d).passed and not drift_gate(d, "undeclared").passed


def test_traffic_to_uncovered_service():
    G, obs = _case("traffic-to-uncovered-service")
    d = drift(G, obs)
    [t] = d.uncovered_traffic
    assert (t.name, t.callers, t.callees, t.calls_in) == ("legacy-reports", ("cron",), ("db",), 2)
    assert d.observed_not_declared == ("cron",)
    assert drift_gate(d).passed


def test_non_critical_flow_does_not_gate():
    G = _graph("services: {a: , b: }\nflows: {f: {critical: false, requires: [a]}}")
    d = drift(G, Observation("jaeger", (), ("a", "b"), (ObservedEdge("a", "b"),)))
    assert d.undeclared[0].critical_flows == () and drift_gate(d).passed


def test_group_members_count_as_declared_and_critical_undeclared_sort_first():
    G = _graph("services: {a: {depends_on: [{any_of: [b, c]}]}, b: , c: , z: }\n"
               "flows: {f: {requires: [a]}}")
    obs = Observation("x", (), ("a", "b", "c", "z"),
                      (ObservedEdge("a", "c"), ObservedEdge("b", "z"), ObservedEdge("z", "a")))
    d = drift(G, obs)
    assert [(u.source, u.target) for u in d.undeclared] == [("b", "z"), ("z", "a")]
    assert d.undeclared[0].critical_flows == ("f",)
    assert [(s.source, s.target, s.group) for s in d.stale] == [("a", "b", True)]


def test_observation_from_document_reads_groups_and_call_counts():
    doc = {"services": {"a": {"depends_on": ["b", {"any_of": ["b", "c"], "note": "x"},
                                              {"at_least": 1, "of": ["d"]},
                                              {"service": "e", "note": "observed: 1 call"}]}}}
    obs = observation_from_document(doc, "k8s")
    assert [(e.target, e.calls) for e in obs.edges] == [("b", None), ("c", None), ("d", None),
                                                         ("e", 1)]
    assert obs.services == ("a", "b", "c", "d", "e")


def test_observation_from_manifest_is_every_declared_edge():
    m = load_sources([("m.yaml", "services: {a: {depends_on: [b, {any_of: [b, c]}]}, b: , c: }")])
    obs = observation_from_manifest(m.manifest, sources=("m.yaml",))
    assert [(e.source, e.target) for e in obs.edges] == [("a", "b"), ("a", "c")]


def test_call_counts_are_read_from_observed_evidence():
    # A manifest written by an import or drift --update carries its counts in the
    # evidence (`traces 97 calls`), its note is prose: the count is the evidence's.
    m = load_sources([("m.yaml", """
services:
  a:
    depends_on:
      - {service: b, note: called in every run (40), evidence: "traces 97 calls, in 40 of 40 runs"}
      - {service: c, evidence: [compose f.yaml, {traces: "12 calls"}]}
      - {service: d, evidence: {source: jaeger, calls: 5}}
      - {service: e, note: "observed: 3 calls"}
      - {service: f, evidence: "compose f.yaml 9 calls"}
  b: {}
  c: {}
  d: {}
  e: {}
  f: {}
""")])
    obs = observation_from_manifest(m.manifest)
    assert [(e.target, e.calls) for e in obs.edges] == [
        ("b", 97), ("c", 12), ("d", 5), ("e", 3), ("f", None)]
    assert obs.edges[0].proof == "traces: 97 calls, in 40 of 40 runs"
    # the same in plain-data form (an import result: what OTLP and Jaeger traces give)
    doc = {"services": {"a": {"depends_on": [
        {"service": "b", "note": "called in every run (4)",
         "evidence": ["traces 4 calls, in 4 of 4 runs"]},
        {"service": "c", "evidence": [{"traces": "2 calls"}]},
        {"service": "d", "evidence": [{"source": "servicegraph", "calls": 6}]},
        {"service": "f", "evidence": ["k8s deploy.yaml 9 calls"]}]}}}
    obs = observation_from_document(doc, "otlp")
    assert [(e.target, e.calls) for e in obs.edges] == [
        ("b", 4), ("c", 2), ("d", 6), ("f", None)]


def test_merge_sums_calls_and_keeps_unknown_counts_unknown():
    a = Observation("zipkin", ("1",), ("a", "b"), (ObservedEdge("a", "b", 2, "x"),
                                                   ObservedEdge("b", "c")))
    b = Observation("zipkin", ("2",), ("b", "c"), (ObservedEdge("a", "b", 5, "y"),
                                                   ObservedEdge("b", "c")))
    m = merge_observations([a, b])
    assert m.kind == "zipkin" and m.sources == ("1", "2")
    assert [(e.source, e.target, e.calls, e.evidence) for e in m.edges] == [
        ("a", "b", 7, "x; y"), ("b", "c", None, None)]


def test_drift_is_identical_to_itself_when_observing_the_manifest():
    G, _ = _case("stale-declaration-warns")
    d = drift(G, observation_from_manifest(G.graph["manifest"]))
    assert d.undeclared == () and d.stale == () and d.matched == d.declared_edges == 4


def test_long_chain_does_not_recurse():
    n = 20_000
    lines = [f"  s{i}: {{depends_on: [s{i + 1}]}}" for i in range(n)] + [f"  s{n}:"]
    G = _graph("services:\n" + "\n".join(lines) + "\nflows: {f: {requires: [s0]}}")
    obs = Observation("x", (), (f"s{n}", "extra"), (ObservedEdge(f"s{n}", "extra"),))
    [u] = drift(G, obs).undeclared
    assert u.critical_flows == ("f",)


@pytest.mark.parametrize("name,kind", [
    ("undeclared-call-under-critical-flow-fails/observed.json", "jaeger"),
    ("stale-declaration-warns/observed.json", "zipkin"),
    ("observed-undeclared-service/observed.yaml", "manifest"),
])
def test_detect_kind(name, kind):
    assert detect_kind(str(DRIFT / name)) == kind


def test_detect_kind_of_corpus_trace_folder(tmp_path: Path):
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    assert detect_kind(str(corpus / "train-ticket" / "zipkin-v1-traces")) == "zipkin"


# --- a property against a brute-force oracle --------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.strategies import NAMES, manifests  # noqa: E402


def _reach(manifest, starts) -> set[str]:
    """Services reachable from ``starts`` along every item (hard or soft), by search."""
    seen, todo = set(), list(starts)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [m for item in manifest.services[name].depends_on for m in item.members]
    return seen


@settings(max_examples=200, deadline=None)
@given(manifests(), st.lists(st.tuples(st.sampled_from(NAMES + ["x1", "x2"]),
                                       st.sampled_from(NAMES + ["x1", "x2"])), max_size=12),
       st.lists(st.sampled_from(NAMES + ["x3"]), max_size=3))
def test_drift_equals_a_brute_force_comparison(manifest, pairs, quiet):
    from pruner.analysis.drift import Observation, ObservedEdge, drift
    from pruner.graph import dependency_graph

    edges = sorted({(a, b) for a, b in pairs if a != b})
    observation = Observation("zipkin", (), tuple(sorted(set(quiet))),
                              tuple(ObservedEdge(a, b, 1) for a, b in edges))
    d = drift(dependency_graph(manifest), observation)
    declared = {(name, m) for name, svc in manifest.services.items()
                for item in svc.depends_on for m in item.members}
    seen = set(quiet) | {n for e in edges for n in e}
    flows = manifest.flows
    covered = _reach(manifest, {m for f in flows.values() for i in f.requires for m in i.members})
    critical = {}
    for name, flow in sorted(flows.items()):
        if flow.critical:
            for s in _reach(manifest, {m for i in flow.requires for m in i.members}):
                critical.setdefault(s, []).append(name)
    assert {(u.source, u.target) for u in d.undeclared} == set(edges) - declared
    for u in d.undeclared:
        assert u.critical_flows == tuple(critical.get(u.source, ()))
        assert u.source_declared == (u.source in manifest.services)
        assert u.target_uncovered == (u.target in manifest.services and u.target not in covered)
    assert {(s.source, s.target) for s in d.stale} == {
        (a, b) for a, b in declared - set(edges) if a in seen and b in seen}
    assert d.unjudged == len({(a, b) for a, b in declared - set(edges)
                              if a not in seen or b not in seen})
    assert d.matched == len(declared & set(edges))
    assert d.observed_not_declared == tuple(sorted(seen - set(manifest.services)))
    assert {t.name for t in d.uncovered_traffic} == {
        n for n in manifest.services if n not in covered and any(n in e for e in edges)}


COMMON_CAUSE = """
services:
  web: {depends_on: [{any_of: [db-a, db-b]}]%s}
  db-a: {}
  db-b: {}
common_causes:
  az-1: {availability: 0.999, services: [db-a, db-b]}
flows:
  home: {requires: [web], critical: true}
"""


@pytest.mark.parametrize("operations", ["", ", operations: {home: {}}"])
def test_a_common_cause_group_is_no_dependency_and_no_observed_service(operations):
    # db-a and db-b fail together with az-1: no call goes to az-1, so drift neither
    # counts nor judges it, and a manifest compared with itself says so on both sides
    G = _graph(COMMON_CAUSE % operations)
    traces = Observation("jaeger", (), ("db-a", "db-b", "web"),
                         (ObservedEdge("web", "db-a", 5), ObservedEdge("web", "db-b", 1)))
    d = drift(G, traces)
    assert (d.declared_edges, d.matched, d.unjudged, d.stale, d.undeclared) == (2, 2, 0, (), ())
    itself = observation_from_manifest(G.graph["manifest"])
    assert "az-1" not in itself.services
    assert [(e.source, e.target) for e in itself.edges] == [("web", "db-a"), ("web", "db-b")]
    d = drift(G, itself)
    assert (d.declared_edges, d.observed_edges, d.matched, d.undeclared) == (2, 2, 2, ())
