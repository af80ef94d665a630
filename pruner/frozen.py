"""Frozen dataclasses made at a fraction of dataclass's own cost: :func:`record` for
every frozen record of the package, :func:`fast_init` for its constructor.

``@dataclass`` compiles each method it writes from source when the class is made:
``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__`` and
``__delattr__``, about 0.1 ms each, 0.7 ms a class. A command imports twenty or so
of them before it reads a byte (11 ms of ``pruner check``'s 80 ms on the Twitter
manifest). :func:`record` asks dataclass for the fields and the slots only, and
gives the class ``__eq__``, ``__hash__``, ``__repr__``, the frozen ``__setattr__`` and
``__delattr__`` (and the four comparisons with ``order=True``) as closures over the
field names and one :func:`operator.attrgetter`, which compile nothing; ``__init__``
comes from :func:`fast_init`'s maker, for a class with a ``__dict__``
(``slots=False``), default factories and fields left out of the constructor too
(a parameter with a factory defaults to dataclass's own ``<factory>`` marker). Only a
class with an ``InitVar`` keeps dataclass's ``__init__`` and frozen ``__setattr__``. The
methods behave as dataclass's own (``tests/test_frozen.py`` checks each against a
twin made by ``@dataclass``, and every class of the package's against its twin's);
only ``__dataclass_params__`` tells the difference (``init``, ``repr``, ``eq`` and,
for the plain classes, ``frozen`` read False there: dataclass was not asked to
write those methods).

The constructor, for the frozen, slotted dataclasses a load builds by the
hundred thousand (items, services, their locations):

``@dataclass(frozen=True)`` writes each field through
``object.__setattr__(self, name, value)`` (its ``__setattr__`` raises, to keep the
instance frozen): a global and an attribute lookup and a call per field, about
1.1 µs for an :class:`~pruner.model.Item`, 2.2 µs for a
:class:`~pruner.model.Service`. :func:`fast_init` gives the class an ``__init__``
with the same signature and defaults that writes each slot through its member
descriptor instead (bound once, when the class is made): the same instance,
still frozen, in about 60% of the time. Its code is compiled once per shape (how
many parameters, how many keyword-only, how each field is set, ``__post_init__`` or
not) and shared by every class of that shape, its parameters renamed after the class's
fields: a check makes 19 constructors from 10 compiles. On the 20,000-service benchmark that is
about 70 ms of every command's load (77,000 items, 20,000 services, 100,000
locations).
"""

from __future__ import annotations

import dataclasses
import reprlib
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, fields
from functools import partial
from operator import attrgetter
from types import CodeType, FunctionType, MemberDescriptorType

__all__ = ["fast_init", "record"]

# dataclass's marker of a parameter whose default a factory makes (the default that
# inspect.signature shows, ``<factory>``); without it, dataclass writes such a constructor
_FACTORY = getattr(dataclasses, "_HAS_DEFAULT_FACTORY", None)


