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
from itertools import compress, repeat
from operator import attrgetter
from typing import Any, Union

import msgspec
from msgspec.structs import astuple

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
    if raw.count(b'"resourceSpans"') > 1:
        raise _NotAsExpected  # given twice? msgspec keeps the last; the streaming reader says
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
    for batch in batches(request, f, line):
        yield from batch


def batches(request: Any, f: SourceFile, line: int) -> Iterator[list[Span]]:
    """:func:`spans` in lists: one list per scope of an exporter's well-formed request
    (made column by column, see :func:`_columns`), else one list per span, each yielded
    before the next span is read (so that the spans before a bad one come out first, as
    the streaming reader gives them)."""
    if type(request) is _TypedRequest:
        for service, batch in _batches(request):
            made = _columns(service, batch)
            if made is not None:
                yield made
            else:
                for span in _typed_spans(service, batch, f, line):
                    yield [span]
        return
    for span in _any_spans(request, f, line):
        yield [span]


def _any_spans(request: Any, f: SourceFile, line: int) -> Iterator[Span]:
    """:func:`spans` of a request decoded by the decoder that takes any type."""
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


def _typed_spans(service: str, batch: list, f: SourceFile, line: int) -> Iterator[Span]:
    """The spans of one scope of a request whose fields have the types an exporter
    writes, one by one: what :func:`_columns` did not take (it says why, in order)."""
    kinds, ident, new = _ref.KINDS, _ref.span_id, tuple.__new__
    intern, id32, id16 = sys.intern, _ID32, _ID16
    last_raw = last_trace = None
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
            raise SourceError(f.at(line), "an OTLP span needs 'traceId' and 'spanId'")
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


_HEX_DIGITS, _DIGITS_COMMA = b"0123456789abcdef", b"0123456789,"
_integers = msgspec.json.Decoder(list[int]).decode
_NO_PARENT = {"": None}
_CODE = attrgetter("code")


def _lower_hex(ids: tuple) -> bool:
    """Whether the strings ``ids`` are all lower-case hex (or empty): ASCII that is
    left with nothing once the hex digits are deleted."""
    text = "".join(ids)
    return text.isascii() and not text.encode().translate(None, _HEX_DIGITS)


def _columns(service: str, batch: list) -> list[Span] | None:
    """The spans of one scope, as :func:`_typed_spans` makes them, made a field at a time
    over all of them (the loops are C's: ``map``, ``zip``, ``join``) when every field is as
    an exporter writes it: ids in lower-case hex, a parent id or none (``""``), names,
    times as decimal strings or in-range integers. ``None`` when one is not: then
    :func:`_typed_spans` reads the spans one by one and says what is wrong."""
    # the fields in the order _request_type declares them
    traces, sids, parents, names, kinds, starts, ends, statuses, attrs = \
        zip(*map(astuple, batch), strict=True)
    if (set(map(len, traces)) != {32} or set(map(len, sids)) != {16}
            or not set(map(len, parents)) <= {0, 16} or not all(names)
            or not _lower_hex(traces) or not _lower_hex(sids) or not _lower_hex(parents)):
        return None
    starts, ends = _times(starts), _times(ends)
    if starts is None or ends is None:
        return None
    if 0 in ends:  # unknown end: the span ends where it starts
        ends = [end or start for end, start in zip(ends, starts, strict=True)]
    unique = dict(zip(traces, traces, strict=True))  # one string a trace id
    kinds = list(map(_ref.KINDS.get, kinds, repeat(INTERNAL)))
    codes = set(map(_CODE, filter(None, statuses)))
    errors: Any = repeat(False)
    if 2 in codes or "STATUS_CODE_ERROR" in codes:
        errors = [status is not None and (status.code == 2 or status.code == "STATUS_CODE_ERROR")
                  for status in statuses]
    peers: Any = repeat(None)
    if any(attrs):  # the spans with attributes only (a client's or producer's peer)
        peer, peers = _ref.peer, [None] * len(kinds)
        for i in compress(range(len(kinds)), attrs):
            kind = kinds[i]
            if kind is CLIENT or kind is PRODUCER:
                peers[i] = peer(_attrs(attrs[i]))
    return list(map(tuple.__new__, repeat(Span), zip(
        map(unique.__getitem__, traces), sids, map(_NO_PARENT.get, parents, parents),
        repeat(service), map(sys.intern, names), kinds, starts, errors, peers, ends)))


def _times(raw: tuple) -> Any:
    """OTLP times as :func:`_typed_spans` reads them, all of them decimal strings or all
    in-range integers; ``None`` otherwise."""
    if type(raw[0]) is str:
        try:
            joined = ",".join(raw)
        except TypeError:  # an integer among them
            return None
        # ASCII digits only (other decimal digits are left to _typed_spans), none longer
        # than integer() takes; read as one JSON array of integers by the decoder
        text = joined.encode() if joined.isascii() else b"-"
        if text.translate(None, _DIGITS_COMMA) or max(map(len, raw)) > 30:
            return None
        try:
            times = _integers(b"[" + text + b"]")
        except msgspec.DecodeError:  # an empty one, a comma in one, or leading zeros
            return None
        return times if len(times) == len(raw) else None  # a comma in one
    if set(map(type, raw)) == {int} and min(raw) >= 0 and max(raw) < TIME_LIMIT:
        return raw
    return None


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
