"""Importers: build a manifest-v1 document from what teams already have.

Each importer is a pure function ``sources -> ImportResult``: it reads the files (and
folders) it is given, never writes, never prints. Malformed sources raise
:class:`SourceError` with ``file:line`` where known.

>>> sorted(IMPORTERS)  # doctest: +NORMALIZE_WHITESPACE
['address-book', 'backstage', 'compose', 'jaeger', 'k8s', 'openpsa', 'otlp', 'servicegraph',
 'zipkin']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pruner.importers.address_book import import_address_book
from pruner.importers.backstage import import_backstage
from pruner.importers.base import ImportResult, SourceError
from pruner.importers.compose import import_compose
from pruner.importers.emit import result_to_yaml, to_yaml
from pruner.importers.jaeger import import_jaeger
from pruner.importers.k8s import import_k8s
from pruner.importers.openpsa import import_openpsa
from pruner.importers.servicegraph import import_servicegraph
from pruner.importers.traces import import_otlp
from pruner.importers.zipkin import import_zipkin

__all__ = [
    "IMPORTERS",
    "ImportResult",
    "SourceError",
    "import_sources",
    "result_to_yaml",
    "to_yaml",
]

#: Importer functions by the name ``pruner import KIND`` uses.
IMPORTERS: dict[str, Callable[[Sequence[str]], ImportResult]] = {
    "k8s": import_k8s,
    "compose": import_compose,
    "backstage": import_backstage,
    "jaeger": import_jaeger,
    "zipkin": import_zipkin,
    "openpsa": import_openpsa,
    "otlp": import_otlp,
    "servicegraph": import_servicegraph,
    "address-book": import_address_book,
}


def import_sources(kind: str, sources: Sequence[str]) -> ImportResult:
    """Run the importer ``kind`` on ``sources``.

    Parameters
    ----------
    kind
        One of :data:`IMPORTERS` (``k8s``, ``compose``, ``backstage``, ``jaeger``,
        ``zipkin``).
    sources
        Files or folders, as given on the command line.

    Returns
    -------
    ImportResult

    Raises
    ------
    SourceError
        Unknown kind, missing or malformed sources.
    """
    try:
        importer = IMPORTERS[kind]
    except KeyError:
        raise SourceError(
            "<kind>", f"unknown importer {kind!r}; choose one of {', '.join(sorted(IMPORTERS))}"
        ) from None
    return importer(list(sources))
