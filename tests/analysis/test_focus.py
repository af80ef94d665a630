import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.evaluate import BROKEN, switch_off
from pruner.analysis.focus import check_flows, focus
from pruner.analysis.hard import hard_support
from pruner.analysis.spof import single_points
from pruner.errors import UnknownNameError
from pruner.graph import dependency_graph
from pruner.model import ANY_OF, AT_LEAST, SINGLE, Flow, Item, Manifest, Service
from tests.render_helpers import graph_of


def test_focus_gives_breadth_first_distances_and_cuts_at_depth():
    G = graph_of("groups-soft-clusters.yaml")
    assert focus(G, ["login"]) == {"web": 1, "ads": 2, "auth": 2, "db-1": 3, "db-2": 3,
                                   "db-3": 3, "sms-a": 3, "sms-b": 3}
    assert focus(G, ["login"], depth=2) == {"web": 1, "ads": 2, "auth": 2}
    assert focus(G, ["browse"]) == {"ads": 1}
    assert "cron" not in focus(G, ["login", "browse"])


def test_focus_walks_a_chain_of_100000_services_without_recursion():
    n = 100_000
    services = [Service(f"s{i}", (Item(SINGLE, (f"s{i + 1}",)),)) for i in range(n - 1)]
    services.append(Service(f"s{n - 1}"))
    G = dependency_graph(Manifest.from_lists(services, [Flow("f", (Item(SINGLE, ("s0",)),))]))
    found = focus(G, ["f"])
    assert len(found) == n and found[f"s{n - 1}"] == n
    assert len(focus(G, ["f"], depth=10)) == 10
    assert len(hard_support(G, ["f"])) == n


def test_unknown_flow_names_a_close_match():
    G = graph_of("groups-soft-clusters.yaml")
    with pytest.raises(UnknownNameError, match="did you mean 'login'"):
        check_flows(G, ["logn"])


def test_hard_support_skips_soft_items():
    G = graph_of("groups-soft-clusters.yaml")
    assert hard_support(G, ["browse"]) == []
    assert "ads" not in hard_support(G, ["login"])


@st.composite
def manifests(draw):
    n = draw(st.integers(2, 7))
    names = [f"s{i}" for i in range(n)]
    services = []
    for i, name in enumerate(names):
        items = []
        later = names[i + 1:]
        for _ in range(draw(st.integers(0, 2)) if later else 0):
            members = draw(st.lists(st.sampled_from(later), min_size=1, max_size=3, unique=True))
            kind = draw(st.sampled_from([SINGLE, ANY_OF, AT_LEAST])) if len(members) > 1 else SINGLE
            need = 1 if kind != AT_LEAST else draw(st.integers(1, len(members)))
            items.append(Item(kind, tuple(members[:1]) if kind == SINGLE else tuple(members),
                              need, soft=draw(st.booleans())))
        services.append(Service(name, tuple(items)))
    flows = [Flow(f"f{j}", (Item(SINGLE, (draw(st.sampled_from(names)),)),))
             for j in range(draw(st.integers(1, 3)))]
    return Manifest.from_lists(services, flows)


@settings(max_examples=150, deadline=None)
@given(manifests())
def test_single_points_match_brute_force_over_every_service(manifest):
    G = dependency_graph(manifest)
    oracle = {f: tuple(s for s in sorted(G) if switch_off(G, [s]).flows[f] == BROKEN)
              for f in manifest.flows}
    assert single_points(G).flows == oracle


def test_single_points_of_a_small_manifest():
    G = graph_of("groups-soft-clusters.yaml")
    assert single_points(G).flows == {"browse": (), "login": ("auth", "web")}
