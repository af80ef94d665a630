"""pruner.frozen: the faster constructor builds the very instance dataclass would."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from pruner.errors import Location, Problem
from pruner.frozen import fast_init
from pruner.model import Evidence, Flow, Item, Service

CLASSES = (Evidence, Item, Service, Flow, Location, Problem)


def _plain(cls):
    """The same fields in a dataclass made the usual way (dataclass's own __init__)."""
    return dataclasses.make_dataclass(
        f"Plain{cls.__name__}",
        [(f.name, f.type, dataclasses.field(default=f.default, compare=f.compare))
         if f.default is not dataclasses.MISSING else (f.name, f.type)
         for f in dataclasses.fields(cls)],
        frozen=True, slots=True)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_signature_and_defaults_are_dataclass_own(cls):
    plain = _plain(cls)
    ours = inspect.signature(cls.__init__).parameters
    theirs = inspect.signature(plain.__init__).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == \
        [(p.name, p.kind, p.default) for p in theirs.values()]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_instances_hold_every_field_stay_frozen_and_pickle(cls):
    required = {f.name: f"v-{f.name}" for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING}
    made = cls(**required)
    for f in dataclasses.fields(cls):
        want = required.get(f.name, f.default)
        assert getattr(made, f.name) == want
    name = next(iter(required))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, name, "x")
    assert pickle.loads(pickle.dumps(made)) == made
    again = dataclasses.replace(made, **{name: "other"})
    assert getattr(again, name) == "other" and getattr(made, name) == required[name]


def test_positional_and_keyword_arguments_land_in_their_fields():
    loc = Location("m.yaml", 3, 4)
    item = Item("any_of", ("a", "b"), 1, True, "n", loc, startup=False)
    assert (item.kind, item.members, item.need, item.soft, item.note, item.location,
            item.implicit, item.startup, item.evidence) == \
        ("any_of", ("a", "b"), 1, True, "n", loc, False, False, ())
    with pytest.raises(TypeError):
        Item("service")  # members is required, as dataclass makes it


def test_a_default_factory_is_refused():
    with pytest.raises(TypeError, match="no plain default"):
        @fast_init
        @dataclasses.dataclass(frozen=True, slots=True)
        class Bag:
            things: list = dataclasses.field(default_factory=list)
