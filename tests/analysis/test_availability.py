"""Availability and importance (spec §9) against brute-force enumeration of every
combination of services being themselves down (tests/oracle.py evaluates each)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.availability import flow_availability
from pruner.graph import dependency_graph
from pruner.loader import load_sources
from pruner.model import Manifest
from tests.analysis.strategies import manifests
from tests.oracle import evaluate

PROBABILITIES = st.one_of(st.sampled_from([1.0, 1.0, 0.0, 0.5, 0.999, 0.9]),
                          st.floats(0.0, 1.0, allow_nan=False))


@st.composite
def manifests_with_availability(draw, max_services=7):
    G = draw(manifests(max_services=max_services))
    m = G.graph["manifest"]
    services = [replace(s, availability=draw(PROBABILITIES)) for s in m.services.values()]
    return Manifest.from_lists(services, m.flows.values())


def brute(manifest: Manifest, fixed: dict[str, bool] | None = None) -> dict[str, float]:
    """Probability that each flow is BROKEN, by enumerating every state; ``fixed``
    forces services down (True) or up (False)."""
    fixed = fixed or {}
    names = [n for n in manifest.services if n not in fixed]
    broken = dict.fromkeys(manifest.flows, 0.0)
    for state in product((False, True), repeat=len(names)):
        weight = 1.0
        for name, down in zip(names, state, strict=True):
            a = manifest.services[name].availability
            a = 1.0 if a is None else a
            weight *= (1.0 - a) if down else a
        if weight == 0.0:
            continue
        off = {n for n, down in zip(names, state, strict=True) if down}
        off |= {n for n, down in fixed.items() if down}
        _, flows = evaluate(manifest, off)
        for flow, st_ in flows.items():
            if st_ == "broken":
                broken[flow] += weight
    return broken


def close(a, b, rel):
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, rel=rel, abs=1e-12)


@settings(max_examples=80, deadline=None)
@given(manifests_with_availability())
def test_availability_and_importance_equal_enumeration(manifest):
    G = dependency_graph(manifest)
    result = flow_availability(G)
    u = brute(manifest)
    for flow, r in result.items():
        assert r.unavailability == pytest.approx(u[flow], rel=1e-9, abs=1e-15)
        assert r.availability == pytest.approx(1.0 - u[flow], rel=1e-9, abs=1e-15)
        for imp in r.importance:
            q = 1.0 - manifest.services[imp.service].availability
            u1 = brute(manifest, {imp.service: True})[flow]
            u0 = brute(manifest, {imp.service: False})[flow]
            assert imp.given_down == pytest.approx(u1, rel=1e-6, abs=1e-12)
            assert imp.given_up == pytest.approx(u0, rel=1e-6, abs=1e-12)
            assert imp.mif == pytest.approx(u1 - u0, rel=1e-6, abs=1e-12)
            uf = u[flow]
            assert close(imp.dif, q * u1 / uf if uf else None, 1e-6)
            assert close(imp.raw, u1 / uf if uf else None, 1e-6)
            assert close(imp.cif, q * (u1 - u0) / uf if uf else None, 1e-6)


@settings(max_examples=60, deadline=None)
@given(manifests_with_availability(), st.data())
def test_availability_with_services_down_equals_enumeration(manifest, data):
    """With services down for sure (``pruner diff``: what the change removes), the
    single points of failure are still factored out of the diagram: each flow's
    figures equal enumeration with those services fixed down."""
    G = dependency_graph(manifest)
    down = data.draw(st.lists(st.sampled_from(sorted(manifest.services)), max_size=2,
                              unique=True))
    fixed = dict.fromkeys(down, True)
    u = brute(manifest, fixed)
    for flow, r in flow_availability(G, down=down).items():
        assert r.unavailability == pytest.approx(u[flow], rel=1e-9, abs=1e-15)
        for imp in r.importance:
            if imp.service in fixed:
                continue
            u1 = brute(manifest, {**fixed, imp.service: True})[flow]
            u0 = brute(manifest, {**fixed, imp.service: False})[flow]
            assert imp.given_down == pytest.approx(u1, rel=1e-6, abs=1e-12)
            assert imp.given_up == pytest.approx(u0, rel=1e-6, abs=1e-12)
            assert imp.mif == pytest.approx(u1 - u0, rel=1e-6, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(manifests_with_availability())
def test_importance_lists_exactly_the_hard_support(manifest):
    from pruner.analysis.hard import hard_support

    G = dependency_graph(manifest)
    for flow, r in flow_availability(G).items():
        assert sorted(i.service for i in r.importance) == sorted(hard_support(G, [flow]))


def _graph(text: str):
    return dependency_graph(load_sources([("m.yaml", text)]).manifest)


def test_shared_service_is_counted_once():
    G = _graph("""
