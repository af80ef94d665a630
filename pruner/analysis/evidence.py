"""What each verdict rests on: the evidence behind the edges that reach a service.

pruner's verdicts are exact for the manifest it is given; how far they can be trusted
depends on where the manifest's edges came from. Every item, service and flow may
carry ``evidence`` (docs/manifest.md, "Evidence"); an item without it was written by
a person and counts as *declared*. Classes, strongest first:

- ``declared``: a person wrote it (no ``evidence`` key, or ``declared`` evidence);
- ``observed``: traffic showed it (``traces``, ``servicegraph``, ``jaeger``);
- ``inferred``: a deployment file or a catalogue states it (``compose``, ``k8s``,
  ``networkpolicy``, ``catalog``, ``image``);
- ``unverified``: a source that names every service for every service suggests it
  (``address-book``): a candidate, never a certainty.

The *basis* of a service is what pruner knows about who needs it:

- some item names it (a ``depends_on`` of a service or operation, or a flow's
  ``requires``; an operation ``S:O`` counts as ``S``): the strongest class among those
  items' evidence;
- nothing names it: ``declared`` or ``observed`` when the service itself carries such
  evidence (or none at all: a hand-written service whose author lists no user), else
  ``unknown`` -- an importer saw the service but nothing about who calls it (a Redis
  reached through an address in code). A service that is prunable on an ``unknown``
  or ``unverified`` basis is prunable *only because nothing is known*.

Consumers: ``essential``/``cuts``/``check``/``validate`` (warnings naming services
nothing depends on), ``plan`` (removals resting on no evidence shown apart,
``--require-evidence``), ``drift``. Everything here is a pure function of the
:class:`~pruner.model.Manifest`.

References
----------
.. [1] T. Xu and Y. Zhou, "Systems Approaches to Tackling Configuration Errors: A
   Survey", ACM Computing Surveys 47(4), 2015 (a stated configuration is a claim to check).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping

from pruner.errors import Problem
from pruner.frozen import record
from pruner.model import (
    DECLARED,
    INFERRED,
    OBSERVED,
    UNVERIFIED,
    Evidence,
    Item,
    Manifest,
    Service,
    split_operation,
)

__all__ = [
    "DECLARED",
    "OBSERVED",
    "INFERRED",
    "UNVERIFIED",
    "UNKNOWN",
    "STRENGTH",
    "KNOWN",
    "DATASTORES",
    "BROKERS",
    "Unused",
    "strongest",
    "item_basis",
    "service_basis",
    "basis",
    "unused",
    "unknown",
    "store_kind",
    "technology",
    "store_tags",
    "unused_warning",
    "worth_warning",
    "unknown_and_warnings",
    "verdict_warnings",
    "evidence_problems",
    "unverified_links",
    "unix_time",
]

UNKNOWN = "unknown"
#: Classes from the strongest to the weakest.
STRENGTH = (DECLARED, OBSERVED, INFERRED, UNVERIFIED, UNKNOWN)
#: Bases on which "prunable" rests on evidence (a person said so, traffic showed it,
#: or a deployment file states who uses the service); the others are "nothing known".
KNOWN = frozenset({DECLARED, OBSERVED, INFERRED})

#: Image (or name) words of data stores, and of message brokers.
DATASTORES = ("redis", "memcached", "mongo", "mongodb", "mysql", "mariadb", "postgres",
              "postgresql", "cassandra", "elasticsearch", "opensearch", "etcd", "zookeeper",
              "consul", "minio", "couchdb", "couchbase", "cockroachdb", "influxdb", "neo4j",
              "clickhouse", "scylladb", "dynamodb-local", "valkey", "keydb", "mssql")
BROKERS = ("kafka", "rabbitmq", "nats", "activemq", "pulsar", "redpanda", "nsq", "mosquitto",
           "emqx")
_ROLE = {**{w: "datastore" for w in DATASTORES}, **{w: "broker" for w in BROKERS}}
_CANONICAL = {"mongodb": "mongo", "postgresql": "postgres"}
_WORDS = r"[a-z0-9]+(?:-local)?"  # compiled (and kept) by re when an image is first read


def strongest(evidence: Iterable[Evidence], default: str = DECLARED) -> str:
    """The strongest class among ``evidence``; ``default`` when there is none.

    >>> strongest([Evidence("address-book"), Evidence("traces")])
    'observed'
    >>> strongest([])
    'declared'
    """
    classes = {e.strength for e in evidence}
    for c in STRENGTH:
        if c in classes:
            return c
    return default


def item_basis(item: Item) -> str:
    """What one item rests on: ``declared`` unless its evidence says otherwise.

    >>> item_basis(Item("service", ("redis",), evidence=(Evidence("address-book"),)))
    'unverified'
    """
    return strongest(item.evidence)


def service_basis(service: Service) -> str:
    """What the service's own evidence says it is known from (``declared`` if none)."""
    return strongest(service.evidence)


