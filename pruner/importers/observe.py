"""Observations for ``pruner drift``: read OBSERVED sources into an :class:`Observation`.

An OBSERVED source is a trace or dependencies file (Jaeger ``/api/dependencies`` JSON,
Zipkin spans), a folder of them, or another manifest (a YAML file or folder that loads
as a v1 manifest). Its kind is detected from the file names and the first bytes of
the first file; ``kind`` overrides the detection (and allows any importer, e.g.
``k8s`` to compare a catalog with what is deployed).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from pruner.analysis.drift import (
    Observation,
    merge_observations,
    observation_from_document,
    observation_from_manifest,
)
from pruner.errors import ManifestError
from pruner.importers._io import source_mode
from pruner.importers.base import SourceError
from pruner.importers.servicegraph import METRIC_SUFFIXES
from pruner.loader import load
from pruner.sources import UnreadableError, file_kind, open_regular

__all__ = ["MANIFEST", "detect_kind", "observe"]

MANIFEST = "manifest"
_SNIFF_BYTES = 1 << 16
_JSON = (".json", ".jsonl", ".ndjson")
_YAML = (".yaml", ".yml")


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    found = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found += [Path(dirpath, n) for n in sorted(filenames) if not n.startswith(".")]
    return sorted(found)


def detect_kind(source: str) -> str:
    """The kind of an OBSERVED source: ``"manifest"``, ``"jaeger"`` or ``"zipkin"``.

    YAML means a manifest; JSON is told apart by its first 64 KiB (``"traceId"`` means
    Zipkin spans, ``"parent"`` with ``"child"`` Jaeger dependency links).

    Raises
    ------
    SourceError
        The source does not exist, or its kind cannot be told.
    """
    from pruner.importers.tracestore import is_store_source

    if is_store_source(source):
        return "otlp"  # a trace store: the exporter's table holds OTLP spans
    path = Path(source)
    mode = source_mode(path)
    if mode is None:
        raise SourceError(source, "no such file or directory")
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):  # a FIFO, a device: never waited on
        raise SourceError(source, f"cannot read: {file_kind(mode)}, not a regular file or "
                                  "folder")
    files = _files(path)
    json_files = [f for f in files if f.suffix.lower() in _JSON]
    metrics = [f for f in files if f.suffix.lower() in METRIC_SUFFIXES]
    if metrics and not json_files:
        return "servicegraph"
    if not json_files:
        if any(f.suffix.lower() in _YAML for f in files):
            return MANIFEST
        raise SourceError(source, "holds no *.json, *.yaml or *.yml file")
    first = json_files[0]
    try:
        with open_regular(first) as handle:
            head = handle.read(_SNIFF_BYTES).decode("utf-8", "replace")
    except UnreadableError as exc:
        raise SourceError(exc.path, exc.reason) from None
    except OSError as exc:
        raise SourceError(str(first), f"cannot read: {exc.strerror or exc}") from None
    if '"resourceSpans"' in head or '"scopeSpans"' in head:
        return "otlp"
    if '"spans"' in head and ('"spanID"' in head or '"processes"' in head):
        return "jaeger"
    if '"traceId"' in head or '"traceID"' in head:
        return "zipkin"
    if '"parent"' in head and '"child"' in head:
        return "jaeger"
    raise SourceError(str(first), "cannot tell whether this holds Zipkin spans or Jaeger "
                      "dependency links; pass --observed-kind")


def _manifest_observation(source: str, explicit: bool) -> Observation:
    try:
        result = load(source)
    except ManifestError as exc:
        if explicit:
            raise
        raise SourceError(
            source, f"does not load as a v1 manifest ({exc}); to read it with an importer, "
            "pass --observed-kind k8s|compose|backstage"
        ) from None
    return observation_from_manifest(result.manifest, MANIFEST, (source,))


def observe(sources: Sequence[str], kind: str | None = None, *, since: int | None = None,
            until: int | None = None, memory_cap: int | None = None) -> Observation:
    """Read OBSERVED ``sources`` (each of ``kind``, or of its detected kind) into one
    observation.

    Parameters
    ----------
    sources
        Files or folders, as given on the command line.
    kind
        ``"manifest"`` or an importer name; ``None`` (or ``"auto"``) detects each
        source's kind with :func:`detect_kind`.
    since, until
        Unix ns: read only the spans that started in ``[since, until)`` (traces only).
    memory_cap
        The command's memory cap (bytes), which an in-process trace store keeps to.

    Raises
    ------
    SourceError, ManifestError
        A source is missing, of unknown kind, or malformed.
    """
    from pruner.importers import import_sources  # the package imports this module's siblings

    explicit = kind not in (None, "auto")
    groups: dict[str, list[str]] = {}
    for source in sources:
        groups.setdefault(kind if explicit else detect_kind(source), []).append(source)
    observations = []
    for group_kind in sorted(groups):
        if group_kind == MANIFEST:
            observations += [_manifest_observation(s, explicit) for s in groups[group_kind]]
        elif group_kind in _TRACES and _traces(group_kind, groups[group_kind]):
            observations.append(_trace_observation(group_kind, groups[group_kind],
                                                   since, until, memory_cap))
        else:
            result = import_sources(group_kind, groups[group_kind])
            observations.append(observation_from_document(
                result.document, group_kind, result.sources, result.notes))
    return merge_observations(observations)


_TRACES = ("otlp", "jaeger", "zipkin")


def _traces(kind: str, sources: Sequence[str]) -> bool:
    """Whether ``sources`` of ``kind`` hold whole traces (Jaeger may hold dependency links)."""
    if kind != "jaeger":
        return True
    return all(detect_kind(s) == "jaeger" and _jaeger_traces(s) for s in sources)


def _jaeger_traces(source: str) -> bool:
    files = [f for f in _files(Path(source)) if f.suffix.lower() in _JSON]
    try:
        with open(files[0], "rb") as handle:
            head = handle.read(_SNIFF_BYTES).decode("utf-8", "replace")
    except (OSError, IndexError):
        return False
    return '"spans"' in head


def _trace_observation(kind: str, sources: Sequence[str], since: int | None = None,
                       until: int | None = None, memory_cap: int | None = None) -> Observation:
    """Edges and entry points (for undeclared flows) from traces.

    Zipkin's edges keep coming from its importer (its call counts); the entry points
    come from a discovery pass over the same spans.
    """
    from pruner.importers import import_sources
    from pruner.importers.traces import discover_sources, entry_points, read_discovery

    found: dict[str, int] = {}
    if kind == "zipkin":
        found.update(entry_points(read_discovery(sources, kind, since=since, until=until,
                                                 memory_cap=memory_cap)[0]))
        result = import_sources(kind, sources)
    else:
        result = discover_sources(sources, kind, flows=False, entries=found, since=since,
                                  until=until, memory_cap=memory_cap)
    base = observation_from_document(result.document, kind, result.sources, result.notes)
    entries = tuple(found.items())
    return Observation(base.kind, base.sources, base.services, base.edges, base.notes, entries)