def record(cls=None, /, *, slots: bool = True, order: bool = False):
    """``@dataclass(frozen=True, slots=slots, order=order)``, the same methods made
    without compiling them (see the module's docstring).

    >>> @record
    ... class Point:
    ...     x: int
    ...     y: int = 0
    >>> p = Point(1, y=2)
    >>> p, p == Point(1, 2), p != Point(1), hash(p) == hash(Point(1, 2)), Point(3)
    (Point(x=1, y=2), True, True, True, Point(x=3, y=0))
    >>> @record(order=True)
    ... class Version:
    ...     major: int
    ...     minor: int = 0
    >>> Version(1, 2) < Version(1, 10) <= Version(2), Version(1) > Version(1)
    (True, False)
    >>> Version(1) < (1, 0)
    Traceback (most recent call last):
    TypeError: '<' not supported between instances of 'Version' and 'tuple'
    """
    if cls is None:
        return lambda c: record(c, slots=slots, order=order)
    own = dict(cls.__dict__)
    # the constructor: ours, dataclass's where it takes an InitVar (or, on a Python
    # whose dataclasses lacks the marker of a default factory, runs one)
    annotations = own.get("__annotations__", {})
    plain = "__init__" not in own and not any(
        isinstance(own.get(name), Field) and own[name].init
        and own[name].default_factory is not MISSING and _FACTORY is None
        for name in annotations) and not any("InitVar" in str(a) for a in annotations.values())
    plain = plain and "__setattr__" not in own and "__delattr__" not in own
    # a subclass is frozen the way its dataclass bases are (dataclass refuses a mix)
    bases = [b for b in cls.__mro__[1:] if "__dataclass_params__" in b.__dict__]
    if any(b.__dataclass_params__.frozen for b in bases):
        plain = False
    elif bases and not plain:
        raise TypeError(f"record: {cls.__qualname__} needs dataclass's own __init__ (an "
                        f"InitVar), which its base's kind cannot share")
    # dataclass's own frozen __init__ and __setattr__ where it writes the __init__ (the
    # one it writes for a class it did not freeze would assign through __setattr__)
    # dataclass looks in each annotation's text for ClassVar, InitVar and KW_ONLY (three
    # pattern matches and lookups a field, a third of its cost); where no text names
    # one, it is shown annotations that cannot, and the fields get their own back (a
    # class without a docstring is left alone: dataclass writes it one from them)
    texts = list(annotations.values())
    shown = plain and cls.__doc__ and all(isinstance(a, str) for a in texts) and not any(
        marker in a for a in texts for marker in ("ClassVar", "InitVar", "KW_ONLY"))
    if shown:
        cls.__annotations__ = dict.fromkeys(annotations, object)
    cls = dataclass(cls, frozen=not plain, slots=slots, init=not plain, repr=False, eq=False)
    every = fields(cls)
    if shown:
        cls.__annotations__ = annotations
        for f in every:
            if f.name in annotations:
                f.type = annotations[f.name]
    if plain:
        cls = _frozen(_with_init(cls, factories=True), every, slots)

    def named(method, name):
        method.__name__ = name
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        method.__module__ = cls.__module__
        if name not in own:  # a method the class writes itself stays, as with dataclass
            setattr(cls, name, method)

    if "__repr__" not in own:
        shown = tuple(f.name for f in every if f.repr)

        @reprlib.recursive_repr()
        def __repr__(self):
            return (f"{self.__class__.__qualname__}("
                    + ", ".join([f"{n}={getattr(self, n)!r}" for n in shown]) + ")")

        named(__repr__, "__repr__")
    compared = _tuple_getter([f.name for f in every if f.compare])

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    named(__eq__, "__eq__")
    # dataclass(eq=True, frozen=True) writes __hash__ unless the class body does
    explicit_hash = own.get("__hash__", MISSING)
    if explicit_hash is MISSING or (explicit_hash is None and "__eq__" in own):
        hashed = _tuple_getter([f.name for f in every
                                if (f.compare if f.hash is None else f.hash)])

        def __hash__(self):
            return hash(hashed(self))

        own.pop("__hash__", None)  # Python's own None, beside an __eq__ of the body
        named(__hash__, "__hash__")
    if order:
        for name, compare in (("__lt__", tuple.__lt__), ("__le__", tuple.__le__),
                              ("__gt__", tuple.__gt__), ("__ge__", tuple.__ge__)):
            named(_comparison(compared, compare), name)
    return cls


def _frozen(cls, every, slots=True):
    """The frozen ``__setattr__`` and ``__delattr__`` of ``@dataclass(frozen=True)``, and
    the ``__getstate__``/``__setstate__`` it gives a frozen slotted class (pickle and
    copy would otherwise restore the fields through the refusing ``__setattr__``; an
    instance with a ``__dict__`` is restored around it, as dataclass leaves it)."""
    names = frozenset(f.name for f in every)
    set_field = object.__setattr__

    def __setattr__(self, name, value):
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self, name):
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    def __getstate__(self):
        return [getattr(self, f.name) for f in fields(self)]

    def __setstate__(self, state):
        for f, value in zip(fields(self), state, strict=False):
            set_field(self, f.name, value)

    methods = [__setattr__, __delattr__]
    if slots:
        methods += [__getstate__, __setstate__]
    for method in methods:
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        method.__module__ = cls.__module__
        setattr(cls, method.__name__, method)
    return cls