services:
  a: {availability: 0.9, depends_on: [db]}
  b: {availability: 0.9, depends_on: [db]}
  db: {availability: 0.5}
flows: {f: {requires: [{any_of: [a, b]}]}}
""")
    r = flow_availability(G)["f"]
    # db up (0.5) and at least one of a, b up (1 - 0.01): 0.495, not (1 - (1-0.45)^2)
    assert r.availability == pytest.approx(0.495, rel=1e-12)
    assert r.importance[0].service == "db"


def test_cycle_is_least_fixpoint():
    G = _graph("""
services:
  a: {depends_on: [b]}
  b: {depends_on: [a, c]}
  c: {availability: 0.9}
flows: {f: {requires: [a]}}
""")
    r = flow_availability(G)["f"]
    assert r.availability == pytest.approx(0.9, rel=1e-12)


def test_zero_denominators_are_none():
    G = _graph("""
services:
  web: {depends_on: [{any_of: [x, y]}]}
  x: {availability: 0.9}
  y: {}
flows: {f: {requires: [web]}}
""")
    r = flow_availability(G)["f"]
    assert r.unavailability == 0.0
    by = {i.service: i for i in r.importance}
    assert by["web"].mif == 1.0 and by["web"].raw is None and by["web"].rrw is None
    assert by["y"].mif == pytest.approx(0.1)


def test_long_chain_does_not_recurse():
    n = 3000
    lines = ["services:"]
    for i in range(n):
        dep = f", depends_on: [s{i + 1}]" if i + 1 < n else ""
        lines.append(f"  s{i}: {{availability: 0.99999{dep}}}")
    lines.append("flows: {f: {requires: [s0], target: 0.5}}")
    r = flow_availability(_graph("\n".join(lines)))["f"]
    assert r.availability == pytest.approx(0.99999 ** n, rel=1e-9)
    assert r.meets_target


def test_an_availability_near_zero_keeps_its_relative_precision():
    # Spec §9: relative error within 1e-9 on the availability itself. 1 - U cancels
    # when U is close to 1 (0.68 ** 60 = 8.9e-11 came out 5e-7 off).
    lines = ["services:"]
    lines += [f"  s{i}: {{availability: 0.68}}" for i in range(60)]
    lines += [f"  x{i}: {{availability: 0.5}}" for i in range(30)]
    lines += [f"  y{i}: {{availability: 0.5}}" for i in range(30)]
    lines.append(f"  x: {{depends_on: [{', '.join(f'x{i}' for i in range(30))}]}}")
    lines.append(f"  y: {{depends_on: [{', '.join(f'y{i}' for i in range(30))}]}}")
    lines.append("flows:")
    lines.append(f"  series: {{requires: [{', '.join(f's{i}' for i in range(60))}]}}")
    lines.append("  fallback: {requires: [{any_of: [x, y]}]}")  # no single point of failure
    r = flow_availability(_graph("\n".join(lines)))
    series = Fraction(0.68) ** 60
    fallback = 1 - (1 - Fraction(1, 2 ** 30)) ** 2
    assert r["series"].availability == pytest.approx(float(series), rel=1e-9, abs=0)
    assert r["fallback"].availability == pytest.approx(float(fallback), rel=1e-9, abs=0)
    assert r["series"].unavailability == pytest.approx(float(1 - series), rel=1e-12)


def test_operations_carry_their_own_availability():
    G = _graph("""
defaults: {availability: 0.5}
services:
  frontend:
    availability: 0.999
    operations:
      login: {availability: 0.99, depends_on: [auth]}
      search: {depends_on: [idx]}
  auth: {availability: 0.9}
  idx: {}
flows:
  login: {requires: ["frontend:login"]}
  search: {requires: ["frontend:search"]}
