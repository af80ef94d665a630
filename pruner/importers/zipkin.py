"""Import observed dependencies from Zipkin spans (v1 and v2 JSON).

What is read
------------
JSON files (folders searched recursively for ``*.json``, ``*.jsonl``, ``*.ndjson``)
holding a list of spans, a list of traces (lists of spans, as ``/api/v2/traces``
returns), or newline-delimited spans. Files are streamed: a top-level array is decoded
one element at a time and only a compact index of each span of the traces still open
is kept: when more than :data:`WINDOW` spans are held, the trace seen least recently is
closed and only its call counts stay (memory is bounded whatever the file's size; a
trace whose spans come back later is read in parts, as ``discover`` does).

- **v2** spans: ``kind`` (``CLIENT``, ``SERVER``, ``PRODUCER``, ``CONSUMER``),
  ``localEndpoint`` / ``remoteEndpoint`` ``.serviceName``, ``parentId``.
- **v1** spans: ``annotations`` ``cs``/``cr`` (client side) and ``sr``/``ss`` (server
  side) with ``endpoint.serviceName``; ``binaryAnnotations`` ``ca`` / ``sa`` (client /
  server address) and ``lc`` (local component).

Edges (caller -> callee, with the number of calls)
--------------------------------------------------
- every server-side span (v1 ``sr``, v2 ``SERVER``) is one call to its service; the
  caller is the client side of the same span (v1 ``cs``, v2 ``remoteEndpoint``), else
  the service of the parent span (``parentId``);
- a client-side span with a named remote service (v2 ``CLIENT``/``PRODUCER`` with
  ``remoteEndpoint``, v1 ``cs`` + ``sa``) that no server-side span answers is a call to
  a service that is not traced itself (a database, a broker);
- a ``CONSUMER`` span depends on the broker named as its ``remoteEndpoint``.

Self-calls are dropped. Every service seen in an endpoint becomes a service.

Not seen: calls that were not sampled or not traced, services that received no traffic
in the traces, and whether a call is tolerated when it fails (every edge is hard).
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

from pruner.analysis.discover import CLIENT, CONSUMER, INTERNAL, PRODUCER, SERVER, Span
from pruner.analysis.evidence import unix_time
from pruner.importers._io import JSON_SUFFIXES, SourceFile, discover, iter_json_values
from pruner.importers.base import (
    ImportResult,
    ManifestBuilder,
    SourceError,
    as_result,
    micros,
    trim,
)

__all__ = ["import_zipkin", "zipkin_spans"]

_Key = tuple[str, str]
#: Spans of open traces held by ``import zipkin`` (as ``discover --window``'s default).
WINDOW = 200_000


def _svc(endpoint: Any) -> str | None:
    if not isinstance(endpoint, dict):
        return None
    name = endpoint.get("serviceName")
    if not isinstance(name, str):
        return None
    name = trim(name)
    if not name or name.lower() == "unknown":
        return None
    return sys.intern(name)


def _id(v: Any) -> str | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (str, int)):
        s = str(v).strip().lower()
        return sys.intern(s) if s else None
    return None


class _Trace:
    """The compact index of one open trace's spans."""

    __slots__ = ("local", "receipts", "clients", "spans")

    def __init__(self) -> None:
        self.local: dict[str, str] = {}
        self.receipts: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self.clients: dict[str, tuple[str, str]] = {}
        self.spans = 0


