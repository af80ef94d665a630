import dataclasses

import pytest

from pruner.model import ANY_OF, AT_LEAST, SINGLE, Flow, Item, Manifest, Service


def test_model_is_frozen():
    s = Service("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "b"
    m = Manifest.from_lists([s])
    with pytest.raises(TypeError):
        m.services["x"] = s  # a read-only mapping


def test_manifest_sorts_by_name():
    m = Manifest.from_lists([Service("b"), Service("a")], [Flow("z"), Flow("y")])
    assert list(m.services) == ["a", "b"]
    assert list(m.flows) == ["y", "z"]


def test_item_describe_and_group():
    assert Item(SINGLE, ("a",)).describe() == "a"
    assert not Item(SINGLE, ("a",)).is_group
    assert Item(ANY_OF, ("a",)).is_group
    assert Item(AT_LEAST, ("a", "b"), 2).describe() == "at_least 2 of [a, b]"
    assert Item(SINGLE, ("a",), soft=True).describe() == "soft a"


def test_items_compare_without_location():
    from pruner.errors import Location

    assert Item(SINGLE, ("a",), location=Location("x", 1)) == Item(SINGLE, ("a",))