""")
    r = flow_availability(G)
    # the operation, its service and its own dependency, each failing on its own
    assert r["login"].availability == pytest.approx(0.999 * 0.99 * 0.9, rel=1e-12)
    # the default applies to services (idx), not to operations (search keeps 1)
    assert r["search"].availability == pytest.approx(0.999 * 0.5, rel=1e-12)
    by = {i.service: i for i in r["search"].importance}
    assert set(by) == {"frontend", "frontend:search", "idx"}
    assert by["frontend:search"].availability == 1.0
    assert by["frontend:search"].mif == pytest.approx(0.999 * 0.5)  # U1 = 1, U0 = 1 - A


@settings(max_examples=40, deadline=None)
@given(manifests_with_availability(max_services=5), st.data())
def test_common_causes_equal_enumeration(manifest, data):
    """Common-cause groups declared in YAML: the loaded manifest (groups compiled into
    nodes) against enumeration, and the group's node behaves as a basic event."""
    import json

    from tests.strategies import document

    doc = document(manifest)
    for name, svc in manifest.services.items():
        doc["services"][name]["availability"] = svc.availability
    names = sorted(manifest.services)
    groups = {}
    for g in range(data.draw(st.integers(1, 2))):
        members = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3,
                                     unique=True))
        groups[f"cc{g}"] = {"availability": data.draw(PROBABILITIES), "services": members}
    doc["common_causes"] = groups
    loaded = load_sources([("m.yaml", json.dumps(doc))]).manifest
    assert all(loaded.services[g].common_cause for g in groups)
    result = flow_availability(dependency_graph(loaded))
    u = brute(loaded)
    for flow, r in result.items():
        assert r.unavailability == pytest.approx(u[flow], rel=1e-9, abs=1e-15)


@settings(max_examples=150, deadline=None)
@given(manifests(max_services=14, max_flows=6), st.data())
def test_flows_computed_together_equal_each_flow_alone(G, data):
    """Flows share the diagrams of the services they share (a service met before
    anything it needs is loaded from an earlier flow, not rebuilt): each flow's
    numbers are exactly, bit for bit, those it gets computed alone."""
    m = G.graph["manifest"]
    services = [replace(s, availability=data.draw(PROBABILITIES)) for s in m.services.values()]
    G = dependency_graph(Manifest.from_lists(services, m.flows.values()))
    down = data.draw(st.lists(st.sampled_from(sorted(m.services)), max_size=2, unique=True))
    importance = data.draw(st.booleans())
    together = flow_availability(G, importance=importance, down=down)
    for flow in G.graph["flows"]:
        alone = flow_availability(G, [flow], importance=importance, down=down)
        assert alone[flow] == together[flow]


def test_a_service_built_for_one_flow_is_loaded_by_the_next():
    """The second flow loads the quorum's diagram the first flow built (fewer nodes
    made than building it: no intermediate diagrams), with the same numbers; it is
    kept because it is no single point of failure of the first flow (``spare``
    backs it up there), and loaded restricted to the second flow's own."""
    from pruner.analysis.availability import _Diagrams

    replicas = [f"r{i}" for i in range(8)]
    G = dependency_graph(load_sources([("m.yaml", f"""
services:
  front: {{availability: 0.999, depends_on: [{{at_least: 4, of: [{', '.join(replicas)}]}}]}}
  web: {{availability: 0.99, depends_on: [front]}}
  spare: {{availability: 0.9}}
{''.join(f'  {r}: {{availability: 0.9}}{chr(10)}' for r in replicas)}
flows: {{a: {{requires: [{{any_of: [front, spare]}}]}}, b: {{requires: [web]}}}}""")]).manifest)
    shared = _Diagrams(G, ("a", "b"), frozenset(), lambda: None, None)
    shared.flow(0)
    assert shared.kept  # 'front' and its replicas: closed in flow a
    b_shared, f_shared, _, singles = shared.flow(1)
    assert len(singles) == 2  # web and front: never down by themselves in b's diagram
    alone = _Diagrams(G, ("b",), frozenset(), lambda: None, None)
    b_alone, f_alone, _, _ = alone.flow(0)
    assert len(b_shared) < len(b_alone)
    assert len(b_shared.nodes_of(f_shared)) == len(b_alone.nodes_of(f_alone))
    assert flow_availability(G)["b"] == flow_availability(G, ["b"])["b"]


