"""The manifest as frozen dataclasses: services, their dependency items, and flows.

The model is what the loader produces after validation, so every name an item
mentions is a defined service and every quorum is within bounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pruner.errors import Location

__all__ = ["Item", "Service", "Flow", "Manifest", "SINGLE", "ANY_OF", "AT_LEAST"]

SINGLE = "service"
ANY_OF = "any_of"
AT_LEAST = "at_least"

_NOWHERE = Location("<unknown>")


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
    """A deployable service and what it depends on."""

    name: str
    depends_on: tuple[Item, ...] = ()
    description: str | None = None
    owner: str | None = None
    system: str | None = None
    tier: int | None = None
    tags: tuple[str, ...] = ()
    location: Location = field(default=_NOWHERE, compare=False)
    start_seconds: float | None = None  # spec §10: time from start to ready (None: not declared)


@dataclass(frozen=True, slots=True)
class Flow:
    """A user flow that matters, and the items it requires."""

    name: str
    requires: tuple[Item, ...] = ()
    description: str | None = None
    critical: bool = True
    owner: str | None = None
    location: Location = field(default=_NOWHERE, compare=False)


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(sorted(mapping.items())))


@dataclass(frozen=True)
class Manifest:
    """Services and flows by name, both sorted by name; ``sources`` are the files read."""

    services: Mapping[str, Service] = field(default_factory=dict)
    flows: Mapping[str, Flow] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "services", _frozen(self.services))
        object.__setattr__(self, "flows", _frozen(self.flows))

    @classmethod
    def from_lists(cls, services=(), flows=(), sources=()) -> Manifest:
        """Build a manifest from iterables of services and flows (no validation).

        >>> m = Manifest.from_lists([Service("b"), Service("a", (Item(SINGLE, ("b",)),))])
        >>> list(m.services)
        ['a', 'b']
        """
        return cls({s.name: s for s in services}, {f.name: f for f in flows}, tuple(sources))