class _Index:
    """What the edges need from every span, kept compact, per open trace."""

    def __init__(self, window: int = WINDOW) -> None:
        self.window = window
        self.open: OrderedDict[str, _Trace] = OrderedDict()
        self.held = 0
        self.out: dict[tuple[str, str], int] = {}
        self.self_calls = self.orphan = 0
        self.services: set[str] = set()
        self.traces: set[str] = set()
        self.spans = 0
        self.without_service = 0
        self.first: int | None = None  # earliest span timestamp (Zipkin: microseconds)
        self.last: int | None = None

    def add(self, span: Any, f: SourceFile, line: int) -> None:
        if not isinstance(span, dict) or "traceId" not in span or "id" not in span:
            raise SourceError(
                f.at(line),
                "not a Zipkin span: expected objects with 'traceId' and 'id' (a list of spans "
                "or a list of traces)",
            )
        trace, sid = _id(span.get("traceId")), _id(span.get("id"))
        if trace is None or sid is None:
            raise SourceError(f.at(line), "a Zipkin span needs string 'traceId' and 'id'")
        parent = _id(span.get("parentId"))
        self.spans += 1
        self.traces.add(trace)
        ts = span.get("timestamp")
        if isinstance(ts, int) and not isinstance(ts, bool) and ts > 0:
            self.first = ts if self.first is None else min(self.first, ts)
            self.last = ts if self.last is None else max(self.last, ts)
        caller = callee = local = None
        server = False
        if any(k in span for k in ("localEndpoint", "remoteEndpoint", "kind")):
            kind = str(span.get("kind") or "").upper()
            loc, rem = _svc(span.get("localEndpoint")), _svc(span.get("remoteEndpoint"))
            local = loc
            if kind == "SERVER":
                server, callee, caller = True, loc, rem
            elif kind in ("CLIENT", "PRODUCER", "CONSUMER"):
                caller, callee = loc, rem
            for s in (loc, rem):
                if s:
                    self.services.add(s)
        else:
            anns = span.get("annotations") or []
            bins = span.get("binaryAnnotations") or []
            if not isinstance(anns, list) or not isinstance(bins, list):
                raise SourceError(
                    f.at(line), "span 'annotations' and 'binaryAnnotations' must be lists"
                )
            client = srv = other = None
            for a in anns:
                if not isinstance(a, dict):
                    continue
                s = _svc(a.get("endpoint"))
                if s is None:
                    continue
                self.services.add(s)
                v = a.get("value")
                if v in ("cs", "cr"):
                    client = client or s
                elif v in ("sr", "ss"):
                    srv = srv or s
                    server = True
                else:
                    other = other or s
            ca = sa = None
            for a in bins:
                if not isinstance(a, dict):
                    continue
                s = _svc(a.get("endpoint"))
                if s is None:
                    continue
                self.services.add(s)
                k = a.get("key")
                if k == "ca":
                    ca = ca or s
                elif k in ("sa", "ma"):
                    sa = sa or s
                else:
                    other = other or s
            caller = client or ca
            callee = srv or sa
            local = srv or client or other
        if local is None and caller is None and callee is None:
            self.without_service += 1
            return
        t = self.open.get(trace)
        if t is None:
            t = self.open[trace] = _Trace()
        else:
            self.open.move_to_end(trace)
        if local and (server or sid not in t.local):
            t.local[sid] = local
        if server and callee:
            t.receipts[(sid, callee)] = (parent, caller)
        elif caller and callee:
            t.clients[sid] = (caller, callee)
        t.spans += 1
        self.held += 1
        while self.held > self.window and self.open:
            self._close(*self.open.popitem(last=False))

    def _close(self, trace: str, t: _Trace) -> None:
        """Count the calls of one trace and forget its spans."""
        self.held -= t.spans
        out = self.out
        answered: set[str] = set()
        for (sid, callee), (parent, caller) in t.receipts.items():
            answered.add(sid)
            if parent is not None:
                answered.add(parent)
                if caller is None:
                    caller = t.local.get(parent)
                    if caller is None:
                        self.orphan += 1
            if caller is None:
                continue
            if caller == callee:
                self.self_calls += 1
                continue
            out[(caller, callee)] = out.get((caller, callee), 0) + 1
        for sid, (caller, callee) in t.clients.items():
            if sid in answered:
                continue
            if caller == callee:
                self.self_calls += 1
                continue
            out[(caller, callee)] = out.get((caller, callee), 0) + 1

    def calls(self) -> tuple[dict[tuple[str, str], int], int, int]:
        """Return ``(calls per (caller, callee), self-calls, receipts without caller)``."""
        while self.open:
            self._close(*self.open.popitem(last=False))
        return self.out, self.self_calls, self.orphan