def test_a_block_holding_a_single_point_of_failure_is_not_kept():
    """In flow a, front is a single point of failure: its diagram there is
    restricted to front up, not front's whole function, so it is not kept."""
    from pruner.analysis.availability import _Diagrams

    G = _graph("""
services:
  front: {availability: 0.999, depends_on: [{any_of: [r1, r2]}]}
  web: {availability: 0.99, depends_on: [{any_of: [front, spare]}]}
  spare: {availability: 0.9}
  r1: {availability: 0.9}
  r2: {availability: 0.9}
flows: {a: {requires: [front]}, b: {requires: [web]}}""")
    shared = _Diagrams(G, ("a", "b"), frozenset(), lambda: None, None)
    shared.flow(0)
    assert not shared.kept
    assert flow_availability(G)["b"] == flow_availability(G, ["b"])["b"]
    u = 1 - (1 - 0.01) * (1 - (1 - 0.999 * (1 - 0.1 * 0.1)) * 0.1)
    assert flow_availability(G)["b"].unavailability == pytest.approx(u, rel=1e-12)


@pytest.mark.parametrize("shape", ["chain", "quorum"])
def test_services_tied_in_exact_arithmetic_are_listed_by_name(shape):
    """Links of a chain, replicas of a quorum: every factor is equal in exact
    arithmetic, and comes out a rounding error apart; the harden-first order is then
    the names', not the last bits'."""
    n = 400
    names = [f"s{i:03d}" for i in range(n)]
    lines = ["services:"]
    if shape == "chain":
        for i, name in enumerate(names):
            dep = f", depends_on: [{names[i + 1]}]" if i + 1 < n else ""
            lines.append(f"  {name}: {{availability: 0.999{dep}}}")
        lines.append(f"flows: {{f: {{requires: [{names[0]}]}}}}")
    else:
        lines += [f"  {name}: {{availability: 0.9}}" for name in names[:9]]
        lines.append(f"  q: {{depends_on: [{{at_least: 5, of: [{', '.join(names[:9])}]}}]}}")
        lines.append("flows: {f: {requires: [q]}}")
        names = names[:9]
    r = flow_availability(_graph("\n".join(lines)))["f"]
    listed = [i.service for i in r.importance if i.service in names]
    assert listed == names
    assert len({(i.dif, i.mif, i.raw) for i in r.importance if i.service in names}) > 1 \
        or shape == "quorum"  # the chain's factors do differ in their last bits


GATE_TREE = """
services:
  top: {depends_on: [{any_of: [g1, g2]}]}
  g1: {depends_on: [e1, e2]}
  g2: {depends_on: [g3, e4]}
  g3: {depends_on: [{any_of: [e3, e2]}, g4]}
  g4: {depends_on: [{at_least: 2, of: [e1, e3, e4]}]}
  e1: {availability: 0.9}
  e2: {availability: 0.8}
  e3: {availability: 0.7}
  e4: {availability: 0.95}
flows: {f: {requires: [top]}}
"""


def test_gates_named_by_one_plain_dependency_have_their_owners_importance():
    """Gates (no availability of their own) that one plain dependency names matter only
    through its owner and get no variable of their own (g3 through g2, g4 through g3,
    top through the flow); every figure still equals enumeration."""
    G = _graph(GATE_TREE)
    manifest = G.graph["manifest"]
    r = flow_availability(G)["f"]
    u = brute(manifest)["f"]
    assert r.unavailability == pytest.approx(u, rel=1e-12)
    by_name = {i.service: i for i in r.importance}
    for name in ("top", "g1", "g2", "g3", "g4", "e1", "e2", "e3", "e4"):
        u1 = brute(manifest, {name: True})["f"]
        u0 = brute(manifest, {name: False})["f"]
        imp = by_name[name]
        assert (imp.given_down, imp.given_up, imp.mif) == pytest.approx((u1, u0, u1 - u0),
                                                                         rel=1e-12), name
    assert by_name["g4"].given_down == by_name["g3"].given_down == by_name["g2"].given_down
    assert by_name["g4"].given_down < 1.0 and by_name["top"].given_down == 1.0


