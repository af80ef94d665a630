"""Import observed dependencies from Jaeger's dependency links.

What is read
------------
The JSON that Jaeger's query service returns for
``GET /api/dependencies?endTs=...&lookback=...``: ``{"data": [{"parent": P, "child": C,
"callCount": N}, ...]}``, or the bare list. Folders are searched recursively for
``*.json`` files. Links with the same parent and child are summed over all files.

Edges
-----
``parent -> child``, noted with the number of calls observed. Self-calls are dropped.

Not seen: services that were not called in the time window, calls that were not
sampled, whether a call is needed for a user flow or tolerated when it fails (every
edge is hard).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import Any

from pruner.analysis.discover import CLIENT, CONSUMER, INTERNAL, PRODUCER, SERVER, Span
from pruner.importers._io import (
    SourceFile,
    iter_json_items_at,
    iter_json_values,
)
from pruner.importers.base import (
    ImportResult,
    ManifestBuilder,
    SourceError,
    as_result,
    micros,
    service_name,
    trim,
)

__all__ = ["import_jaeger_links", "holds_traces", "jaeger_traces", "is_jaeger_trace"]


def _links(f: SourceFile) -> list[tuple[Any, int]]:
    out: list[tuple[Any, int]] = []
    values = 0
    for value, line, in_array in iter_json_values(f):
        values += 1
        if in_array:
            out.append((value, line))
        elif isinstance(value, dict) and "data" in value:
            data = value["data"]
            if data is None:
                continue
            if not isinstance(data, list):
                raise SourceError(f.at(line), "'data' must be a list of dependency links")
            out.extend((item, line) for item in data)
        elif isinstance(value, dict) and "parent" in value:
            out.append((value, line))  # newline-delimited links
        else:
            raise SourceError(
                f.at(line),
                'not Jaeger dependencies: expected {"data": [{"parent", "child", '
                '"callCount"}, ...]} or a list of such links',
            )
    if not values:
        raise SourceError(f.at(None), "empty file: no JSON value, so no dependency links")
    return out


def holds_traces(f: SourceFile) -> bool:
    """Whether ``f`` looks like ``/api/traces`` JSON (whole traces) rather than links."""
    try:
        with f.path.open("rb") as fh:
            head = fh.read(1 << 16).decode("utf-8", "replace")
    except OSError:
        return False
    return '"spans"' in head and ('"spanID"' in head or '"processes"' in head)


def import_jaeger_links(sources: Sequence[str], files: Sequence[SourceFile],
                        b: ManifestBuilder) -> ImportResult:
    """Import Jaeger ``/api/dependencies`` JSON files (parent -> child call counts).
    Whole traces (``/api/traces``) are imported by
    :func:`pruner.importers.traces.import_jaeger`, which reads them as spans.

    Parameters
    ----------
    sources
        What the user named (files or folders), for the result's provenance.
    files
        The JSON files found, as :func:`pruner.importers._io.discover` lists them.
    b
        The builder the manifest is made in (it holds the notes of the search).

    Returns
    -------
    ImportResult

    Raises
    ------
    SourceError
        Unreadable or malformed files, or links of the wrong shape.
    """
    calls: dict[tuple[str, str], int] = {}
    unknown_counts: set[tuple[str, str]] = set()
    self_calls = 0
    n_links = 0
    for f in files:
        for item, line in _links(f):
            if not isinstance(item, dict):
                raise SourceError(f.at(line), "a dependency link must be an object")
            parent, child = item.get("parent"), item.get("child")
            if not isinstance(parent, str) or not isinstance(child, str) or not parent or not child:
                raise SourceError(
                    f.at(line), "a dependency link needs string 'parent' and 'child' fields"
                )
            count = item.get("callCount")
            if count is not None and (
                not isinstance(count, int) or isinstance(count, bool) or count < 0
            ):
                raise SourceError(f.at(line), "'callCount' must be a non-negative integer")
            n_links += 1
            p = b.name(parent, f.short(line))
            c = b.name(child, f.short(line))
            if p is None or c is None:
                continue
            b.add_service(p)
            b.add_service(c)
            if p == c:
                self_calls += 1
                continue
            calls[(p, c)] = calls.get((p, c), 0) + (count or 0)
            if count is None:
                unknown_counts.add((p, c))
    if not n_links:
        raise SourceError(", ".join(str(f.path) for f in files),
                          "the files hold no dependency links: nothing to import")
    if self_calls:
        b.note(f"dropped {self_calls} self-call link(s) (a service calling itself)")
    for (p, c), n in sorted(calls.items()):
        if (p, c) in unknown_counts and not n:
            note = "observed by Jaeger (call count not stated)"
        else:
            note = f"observed by Jaeger: {n} call{'s' if n != 1 else ''}"
        b.add_edge(p, c, note=note,
                   evidence=["jaeger" if (p, c) in unknown_counts and not n
                             else f"jaeger {n:,} calls"])
    return as_result(b, "jaeger", sources, "dependency links")


# -- /api/traces: whole traces, for discover and drift ---------------------------------

_JAEGER_KINDS = {"server": SERVER, "client": CLIENT, "producer": PRODUCER,
                 "consumer": CONSUMER, "internal": INTERNAL}


def is_jaeger_trace(value: Any) -> bool:
    """Whether a decoded JSON value is one trace of Jaeger's ``/api/traces`` answer."""
    return isinstance(value, dict) and isinstance(value.get("spans"), list) and (
        "processes" in value or "traceID" in value)


