"""The compiled path of :mod:`pruner.importers.otlp`: one NDJSON line of OTLP/JSON
decoded by msgspec into typed records that keep only what discovery reads (the
decoder skips events, links, end times and the rest without building them).

It reads exactly as the streaming reader does, field by field, with the same helpers
(:mod:`pruner.importers.otlp_values`); whatever it does not
take as it is (a field of an unexpected type, a line that is not one export request)
raises one of :data:`errors`, and the caller hands the file, from that line on, to
the streaming reader, which reads anything and names what is wrong. A test checks
that both read the same spans from random, type-confused input.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any, Union

import msgspec

from pruner.analysis.discover import CLIENT, INTERNAL, PRODUCER, Span
from pruner.importers import otlp_values as _ref
from pruner.importers._io import SourceFile
from pruner.importers.base import SourceError, service_name
from pruner.importers.otlp_values import TIME_LIMIT

__all__ = ["decode", "errors", "spans"]

_HEX = "0123456789abcdefABCDEF"


class _NotAsExpected(Exception):
    """A line the compiled path leaves to the streaming reader."""


# RecursionError: msgspec skips an unknown field of any depth by recursing into it
errors = (msgspec.DecodeError, msgspec.ValidationError, _NotAsExpected, UnicodeDecodeError,
          RecursionError)


class _Attr(msgspec.Struct):
    key: Any = None
    value: Any = None


def _request_type(ident: Any, time: Any, code: Any, unset_request: bool) -> type:
    """An export request's records, as far as discovery reads them, with ``ident`` the
    type of ids and names, ``time`` of times and ``code`` of a status code (msgspec
    skips every other field without building it)."""
    opt = Union  # noqa: UP007 (msgspec reads the annotations)
    status = msgspec.defstruct("Status", [("code", code, None)])
    blank = None if ident is Any else ""
    zero = None if time is Any else 0
    span = msgspec.defstruct("Span", [
        ("traceId", ident, blank), ("spanId", ident, blank), ("parentSpanId", ident, blank),
        ("name", ident, blank), ("kind", opt[int, str, None], None),
        ("startTimeUnixNano", time, zero), ("endTimeUnixNano", time, zero),
        ("status", opt[status, None], None), ("attributes", opt[list[_Attr], None], None)])
    scope = msgspec.defstruct("Scope", [("spans", opt[list[span], None], None)])
    resource = msgspec.defstruct("ResourceSpans", [
        ("resource", Any, None),
        ("scopeSpans", opt[list[scope], None, msgspec.UnsetType], msgspec.UNSET),
        ("instrumentationLibrarySpans", opt[list[scope], None], None)])
    if unset_request:
        return msgspec.defstruct("Request", [
            ("resourceSpans", opt[list[resource], msgspec.UnsetType], msgspec.UNSET)])
    return msgspec.defstruct("TypedRequest", [("resourceSpans", list[resource])])


# Any type in any field: whatever the line holds is read field by field, as the streaming
# reader reads it.
_Request = _request_type(Any, Any, Any, unset_request=True)
_decoder = msgspec.json.Decoder(_Request)
# The same records typed as an exporter writes them (ids, names and kinds as strings,
# times as decimal strings or integers, a status code as a number or a name): the
# common case, read with fewer checks per span. A line with any other type in these
# fields fails this decoder and is decoded again by the one above, which takes any type.
_TypedRequest = _request_type(str, Union[int, str], Union[int, str, None],  # noqa: UP007
                              unset_request=False)
_typed_decoder = msgspec.json.Decoder(_TypedRequest)


def decode(raw: bytes) -> Any:
    """One NDJSON line as an export request; one of :data:`errors` otherwise."""
    try:
        return _typed_decoder.decode(raw)
    except msgspec.ValidationError:
        pass  # a field of another type (or no resourceSpans): decoded again, as anything
    request = _decoder.decode(raw)
    if request.resourceSpans is msgspec.UNSET:
        raise _NotAsExpected  # {} or a bare resourceSpans entry: the streaming reader's
    return request


def spans(request: Any, f: SourceFile, line: int) -> Iterator[Span]:
    """The spans of one decoded request, as :func:`pruner.importers.otlp.otlp_spans`."""
    if type(request) is _TypedRequest:
        yield from _typed_spans(request, f, line)
        return
    kinds, ident = _ref.KINDS, _ref.span_id
    for service, batch in _batches(request):
        for s in batch:
            trace, sid, parent = s.traceId, s.spanId, s.parentSpanId
            if type(trace) is str and len(trace) == 32 and not trace.strip(_HEX):
                trace = trace.lower()
            else:
                trace = ident(trace, f, line, "traceId", 16)
            if type(sid) is str and len(sid) == 16 and not sid.strip(_HEX):
                sid = sid.lower()
            else:
                sid = ident(sid, f, line, "spanId", 8)
            if trace is None or sid is None:
                raise SourceError(f.at(line), "an OTLP span needs 'traceId' and "
                                                   "'spanId'")
            if type(parent) is str and len(parent) == 16 and not parent.strip(_HEX):
                parent = parent.lower()
            else:
                parent = ident(parent, f, line, "parentSpanId", 8)
            kind = kinds.get(s.kind, INTERNAL)
            code = s.status.code if s.status is not None else None
            peer = _ref.peer(_attrs(s.attributes)) if kind is CLIENT or kind is PRODUCER \
                else None
            name = s.name
            start, end = s.startTimeUnixNano, s.endTimeUnixNano
            start = _ref.integer(start, f, line, "startTimeUnixNano")
            end = _ref.integer(end, f, line, "endTimeUnixNano") or start
            yield Span(trace, sid, parent, service,
                       sys.intern(name) if isinstance(name, str) and name
                       else "unnamed", kind, start, code in (2, "STATUS_CODE_ERROR"), peer,
                       end)


_ID32 = re.compile("[0-9a-f]{32}").fullmatch
_ID16 = re.compile("[0-9a-f]{16}").fullmatch


def _typed_spans(request: Any, f: SourceFile, line: int) -> Iterator[Span]:
    """:func:`spans` of a request whose fields have the types an exporter writes."""
    kinds, ident, new = _ref.KINDS, _ref.span_id, tuple.__new__
    intern, id32, id16 = sys.intern, _ID32, _ID16
    last_raw = last_trace = None
    for service, batch in _batches(request):
        for s in batch:
            trace, sid, parent = s.traceId, s.spanId, s.parentSpanId
            # Lower-case hex as OTLP/JSON writes it is taken as it is; anything else
            # (upper case, base64, no id) is read by the shared helper.
            if trace == last_raw:
                trace = last_trace  # a request's spans tend to come one after another
            else:
                last_raw = trace
                trace = last_trace = (trace if id32(trace)
                                      else ident(trace, f, line, "traceId", 16))
            if not id16(sid):
                sid = ident(sid, f, line, "spanId", 8)
            if trace is None or sid is None:
                raise SourceError(f.at(line), "an OTLP span needs 'traceId' and "
                                                   "'spanId'")
            if not parent:
                parent = None
            elif not id16(parent):
                parent = ident(parent, f, line, "parentSpanId", 8)
            kind = kinds.get(s.kind, INTERNAL)
            status = s.status
            code = status.code if status is not None else None
            peer = _ref.peer(_attrs(s.attributes)) \
                if (kind is CLIENT or kind is PRODUCER) and s.attributes else None
            name = s.name
            start, end = s.startTimeUnixNano, s.endTimeUnixNano
            # otlp_values.integer, inlined: two calls a span on the common path
            if type(start) is str and start.isdecimal() and len(start) <= 30:
                start = int(start)
            elif type(start) is not int or not 0 <= start < TIME_LIMIT:
                raise _ref.mistyped_time(start, f, line, "startTimeUnixNano")
            if type(end) is str and end.isdecimal() and len(end) <= 30:
                end = int(end)
            elif type(end) is not int or not 0 <= end < TIME_LIMIT:
                raise _ref.mistyped_time(end, f, line, "endTimeUnixNano")
            # Span(...) without the named tuple's Python-level __new__
            yield new(Span, (trace, sid, parent, service, intern(name) if name else "unnamed",
                             kind, start, code == 2 or code == "STATUS_CODE_ERROR", peer,
                             end or start))


def _batches(request: Any) -> Iterator[tuple[str, list]]:
    """``(service, spans)`` for every scope of a decoded request that holds spans."""
    for rs in request.resourceSpans:
        service, scopes = _resource(rs)
        for scope in scopes:
            if scope.spans:
                yield service, scope.spans


def _resource(rs: Any) -> tuple[str, list]:
    """The service (``service.name``, else ``unknown_service``) and the scopes of one
    ``resourceSpans`` entry, decoded by either decoder."""
    resource = rs.resource or {}
    service = service_name(_ref.attributes(resource.get("attributes")
                                           if isinstance(resource, dict) else None
                                           ).get("service.name"))
    scopes = rs.scopeSpans if rs.scopeSpans is not msgspec.UNSET else \
        rs.instrumentationLibrarySpans
    return service, scopes or ()


def _attrs(raw: list[_Attr] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in raw or ():
        if isinstance(a.key, str):
            value = a.value
            if isinstance(value, dict) and value:
                out[a.key] = next(iter(value.values()))
    return out
