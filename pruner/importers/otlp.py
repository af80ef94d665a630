"""Read spans from OTLP/JSON: what the OpenTelemetry Collector's file exporter writes.

What is read
------------
JSON files (folders searched recursively for ``*.json``, ``*.jsonl``, ``*.ndjson``)
holding OTLP ``ExportTraceServiceRequest`` objects, one per file or one per line:
``{"resourceSpans": [{"resource": {"attributes": [...]}, "scopeSpans": [{"spans":
[...]}]}]}`` (``instrumentationLibrarySpans``, the pre-1.0 name, is read too). The
``resourceSpans`` array is streamed: memory holds one resource's spans at a time.

- the service is the resource attribute ``service.name``;
- ``traceId``, ``spanId``, ``parentSpanId`` in hex (the OTLP/JSON rule) or base64
  (what a generic protobuf-to-JSON printer writes), normalised to lower-case hex;
- ``startTimeUnixNano`` and ``endTimeUnixNano`` (integers or decimal strings, as
  OTLP/JSON writes 64-bit integers) as the span's start and end; a missing end means
  an unknown duration: the span ends where it starts;
- ``kind`` as an integer (2 server, 3 client, 4 producer, 5 consumer) or as its
  ``SPAN_KIND_*`` name; ``status.code`` 2 or ``STATUS_CODE_ERROR`` marks a failure;
- the peer of a client or producer span: ``peer.service``, else ``server.address`` /
  ``net.peer.name``, else ``db.system`` / ``messaging.system``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from pruner.analysis.discover import CLIENT, INTERNAL, PRODUCER, Span
from pruner.importers._io import SourceFile, iter_json_items_at
from pruner.importers.base import SourceError, service_name
from pruner.importers.otlp_values import KINDS as _KINDS
from pruner.importers.otlp_values import attributes as _attributes
from pruner.importers.otlp_values import integer as _int
from pruner.importers.otlp_values import peer as _peer
from pruner.importers.otlp_values import span_id as _id

__all__ = ["otlp_spans", "otlp_batches", "looks_like_otlp"]

def looks_like_otlp(value: Any) -> bool:
    """Whether a decoded JSON value is an OTLP export request (or one resourceSpans entry)."""
    return isinstance(value, dict) and ("resourceSpans" in value or "scopeSpans" in value
                                        or "instrumentationLibrarySpans" in value)


def otlp_spans(f: SourceFile) -> Iterator[Span]:
    """Stream the spans of one OTLP/JSON file.

    NDJSON lines (what the Collector's file exporter writes) are decoded by a compiled
    decoder (msgspec) into typed records that skip the fields discovery does not read;
    a line it does not take as it is (too long to hold, a type it does not expect, not
    one JSON value) hands the rest of the file to the streaming reader, which reads
    anything and says what is wrong. Memory: one line of at most :data:`LINE_LIMIT`
    bytes (and the rest of a read of :data:`CHUNK`), or the streaming reader's one
    resource.

    Raises
    ------
    SourceError
        Invalid JSON or UTF-8, or JSON that is not OTLP traces, with the line.
    """
    for batch in otlp_batches(f):
        yield from batch


def otlp_batches(f: SourceFile) -> Iterator[list[Span]]:
    """The spans of :func:`otlp_spans` in lists, in the same order: one list per scope of
    a line the compiled decoder takes as an exporter writes it, else one list per span
    (each yielded before the next span is read, so that a bad span is reported after the
    ones before it have come out, as one by one)."""
    if _fast is None:
        for span in _streamed(f):
            yield [span]
        return
    try:
        fh = f.path.open("rb", buffering=0)
    except OSError as e:
        raise SourceError(str(f.path), f"cannot read: {e.strerror or e}") from None
    with fh:
        offset, line = 0, 0
        for raw in _lines(fh, f, LINE_LIMIT):
            line += 1
            if len(raw) == LINE_LIMIT and not raw.endswith(b"\n"):
                break  # a line too long to hold: streamed
            try:
                request = _fast.decode(raw)
            except _fast.errors:
                if raw.strip():
                    break  # not one value of the expected shape: the reader that says why
                offset += len(raw)
                continue
            yield from _fast.batches(request, f, line)
            offset += len(raw)
        else:
            return
    for span in _streamed(f, offset, line):
        yield [span]


def _lines(fh: Any, f: SourceFile, limit: int) -> Iterator[bytes]:
    """The lines of ``fh`` as ``readline(limit)`` gives them, one after the other (a line
    longer than ``limit`` comes as its first ``limit`` bytes, and what follows is not
    read), from reads of :data:`CHUNK` bytes or more: a buffered reader's readline looks
    for the end of the line byte by byte, ``bytes.find`` with ``memchr``."""
    buffer, start, searched = b"", 0, 0  # where the line starts; no newline before searched
    while True:
        end = buffer.find(b"\n", searched)
        if end < 0 or end - start >= limit:
            if len(buffer) - start >= limit:
                yield buffer[start:start + limit]
                return
            held = len(buffer) - start
            try:  # as much again as is held (linear time), never past the limit
                more = fh.read(min(max(CHUNK, held), limit - held))
            except OSError as e:
                raise SourceError(str(f.path), f"cannot read: {e.strerror or e}") from None
            if not more:
                if start < len(buffer):
                    yield buffer[start:]
                return
            searched = held
            buffer, start = buffer[start:] + more, 0
            continue
        yield buffer[start:end + 1]
        start = searched = end + 1


#: How much :func:`_lines` reads at a time (at least).
CHUNK = 1 << 16


#: The longest NDJSON line the compiled decoder holds at once (longer ones are streamed).
LINE_LIMIT = 64 << 20


def _streamed(f: SourceFile, offset: int = 0, first_line: int = 1) -> Iterator[Span]:
    seen_any = False
    for value, line, in_array in iter_json_items_at(f, "resourceSpans", offset, first_line):
        if not in_array:
            if isinstance(value, dict) and not value:
                continue  # {"resourceSpans": []} or an empty object
            spans = value.get("resourceSpans") if isinstance(value, dict) else None
            if spans is not None and not isinstance(spans, list):  # issue 17 §3
                raise SourceError(f.at(line), "OTLP 'resourceSpans' must be a list, not "
                                              f"{type(spans).__name__}")
            if not looks_like_otlp(value):
                raise SourceError(f.at(line), 'not OTLP/JSON traces: expected {"resourceSpans":'
                                              ' [{"resource": ..., "scopeSpans": [...]}]}')
            value = value
        seen_any = True
        yield from _resource_spans(value, f, line)
    if not seen_any:
        return


def _resource_spans(rs: Any, f: SourceFile, line: int) -> Iterator[Span]:
    if not isinstance(rs, dict):
        raise SourceError(f.at(line), "an OTLP resourceSpans entry must be an object")
    resource = rs.get("resource") or {}
    service = service_name(_attributes(resource.get("attributes") if isinstance(resource, dict)
                                       else None).get("service.name"))
    scopes = rs.get("scopeSpans", rs.get("instrumentationLibrarySpans")) or []
    if not isinstance(scopes, list):
        raise SourceError(f.at(line), "OTLP 'scopeSpans' must be a list")
    for scope in scopes:
        spans = scope.get("spans") if isinstance(scope, dict) else None
        if spans is None:
            continue
        if not isinstance(spans, list):
            raise SourceError(f.at(line), "OTLP 'spans' must be a list")
        for s in spans:
            if not isinstance(s, dict):
                raise SourceError(f.at(line), "an OTLP span must be an object")
            trace = _id(s.get("traceId"), f, line, "traceId", 16)
            sid = _id(s.get("spanId"), f, line, "spanId", 8)
            if trace is None or sid is None:
                raise SourceError(f.at(line), "an OTLP span needs 'traceId' and 'spanId'")
            raw_kind = s.get("kind")
            kind = (_KINDS.get(raw_kind, INTERNAL) if isinstance(raw_kind, (int, float, str))
                    else INTERNAL)  # a list or object is no kind (and not hashable)
            status = s.get("status") or {}
            code = status.get("code") if isinstance(status, dict) else None
            peer = _peer(_attributes(s.get("attributes"))) if kind in (CLIENT, PRODUCER) \
                else None
            name = s.get("name")
            parent = _id(s.get("parentSpanId"), f, line, "parentSpanId", 8)
            start = _int(s.get("startTimeUnixNano"), f, line, "startTimeUnixNano")
            # unknown end: no duration
            end = _int(s.get("endTimeUnixNano"), f, line, "endTimeUnixNano") or start
            yield Span(trace, sid, parent, service,
                       sys.intern(name) if isinstance(name, str) and name else "unnamed", kind,
                       start, code in (2, "STATUS_CODE_ERROR"), peer, end)


try:  # msgspec may be missing: then the streaming reader does it all
    from pruner.importers import _otlp_fast as _fast
except ImportError:  # msgspec is not installed: the streaming reader does it all
    _fast = None  # type: ignore[assignment]
