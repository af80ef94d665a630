import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.evaluate import switch_off
from pruner.errors import UnknownNameError
from pruner.report.diagram import FLOW, JUNCTION, SERVICE, diagram_report
from tests.analysis.strategies import manifests
from tests.render_helpers import graph_of


def states(d):
    return {n.id: n.state for n in d.nodes}


def test_overlay_paints_off_down_degraded_and_the_failing_path():
    G = graph_of("groups-soft-clusters.yaml")
    d = diagram_report(G, switch_off(G, ["sms-a", "sms-b"]))
    s = states(d)
    assert s["svc:sms-a"] == s["svc:sms-b"] == "off"
    assert s["svc:auth"] == "down" and s["svc:web"] == "down"
    assert s["flow:login"] == "broken" and s["flow:browse"] == "ok"
    assert s["svc:auth#0"] == "down"      # the any_of junction failed
    assert s["svc:auth#1"] == "up"        # the quorum holds
    failing = {(e.tail, e.head) for e in d.edges if e.trouble == "down"}
    assert failing == {("flow:login", "svc:web"), ("svc:web", "svc:auth"),
                       ("svc:auth", "svc:auth#0"), ("svc:auth#0", "svc:sms-a"),
                       ("svc:auth#0", "svc:sms-b")}


def test_soft_edges_and_junction_labels():
    G = graph_of("groups-soft-clusters.yaml")
    d = diagram_report(G)
    soft = {(e.tail, e.head) for e in d.edges if e.soft}
    assert soft == {("svc:web", "svc:ads"), ("flow:browse", "svc:ads")}
    labels = {n.id: n.name for n in d.nodes if n.kind == JUNCTION}
    assert labels == {"svc:auth#0": "any 1 of 2", "svc:auth#1": "2 of 3"}
    assert not d.overlay and all(e.trouble is None for e in d.edges)


def test_flow_focus_and_depth_keep_what_the_flow_stands_on():
    G = graph_of("groups-soft-clusters.yaml")
    d = diagram_report(G, flows=["browse"])
    assert [n.id for n in d.nodes] == ["flow:browse", "svc:ads"]
    d = diagram_report(G, flows=["login"], depth=1)
    web = next(n for n in d.nodes if n.id == "svc:web")
    assert web.notes == ("+2 more dependencies",)
    assert {n.id for n in d.nodes if n.kind == SERVICE} == {"svc:web"}
    with pytest.raises(UnknownNameError):
        diagram_report(G, flows=["nope"])


def test_clusters_by_system_owner_or_none():
    G = graph_of("groups-soft-clusters.yaml")
    by_system = {c.label: c.nodes for c in diagram_report(G).clusters}
    assert by_system["system: login"] == ("svc:auth", "svc:auth#0", "svc:auth#1")
    assert "system: storage" in by_system
    by_owner = {c.label for c in diagram_report(G, cluster_by="owner").clusters}
    assert by_owner == {"owner: frontend", "owner: identity"}
    assert diagram_report(G, cluster_by="none").clusters == ()


def test_uncovered_service_is_marked_and_flows_come_first():
    G = graph_of("groups-soft-clusters.yaml")
    d = diagram_report(G)
    cron = next(n for n in d.nodes if n.id == "svc:cron")
    assert "no flow reaches it" in cron.notes
    assert [n.kind for n in d.nodes[:2]] == [FLOW, FLOW]
    assert diagram_report(G) == d  # deterministic


def _old_order(nodes):
    """The order diagram_report once sorted its nodes into: flows, then services and
    operations, each by id (then the junctions, by id)."""
    return sorted(nodes, key=lambda n: (n.kind != FLOW, n.id))


@pytest.mark.parametrize("name", ["hostile-names-escaped", "operations-inside-services.yaml"])
def test_nodes_come_flows_first_then_services_each_by_id(name):
    """The services' nodes are made in name order, so in id order (one prefix), and
    only the flows' are sorted: the same order as sorting them all."""
    G = graph_of(name)
    for off in ((), sorted(G)[:1], sorted(G)[-2:]):
        for flows in ((), tuple(G.graph["flows"])[-1:]):
            d = diagram_report(G, switch_off(G, off), flows=flows)
            plain = [n for n in d.nodes if n.kind != JUNCTION]
            junctions = d.nodes[len(plain):]
            assert plain == _old_order(plain)
            assert all(n.kind == JUNCTION for n in junctions)
            assert list(junctions) == sorted(junctions, key=lambda n: n.id)


@settings(max_examples=60, deadline=None)
@given(manifests(max_flows=4), st.data())
def test_node_order_on_any_manifest(G, data):
    off = data.draw(st.lists(st.sampled_from(sorted(G)), max_size=2))
    d = diagram_report(G, switch_off(G, off))
    plain = [n for n in d.nodes if n.kind != JUNCTION]
    assert plain == _old_order(plain)
    assert [n.id for n in d.nodes[len(plain):]] == sorted(n.id for n in d.nodes[len(plain):])
