"""The compiled path of :mod:`pruner.importers.otlp`: one NDJSON line of OTLP/JSON
decoded by msgspec into typed records that keep only what discovery reads (the
decoder skips events, links, end times and the rest without building them).

It reads exactly as the streaming reader does, field by field, with the same helpers
(:func:`~pruner.importers.otlp._id`, ``_attributes``, ``_int``); whatever it does not
take as it is (a field of an unexpected type, a line that is not one export request)
raises one of :data:`errors`, and the caller hands the file, from that line on, to
the streaming reader, which reads anything and names what is wrong. A test checks
that both read the same spans from random, type-confused input.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Union

import msgspec

from pruner.analysis.discover import CLIENT, INTERNAL, PRODUCER, Span
from pruner.importers import otlp as _ref
from pruner.importers._io import SourceFile

__all__ = ["decode", "errors", "spans"]

_HEX = "0123456789abcdefABCDEF"


class _NotAsExpected(Exception):
    """A line the compiled path leaves to the streaming reader."""


errors = (msgspec.DecodeError, msgspec.ValidationError, _NotAsExpected, UnicodeDecodeError)


class _Attr(msgspec.Struct):
    key: Any = None
    value: Any = None


class _Status(msgspec.Struct):
    code: Any = None


class _Span(msgspec.Struct):
    traceId: Any = None
    spanId: Any = None
    parentSpanId: Any = None
    name: Any = None
    kind: Union[int, str, None] = None  # noqa: UP007 (msgspec reads the annotation)
    startTimeUnixNano: Any = None
    endTimeUnixNano: Any = None
    status: Union[_Status, None] = None  # noqa: UP007
    attributes: Union[list[_Attr], None] = None  # noqa: UP007


class _Scope(msgspec.Struct):
    spans: Union[list[_Span], None] = None  # noqa: UP007


class _ResourceSpans(msgspec.Struct):
    resource: Any = None
    scopeSpans: Union[list[_Scope], None, msgspec.UnsetType] = msgspec.UNSET  # noqa: UP007
    instrumentationLibrarySpans: Union[list[_Scope], None] = None  # noqa: UP007


class _Request(msgspec.Struct):
    resourceSpans: Union[list[_ResourceSpans], msgspec.UnsetType] = msgspec.UNSET  # noqa: UP007


_decoder = msgspec.json.Decoder(_Request)


def decode(raw: bytes) -> _Request:
    """One NDJSON line as an export request; one of :data:`errors` otherwise."""
    request = _decoder.decode(raw)
    if request.resourceSpans is msgspec.UNSET:
        raise _NotAsExpected  # {} or a bare resourceSpans entry: the streaming reader's
    return request


def spans(request: _Request, f: SourceFile, line: int) -> Iterator[Span]:
    """The spans of one decoded request, as :func:`pruner.importers.otlp.otlp_spans`."""
    kinds, ident, attributes = _ref._KINDS, _ref._id, _ref._attributes
    for rs in request.resourceSpans:
        resource = rs.resource or {}
        service = attributes(resource.get("attributes") if isinstance(resource, dict)
                             else None).get("service.name")
        if not isinstance(service, str) or not service.strip():
            service = "unknown_service"
        service = _ref.sys.intern(service.strip())
        scopes = rs.scopeSpans if rs.scopeSpans is not msgspec.UNSET else \
            rs.instrumentationLibrarySpans
        for scope in scopes or ():
            if scope.spans is None:
                continue
            for s in scope.spans:
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
                    raise _ref.SourceError(f.at(line), "an OTLP span needs 'traceId' and "
                                                       "'spanId'")
                if type(parent) is str and len(parent) == 16 and not parent.strip(_HEX):
                    parent = parent.lower()
                else:
                    parent = ident(parent, f, line, "parentSpanId", 8)
                kind = kinds.get(s.kind, INTERNAL)
                code = s.status.code if s.status is not None else None
                peer = None
                if kind is CLIENT or kind is PRODUCER:
                    attrs = _attrs(s.attributes)
                    for key in _ref._PEER_KEYS:
                        v = attrs.get(key)
                        if isinstance(v, str) and v.strip():
                            peer = _ref.sys.intern(v.strip())
                            break
                name = s.name
                start, end = s.startTimeUnixNano, s.endTimeUnixNano
                start = (int(start) if type(start) is str and start.isdigit() and len(start) <= 30
                         else _ref._int(start))
                end = (int(end) if type(end) is str and end.isdigit() and len(end) <= 30
                       else _ref._int(end)) or start
                yield Span(trace, sid, parent, service,
                           _ref.sys.intern(name) if isinstance(name, str) and name
                           else "unnamed", kind, start, code in (2, "STATUS_CODE_ERROR"), peer,
                           end)


def _attrs(raw: list[_Attr] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in raw or ():
        if isinstance(a.key, str):
            value = a.value
            if isinstance(value, dict) and value:
                out[a.key] = next(iter(value.values()))
    return out
