"""Flows discovered from traces: what every request of an entry point used.

A *trace* is the tree of spans one request left behind. Its *root* is the entry
span (no parent in the trace); the root's ``(service, operation)`` names the flow.
A *node* is an operation of a service, ``(service, operation)``, or a service that
is called but not traced itself (a database, a broker), ``(service, None)``.

- Over all traces of one root, a node that **every** trace used is a requirement of
  the flow; a node that only **some** traces used is a soft item, with the share of
  traces that used it.
- A call from one node to another is *hard* when the caller made it in every run,
  *soft* otherwise. A hard call happens whenever its caller runs, so whatever a
  flow reaches through hard calls was used by all of its traces: switching off a
  service that only some traces used never breaks the proposed flow.
- *Failed traces* (the root span reports an error) are kept apart: they say what was
  called before the failure, not what the flow needs, so they count in
  :attr:`RootStats.failed` and :attr:`Discovery.failed_used` only, never in the runs,
  calls and uses that requirements are made of.
- *Confidence*: a root seen in fewer than :data:`MIN_TRACES` successful traces proposes
  no flow (``pruner discover --min-traces``): one request says little about what the
  next one needs.
- *Fallback*: within runs of one caller, a call to B made only after a call to A in
  the same run had failed, never otherwise, and at least :data:`FALLBACK_EVIDENCE`
  times, in runs that did not fail themselves, makes B a fallback of A:
  the caller's dependency becomes ``any_of [A, B]``.

Everything here is a pure function of the spans; the readers that produce them
live in :mod:`pruner.importers`.

References
----------
.. [1] B. H. Sigelman et al., "Dapper, a Large-Scale Distributed Systems Tracing
   Infrastructure", Google Technical Report dapper-2010-1, 2010.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = [
    "SERVER",
    "CLIENT",
    "PRODUCER",
    "CONSUMER",
    "INTERNAL",
    "CALLS_PER_REQUEST",
    "FALLBACK_EVIDENCE",
    "MIN_TRACES",
    "Span",
    "RootStats",
    "Discovery",
    "add_trace",
    "discover_flows",
    "fallbacks",
    "route",
]

SERVER, CLIENT, PRODUCER = "server", "client", "producer"
CONSUMER, INTERNAL = "consumer", "internal"

#: A root whose requests make more calls than this (at most) is flagged: a request that
#: fans out into hundreds of RPCs is slow and fragile, however well each one works.
CALLS_PER_REQUEST = 100
#: How many rescues it takes before a call is proposed as a fallback.
FALLBACK_EVIDENCE = 2
#: How many successful traces of a root it takes before the root becomes a proposed flow.
#: Five: with fewer, "every trace used X" is too weak a claim to make X a requirement
#: (a rule of thumb, not a statistic; raise it for noisy entry points).
MIN_TRACES = 5

Node = tuple  # (service, operation or None)


class Span(NamedTuple):
    """One span, reduced to what discovery needs.

    ``kind`` is one of :data:`SERVER`, :data:`CLIENT`, :data:`PRODUCER`,
    :data:`CONSUMER`, :data:`INTERNAL`. ``peer`` names the remote side of a client or
    producer span when the span says it (``peer.service``, a database, a broker):
    a call to something that may not be traced itself. ``start`` and ``end`` are Unix
    times in nanoseconds, as every reader gives them (OTLP's own unit; Jaeger's and
    Zipkin's microseconds times 1,000); a span whose duration is not known ends where it
    starts. Discovery uses only the order of ``start``; :mod:`pruner.analysis.rpc`
    uses both. (A named tuple: readers make millions of them.)
    """

    trace_id: str
    span_id: str
    parent_id: str | None
    service: str
    operation: str
    kind: str = INTERNAL
    start: int = 0
    error: bool = False
    peer: str | None = None
    end: int = 0


@dataclass
class RootStats:
    """What the requests of one root did."""

    traces: int = 0
    failed: int = 0  # traces whose root span failed: kept apart, see the module docstring
    first: int | None = None  # earliest root span start (Unix ns; None: not known)
    last: int | None = None  # latest root span start
    max_depth: int = 0
    calls: int = 0
    max_calls: int = 0
    #: (caller node, callee node) -> number of traces in which one run of the caller
    #: called the callee more than once, one call after the other: a batching candidate.
    repeated: Counter = field(default_factory=Counter)


@dataclass
class Discovery:
    """What :func:`discover_flows` found, as counts.

    Attributes
    ----------
    roots
        Root node -> :class:`RootStats`.
    used
        Root node -> Counter of the nodes its successful traces used, one count per trace.
    services_used
        Root node -> Counter of the services its successful traces used, one per trace.
    failed_used
        Root node -> Counter of the nodes its *failed* traces used (kept apart: a node
        here and not in ``used`` was seen only on the way to a failure).
    runs
        Node -> how many times it ran (spans that entered it).
    calls
        Caller node -> Counter of callee nodes, one count per run that called it.
    rescued
        Caller node -> Counter of (primary, fallback): runs in which the fallback was
        called only after the primary had failed, in a run that did not fail.
    unrescued
        Caller node -> Counter of callee nodes called in a run with no failure before.
    operations
        Service -> the operations it served.
    spans, traces
        How much was read: ``spans`` counts the span records of the sources (one JSON
        span object is one span, whatever a reader derives from it), ``traces`` every
        trace, failed ones included.
    """

    roots: dict = field(default_factory=dict)
    used: dict = field(default_factory=dict)
    services_used: dict = field(default_factory=dict)
    failed_used: dict = field(default_factory=dict)
    runs: Counter = field(default_factory=Counter)
    calls: dict = field(default_factory=lambda: defaultdict(Counter))
    rescued: dict = field(default_factory=lambda: defaultdict(Counter))
    unrescued: dict = field(default_factory=lambda: defaultdict(Counter))
    operations: dict = field(default_factory=lambda: defaultdict(set))
    spans: int = 0
    traces: int = 0


def discover_flows(traces: Iterable[list[Span]], discovery: Discovery | None = None) -> Discovery:
    """Aggregate ``traces`` (each the spans of one request) into a :class:`Discovery`.

    Memory is bounded by the largest trace plus the aggregate (nodes and calls
    seen), so traces may be streamed from input of any size. No recursion: the span
    tree is walked parents first with an explicit stack.

    Examples
    --------
    >>> t1 = [Span("t1", "a", None, "gw", "GET /login", SERVER),
    ...       Span("t1", "b", "a", "auth", "check", SERVER, start=1),
    ...       Span("t1", "c", "a", "gw", "SELECT", CLIENT, start=2, peer="db")]
    >>> t2 = [Span("t2", "a", None, "gw", "GET /login", SERVER),
    ...       Span("t2", "b", "a", "auth", "check", SERVER, start=1)]
    >>> d = discover_flows([t1, t2])
    >>> sorted(d.used[("gw", "GET /login")].items())
    [(('auth', 'check'), 2), (('db', None), 1), (('gw', 'GET /login'), 2)]
    >>> d.calls[("gw", "GET /login")][("auth", "check")], d.runs[("gw", "GET /login")]
    (2, 2)
    """
    d = discovery if discovery is not None else Discovery()
    for spans in traces:
        _add_trace(d, spans)
    return d


def add_trace(d: Discovery, spans: list[Span], weight: int = 1,
              when: Callable[[Span], tuple[int, int]] | None = None) -> None:
    """Add one trace to ``d`` as if it had been seen ``weight`` times.

    A trace store sends each distinct request shape once with its count
    (:mod:`pruner.importers.clickhouse_sql`); adding it once with that weight gives
    exactly what adding every trace would. ``when(root)`` gives the earliest and latest
    start (Unix ns) of the root over those traces, when ``root.start`` is not a time
    (a store sends start times as their rank in the trace).

    >>> one = [Span("t", "a", None, "gw", "GET /", SERVER),
    ...        Span("t", "b", "a", "auth", "check", SERVER, start=1)]
    >>> d1, d3 = Discovery(), discover_flows([one, one, one])
    >>> add_trace(d1, one, weight=3)
    >>> (d1.traces, d1.used, d1.calls) == (d3.traces, d3.used, d3.calls)
    True
    """
    _add_trace(d, spans, weight, when)


def _add_trace(d: Discovery, spans: list[Span], weight: int = 1,
               when: Callable[[Span], tuple[int, int]] | None = None) -> None:
    if not spans:
        return
    by_id: dict[str, Span] = {}
    shared = False  # whether any span id stands for both sides of a call
    for s in spans:
        first = by_id.get(s.span_id)
        if first is None:
            by_id[s.span_id] = s
            if s.span_id.endswith("#server"):
                shared = True  # a reader split one record into both sides (Zipkin v1, v2 shared)
            continue
        shared = True
        if s.kind in (SERVER, CONSUMER) and first.kind in (CLIENT, PRODUCER):
            # Zipkin's shared span id: both sides of one call report the same id.
            by_id[s.span_id + "#server"] = _replace(s, s.span_id + "#server", s.span_id)
        elif first.kind in (SERVER, CONSUMER) and s.kind in (CLIENT, PRODUCER):
            by_id[s.span_id + "#server"] = _replace(first, s.span_id + "#server", s.span_id)
            by_id[s.span_id] = s
    children: dict[str, list[Span]] = defaultdict(list)
    tops = []
    for sid, s in by_id.items():
        parent = s.parent_id
        if shared and parent is not None and sid != parent + "#server" and \
                parent + "#server" in by_id:
            parent += "#server"  # a child of a shared span runs on its server side
        if parent is not None and parent in by_id and parent != sid:
            children[parent].append(s)
        else:
            tops.append(s)
    if not tops:  # every span names a parent in a cycle: no entry point to speak of
        return
    d.traces += weight
    d.spans += len(spans) * weight  # read_discovery replaces this with the records read
    # The entry point: the earliest span with no parent in the trace (sampling can cut a
    # trace into pieces; the first piece stands for the request).
    tops.sort(key=lambda s: (s.start, s.service, s.operation, s.span_id))
    root = tops[0]
    if root.error:  # a failed request: kept apart, it says nothing of what the flow needs
        _add_failed(d, root, spans, weight, when)
        return

    owner: dict[str, Node] = {}  # span id -> the node (run) it belongs to
    run_of: dict[str, str] = {}  # span id -> span id of the run's entering span
    depth: dict[str, int] = {}
    used: set = set()
    # run (entering span id) -> [(start, callee node, failed)]
    run_calls: dict[str, list] = defaultdict(list)
    run_failed: dict[str, bool] = {}
    run_node: dict[str, Node] = {}
    stack: list[tuple[Span, Span | None]] = [(t, None) for t in reversed(tops)]
    while stack:
        span, parent = stack.pop()
        if span.span_id in owner:
            continue
        kids = children.get(span.span_id, ())
        enters = parent is None or span.kind in (SERVER, CONSUMER) or span.service != parent.service
        if enters:
            node = _node(span)
            owner[span.span_id] = node
            run_of[span.span_id] = span.span_id
            run_node[span.span_id] = node
            run_failed[span.span_id] = span.error
            depth[span.span_id] = 0 if parent is None else depth[parent.span_id] + 1
            d.operations[span.service].add(node[1])
            d.runs[node] += weight
            used.add(node)
            if parent is not None and owner[parent.span_id][0] != span.service:
                failed = span.error or (parent.error and parent.kind in (CLIENT, PRODUCER))
                run_calls[run_of[parent.span_id]].append((span.start, node, failed))
        else:
            owner[span.span_id] = owner[parent.span_id]
            run_of[span.span_id] = run_of[parent.span_id]
            depth[span.span_id] = depth[parent.span_id]
            if span.error:
                run_failed[run_of[span.span_id]] = run_failed[run_of[span.span_id]] or (
                    span.kind not in (CLIENT, PRODUCER))
        if (span.peer and span.kind in (CLIENT, PRODUCER) and span.peer != span.service
                and not any(k.service != span.service for k in kids)):
            target = (span.peer, None)
            d.operations.setdefault(span.peer, set())
            used.add(target)
            run_calls[run_of[span.span_id]].append((span.start, target, span.error))
        if len(kids) == 1:
            stack.append((kids[0], span))
        elif kids:
            stack.extend((k, span) for k in sorted(kids, key=_order, reverse=True))

    stats = _root_stats(d, root, when)
    stats.traces += weight
    stats.max_depth = max(stats.max_depth, max(depth.values(), default=0))
    n_calls = sum(len(c) for c in run_calls.values())
    repeated: set = set()
    stats.calls += n_calls * weight
    stats.max_calls = max(stats.max_calls, n_calls)
    _count(d.used[_node(root)], used, weight)
    _count(d.services_used[_node(root)], {n[0] for n in used}, weight)
    for run, seq in run_calls.items():
        caller = run_node[run]
        seq.sort(key=lambda c: (c[0], c[1][0], c[1][1] or ""))
        callees = {c[1] for c in seq}
        _count(d.calls[caller], callees, weight)
        counts = Counter(c[1] for c in seq)
        repeated.update((caller, callee) for callee, n in counts.items() if n > 1)
        failed_before: list = []
        clean: set = set()
        rescued: set = set()
        for _start, callee, failed in seq:
            if not failed_before:
                clean.add(callee)
            elif not run_failed[run]:
                rescued.update((p, callee) for p in failed_before if p[0] != callee[0])
            if failed and callee not in failed_before:
                failed_before.append(callee)
        _count(d.unrescued[caller], clean, weight)
        _count(d.rescued[caller], rescued, weight)
    _count(stats.repeated, repeated, weight)


def _count(counter: Counter, keys, weight: int) -> None:
    """Add ``weight`` to each of ``keys`` (distinct) in ``counter``."""
    if weight == 1:
        counter.update(keys)  # counted in C
    else:
        for key in keys:
            counter[key] += weight


def _order(span: Span) -> tuple:
    return (span.start, span.span_id)


_NODES: dict = {}


def _root_stats(d: Discovery, root: Span,
                when: Callable[[Span], tuple[int, int]] | None = None) -> RootStats:
    node = _node(root)
    stats = d.roots.get(node)
    if stats is None:
        stats = d.roots[node] = RootStats()
        d.used[node] = Counter()
        d.services_used[node] = Counter()
        d.failed_used[node] = Counter()
    first, last = (root.start, root.start) if when is None else when(root)
    if first:
        stats.first = first if stats.first is None else min(stats.first, first)
        stats.last = last if stats.last is None else max(stats.last, last)
    return stats


def _add_failed(d: Discovery, root: Span, spans: list[Span], weight: int = 1,
                when: Callable[[Span], tuple[int, int]] | None = None) -> None:
    """Count a trace whose root failed, apart: its nodes go to ``failed_used`` only."""
    stats = _root_stats(d, root, when)
    stats.traces += weight
    stats.failed += weight
    nodes = {_node(s) for s in spans if s.kind not in (CLIENT, PRODUCER) or not s.peer}
    nodes |= {(s.peer, None) for s in spans if s.kind in (CLIENT, PRODUCER) and s.peer
              and s.peer != s.service}
    _count(d.failed_used[_node(root)], nodes, weight)


def _node(span: Span) -> Node:
    key = (span.service, span.operation)
    node = _NODES.get(key)
    if node is None:
        if len(_NODES) > 1 << 16:
            _NODES.clear()  # bounded: a cache of route() for the names seen lately
        node = _NODES[key] = (span.service, route(span.operation))
    return node


def _replace(span: Span, span_id: str, parent_id: str) -> Span:
    return span._replace(span_id=span_id, parent_id=parent_id)


_ID_SEGMENT = re.compile(r"\A(?:\d+|(?=[0-9a-fA-F-]*\d)[0-9a-fA-F-]{8,}|"
                         r"(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{16,})\Z")


def route(operation: str) -> str:
    """The operation with ids in its path replaced by ``{id}``, so that
    ``GET /user/123`` and ``GET /user/456`` are one operation.

    >>> route("GET /user/123/orders")
    'GET /user/{id}/orders'
    >>> route("http:/verifylogintoken/561c1727-4d6e-4556-888b-e65")
    'http:/verifylogintoken/{id}'
    >>> route("/api/v1/stations"), route("GET /api/route-10")
    ('/api/v1/stations', 'GET /api/route-10')
    """
    if "/" not in operation:
        return operation
    head, _, query = operation.partition("?")
    parts = head.split("/")
    for i in range(1, len(parts)):
        part = parts[i]
        # an id: all digits, a UUID or long hex, or a long token with digits in it
        if part and _ID_SEGMENT.match(part):
            parts[i] = "{id}"
    return "/".join(parts)


def fallbacks(d: Discovery, caller: Node) -> dict:
    """The fallbacks :func:`discover_flows` saw under ``caller``: ``{fallback: (primary, n)}``.

    B is a fallback of A when every run of ``caller`` that called B had called A
    first and seen it fail, and that happened at least :data:`FALLBACK_EVIDENCE`
    times in runs that did not fail themselves. The primary with the most rescues
    wins (ties by name).

    >>> a, b = ("sms-a", "send"), ("sms-b", "send")
    >>> t = lambda i, bad: [Span(i, "r", None, "api", "otp", SERVER),
    ...     Span(i, "1", "r", "sms-a", "send", SERVER, start=1, error=bad)] + (
    ...     [Span(i, "2", "r", "sms-b", "send", SERVER, start=2)] if bad else [])
    >>> d = discover_flows([t("1", True), t("2", True), t("3", False)])
    >>> fallbacks(d, ("api", "otp"))
    {('sms-b', 'send'): (('sms-a', 'send'), 2)}
    """
    found: dict = {}
    for (primary, fallback), n in sorted(d.rescued.get(caller, {}).items(),
                                         key=lambda kv: (-kv[1], kv[0])):
        if fallback in found or n < FALLBACK_EVIDENCE:
            continue
        if d.unrescued[caller][fallback] or d.calls[caller][fallback] != n:
            continue  # also called when nothing had failed: not (only) a fallback
        found[fallback] = (primary, n)
    return found