@st.composite
def gate_heavy_manifests(draw):
    """Most services without an availability of their own, as a fault tree's gates."""
    G = draw(manifests(max_services=7))
    m = G.graph["manifest"]
    services = [replace(s, availability=draw(st.sampled_from([None, None, 1.0, 0.9, 0.5])))
                for s in m.services.values()]
    return Manifest.from_lists(services, m.flows.values())


@settings(max_examples=80, deadline=None)
@given(gate_heavy_manifests())
def test_importance_of_never_down_services_equals_enumeration(manifest):
    G = dependency_graph(manifest)
    u = brute(manifest)
    for flow, r in flow_availability(G).items():
        for imp in r.importance:
            u1 = brute(manifest, {imp.service: True})[flow]
            u0 = brute(manifest, {imp.service: False})[flow]
            assert imp.given_down == pytest.approx(u1, rel=1e-6, abs=1e-12)
            assert imp.given_up == pytest.approx(u0, rel=1e-6, abs=1e-12)
        assert r.unavailability == pytest.approx(u[flow], rel=1e-9, abs=1e-15)


def _extra_nine_pair(old_text: str, new_text: str):
    old = load_sources([("old.yaml", old_text)])
    new = load_sources([("new.yaml", new_text)], assume_services=old.manifest.services)
    return (dependency_graph(old.manifest), dependency_graph(new.manifest),
            new.assumed)


NINES = """
services:
  web: {availability: 0.99995, depends_on: [db]}
  db: {availability: 0.998}
flows: {f: {requires: [web], target: 0.999, critical: true}}
"""


def test_extra_nine_warnings_are_compared_by_flow_and_dependency_not_by_text():
    from pruner.analysis.availability import new_extra_nines
    from pruner.report.diff import diff_report

    # db a little worse: the same two warnings, worded with other figures: nothing new
    G_old, G_new, _ = _extra_nine_pair(NINES, NINES.replace("0.998", "0.997"))
    assert new_extra_nines(G_old, G_new) == ()
    # db renamed database (diff knows it: same body, every reference moved): nothing new
    renamed = NINES.replace("[db]", "[database]").replace("  db:", "  database:")
    G_old, G_new, assumed = _extra_nine_pair(NINES, renamed)
    assert new_extra_nines(G_old, G_new, renamed={"db": "database"}) == ()
    report = diff_report(G_old, G_new, assumed, fail_on="extra-nine")
    assert report.diff.renamed == (("db", "database"),)
    assert report.extra_nines == () and report.gate.passed
    # a new single point of failure without its extra nine is new, under its new name
    cache = renamed.replace("[database]", "[database, cache]").replace(
        "flows:", "  cache: {availability: 0.999}\nflows:")
    G_old, G_new, assumed = _extra_nine_pair(NINES, cache)
    found = new_extra_nines(G_old, G_new, renamed={"db": "database"})
    assert [(flow, "'cache'" in message) for flow, message in found] == [("f", True)]


def test_extra_nine_judges_single_points_of_failure_by_structure():
    # db-b is never up, so losing db-a alone breaks the flow -- but db-a is no single
    # point of failure: a fallback stands beside it. Members of a group are judged
    # through their group (docs/availability.md); only the target warning is given,
    # and it names db-a as the largest contributor, not as a cap.
    from pruner.analysis.availability import extra_nine

    G = _graph("""
services:
  web: {depends_on: [{any_of: [db-a, db-b]}]}
  db-a: {availability: 0.99}
  db-b: {availability: 0.0}
flows: {f: {requires: [web], target: 0.995, critical: true}}
""")
    [message] = [p.message for p in extra_nine(G)]
    # given the availabilities, the single points are searched for alone: the same
    assert [p.message for p in extra_nine(G, flow_availability(G))] == [message]
    assert message.startswith("flow 'f' has target 99.50% but its hard dependencies give at "
                              "most 99.00%: 'db-a' contributes most")
    # the same flow on one database: db-a is a single point of failure, and says so twice
    G = _graph("""
services:
  web: {depends_on: [db-a]}
  db-a: {availability: 0.99}
flows: {f: {requires: [web], target: 0.995, critical: true}}
""")
    messages = [p.message for p in extra_nine(G)]
    assert [p.message for p in extra_nine(G, flow_availability(G))] == messages
    assert [m.split(":")[1].strip()[:14] for m in messages] == ["capped by 'db-", "a single point"]
