"""Analysis: pure functions of the dependency graph, with no I/O."""