def _service_of(name: str, manifest: Manifest) -> str:
    if name in manifest.services:
        return name
    return split_operation(name)[0]


def _owners(manifest: Manifest) -> list[tuple[str, str | None, tuple[Item, ...]]]:
    """``(owner, its service or None for a flow, its items)`` for every service,
    operation and flow. Owners are services (an operation is named ``S:O`` and counts
    as its service's) and flows (named ``flow NAME``); the implicit item of an
    operation on its own service is not a dependency on it."""
    owners = [(node.name, _service_of(node.name, manifest), node.own_items)
              for node in manifest.nodes.values()]
    owners.extend((f"flow {flow.name}", None, flow.requires) for flow in manifest.flows.values())
    return owners


def _marked(manifest: Manifest, names: set[str]) -> set[str]:
    """The services among ``names`` whose basis or warning can be anything but
    "declared, nothing to say": those with evidence of their own or a data store's or
    broker's tag, and those an item with evidence names. Every other one rests on
    ``declared`` (its users' items, else its own basis) and is no data store, so no
    warning can name it. Found in one pass over the items that looks at their evidence
    only: the pass over every reference (:func:`_user_classes`) is then needed for
    these few alone, and for none in a hand-written manifest (0.09 s of ``cuts`` on
    20,000 services).

    >>> m = Manifest.from_lists([Service("api", (Item("service", ("db",)),)), Service("db"),
    ...     Service("cache", tags=("datastore", "redis"))])
    >>> sorted(_marked(m, {"api", "db", "cache"}))
    ['cache']
    """
    services = manifest.services
    # Comprehensions, one attribute test per service and per item: this runs on every
    # `cuts` and `essential` of the whole manifest (20,000 services, 76,000 items).
    chosen = services.items() if names.issuperset(services) else (
        (n, services[n]) for n in names if n in services)
    marked = {n for n, s in chosen if s.evidence or (s.tags and store_kind(s))}
    proven = [item for node in manifest.nodes.values() for item in node.depends_on
              if item.evidence and not item.implicit]  # own_items: not the implicit one
    proven += [item for flow in manifest.flows.values() for item in flow.requires
               if item.evidence]
    for item in proven:
        for member in item.members:
            target = member if member in services else split_operation(member)[0]
            if target in names:
                marked.add(target)
    return marked


def _user_classes(manifest: Manifest, names: Iterable[str]) -> dict[str, set[str]]:
    """Service (among ``names``) -> the evidence classes of the items that name it
    (``declared`` for an item without evidence); empty: nothing depends on it. One
    pass over the items."""
    services = manifest.services
    found: dict[str, set[str]] = {name: set() for name in names if name in services}
    get = found.get
    for _owner_name, owner_service, items in _owners(manifest):
        for item in items:
            for member in item.members:
                # _service_of, inlined: this loop meets every reference of the manifest
                target = member if member in services else split_operation(member)[0]
                classes = get(target)
                if classes is not None and target != owner_service:
                    if item.evidence:
                        classes.update(e.strength for e in item.evidence)
                    else:
                        classes.add(DECLARED)
    return found


def _owner(pair: tuple[str, Item]) -> str:
    return pair[0]


def basis(manifest: Manifest, of: Iterable[str] | None = None) -> dict[str, str]:
    """Service (among ``of``, default all) -> what its verdicts rest on (see the module
    docstring), sorted by name.

    Examples
    --------
    >>> from pruner.model import SINGLE
    >>> m = Manifest.from_lists([
    ...     Service("api", (Item(SINGLE, ("db",), evidence=(Evidence("compose"),)),),
    ...             evidence=(Evidence("compose"),)),
    ...     Service("db", evidence=(Evidence("compose"),)),
    ...     Service("redis", evidence=(Evidence("compose"),)),
    ...     Service("cache", evidence=(Evidence("traces"),)),
    ...     Service("hand")])
    >>> sorted(basis(m).items())  # doctest: +NORMALIZE_WHITESPACE
    [('api', 'unknown'), ('cache', 'observed'), ('db', 'inferred'), ('hand', 'declared'),
     ('redis', 'unknown')]
    """
    names = manifest.services if of is None else sorted(set(of) & set(manifest.services))
    return _bases(manifest, _user_classes(manifest, names), names)