def import_zipkin(sources: Sequence[str]) -> ImportResult:
    """Import Zipkin v1/v2 span JSON.

    Parameters
    ----------
    sources
        Files or folders (searched recursively for ``*.json``, ``*.jsonl``, ``*.ndjson``).

    Returns
    -------
    ImportResult

    Raises
    ------
    SourceError
        Unreadable or malformed files, or JSON that is not a list of spans or traces.
    """
    b = ManifestBuilder("traces")
    files = discover(sources, JSON_SUFFIXES, b.note)
    idx = _Index(WINDOW)
    for f in files:
        for value, line, _in_array in iter_json_values(f):
            if isinstance(value, list):  # one trace
                for span in value:
                    idx.add(span, f, line)
            else:
                idx.add(value, f, line)
    if not idx.spans:
        raise SourceError(", ".join(str(f.path) for f in files),
                          "the files hold no spans: nothing to import")
    calls, self_calls, orphan = idx.calls()
    names = {s: b.name(s, "zipkin serviceName") for s in sorted(idx.services)}
    for s in names.values():
        if s:
            b.add_service(s, description="Seen in Zipkin traces")
    b.note(
        f"read {idx.spans} span(s) of {len(idx.traces)} trace(s) from {len(files)} file(s): "
        f"{len(idx.services)} service(s), {len(calls)} caller -> callee pair(s)"
    )
    if self_calls:
        b.note(f"dropped {self_calls} self-call(s) (a service calling itself)")
    if orphan:
        b.note(
            f"{orphan} server span(s) name a parent span that is not in the data: their "
            "callers are unknown (incomplete traces?)"
        )
    if idx.without_service:
        b.note(f"{idx.without_service} span(s) carry no service name; ignored")
    window = ""
    if idx.first is not None and idx.last is not None:
        a, z = unix_time(idx.first * 1000), unix_time(idx.last * 1000)
        window = f", {a or ''}..{z or ''}" if a or z else ""
    for (caller, callee), n in sorted(calls.items()):
        c, d = names.get(caller), names.get(callee)
        if c and d and c != d:
            b.add_edge(c, d, note=f"observed in Zipkin traces: {n} call{'s' if n != 1 else ''}",
                       evidence=[f"traces {n:,} calls{window}"])
    return as_result(b, "zipkin", sources, "calls between services in the spans")


# -- whole spans, for discover ---------------------------------------------------------

_KINDS2 = {"SERVER": SERVER, "CLIENT": CLIENT, "PRODUCER": PRODUCER, "CONSUMER": CONSUMER}


def zipkin_spans(f: SourceFile, stats: dict | None = None) -> Iterator[Span]:
    """Stream the spans of a Zipkin v1 or v2 JSON file as :class:`Span` objects.

    A v1 span that carries both sides of a call (``cs`` and ``sr`` annotations) and a
    v2 ``shared`` server span both stand for two spans: the caller's client span
    with the span's id, and the callee's server span as its child. ``stats["spans"]``
    (when given) counts the span *records* read, as ``pruner import zipkin`` does: one
    JSON span object is one span, whatever is derived from it.

    Times are in nanoseconds (Zipkin writes microseconds): a v2 span runs from
    ``timestamp`` for ``duration``; a v1 span's client side from ``cs`` to ``cr`` and
    its server side from ``sr`` to ``ss`` where those annotations carry times, else the
    span's own ``timestamp`` and ``duration``. Without a duration a span ends where it
    starts.

    Raises
    ------
    SourceError
        Invalid JSON, or JSON that is not Zipkin spans, with the line.
    """
    for value, line, _in_array in iter_json_values(f):
        for span in value if isinstance(value, list) else (value,):
            if stats is not None:
                stats["spans"] = stats.get("spans", 0) + 1
            yield from _zipkin_span(span, f, line)