def _tags(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, list):
        return {}
    return {t["key"]: t.get("value") for t in raw
            if isinstance(t, dict) and isinstance(t.get("key"), str)}


def jaeger_traces(f: SourceFile) -> Iterator[list[Span]]:
    """Stream the traces of a Jaeger ``/api/traces`` JSON file (``{"data": [trace, ...]}``,
    a list of traces, or one trace per line), each as a list of :class:`Span`.

    A span's parent is its first ``CHILD_OF`` reference, else its first
    ``FOLLOWS_FROM`` one (an asynchronous child still belongs to the request). Start
    and end are in nanoseconds (``startTime`` and ``startTime + duration``, given in
    microseconds); a span without ``duration`` ends where it starts.

    Raises
    ------
    SourceError
        Invalid JSON, or JSON that is not Jaeger traces, with the line.
    """
    for value, line, in_array in iter_json_items_at(f, "data"):
        if not in_array and isinstance(value, dict) and value.get("data") is None and (
                "spans" not in value):
            continue  # {"data": null, "errors": ...}
        if not is_jaeger_trace(value):
            raise SourceError(f.at(line), 'not Jaeger traces: expected {"data": [{"traceID", '
                                          '"spans": [...], "processes": {...}}]}')
        processes = value.get("processes") or {}
        if not isinstance(processes, dict):
            raise SourceError(f.at(line), "Jaeger 'processes' must be an object")
        spans = []
        for s in value["spans"]:
            if not isinstance(s, dict):
                raise SourceError(f.at(line), "a Jaeger span must be an object")
            trace, sid = s.get("traceID", value.get("traceID")), s.get("spanID")
            if not isinstance(trace, str) or not isinstance(sid, str) or not sid:
                raise SourceError(f.at(line), "a Jaeger span needs string 'traceID' and 'spanID'")
            pid = s.get("processID")
            if not isinstance(pid, (str, type(None))):  # issue 17 §3: a list is no key
                raise SourceError(f.at(line), "a Jaeger span's 'processID' must be a string, "
                                              f"not {type(pid).__name__}")
            process = s.get("process") or processes.get(pid) or {}
            service = service_name(process.get("serviceName") if isinstance(process, dict)
                                   else None)
            parent = None
            refs = s.get("references") or []
            if isinstance(refs, list):
                for wanted in ("CHILD_OF", "FOLLOWS_FROM"):
                    for ref in refs:
                        if isinstance(ref, dict) and ref.get("refType") == wanted and (
                                isinstance(ref.get("spanID"), str)):
                            parent = ref["spanID"].lower()
                            break
                    if parent:
                        break
            if parent is None and isinstance(s.get("parentSpanID"), str) and s["parentSpanID"]:
                parent = s["parentSpanID"].lower()
            tags = _tags(s.get("tags"))
            kind = _JAEGER_KINDS.get(str(tags.get("span.kind", "")).lower(), INTERNAL)
            error = tags.get("error") in (True, "true")
            peer = None
            if kind in (CLIENT, PRODUCER):
                for key in ("peer.service", "server.address", "net.peer.name", "db.type",
                            "db.system", "messaging.system"):
                    v = tags.get(key)
                    if isinstance(v, str) and (found := trim(v)):
                        peer = sys.intern(found)
                        break
            name = s.get("operationName")
            start = micros(s.get("startTime"), f, line, "Jaeger span 'startTime'")
            duration = micros(s.get("duration"), f, line, "Jaeger span 'duration'", signed=True)
            spans.append(Span(sys.intern(trace.lower()), sid.lower(), parent,
                              service,
                              sys.intern(name) if isinstance(name, str) and name else "unnamed",
                              kind, start, error, peer, start + duration))
        if spans:
            yield spans
