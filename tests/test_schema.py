"""The shipped JSON Schema and the loader agree on good and bad manifests.

The schema cannot express a few semantic rules (references to defined services, no
self-dependency, at_least K at most the member count, no duplicate keys or names
across files); for those the loader alone rejects and the schema says so in its
description.
"""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from hypothesis import given, settings

from pruner.errors import ManifestError
from pruner.loader import NAME_PATTERN, load
from pruner.schema import schema
from tests.conftest import ASSETS, ROOT
from tests.strategies import document, manifests, manifests_with_operations

VALIDATOR = jsonschema.Draft7Validator(schema())
GOOD = sorted(p for p in (ROOT / "manifests").iterdir() if p.is_dir())
GOOD += sorted((ASSETS / "check").glob("*.yaml"))
BAD = sorted((ASSETS / "bad").glob("*.yaml"))
SEMANTIC_ONLY = {
    "unknown-reference", "unknown-flow-reference", "bad-quorum-too-large", "self-dependency",
    "duplicate-service-key", "duplicate-flow-key",
    "unknown-operation", "service-named-like-its-operation", "operation-depends-on-itself",
    "evidence-traces-more-than-of",
}


def schema_accepts(data) -> bool:
    return VALIDATOR.is_valid(data)


def loader_accepts(path) -> bool:
    try:
        load(path)
    except ManifestError:
        return False
    return True


def test_schema_is_a_valid_draft7_schema_with_the_loaders_name_rule():
    jsonschema.Draft7Validator.check_schema(schema())
    assert schema()["definitions"]["name"]["pattern"] == NAME_PATTERN


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_manifests_pass_both(path):
    assert loader_accepts(path)
    files = sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
    for file in files:  # the schema judges each file of a folder on its own
        assert schema_accepts(yaml.safe_load(file.read_text())), file


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_manifests_fail_both(path):
    assert not loader_accepts(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return  # not YAML a schema could be applied to; the loader rejected it above
    if path.stem in SEMANTIC_ONLY:
        assert schema_accepts(data)  # documents the split honestly: loader-only rules
    else:
        assert not schema_accepts(data), f"schema accepts {path.name}"


@settings(max_examples=150, deadline=None)
@given(m=manifests())
def test_random_valid_manifests_pass_both(tmp_path_factory, m):
    doc = document(m)
    path = tmp_path_factory.mktemp("m") / "m.yaml"
    path.write_text(json.dumps(doc))
    assert loader_accepts(path)
    assert schema_accepts(doc)


@settings(max_examples=30, deadline=None)
@given(m=manifests_with_operations())
def test_random_manifests_with_operations_pass_both(tmp_path_factory, m):
    doc = document(m)
    path = tmp_path_factory.mktemp("m") / "m.yaml"
    path.write_text(json.dumps(doc))
    assert loader_accepts(path)
    assert schema_accepts(doc)
