"""pruner.analysis.diff and the loader's assume_services option."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.diff import (
    DIFF_FAIL_ON,
    compare,
    diff_gate,
)
from pruner.analysis.evaluate import BROKEN, switch_off
from pruner.analysis.spof import single_points
from pruner.errors import ManifestError
from pruner.graph import dependency_graph
from pruner.loader import REMOVED, load, load_sources
from pruner.model import ANY_OF, AT_LEAST, SINGLE, Flow, Item, Manifest, Service
from tests.diffhelpers import ASSETS, ROOT


def scenario(name: str):
    old = load(ROOT / ASSETS / name / "old")
    new = load(ROOT / ASSETS / name / "new", assume_services=old.manifest.services)
    return compare(dependency_graph(old.manifest), dependency_graph(new.manifest), new.assumed)


def kinds(diff) -> dict[str, str]:
    return {f.name: f.kind for f in diff.flows if f.kind != "unchanged"}


# -- loader: assume_services ---------------------------------------------------

def test_assumed_names_become_placeholders_only_where_referenced():
    r = load_sources([("m.yaml", "services: {a: {depends_on: [gone]}}\nflows: "
                                 "{f: {requires: [{any_of: [a, gone2]}]}}")],
                     assume_services={"gone", "gone2", "unused"})
    assert r.assumed == ("gone", "gone2")
    assert set(r.manifest.services) == {"a", "gone", "gone2"}
    assert r.manifest.services["gone"].location.file == REMOVED
    assert r.manifest.services["gone"].depends_on == ()


def test_names_not_assumed_are_still_errors():
    with pytest.raises(ManifestError, match="unknown service 'typo'"):
        load_sources([("m.yaml", "services: {a: {depends_on: [gone, typo]}}")],
                     assume_services={"gone"})


def test_a_defined_service_is_never_a_placeholder():
    r = load_sources([("m.yaml", "services: {a: {depends_on: [b]}, b: }")],
                     assume_services={"b"})
    assert r.assumed == ()
    assert r.manifest.services["b"].location.file == "m.yaml"


def test_without_assumptions_nothing_changes():
    assert load_sources([("m.yaml", "services: {a: }")]).assumed == ()


# -- scenarios -----------------------------------------------------------------

def test_deleting_a_needed_service_breaks_its_flows():
    d = scenario("delete-needed-service-breaks")
    assert kinds(d) == {"login": "broken", "read-timeline": "broken"}
    assert [s.name for s in d.removed] == ["sms"] and d.dangling == ("sms",)
    # the removed service's location is its definition in the OLD version
    assert d.removed[0].location.file.endswith("old/services.yaml")
    gate = diff_gate(d)
    assert not gate.passed and gate.failing == (("login", "broken"), ("read-timeline", "broken"))


def test_removing_a_fallback_member_creates_a_single_point_of_failure():
    d = scenario("remove-fallback-gains-spof")
    login = next(f for f in d.flows if f.name == "login")
    assert login.kind == "spof" and login.new_spofs == ("provider-a",)
    assert login.new_state == "degraded"
    assert diff_gate(d).failing == (("login", "spof"), ("read-timeline", "spof"))
    assert diff_gate(d, "broken").passed


def test_softening_a_dependency_passes_and_is_reported():
    d = scenario("soften-dependency-passes")
    assert [(c.owner, c.change, c.item.describe()) for c in d.items] == [
        ("auth", "softened", "soft sms")]
    # sms was a single point of failure of both flows: it no longer is
    assert kinds(d) == {"login": "improved", "read-timeline": "improved"}
    assert {f.name: f.removed_spofs for f in d.flows if f.removed_spofs} == {
        "login": ("sms",), "read-timeline": ("sms",)}
    assert diff_gate(d, "degraded").passed


def test_adding_a_fallback_passes():
    d = scenario("add-fallback-passes")
    assert [s.name for s in d.added] == ["email"]
    # one modification of the item, not a removal and an addition
    assert [(c.change, c.before.describe(), c.item.describe()) for c in d.items] == [
        ("modified", "sms", "any_of [sms, email]")]
    assert kinds(d) == {"login": "improved", "read-timeline": "improved"}
    assert diff_gate(d, "degraded").passed


def test_deleting_a_critical_flow_is_a_finding_that_only_the_strict_gate_fails():
    d = scenario("delete-flow-warns")
    assert kinds(d) == {"login": "deleted"}
    assert diff_gate(d).passed
    assert diff_gate(d, "degraded").failing == (("login", "deleted"),)


def test_a_rename_is_recognised_and_gains_no_single_point_of_failure():
    d = scenario("rename-service-passes")
    assert d.renamed == (("sms", "sms-sender"),)
    assert d.items == () and kinds(d) == {}
    assert diff_gate(d, "degraded").passed


def test_a_description_edit_changes_nothing():
    d = scenario("description-edit-passes")
    assert kinds(d) == {} and d.items == () and d.owners == () and d.removed == ()
    assert diff_gate(d).passed


def test_owner_changes_are_reported():
    d = scenario("hostile-text-breaks")
    assert [(c.kind, c.name, c.old) for c in d.owners] == [("service", "auth", "identity")]


def test_demoting_a_critical_flow_fails_only_the_strict_gate():
    old = Manifest.from_lists([Service("a")], [Flow("f", (Item(SINGLE, ("a",)),))])
    new = Manifest.from_lists([Service("a")], [Flow("f", (Item(SINGLE, ("a",)),), critical=False)])
    d = compare(dependency_graph(old), dependency_graph(new))
    assert kinds(d) == {"f": "demoted"}
    assert diff_gate(d).passed and diff_gate(d, "degraded").failing == (("f", "demoted"),)


def test_gate_never_passes_everything_and_unknown_level_is_rejected():
    d = scenario("delete-needed-service-breaks")
    assert diff_gate(d, "never").passed
    with pytest.raises(ValueError):
        diff_gate(d, "sometimes")
    assert set(DIFF_FAIL_ON) == {"broken", "spof", "degraded", "never"}


# -- single points of failure against a brute-force oracle ---------------------

def oracle(G, flow, base=()):
    base = tuple(base)
    if switch_off(G, base).flows[flow] == BROKEN:
        return ()
    return tuple(sorted(s for s in G if s not in base
                        and switch_off(G, base + (s,)).flows[flow] == BROKEN))


@st.composite
def manifests(draw):
    n = draw(st.integers(2, 7))
    names = [f"s{i}" for i in range(n)]

    def item(owner=None):
        pool = [m for m in names if m != owner]
        members = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
        kind = draw(st.sampled_from([SINGLE, ANY_OF, AT_LEAST])) if len(members) > 1 else SINGLE
        need = 1 if kind != AT_LEAST else draw(st.integers(1, len(members)))
        return Item(kind, tuple(members), need, soft=draw(st.booleans()) and draw(st.booleans()))

    services = [Service(name, tuple(item(name) for _ in range(draw(st.integers(0, 2)))))
                for name in names]
    flows = [Flow(f"f{i}", tuple(item() for _ in range(draw(st.integers(1, 2)))))
             for i in range(draw(st.integers(1, 3)))]
    base = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    return Manifest.from_lists(services, flows), tuple(sorted(base))


@settings(max_examples=250, deadline=None)
@given(manifests())
def test_single_points_of_failure_match_brute_force(case):
    manifest, base = case
    G = dependency_graph(manifest)
    result = single_points(G, given_off=base)
    for flow in manifest.flows:
        assert result.flows[flow] == oracle(G, flow, base), flow


def test_single_points_of_failure_on_a_long_chain_is_fast():
    n = 100_000
    services = [Service(f"s{i}", (Item(SINGLE, (f"s{i + 1}",)),)) for i in range(n - 1)]
    services.append(Service(f"s{n - 1}"))
    G = dependency_graph(Manifest.from_lists(services, [Flow("f", (Item(SINGLE, ("s0",)),))]))
    assert len(single_points(G).flows["f"]) == n


def test_compare_is_independent_of_item_order():
    a = Item(SINGLE, ("a",))
    b = Item(ANY_OF, ("b", "c"))
    svcs = [Service("a"), Service("b"), Service("c")]
    for order in itertools.permutations([a, b]):
        old = Manifest.from_lists(svcs + [Service("x", (a, b))])
        new = Manifest.from_lists(svcs + [Service("x", order)])
        assert compare(dependency_graph(old), dependency_graph(new)).items == ()
