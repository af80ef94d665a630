"""Import an address book: a config file naming every service for every service.

What is read
------------
A JSON object whose keys name services and whose values say where each one is:
``{"home-timeline-redis": {"addr": "home-timeline-redis", "port": 6379, ...}, ...}``,
as DeathStarBench's socialNetwork ships it (``config/service-config.json``, read by
every service). Entries without an ``addr`` (``secret``, ``ssl``) are not services:
they are skipped with a note. Folders are searched for ``*.json``.

What it proves, and what it does not
------------------------------------
Every service *can* reach every entry: the book is mounted into all of them. It does
not say who calls whom. So:

- every entry with an address becomes a service, with ``evidence: address-book FILE``;
  data stores and brokers are tagged by name (``datastore``/``broker`` and the
  technology, see :func:`pruner.analysis.evidence.store_tags`);
- a data store or broker gets **candidate** edges: from the application entries whose
  name it extends (``home-timeline-redis`` <- ``home-timeline-service``), else from every
  application entry. Each is ``soft: true`` and ``startup: false`` with
  ``evidence: address-book FILE``: a candidate, *unverified*, never a hard certainty.
  Losing the store then degrades its candidate callers instead of passing silently;
- calls between application services are not guessed (every one could call every
  other): traces tell (``pruner drift MANIFEST TRACES``, ``pruner discover``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pruner.analysis.evidence import store_tags
from pruner.errors import display
from pruner.importers._io import JSON_SUFFIXES, SourceFile, discover, iter_json_values
from pruner.importers.base import ImportResult, ManifestBuilder, SourceError, as_result

__all__ = ["import_address_book", "candidate_callers"]

_APP_SUFFIXES = ("-service", "_service", "-svc", "-server", "-api")


def _stem(name: str) -> str:
    for suffix in _APP_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def candidate_callers(store: str, apps: Sequence[str]) -> tuple[str, ...]:
    """The application entries a data store's name points at, else every one.

    The longest application stem that the store's name extends wins
    (``user-timeline-redis``: ``user-timeline-service``, not ``user-service``).

    >>> apps = ["home-timeline-service", "user-service", "user-timeline-service"]
    >>> candidate_callers("user-timeline-redis", apps), candidate_callers("user-mongodb", apps)
    (('user-timeline-service',), ('user-service',))
    >>> candidate_callers("media-memcached", apps) == tuple(apps)
    True
    """
    best: list[str] = []
    best_len = 0
    for app in apps:
        stem = _stem(app)
        if store.startswith(stem + "-") or store.startswith(stem + "_"):
            if len(stem) > best_len:
                best, best_len = [app], len(stem)
            elif len(stem) == best_len:
                best.append(app)
    return tuple(sorted(best)) if best else tuple(sorted(apps))


def _entries(f: SourceFile) -> list[tuple[str, Any, int]]:
    out = []
    for value, line, in_array in iter_json_values(f):
        if in_array or not isinstance(value, dict):
            raise SourceError(f.at(line), "not an address book: expected one JSON object "
                                          "mapping service names to {addr, port, ...}")
        out.extend((str(k), v, line) for k, v in value.items())
    return out


def import_address_book(sources: Sequence[str]) -> ImportResult:
    """Import services and candidate (unverified, soft) edges from address books.

    Raises
    ------
    SourceError
        Unreadable files, invalid JSON, or JSON that is not an object of entries.
    """
    b = ManifestBuilder()
    files = discover(sources, JSON_SUFFIXES, b.note)
    entries: dict[str, tuple[str, str]] = {}  # service -> (file, key)
    skipped: list[str] = []
    for f in files:
        for key, value, _line in _entries(f):
            addr = value.get("addr") if isinstance(value, dict) else None
            if not isinstance(addr, str) or not addr.strip():
                skipped.append(key)
                continue
            host = addr.strip().split("://")[-1].split("/")[0].rsplit(":", 1)[0] or key
            name = b.name(host, f"{f.display}: entry {display(key)}")
            if name is None or name in entries:
                continue
            entries[name] = (f.display, key)
    if not entries:
        raise SourceError(", ".join(sources), "no entry with an 'addr': not an address book")
    if skipped:
        b.note(f"skipped {len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'} without an "
               f"'addr' (not services): {', '.join(sorted(set(skipped))[:10])}")
    stores = {n: store_tags(None, n) for n in entries}
    apps = sorted(n for n, tags in stores.items() if not tags)
    for name, (file, key) in sorted(entries.items()):
        b.add_service(name, description=f"In the address book {file} (key {key})",
                      tags=stores[name], evidence=[f"address-book {file}"])
    n_edges = 0
    for store in sorted(n for n, tags in stores.items() if tags):
        file, key = entries[store]
        for caller in candidate_callers(store, apps):
            b.add_edge(caller, store, soft=True,
                       note=f"candidate from the address book {file}: the book names {key} "
                            "for every service; the code may or may not call it",
                       evidence=[f"address-book {file}"])
            n_edges += 1
    b.note(f"{n_edges} candidate edge(s) to data stores and brokers, each soft and unverified "
           "(evidence: address-book): the book names every service for every service, so it "
           "proves no call. Calls between the other services are not guessed: compare with "
           "traces (pruner drift MANIFEST TRACES) to confirm or drop them")
    return as_result(b, "address-book", sources, "addresses")
