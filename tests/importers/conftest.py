"""Shared helpers for the importer tests: corpus location and a manifest-v1 checker."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"
ASSETS = REPO / "tests" / "assets" / "importers"

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-:/@]{0,252}\Z")
SERVICE_KEYS = {"description", "owner", "system", "tier", "tags", "depends_on", "operations",
                "evidence", "external"}
EVIDENCE_SOURCES = {"declared", "traces", "servicegraph", "jaeger", "compose", "k8s",
                    "networkpolicy", "catalog", "image", "address-book"}


def _evidence(value: Any) -> None:
    """Importers write evidence as a list of 'SOURCE DETAIL' texts (docs/manifest.md)."""
    assert isinstance(value, list) and value, value
    for entry in value:
        assert isinstance(entry, str) and entry.split(" ", 1)[0] in EVIDENCE_SOURCES, entry
OPERATION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/@]{0,252}\Z")  # no ':' (spec §8)


def _members(item: Any) -> list[str]:
    if isinstance(item, str):
        return [item]
    assert isinstance(item, dict), item
    assert set(item) <= {"service", "any_of", "at_least", "of", "soft", "startup", "note",
                         "evidence"}, item
    if "evidence" in item:
        _evidence(item["evidence"])
    if "service" in item:
        assert not {"any_of", "of", "at_least"} & set(item)
        return [item["service"]]
    if "any_of" in item:
        members = item["any_of"]
    else:
        members = item["of"]
        assert isinstance(item["at_least"], int) and 1 <= item["at_least"] <= len(members)
    assert isinstance(members, list) and members and len(set(members)) == len(members)
    if "soft" in item:
        assert item["soft"] is True
    if "note" in item:
        assert isinstance(item["note"], str)
    return members


def check_v1(doc: dict[str, Any]) -> None:
    """Assert that ``doc`` is a valid manifest-v1 document (spec sections 1-3 and 8), both
    by the rules read from the spec and by pruner's own loader on the emitted YAML."""
    from pruner.importers.emit import to_yaml
    from pruner.loader import load_sources

    loaded = load_sources([("imported.yaml", to_yaml(doc))]).manifest
    assert set(loaded.services) == set(doc["services"])
    assert set(doc) <= {"version", "services", "flows"}
    assert doc.get("version", 1) == 1
    services = doc["services"]
    assert isinstance(services, dict)
    operations = set()
    for name, svc in services.items():
        for op, body in (svc or {}).get("operations", {}).items():
            assert OPERATION_RE.match(op) and isinstance(body, dict), (name, op, body)
            assert set(body) <= {"description", "depends_on"}, body
            operations.add(f"{name}:{op}")
            assert f"{name}:{op}" not in services, f"{name}:{op} is a service and an operation"
    for name, svc in services.items():
        assert isinstance(name, str) and NAME_RE.match(name), name
        assert isinstance(svc, dict) and set(svc) <= SERVICE_KEYS, (name, svc)
        for key in ("description", "owner", "system"):
            assert key not in svc or isinstance(svc[key], str)
        assert "tags" not in svc or all(isinstance(t, str) for t in svc["tags"])
        if "evidence" in svc:
            _evidence(svc["evidence"])
        assert svc.get("external", True) is True
        for item in svc.get("depends_on", []):
            for m in _members(item):
                assert m in services or m in operations, f"{name} depends on undefined {m}"
                assert m != name, f"{name} depends on itself"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus; its absence is a failure, not a skip."""
    if not CORPUS.is_dir():
        pytest.fail(f"corpus folder missing: {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def v1():
    """The manifest-v1 checker, as a fixture."""
    return check_v1


@pytest.fixture(scope="session")
def assets() -> Path:
    """Hand-made importer fixtures."""
    return ASSETS
