"""`cost` on services and `defaults: {cost}` (spec §12): a number >= 0, errors with
file:line:col, the default filling services that state none, the JSON Schema agreeing."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
import yaml

from pruner.errors import ManifestError
from pruner.loader import load_sources

GOOD = """
defaults: {cost: 7.5}
services:
  web: {cost: 1200, depends_on: [db]}
  db: {}
  free: {cost: 0}
  unset: {cost: null}
"""


def test_costs_and_the_default():
    m = load_sources([("m.yaml", GOOD)]).manifest
    assert {n: s.cost for n, s in m.services.items()} == {
        "db": 7.5, "free": 0.0, "unset": 7.5, "web": 1200.0}


def test_no_cost_stays_none():
    m = load_sources([("m.yaml", "services: {a: {}}\n")]).manifest
    assert m.services["a"].cost is None


@pytest.mark.parametrize("value,message", [
    ("-1", "m.yaml:2:13: error: cost of service 'a' must be a finite number, 0 or more, "
           "not '-1'"),
    (".inf", "m.yaml:2:13: error: cost of service 'a' must be a finite number, 0 or more"),
    (".nan", "m.yaml:2:13: error: cost of service 'a' must be a finite number, 0 or more"),
    ("cheap", "m.yaml:2:13: error: cost of service 'a' must be a number, 0 or more, not"),
    ("[1]", "m.yaml:2:13: error: cost of service 'a' must be a number, 0 or more, not"),
    ("true", "m.yaml:2:13: error: cost of service 'a' must be a number, 0 or more, not"),
])
def test_bad_costs_name_the_place(value, message):
    with pytest.raises(ManifestError) as err:
        load_sources([("m.yaml", f"services:\n  a: {{cost: {value}}}\n")])
    assert str(err.value.problems[0]).startswith(message)


def test_bad_default_cost_and_twice():
    with pytest.raises(ManifestError) as err:
        load_sources([("m.yaml", "defaults: {cost: -2}\nservices: {a: {}}\n")])
    assert "defaults: cost must be a finite number, 0 or more" in str(err.value)
    with pytest.raises(ManifestError) as err:
        load_sources([("a.yaml", "defaults: {cost: 1}\n"), ("b.yaml", "defaults: {cost: 2}\n")])
    assert "defaults: cost is set twice" in str(err.value)


def test_schema_agrees():
    schema = json.loads(resources.files("pruner").joinpath("manifest-v1.schema.json")
                        .read_text())
    jsonschema.validate(yaml.safe_load(GOOD), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"services": {"a": {"cost": -1}}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"defaults": {"cost": "x"}}, schema)