def _bases(manifest: Manifest, classes: Mapping[str, set[str]],
           names: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in names:
        users = classes.get(name)
        if users:  # the strongest class among the items that name it
            out[name] = next(c for c in STRENGTH if c in users)
        else:
            own = service_basis(manifest.services[name])
            out[name] = own if own in (DECLARED, OBSERVED) else UNKNOWN
    return out


@record(slots=False)
class Unused:
    """A service that nothing depends on: no item names it, no flow requires it.

    ``kind`` is ``"redis data store"``, ``"kafka broker"`` or None; ``basis`` is its
    :func:`basis` (``unknown`` when only an importer ever saw it).
    """

    service: str
    kind: str | None
    basis: str


def unused(manifest: Manifest, of: Iterable[str] | None = None) -> tuple[Unused, ...]:
    """Services (among ``of``, default all) that no service, operation or flow names.

    >>> m = Manifest.from_lists([Service("home-timeline-redis", tags=("datastore", "redis"),
    ...                                  evidence=(Evidence("compose"),))])
    >>> unused(m)
    (Unused(service='home-timeline-redis', kind='redis data store', basis='unknown'),)
    """
    names = sorted(manifest.services if of is None else set(of) & set(manifest.services))
    users = _user_classes(manifest, names)
    bases = _bases(manifest, users, names)
    return tuple(Unused(n, store_kind(manifest.services[n]), bases[n])
                 for n in names if not users.get(n))


def unknown(manifest: Manifest, of: Iterable[str]) -> tuple[str, ...]:
    """The services among ``of`` whose verdict rests on nothing known (basis
    ``unknown`` or ``unverified``), sorted: "prunable only because nothing is known"."""
    names = set(of) & set(manifest.services)
    if names:  # the others rest on "declared" (:func:`_marked`): known
        names = _marked(manifest, names)
    if not names:  # a plan removing 18,325 services of 20,000 read every reference: 0.1 s
        return ()
    bases = _bases(manifest, _user_classes(manifest, names), names)
    return tuple(sorted(n for n in names if bases[n] not in KNOWN))


def unknown_and_warnings(manifest: Manifest, of: Iterable[str],
                         path: str = "MANIFEST") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """:func:`unknown` and :func:`verdict_warnings` of the same services, from one
    pass over who uses them (``pruner essential`` reports both).

    >>> m = Manifest.from_lists([Service("cache", tags=("datastore", "memcached"),
    ...                                  evidence=(Evidence("compose"),)), Service("hand")])
    >>> found, warnings = unknown_and_warnings(m, ["cache", "hand"], "m.yaml")
    >>> found, [w.split(":")[0] for w in warnings]
    (('cache',), ['nothing depends on cache, a memcached data store'])
    """
    names = set(of) & set(manifest.services)
    if names:
        names = _marked(manifest, names)  # the others rest on "declared": known, no warning
    if not names:
        return (), ()
    deps = _user_classes(manifest, names)
    bases = _bases(manifest, deps, names)
    return (tuple(sorted(n for n in names if bases[n] not in KNOWN)),
            tuple(text for _, text in _warnings_of(manifest, names, deps, bases, path)))


def technology(text: str) -> tuple[str, str] | None:
    """``(technology, role)`` named by an image or a service name, role ``datastore`` or
    ``broker``; None for anything else.

    >>> technology("docker.io/library/redis:6.2-alpine"), technology("mongo:4.4.6")
    (('redis', 'datastore'), ('mongo', 'datastore'))
    >>> technology("bitnami/kafka:3"), technology("user-timeline-service") is None
    (('kafka', 'broker'), True)
    """
    text = text.lower()
    path = text.rsplit("@", 1)[0]
    base = path.rsplit("/", 1)[-1].split(":", 1)[0]
    for word in [base, *re.findall(_WORDS, base)]:
        if word in _ROLE:
            return _CANONICAL.get(word, word), _ROLE[word]
    return None


def store_tags(image: str | None, name: str = "") -> tuple[str, ...]:
    """The tags an importer gives a service whose image (else name) is a data store or
    broker: ``("datastore", "redis")``; ``()`` otherwise.

    >>> store_tags("memcached:1.6.7"), store_tags(None, "social-graph-mongodb")
    (('datastore', 'memcached'), ('datastore', 'mongo'))
    """
    found = technology(image) if image else None
    if found is None and name:
        found = technology(name)
    return () if found is None else (found[1], found[0])


def store_kind(service: Service) -> str | None:
    """``"redis data store"`` / ``"kafka broker"`` from a service's tags, else None."""
    tags = service.tags
    if "datastore" not in tags and "broker" not in tags:  # most services: no set to build
        return None
    tags = set(tags)
    for role, words, what in (("datastore", DATASTORES, "data store"),
                              ("broker", BROKERS, "broker")):
        if role in tags:
            tech = next((_CANONICAL.get(w, w) for w in words if w in tags), None)
            return f"{tech} {what}" if tech else what
    return None


def unused_warning(u: Unused, manifest_path: str = "MANIFEST") -> str:
    """The warning ``validate``, ``essential``, ``cuts`` and ``check`` print for one service.

    >>> u = Unused("home-timeline-redis", "redis data store", "unknown")
    >>> print(unused_warning(u, "m.yaml"))
    nothing depends on home-timeline-redis, a redis data store: a missing edge or unused? \
nothing is known about who uses it; traces will tell: `pruner drift m.yaml TRACES`
    """
    what = f", a {u.kind}" if u.kind else ""
    why = {UNKNOWN: "nothing is known about who uses it",
           UNVERIFIED: "only unverified sources name it"}.get(
        u.basis, f"the manifest says so ({u.basis})")
    return (f"nothing depends on {u.service}{what}: a missing edge or unused? {why}; "
            f"traces will tell: `pruner drift {manifest_path} TRACES`")


def worth_warning(manifest: Manifest, of: Iterable[str] | None = None) -> tuple[Unused, ...]:
    """The :func:`unused` services a report should warn about: data stores and brokers
    always, other services when their basis is not ``declared`` (a hand-written service
    nothing names is already reported as reached by no flow)."""
    return tuple(u for u in unused(manifest, of) if u.kind or u.basis != DECLARED)


def verdict_warnings(manifest: Manifest, services: Iterable[str] | None = None,
                     path: str = "MANIFEST") -> tuple[str, ...]:
    """One warning per service among ``services`` (default: all) that a verdict would
    call prunable, or harmless to switch off, on no evidence: data stores and brokers
    nothing depends on, and any service whose basis is ``unknown`` or ``unverified``.
    Sorted by service.

    >>> m = Manifest.from_lists([Service("cache", tags=("datastore", "memcached"),
    ...                                  evidence=(Evidence("compose"),))])
    >>> verdict_warnings(m, path="m.yaml")[0].split(":")[0]
    'nothing depends on cache, a memcached data store'
    """
    return tuple(text for _, text in _warnings(manifest, services, path))


def _warnings(manifest: Manifest, services: Iterable[str] | None,
              path: str) -> list[tuple[str, str]]:
    names = set(manifest.services) if services is None else set(services) & set(
        manifest.services)
    if names:  # `check` with nothing switched off: no pass over the manifest
        names = _marked(manifest, names)  # no other one can be warned about
    if not names:
        return []
    deps = _user_classes(manifest, names)
    return _warnings_of(manifest, names, deps, _bases(manifest, deps, names), path)


def _warnings_of(manifest: Manifest, names: set[str], deps: Mapping[str, set[str]],
                 bases: Mapping[str, str], path: str) -> list[tuple[str, str]]:
    out = []
    others: list[str] = []  # services (not stores) nothing depends on, known only by import
    for name in sorted(names):
        kind = store_kind(manifest.services[name])
        if not deps.get(name):
            if kind:
                out.append((name, unused_warning(Unused(name, kind, bases[name]), path)))
            elif bases[name] != DECLARED:
                others.append(name)
        elif bases[name] == UNVERIFIED:
            what = f" ({kind})" if kind else ""
            out.append((name, f"only unverified sources (an address book) say who uses "
                              f"{name}{what}: its verdicts rest on candidates; traces will "
                              f"tell: `pruner drift {path} TRACES`"))
    if len(others) == 1:
        out.append((others[0], unused_warning(Unused(others[0], None, bases[others[0]]), path)))
    elif others:
        shown = ", ".join(others[:20]) + (f" and {len(others) - 20} more"
                                          if len(others) > 20 else "")
        out.append((others[0], f"nothing depends on {len(others)} services known only from "
                               f"an import: {shown}: missing edges or unused? nothing is known "
                               f"about who uses them; traces will tell: "
                               f"`pruner drift {path} TRACES`"))
    return out


def evidence_problems(manifest: Manifest, path: str = "MANIFEST") -> list[Problem]:
    """:func:`verdict_warnings` for every service, as ``pruner validate`` warnings at each
    service's definition."""
    return [Problem(manifest.services[name].location, text, "warning")
            for name, text in _warnings(manifest, None, path)]


def unverified_links(items: Iterable[Item]) -> tuple[Item, ...]:
    """The items among ``items`` that rest only on unverified evidence (an address book):
    an explanation chain through one marks the link ``(unverified)``."""
    return tuple(i for i in items if i.evidence and item_basis(i) == UNVERIFIED)


def unix_time(ns: int | None) -> str | None:
    """A span start (Unix nanoseconds) as RFC 3339 UTC text, to the second.

    >>> unix_time(1_764_547_200_000_000_000), unix_time(0), unix_time(None)
    ('2025-12-01T00:00:00Z', None, None)
    """
    if not ns or ns < 0:
        return None
    try:
        t = datetime.datetime.fromtimestamp(ns // 1_000_000_000, datetime.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")
