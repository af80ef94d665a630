from pruner.graph import dependency_graph, flow_roots
from pruner.loader import load_sources


def test_edges_carry_items_softness_and_groups():
    m = load_sources([("m.yaml", """
services:
  api: {depends_on: [db, {any_of: [db, cache], soft: true}, {at_least: 2, of: [z1, z2, z3]}]}
  db: {}
  cache: {}
  z1: {}
  z2: {}
  z3: {}
flows:
  f: {requires: [api, {service: cache, soft: true}]}
""")]).manifest
    G = dependency_graph(m)
    assert G.edges["api", "db"] == {"items": (0, 1), "soft": False, "kind": "service", "need": 1}
    assert G.edges["api", "cache"]["soft"] is True
    assert G.edges["api", "z1"]["kind"] == "at_least" and G.edges["api", "z1"]["need"] == 2
    assert sorted(G.predecessors("db")) == ["api"]
    assert G.graph["flows"]["f"].requires[0].members == ("api",)
    assert flow_roots(G) == ["api", "cache"]
    assert G.nodes["api"]["service"] is m.services["api"]
