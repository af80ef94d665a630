"""pruner.frozen: the faster constructor builds the very instance dataclass would."""

from __future__ import annotations

import copy
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


# --- record: every method as dataclass would write it -------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pruner import frozen  # noqa: E402
from pruner.frozen import record  # noqa: E402

_VALUES = st.one_of(st.integers(-3, 3), st.sampled_from(["", "a", "b"]),
                    st.sampled_from([0.0, -0.0, 1.5, float("nan")]),
                    st.tuples(st.integers(0, 2)), st.none())
_FIELD = st.fixed_dictionaries({"default": st.one_of(st.just(dataclasses.MISSING), _VALUES),
                                "compare": st.booleans(), "repr": st.booleans(),
                                "hash": st.sampled_from([None, True, False])})


def _twins(specs, slots, order):
    """The same class body made by ``record`` and by ``@dataclass(frozen=True, ...)``."""
    specs = sorted(specs, key=lambda s: s["default"] is not dataclasses.MISSING)  # required first

    def body():
        ns = {"__annotations__": {f"f{i}": ("int", "str | None")[i % 2]
                                  for i in range(len(specs))},
              "__module__": __name__, "__qualname__": "Rec", "__doc__": "A record."}
        for i, spec in enumerate(specs):
            ns[f"f{i}"] = dataclasses.field(default=spec["default"], compare=spec["compare"],
                                            repr=spec["repr"], hash=spec["hash"])
        return type("Rec", (), ns)

    ours = record(body(), slots=slots, order=order)
    theirs = dataclasses.dataclass(body(), frozen=True, slots=slots, order=order)
    return ours, theirs


def _outcome(call, *args):
    try:
        return ("value", call(*args))
    except Exception as exc:  # noqa: BLE001 - the kind of failure is the outcome
        return ("raises", type(exc))


def _copied_equal(obj):
    return copy.deepcopy(obj) == obj


def _params(cls):
    parameters = inspect.signature(cls.__init__).parameters.values()
    return [(p.name, p.kind, p.default) for p in parameters]


@settings(max_examples=300, deadline=None)
@given(st.lists(_FIELD, max_size=4), st.booleans(), st.booleans(),
       st.lists(st.lists(_VALUES, min_size=4, max_size=4), min_size=2, max_size=3))
def test_record_behaves_as_the_dataclass_it_stands_for(specs, slots, order, rows):
    ours, theirs = _twins(specs, slots, order)
    assert _params(ours) == _params(theirs)
    assert [(f.name, f.compare, f.repr, f.hash) for f in dataclasses.fields(ours)] == \
        [(f.name, f.compare, f.repr, f.hash) for f in dataclasses.fields(theirs)]
    assert [(f.name, f.type) for f in dataclasses.fields(ours)] == \
        [(f.name, f.type) for f in dataclasses.fields(theirs)]
    assert ours.__annotations__ == theirs.__annotations__
    n = len(specs)
    made = [(ours(*row[:n]), theirs(*row[:n])) for row in rows]
    for a, b in made:
        assert repr(a) == repr(b)
        assert _outcome(hash, a) == _outcome(hash, b)
        if n:
            assert _outcome(setattr, a, "f0", 1) == _outcome(setattr, b, "f0", 1)
            assert _outcome(delattr, a, "f0") == _outcome(delattr, b, "f0")
        copied = copy.deepcopy(a), copy.deepcopy(b)
        assert (copied[0] == a, repr(copied[0])) == (copied[1] == b, repr(copied[1]))
    for (a, b), (c, d) in zip(made, made[1:] + made[:1], strict=True):
        for compare in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
            assert _outcome(getattr(a, compare), c) == _outcome(getattr(b, compare), d), compare
        assert _outcome(a.__eq__, (1,)) == _outcome(b.__eq__, (1,))


def test_record_keeps_the_methods_its_class_writes():
    @record
    class Named:
        name: str

        def __repr__(self):
            return f"<{self.name}>"

        def __eq__(self, other):
            return isinstance(other, Named) and other.name.lower() == self.name.lower()

        def __hash__(self):
            return hash(self.name.lower())

    assert repr(Named("A")) == "<A>" and Named("A") == Named("a")
    assert hash(Named("A")) == hash(Named("a"))


