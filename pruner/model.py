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
from dataclasses import field
from types import MappingProxyType

from pruner.errors import Location
from pruner.frozen import record

__all__ = [
    "Item", "Service", "Flow", "Manifest", "SINGLE", "ANY_OF", "AT_LEAST", "operation_name",
    "split_operation", "through_renames", "Evidence", "EVIDENCE_SOURCES", "DECLARED",
    "OBSERVED", "INFERRED", "UNVERIFIED",
]

SINGLE = "service"
ANY_OF = "any_of"
AT_LEAST = "at_least"

_NOWHERE = Location("<unknown>")

#: How strong a kind of evidence is, strongest first (docs/manifest.md, "Evidence").
DECLARED, OBSERVED, INFERRED, UNVERIFIED = "declared", "observed", "inferred", "unverified"

#: Every ``source`` an evidence entry may name, and its class: a person said so
#: (declared), traffic showed it (observed), a deployment file or catalogue states it
#: (inferred), or a source that names every service for every service suggests it
#: (unverified: a candidate, never a certainty).
EVIDENCE_SOURCES = MappingProxyType({
    "declared": DECLARED,
    "traces": OBSERVED,
    "servicegraph": OBSERVED,
    "jaeger": OBSERVED,
    "compose": INFERRED,
    "k8s": INFERRED,
    "networkpolicy": INFERRED,
    "catalog": INFERRED,
    "image": INFERRED,
    "address-book": UNVERIFIED,
})


@record
class Evidence:
    """Where one item, service or flow is known from (docs/manifest.md, "Evidence").

    ``source`` is a key of :data:`EVIDENCE_SOURCES`; ``detail`` is free text (a file,
    a variable, who declared it); ``calls``, ``traces`` (out of ``of``) count what was
    observed between ``first`` and ``last`` (RFC 3339 text, as written).

    >>> Evidence("traces", traces=40, of=40, calls=97,
    ...          first="2026-11-30", last="2026-12-01").describe()
    'traces: 40/40 traces, 97 calls, 2026-11-30..2026-12-01'
    >>> Evidence("compose", "docker-compose.yml depends_on").strength
    'inferred'
    """

    source: str
    detail: str | None = None
    calls: int | None = None
    traces: int | None = None
    of: int | None = None
    first: str | None = None
    last: str | None = None

    @property
    def strength(self) -> str:
        """:data:`DECLARED`, :data:`OBSERVED`, :data:`INFERRED` or :data:`UNVERIFIED`."""
        return EVIDENCE_SOURCES.get(self.source, UNVERIFIED)

    def counts(self) -> str:
        """The counts and the window as text (``40/40 traces, 97 calls, A..B``)."""
        parts = []
        if self.traces is not None:
            parts.append(f"{self.traces}/{self.of} traces" if self.of is not None
                         else f"{self.traces} traces")
        if self.calls is not None:
            parts.append(f"{self.calls} calls")
        if self.first or self.last:
            parts.append(f"{self.first or ''}..{self.last or ''}")
        return ", ".join(parts)

    def describe(self) -> str:
        """One line, in the ``{SOURCE: DETAIL}`` form a person writes (it reads back the same)."""
        text = self.detail if self.detail is not None else self.counts()
        return f"{self.source}: {text}" if text else self.source


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


def through_renames(name: str, renames: Mapping[str, str]) -> str:
    """``name`` through ``renames`` (old name -> new): a renamed service, or an
    operation ``S:O`` of one (split as :func:`split_operation` does).

    >>> through_renames("a:login", {"a": "b"}), through_renames("a", {"a": "b"})
    ('b:login', 'b')
    >>> through_renames("c", {}), through_renames("api:v2:login", {"api:v2": "api:v3"})
    ('c', 'api:v3:login')
    """
    if name in renames:
        return renames[name]
    service, operation = split_operation(name)
    if operation is not None and service in renames:
        return f"{renames[service]}:{operation}"
    return name


@record
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
    #: where the item is known from; empty means written by a person ("declared")
    evidence: tuple[Evidence, ...] = field(default=(), compare=False)

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


@record
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
    #: where the service is known from; empty means written by a person ("declared")
    evidence: tuple[Evidence, ...] = field(default=(), compare=False)
    #: not deployed with the rest (a stub for a name the sources reference): never
    #: called essential on an importer's evidence alone
    external: bool = False

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


@record
class Flow:
    """A user flow that matters, and the items it requires."""

    name: str
    requires: tuple[Item, ...] = ()
    description: str | None = None
    critical: bool = True
    owner: str | None = None
    location: Location = field(default=_NOWHERE, compare=False)
    target: float | None = None  # availability objective (spec §9)
    rpc_budget: int | None = None  # most RPCs per request, at p99 (spec §14)
    latency_budget_ms: float | None = None  # slowest request, at p99, in ms (spec §14)
    #: what the flow was proposed from (``pruner discover``: traces, share, window)
    evidence: tuple[Evidence, ...] = field(default=(), compare=False)


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(sorted(mapping.items())))


@record(slots=False)
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
