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
from pruner.loader.keys import KEYS, SHAPES, keys_of
from pruner.model import EVIDENCE_SOURCES
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


# -- one key table (issue 23 §1): the loader's keys and the schema's, key by key --------

def _schema_properties(where: str) -> dict:
    """The schema's properties for the place ``where`` of the key table."""
    s, defs = schema(), schema()["definitions"]
    if where == "top":
        return s["properties"]
    if where in ("service", "operation", "flow"):
        return defs[where]["properties"]
    if where == "defaults":
        return s["properties"]["defaults"]["properties"]
    if where == "common_cause":
        return s["properties"]["common_causes"]["additionalProperties"]["properties"]
    found: dict = {}
    if where == "item":
        for form in defs["item"]["oneOf"]:
            found.update(form.get("properties", {}))
        return found
    assert where == "evidence"
    stack = [defs["evidenceEntry"]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "source" in node.get("properties", {}):
                found.update(node["properties"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _refs(fragment) -> set[str]:
    """Every ``#/definitions/X`` a schema fragment refers to, directly or nested."""
    out, stack = set(), [fragment]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "$ref" in node:
                out.add(node["$ref"].rsplit("/", 1)[-1])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out


def _types(fragment) -> set[str]:
    t = fragment.get("type", ())
    return {t} if isinstance(t, str) else set(t)


def _shape_fits(shape: str, fragment: dict) -> bool:
    """Whether the schema's fragment for a key says what the key table's shape says."""
    refs, types = _refs(fragment), _types(fragment)
    return {
        "version": fragment.get("const") == 1,
        "services": "service" in refs,
        "flows": "flow" in refs,
        "operations": "operation" in refs,
        "defaults": "object" in types,
        "common_causes": "object" in types and "nameRef" in refs,
        "text": refs == {"text"},
        "integer>=0": "integer" in types and fragment.get("minimum") == 0,
        "integer>=1": "integer" in types and fragment.get("minimum") == 1,
        "number>=0": "number" in types and fragment.get("minimum") == 0,
        "boolean": "boolean" in types,
        "probability": refs & {"probability", "availability"} != set(),
        "tags": "array" in types,
        "items": refs & {"items", "item"} != set(),
        "names": "array" in types and refs == {"nameRef"},
        "name": refs == {"nameRef"},
        "evidence": refs == {"evidence"},
        "evidence-source": set(fragment.get("enum", ())) == set(EVIDENCE_SOURCES),
        "date": fragment.get("type") == "string" and "pattern" in fragment,
    }[shape]


@pytest.mark.parametrize("where", sorted(KEYS))
def test_the_schema_and_the_loader_follow_one_key_table(where):
    properties = _schema_properties(where)
    assert list(properties) and set(properties) == set(keys_of(where)), where
    for key in KEYS[where]:
        assert key.shape in SHAPES
        assert _shape_fits(key.shape, properties[key.name]), (where, key.name, key.shape)


@pytest.mark.parametrize("where", ["service", "operation", "flow", "item", "common_cause",
                                   "defaults"])
def test_the_loader_refuses_a_key_the_table_does_not_hold(where, tmp_path):
    """The loader's structural checks come from the table: a key it does not list is
    refused at its place, with the table's keys as the expected ones."""
    body = {
        "service": "services:\n  a:\n    colour: red\n",
        "operation": "services:\n  a:\n    operations:\n      o:\n        colour: red\n",
        "flow": "services:\n  a:\nflows:\n  f:\n    requires: [a]\n    colour: red\n",
        "item": "services:\n  a:\n  b:\n    depends_on:\n      - {service: a, colour: red}\n",
        "common_cause": "services:\n  a:\ncommon_causes:\n  z:\n    services: [a]\n"
                        "    colour: red\n",
        "defaults": "defaults:\n  colour: red\nservices:\n  a:\n",
    }[where]
    path = tmp_path / "m.yaml"
    path.write_text(body)
    with pytest.raises(ManifestError) as info:
        load(path)
    message = str(info.value.problems[0])
    assert "unknown key 'colour'" in message
    assert ", ".join(keys_of(where)) in message