def test_record_runs_default_factories_and_post_init():
    @record(slots=False)
    class Bag:
        things: list = dataclasses.field(default_factory=list)
        size: int = dataclasses.field(init=False, default=0)

        def __post_init__(self):
            object.__setattr__(self, "size", len(self.things))

    assert Bag().things == [] and Bag().things is not Bag().things
    assert Bag([1, 2]).size == 2 and Bag([1]) == Bag([1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        Bag().size = 3


def test_record_of_a_subclass_sets_the_fields_it_inherits():
    @record
    class Base:
        a: int
        b: int = 0

    @record
    class Child(Base):
        c: str = ""

    made = Child(1, 2, "x")
    assert (made.a, made.b, made.c) == (1, 2, "x") and made == Child(1, 2, "x")
    assert repr(made) == "test_record_of_a_subclass_sets_the_fields_it_inherits.<locals>" \
        ".Child(a=1, b=2, c='x')" and made != Base(1, 2)


def _records_of_the_package():
    import importlib
    import pkgutil

    import pruner

    found = {}
    for info in pkgutil.walk_packages(pruner.__path__, "pruner."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            params = getattr(value, "__dataclass_params__", None)
            if (isinstance(value, type) and value.__module__ == info.name and params
                    and not params.eq and "__eq__" in vars(value)):  # made by record
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


RECORDS = _records_of_the_package()


def _twin(cls):
    """``cls``'s fields, flags and defaults in a class made by ``@dataclass(frozen=True)``."""
    spec = []
    for f in dataclasses.fields(cls):
        spec.append((f.name, f.type, dataclasses.field(
            default=f.default, default_factory=f.default_factory, init=f.init, repr=f.repr,
            compare=f.compare, hash=f.hash, kw_only=f.kw_only)))
    return dataclasses.make_dataclass(cls.__qualname__, spec, frozen=True,
                                      slots="__slots__" in vars(cls),
                                      order="__lt__" in vars(cls))


def test_every_record_of_the_package_is_found():
    names = {cls.__qualname__ for cls in RECORDS}
    assert len(RECORDS) > 60 and {"Item", "Service", "Location", "Manifest"} <= names


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_record_of_the_package_behaves_as_its_dataclass_twin(cls):
    twin = _twin(cls)
    assert _params(cls) == _params(twin)
    if hasattr(cls, "__post_init__"):
        return  # its constructor checks or derives fields; the signature is what matches
    values = [{f.name: f"v-{f.name}-{k}" for f in dataclasses.fields(cls)
               if f.init and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING} for k in (0, 1)]
    made = [(cls(**v), twin(**v)) for v in values]
    for a, b in made:
        assert repr(a) == repr(b).replace(twin.__qualname__, cls.__qualname__, 1)
        assert _outcome(hash, a) == _outcome(hash, b) and a == copy.copy(a)
        for f in dataclasses.fields(cls):
            assert _outcome(setattr, a, f.name, 1) == _outcome(setattr, b, f.name, 1)
            assert _outcome(delattr, a, f.name) == _outcome(delattr, b, f.name)
        assert _outcome(_copied_equal, a) == _outcome(_copied_equal, b)
        assert (a == b, a == dataclasses.replace(a)) == (False, True)
    (a, b), (c, d) = made
    for compare in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
        assert _outcome(getattr(a, compare), c) == _outcome(getattr(b, compare), d), compare


def test_record_of_a_subclass_is_frozen_as_its_base():
    @record(slots=False)
    class Counted:  # dataclass's own frozen methods: an InitVar
        things: list = dataclasses.field(default_factory=list)
        seed: dataclasses.InitVar[int] = 0

    @record(slots=False)
    class Named(Counted):
        name: str = ""

    made = Named([1], name="n")
    assert (made.things, made.name) == ([1], "n") and made == Named([1], name="n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.name = "m"

    @record
    class Plain:
        a: int = 0

    with pytest.raises(TypeError, match="base's kind"):
        @record(slots=False)
        class Bag(Plain):
            seed: dataclasses.InitVar[int] = 0


def test_record_without_slots_writes_its_own_constructor_and_stays_frozen():
    @record(slots=False)
    class Base:
        a: int
        b: int = 0

    @record(slots=False)
    class Child(Base):
        c: str = ""

        def __post_init__(self):
            if self.a < 0:
                raise ValueError("a")

    made = Child(1, c="x")
    assert (made.a, made.b, made.c, vars(made)) == (1, 0, "x", {"a": 1, "b": 0, "c": "x"})
    assert _params(Child) == [("self", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                               inspect.Parameter.empty)] + [
        (n, inspect.Parameter.POSITIONAL_OR_KEYWORD, d)
        for n, d in (("a", inspect.Parameter.empty), ("b", 0), ("c", ""))]
    with pytest.raises(ValueError):
        Child(-1)
    for name in ("a", "c", "other"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, name, 2)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(made, name)
    assert copy.copy(made) == made == copy.deepcopy(made)
    assert "__getstate__" not in vars(Child)  # a __dict__ is pickled as dataclass leaves it


def test_keyword_only_fields_and_a_shared_constructor_shape():
    def make(maker):
        @maker
        class Mixed:
            a: int
            b: int = dataclasses.field(default=2, kw_only=True)
            c: int = 3
            d: int = dataclasses.field(kw_only=True, default=4)

            def __post_init__(self):
                object.__setattr__(self, "seen", (self.a, self.b, self.c, self.d))

        return Mixed

    ours = make(record(slots=False))
    theirs = make(dataclasses.dataclass(frozen=True))
    assert _params(ours) == _params(theirs)
    for args, kwargs in (((1,), {}), ((1, 5), {"b": 6}), ((1,), {"d": 0, "c": 9})):
        assert vars(ours(*args, **kwargs)) == vars(theirs(*args, **kwargs))
    with pytest.raises(TypeError):
        ours(1, 2, 3)  # b and d are keyword-only

    @record
    class Pair:
        left: str
        right: str = ""

    shapes = len(frozen._INIT_CODE)

    @record
    class Span:
        start: int
        end: int = 0

    # one compiled shape, named after each class's own fields
    assert len(frozen._INIT_CODE) == shapes
    assert Span.__init__.__code__.co_varnames == ("self", "start", "end")
    assert Span(end=2, start=1) == Span(1, 2) and Pair("l").right == ""
    assert Span.__init__.__qualname__.endswith("Span.__init__")


@pytest.mark.parametrize("slots", [True, False])
def test_default_factories_and_fields_left_out_are_set_as_dataclass_sets_them(slots):
    def make(maker):
        @maker
        class Bag:
            name: str
            things: list = dataclasses.field(default_factory=list)
            size: int = dataclasses.field(init=False, default=0)
            seen: list = dataclasses.field(init=False, default_factory=lambda: [0])
            later: int = dataclasses.field(init=False)
            tags: tuple = dataclasses.field(default_factory=tuple, kw_only=True)

            def __post_init__(self):
                object.__setattr__(self, "later", len(self.things))

        return Bag

    ours = make(record(slots=slots))
    theirs = make(dataclasses.dataclass(frozen=True, slots=slots))
    assert _params(ours) == _params(theirs)
    assert repr(inspect.signature(ours)) == repr(inspect.signature(theirs))
    for args, kwargs in ((("a",), {}), (("b", [1, 2]), {"tags": ("t",)})):
        a, b = ours(*args, **kwargs), theirs(*args, **kwargs)
        assert [getattr(a, f.name) for f in dataclasses.fields(a)] == \
            [getattr(b, f.name) for f in dataclasses.fields(b)]
        assert ("size" in getattr(a, "__dict__", {})) == ("size" in getattr(b, "__dict__", {}))
    assert ours("x").things is not ours("x").things and ours("x").seen == [0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ours("x").things = []


@pytest.mark.parametrize("name", ["_s0", "_s2", "_factory"])
def test_a_field_named_like_the_shared_constructors_helpers_is_refused(name):
    """The shared constructor reads its setters as globals (_s0...): a field of that name
    would shadow one and set the wrong slot, so making such a record fails at once."""
    namespace = {"__annotations__": {"a": "int", "b": "int", name: "int"}, "__doc__": "x"}
    with pytest.raises(TypeError, match="named like its helpers"):
        record(type("Clash", (), namespace))
