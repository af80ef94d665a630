"""The manifest as frozen dataclasses: services, their dependency items, and flows.

The model is what the loader produces after validation, so every name an item
mentions is a defined service (or operation) and every quorum is within bounds.

Operations (spec §8) are kept on their service: ``Service.operations`` holds one
:class:`Service` per operation, named ``S:O``, with ``operation_of="S"`` and, as
its first item, an *implicit* hard item on ``S`` (``Item.implicit``) followed by
the operation's own ``depends_on``. :attr:`Manifest.nodes` lists services and
operations together: they are the nodes of the dependency graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pruner.errors import Location

__all__ = [
    "Item", "Service", "Flow", "Manifest", "SINGLE", "ANY_OF", "AT_LEAST", "operation_name",
    "split_operation",
]

SINGLE = "service"
ANY_OF = "any_of"
AT_LEAST = "at_least"

_NOWHERE = Location("<unknown>")


def operation_name(service: str, operation: str) -> str:
    """The node name of ``operation`` of ``service``.

    >>> operation_name("frontend", "login")
    'frontend:login'
    """
    return f"{service}:{operation}"


def split_operation(name: str) -> tuple[str, str | None]:
    """``(service, operation)`` of a reference; ``operation`` is None for a plain service.

    Operation names hold no ``:``, so the operation is what follows the last one.

    >>> split_operation("frontend:login"), split_operation("frontend")
    (('frontend', 'login'), ('frontend', None))
    """
    service, sep, operation = name.rpartition(":")
    return (service, operation) if sep and service else (name, None)


@dataclass(frozen=True, slots=True)
class Item:
    """One requirement: at least ``need`` of ``members`` must not be DOWN.

    A single dependency is ``Item(SINGLE, ("x",), 1)``; ``any_of`` is ``need=1``.
    A soft item never makes its owner DOWN, only DEGRADED.

    >>> Item(ANY_OF, ("sms-a", "sms-b"), 1).describe()
    'any_of [sms-a, sms-b]'
    >>> Item(AT_LEAST, ("zk-1", "zk-2", "zk-3"), 2, soft=True).describe()
    'soft at_least 2 of [zk-1, zk-2, zk-3]'
    """

    kind: str
    members: tuple[str, ...]
    need: int = 1
    soft: bool = False
    note: str | None = None
    location: Location = field(default=_NOWHERE, compare=False)
    implicit: bool = False  # the hard item an operation holds on its own service
    startup: bool = True  # spec §10: a hard item is needed to start unless startup: false

    @property
    def is_group(self) -> bool:
        """True for ``any_of`` and ``at_least`` items, even with one member."""
        return self.kind != SINGLE

    def describe(self) -> str:
        """The item as a reader writes it, e.g. ``any_of [a, b]``."""
        prefix = "soft " if self.soft else ""
        if self.kind == SINGLE:
            return f"{prefix}{self.members[0]}"
        names = ", ".join(self.members)
        if self.kind == ANY_OF:
            return f"{prefix}any_of [{names}]"
        return f"{prefix}at_least {self.need} of [{names}]"


@dataclass(frozen=True, slots=True)
class Service:
    """A deployable service and what it depends on; also an operation of one (spec §8).

    An operation ``S:O`` is a ``Service`` with ``operation_of="S"`` whose first item
    is the implicit hard item on ``S``. ``availability`` is the probability that
    the node is up by itself (spec §9), None when not stated.
    """

    name: str
    depends_on: tuple[Item, ...] = ()
    description: str | None = None
    owner: str | None = None
    system: str | None = None
    tier: int | None = None
    tags: tuple[str, ...] = ()
    location: Location = field(default=_NOWHERE, compare=False)
    operations: tuple[Service, ...] = ()
    operation_of: str | None = None
    availability: float | None = None  # probability that it is itself up; None: default (1)
    common_cause: bool = False  # a common-cause group compiled into a node (docs/availability.md)
    start_seconds: float | None = None  # spec §10: time from start to ready (None: not declared)
    cost: float | None = None  # spec §12: running cost per period; None: not stated

    @property
    def own_items(self) -> tuple[Item, ...]:
        """``depends_on`` without the implicit item of an operation."""
        items = self.depends_on
        return items[1:] if items and items[0].implicit else items

    @classmethod
    def operation(cls, service: str, operation: str, depends_on=(), **fields) -> Service:
        """An operation node: the implicit hard item on ``service``, then ``depends_on``.

        >>> op = Service.operation("frontend", "login", (Item(SINGLE, ("passbird",)),))
        >>> op.name, [i.describe() for i in op.depends_on], op.depends_on[0].implicit
        ('frontend:login', ['frontend', 'passbird'], True)
        """
        implicit = Item(SINGLE, (service,), 1, implicit=True,
                        location=fields.get("location", _NOWHERE))
        return cls(operation_name(service, operation), (implicit, *depends_on),
                   operation_of=service, **fields)


@dataclass(frozen=True, slots=True)
class Flow:
    """A user flow that matters, and the items it requires."""

    name: str
    requires: tuple[Item, ...] = ()
    description: str | None = None
    critical: bool = True
    owner: str | None = None
    location: Location = field(default=_NOWHERE, compare=False)
    target: float | None = None  # availability objective (spec §9)


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(sorted(mapping.items())))


@dataclass(frozen=True)
class Manifest:
    """Services and flows by name, both sorted by name; ``sources`` are the files read.

    ``nodes`` holds the services and their operations by name, sorted: the nodes of
    the dependency graph. Without operations it is ``services`` itself.
    ``operations`` holds the operations alone.
    """

    services: Mapping[str, Service] = field(default_factory=dict)
    flows: Mapping[str, Flow] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    nodes: Mapping[str, Service] = field(init=False, repr=False, compare=False)
    operations: Mapping[str, Service] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        services = _frozen(self.services)
        object.__setattr__(self, "services", services)
        object.__setattr__(self, "flows", _frozen(self.flows))
        operations = {op.name: op for svc in services.values() for op in svc.operations}
        object.__setattr__(self, "operations", _frozen(operations))
        nodes = _frozen({**services, **operations}) if operations else services
        object.__setattr__(self, "nodes", nodes)

    @classmethod
    def from_lists(cls, services=(), flows=(), sources=()) -> Manifest:
        """Build a manifest from iterables of services and flows (no validation).

        >>> m = Manifest.from_lists([Service("b"), Service("a", (Item(SINGLE, ("b",)),))])
        >>> list(m.services)
        ['a', 'b']
        """
        return cls({s.name: s for s in services}, {f.name: f for f in flows}, tuple(sources))
