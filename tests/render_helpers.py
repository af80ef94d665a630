"""Shared helpers for the diagram tests: load an asset, compare against a golden file."""

from __future__ import annotations

import os
from pathlib import Path

from pruner.graph import dependency_graph
from pruner.loader import load

TESTS = Path(__file__).parent
ASSETS = TESTS / "assets" / "render"
GOLDEN = TESTS / "golden" / "render"
REPO = TESTS.parent


def graph_of(name: str):
    return dependency_graph(load(str(ASSETS / name)).manifest)


def assert_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``tests/golden/render/<name>``; PRUNER_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("PRUNER_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{path} differs (PRUNER_UPDATE_GOLDEN=1)"
