"""The house rules that import-linter's layer contracts do not state: no import cycle
between any two of pruner's modules (issue 23 §2). A cycle, even through a function-level
import, means two modules each need the other: their shared part belongs in a third."""

from __future__ import annotations

import grimp
import networkx as nx


def test_no_module_imports_back_into_one_that_imports_it():
    graph = grimp.build_graph("pruner")
    G = nx.DiGraph()
    for module in graph.modules:
        G.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.split(".")[0] == "pruner" and imported != module:
                G.add_edge(module, imported)
    # A package's __init__ naming its own submodules is how Python packages work, not a
    # knot: edges from a package to its own children are left out.
    G.remove_edges_from([(a, b) for a, b in list(G.edges) if b.startswith(a + ".")])
    knots = sorted(sorted(c) for c in nx.strongly_connected_components(G) if len(c) > 1)
    assert knots == [], f"import cycles: {knots}"