def _zipkin_span(span: Any, f: SourceFile, line: int) -> Iterator[Span]:
    if not isinstance(span, dict) or "traceId" not in span or "id" not in span:
        raise SourceError(f.at(line), "not a Zipkin span: expected objects with 'traceId' and "
                                      "'id' (a list of spans or a list of traces)")
    trace, sid = _id(span.get("traceId")), _id(span.get("id"))
    if trace is None or sid is None:
        raise SourceError(f.at(line), "a Zipkin span needs string 'traceId' and 'id'")
    parent = _id(span.get("parentId"))
    name = span.get("name")
    name = sys.intern(name) if isinstance(name, str) and name.strip() else "unnamed"
    start = micros(span.get("timestamp"), f, line, "Zipkin span 'timestamp'")
    end = start + micros(span.get("duration"), f, line, "Zipkin span 'duration'", signed=True)
    tags = span.get("tags")
    error = isinstance(tags, dict) and "error" in tags
    if any(k in span for k in ("localEndpoint", "remoteEndpoint", "kind")):
        kind = _KINDS2.get(str(span.get("kind") or "").upper(), INTERNAL)
        local, remote = _svc(span.get("localEndpoint")), _svc(span.get("remoteEndpoint"))
        if local is None:
            return
        if kind == SERVER and span.get("shared"):
            yield Span(trace, sid + "#server", sid, local, name, SERVER, start, error, None, end)
            return
        peer = remote if kind in (CLIENT, PRODUCER) else None
        yield Span(trace, sid, parent, local, name, kind, start, error, peer, end)
        return
    client = server = other = peer = None
    anns, bins = span.get("annotations") or [], span.get("binaryAnnotations") or []
    if not isinstance(anns, list) or not isinstance(bins, list):  # issue 17 §3: `true`
        raise SourceError(f.at(line), "span 'annotations' and 'binaryAnnotations' must be lists")
    at: dict[str, int] = {}  # annotation value -> its time (ns)
    for a in anns:
        if isinstance(a, dict) and (s := _svc(a.get("endpoint"))):
            v = a.get("value")
            if v in ("cs", "cr"):
                client = client or s
            elif v in ("sr", "ss"):
                server = server or s
            else:
                other = other or s
            if v == "error":
                error = True
            t = micros(a.get("timestamp"), f, line, "Zipkin annotation 'timestamp'")
            if isinstance(v, str) and v not in at and t:
                at[v] = t
    for a in bins:
        if isinstance(a, dict) and (s := _svc(a.get("endpoint"))):
            if a.get("key") in ("sa", "ma"):
                peer = peer or s
            elif a.get("key") == "error":
                error = True
            else:
                other = other or s
    c_start, c_end = _side(at, "cs", "cr", start, end)
    s_start, s_end = _side(at, "sr", "ss", start, end)
    if client and server and client != server:
        yield Span(trace, sid, parent, client, name, CLIENT, c_start, error, None, c_end)
        yield Span(trace, sid + "#server", sid, server, name, SERVER, s_start, error, None, s_end)
    elif server:
        yield Span(trace, sid, parent, server, name, SERVER, s_start, error, None, s_end)
    elif client:
        yield Span(trace, sid, parent, client, name, CLIENT, c_start, error, peer, c_end)
    elif other:
        yield Span(trace, sid, parent, other, name, INTERNAL, start, error, None, end)


def _side(at: dict[str, int], first: str, last: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of one side of a v1 span: its own annotations (``cs``..``cr`` for the
    client, ``sr``..``ss`` for the server) where they are given, else the span's
    ``timestamp`` and ``duration``."""
    if first not in at:
        return start, end
    if last in at:
        return at[first], at[last]
    # No closing annotation: the span's duration is this side's when both start together.
    return at[first], end if at[first] == start else at[first]