def _tuple_getter(names: list[str]):
    """The fields ``names`` of an instance as a tuple (one field too: ``(x,)``, never
    ``x``, so equality and order are tuple's, as in dataclass's methods)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _comparison(key, compare):
    def method(self, other):
        if other.__class__ is self.__class__:
            return compare(key(self), key(other))
        return NotImplemented

    return method


def fast_init(cls):
    """Class decorator, applied above ``@dataclass(frozen=True, slots=True)``:
    replace ``__init__`` by one that sets the slots directly (a field that has no slot,
    through ``object.__setattr__``, as dataclass's own does).

    >>> from dataclasses import dataclass, FrozenInstanceError
    >>> @fast_init
    ... @dataclass(frozen=True, slots=True)
    ... class Point:
    ...     x: int
    ...     y: int = 0
    >>> p = Point(1, y=2)
    >>> p, p == Point(1, 2), Point(3)
    (Point(x=1, y=2), True, Point(x=3, y=0))
    >>> p.x = 5
    Traceback (most recent call last):
    dataclasses.FrozenInstanceError: cannot assign to field 'x'
    """
    return _with_init(cls, factories=False)


def _with_init(cls, factories: bool):
    """``cls`` with the constructor :func:`fast_init` describes; with ``factories``, one
    that also runs default factories and sets the fields left out of it, as dataclass's
    own does (the default of a parameter with a factory is dataclass's own marker)."""
    every = fields(cls)
    positional = [f for f in every if f.init and not f.kw_only]  # as dataclass orders them
    keyword = [f for f in every if f.init and f.kw_only]
    where = {f.name: i for i, f in enumerate(positional + keyword)}
    namespace: dict = {"_factory": _FACTORY}
    steps = []  # one per field, in the fields' order: how __init__ sets it
    for k, f in enumerate(every):
        factory = f.default_factory is not MISSING
        if not factories and (not f.init or factory):
            raise TypeError(f"fast_init: field {f.name!r} of {cls.__name__} has no plain default")
        # the slot's descriptor, on the class or, for an inherited field, on a base;
        # a field without a slot (a class with a __dict__) is written as dataclass does
        slot = next((c.__dict__[f.name] for c in cls.__mro__ if f.name in c.__dict__), None)
        slotted = isinstance(slot, MemberDescriptorType)
        namespace[f"_s{k}"] = slot.__set__ if slotted else partial(_set_field, f.name)
        if factory:
            namespace[f"_f{k}"] = f.default_factory
        if f.init:
            steps.append(("f" if factory else "p", k, where[f.name]))
        elif factory:
            steps.append(("c", k, 0))
        elif f.default is not MISSING and slotted:  # with a __dict__: the class's default
            namespace[f"_d{k}"] = f.default
            steps.append(("d", k, 0))

    def default(f):
        return _FACTORY if f.default_factory is not MISSING else f.default

    defaults = tuple(default(f) for f in positional if default(f) is not MISSING)
    kw_defaults = {f.name: default(f) for f in keyword if default(f) is not MISSING}
    names = tuple(f.name for f in positional + keyword)
    if "self" in names or not namespace.keys().isdisjoint(names):
        # the shared code reads its setters and defaults as globals (_s0, _f1, _d2...)
        raise TypeError(f"fast_init: a field of {cls.__name__} is named like its helpers")
    code = _init_code(len(positional), len(keyword), tuple(steps), hasattr(cls, "__post_init__"))
    code = code.replace(co_varnames=("self", *names), co_qualname=f"{cls.__qualname__}.__init__")
    init = FunctionType(code, namespace, "__init__", defaults or None)
    init.__kwdefaults__ = kw_defaults or None
    init.__annotations__ = {**{f.name: f.type for f in positional + keyword}, "return": None}
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    cls.__init__ = init
    return cls


def _set_field(name, instance, value):
    """A field of an instance with a ``__dict__``, written as dataclass's frozen
    ``__init__`` writes it (past the refusing ``__setattr__``)."""
    object.__setattr__(instance, name, value)


_INIT_CODE: dict[tuple, CodeType] = {}


def _init_code(positional: int, keyword: int, steps: tuple, post_init: bool):
    """The code of an ``__init__`` of ``positional`` then ``keyword``-only parameters
    ``_a0``, ``_a1``... that sets each field ``k`` through its setter ``_sk`` as ``steps``
    say (``p``: the parameter; ``f``: the parameter or, not given, ``_fk()``; ``c``:
    ``_fk()``; ``d``: ``_dk``), in order: compiled once per shape, then shared
    (:func:`fast_init` names the parameters after the class's fields; compiling each
    class's own was most of the cost of making a record)."""
    key = (positional, keyword, steps, post_init)
    code = _INIT_CODE.get(key)
    if code is None:
        params = [f"_a{i}" for i in range(positional)]
        if keyword:
            params += ["*", *(f"_a{i}" for i in range(positional, positional + keyword))]
        value = {"p": "_a{i}", "f": "_f{k}() if _a{i} is _factory else _a{i}",
                 "c": "_f{k}()", "d": "_d{k}"}
        body = [f"    _s{k}(self, {value[kind].format(k=k, i=i)})" for kind, k, i in steps]
        if post_init:
            body.append("    self.__post_init__()")
        source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"])
        namespace: dict = {}
        exec(source, namespace)  # noqa: S102 - parameters and setters by number only
        code = _INIT_CODE[key] = namespace["__init__"].__code__
    return code
