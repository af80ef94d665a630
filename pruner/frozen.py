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
comes from :func:`fast_init`, for a class with a ``__dict__`` (``slots=False``) too.
A class whose constructor must run a default factory or leave a field out keeps
dataclass's ``__init__`` and frozen ``__setattr__``. The
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
many parameters, how many keyword-only, ``__post_init__`` or not) and shared by every
class of that shape, its parameters renamed after the class's fields: a check makes 17
constructors from 8 compiles. On the 20,000-service benchmark that is
about 70 ms of every command's load (77,000 items, 20,000 services, 100,000
locations).
"""

from __future__ import annotations

import reprlib
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, fields
from functools import partial
from operator import attrgetter
from types import CodeType, FunctionType, MemberDescriptorType

__all__ = ["fast_init", "record"]


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
    # the constructor: ours where every field is a plain one, dataclass's where it must
    # run a default factory or leave a field out
    annotations = own.get("__annotations__", {})
    plain = "__init__" not in own and not any(
        isinstance(own.get(name), Field)
        and (own[name].default_factory is not MISSING or not own[name].init)
        for name in annotations) and not any("InitVar" in str(a) for a in annotations.values())
    plain = plain and "__setattr__" not in own and "__delattr__" not in own
    # a subclass is frozen the way its dataclass bases are (dataclass refuses a mix)
    bases = [b for b in cls.__mro__[1:] if "__dataclass_params__" in b.__dict__]
    if any(b.__dataclass_params__.frozen for b in bases):
        plain = False
    elif bases and not plain:
        raise TypeError(f"record: {cls.__qualname__} needs dataclass's own __init__ (a default "
                        f"factory, a field left out of it), which its base's kind cannot share")
    # dataclass's own frozen __init__ and __setattr__ where it writes the __init__ (the
    # one it writes for a class it did not freeze would assign through __setattr__)
    cls = dataclass(cls, frozen=not plain, slots=slots, init=not plain, repr=False, eq=False)
    every = fields(cls)
    if plain:
        cls = _frozen(fast_init(cls), every, slots)

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
    setters: dict[str, object] = {}
    positional: list[str] = []  # the parameters, as dataclass orders them
    keyword: list[str] = []
    defaults: list[object] = []
    kw_defaults: dict[str, object] = {}
    every = fields(cls)
    for f in every:
        if not f.init or f.default_factory is not MISSING:
            raise TypeError(f"fast_init: field {f.name!r} of {cls.__name__} has no plain default")
        # the slot's descriptor, on the class or, for an inherited field, on a base;
        # a field without a slot (a class with a __dict__) is written as dataclass does
        slot = next((c.__dict__[f.name] for c in cls.__mro__ if f.name in c.__dict__), None)
        setters[f.name] = (slot.__set__ if isinstance(slot, MemberDescriptorType)
                           else partial(_set_field, f.name))
        if f.kw_only:
            keyword.append(f.name)
            if f.default is not MISSING:
                kw_defaults[f.name] = f.default
        else:
            positional.append(f.name)
            if f.default is not MISSING:
                defaults.append(f.default)
    names = positional + keyword
    where = {name: i for i, name in enumerate(names)}
    order = tuple(where[f.name] for f in every)  # each field is set in the fields' order
    code = _init_code(len(positional), len(keyword), order, hasattr(cls, "__post_init__"))
    code = code.replace(co_varnames=("self", *names), co_qualname=f"{cls.__qualname__}.__init__")
    namespace = {f"_s{where[name]}": setter for name, setter in setters.items()}
    init = FunctionType(code, namespace, "__init__", tuple(defaults) or None)
    init.__kwdefaults__ = kw_defaults or None
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    cls.__init__ = init
    return cls


def _set_field(name, instance, value):
    """A field of an instance with a ``__dict__``, written as dataclass's frozen
    ``__init__`` writes it (past the refusing ``__setattr__``)."""
    object.__setattr__(instance, name, value)


_INIT_CODE: dict[tuple, CodeType] = {}


def _init_code(positional: int, keyword: int, order: tuple[int, ...], post_init: bool):
    """The code of an ``__init__`` of ``positional`` then ``keyword``-only parameters
    that sets the fields in ``order`` through the setters ``_s0``, ``_s1``...: compiled
    once per shape, then shared (:func:`fast_init` names the parameters after the class's
    fields; compiling each class's own was most of the cost of making a record)."""
    key = (positional, keyword, order, post_init)
    code = _INIT_CODE.get(key)
    if code is None:
        params = [f"_a{i}" for i in range(positional)]
        if keyword:
            params += ["*", *(f"_a{i}" for i in range(positional, positional + keyword))]
        body = [f"    _s{i}(self, _a{i})" for i in order]
        if post_init:
            body.append("    self.__post_init__()")
        source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"])
        namespace: dict = {}
        exec(source, namespace)  # noqa: S102 - parameters and setters by number only
        code = _INIT_CODE[key] = namespace["__init__"].__code__
    return code
