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
from functools import partial
from operator import attrgetter, itemgetter
from typing import NamedTuple

try:  # what Counter.update runs for each key, in C (CPython's; a private name, so guarded)
    from collections import _count_elements
except ImportError:  # pragma: no cover - another Python
    def _count_elements(mapping, iterable) -> None:
        get = mapping.get
        for key in iterable:
            mapping[key] = get(key, 0) + 1

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
    "span_tree",
    "discover_flows",
    "fallbacks",
    "node_order",
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
    tree is walked parents first, a level at a time, from a list of what is left.

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
    clean: Counter = Counter()  # calls made with no failure before, see _add_trace
    seen: set = set()  # the nodes d.operations holds already
    try:
        for spans in traces:
            _add_trace(d, spans, clean, seen)
    finally:  # what was read is counted, even when the traces end in an error
        _flush_calls(d, clean)
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
    clean: Counter = Counter()
    _add_trace(d, spans, clean, set(), weight, when)
    _flush_calls(d, clean)


def _add_trace(d: Discovery, spans: list[Span], clean: Counter, seen: set, weight: int = 1,
               when: Callable[[Span], tuple[int, int]] | None = None) -> None:
    """Add one trace to ``d``; the calls of its runs in which no call failed go to
    ``clean``, ``(caller, callee) -> runs``, for :func:`_flush_calls` to add to ``d``
    (counted once per pair rather than once per run). ``seen``: nodes whose operation
    ``d.operations`` holds already (a set kept from trace to trace)."""
    if not spans:
        return
    # A *run* is a span that enters a node and the spans of the same service under it;
    # runs are numbered as they start, ``nodes_run[k]`` is run k's node; ``calls`` holds
    # the calls as (run, callee node).
    failed_calls: set = set()
    clean_trace = not any(map(_ERROR, spans))  # no failure: nothing but who called whom
    walked = _walk_plain(spans) if clean_trace else None
    if walked is not None:
        tops, nodes_run, calls, max_depth = walked
    else:
        _, children, tops, _ = span_tree(spans)
        if not tops:  # every span names a parent in a cycle: no entry point to speak of
            return
    d.traces += weight
    d.spans += len(spans) * weight  # read_discovery replaces this with the records read
    # The entry point: the earliest span with no parent in the trace (sampling can cut a
    # trace into pieces; the first piece stands for the request).
    root = tops[0] if len(tops) == 1 else min(tops, key=_top_order)
    if root.error:  # a failed request: kept apart, it says nothing of what the flow needs
        _add_failed(d, root, spans, weight, when)
        return
    if walked is None:
        if clean_trace:
            nodes_run, calls, max_depth, _ = _walk_clean(children, tops)
        else:
            nodes_run, made, max_depth, failed_runs, failed_calls = _walk(children, tops)
            calls = list(zip(map(_RUN, made), map(_CALLEE, made), strict=True))
    count = _count_elements if weight == 1 else partial(_count, weight=weight)
    count(d.runs, nodes_run)  # once a run
    used = set(nodes_run)
    used.update(map(_PAIRED, calls))  # the peers called, with the nodes called
    # the operations each service served, and the peers called (once a node, not a run)
    fresh = used - seen
    if fresh:
        seen |= fresh
        operations = d.operations
        for service, operation in fresh:
            if operation is None:
                operations.setdefault(service, set())
            else:
                operations[service].add(operation)

    root_node = _node(root)
    stats = _root_stats(d, root, when, root_node)
    stats.traces += weight
    if max_depth > stats.max_depth:
        stats.max_depth = max_depth
    n_calls = len(calls)
    stats.calls += n_calls * weight
    if n_calls > stats.max_calls:
        stats.max_calls = n_calls
    count(d.used[root_node], used)
    count(d.services_used[root_node], set(map(_SERVICE, used)))
    if not calls:
        return
    pairs = set(calls)  # each run's distinct callees
    if len(pairs) < n_calls:  # a run called one callee more than once
        times: dict = {}
        _count_elements(times, calls)
        count(stats.repeated, {(nodes_run[k], callee) for (k, callee), n in times.items()
                               if n > 1})
    if failed_calls:  # those runs' calls apart: who was called after which failure
        pairs = [pair for pair in pairs if pair[0] not in failed_calls]
        _add_failed_calls(d, nodes_run, made, failed_calls, failed_runs, count)
    count(clean, zip(map(nodes_run.__getitem__, map(_RUN, pairs)), map(_PAIRED, pairs),
                     strict=True))


def _walk_plain(spans: list[Span]) -> tuple[list[Span], list, list[tuple], int] | None:
    """:func:`_walk_clean` of a trace with no failure, with its tops, for a trace in which
    each span id is once and every span is reached from a top (most traces: no shared
    span to split, no span its own parent, no cycle): its tree is made with fewer checks
    than :func:`span_tree` makes. None for any other trace."""
    ids = set(map(_SPAN_ID, spans))
    if len(ids) != len(spans) or "#server" in "\x00".join(ids):
        return None
    children: dict = {}
    for span in spans:
        children.setdefault(span[2], []).append(span)  # by parent id
    tops: list[Span] = []
    for parent in children.keys() - ids:  # None, or a parent not in the trace
        tops += children.pop(parent)
    if not tops:
        return None
    nodes_run, calls, max_depth, visited = _walk_clean(children, tops)
    if visited != len(spans):  # a span its own parent (a top to span_tree), or a cycle
        return None
    return tops, nodes_run, calls, max_depth


def _walk_clean(children: dict, tops: list[Span]) -> tuple[list, list[tuple], int, int]:
    """:func:`_walk` of a trace with no failure: each run's node, the calls as (run,
    callee node), the greatest depth, and how many spans were visited."""
    nodes_run: list = []
    calls: list[tuple] = []
    max_depth = 0
    nodes, get, entering = _NODES, children.get, _ENTERING
    # spans to visit, with their parent's service and run, and the depth of a run one of
    # them starts (a top: no parent)
    todo: list[tuple] = [(tops, _NO_SERVICE, -1, 0)]
    for level, up_service, parent_run, depth in todo:
        started = False
        for span in level:
            _, span_id, _, service, operation, kind, _, _, peer, _ = span
            kids = get(span_id)
            if service != up_service or kind in entering:
                node = nodes.get((service, operation)) or _node(span)
                run = len(nodes_run)
                nodes_run.append(node)
                started = True
                if up_service != service and parent_run >= 0:
                    calls.append((parent_run, node))
                if kids:
                    todo.append((kids, service, run, depth + 1))
            else:  # within the parent's run: its children are visited with this level
                run = parent_run
                if kids:
                    level += kids
            if (peer and kind in _CALLING and peer != service
                    and not (kids and (any(k[3] == peer for k in kids) if kind == PRODUCER
                                       else any(k[3] != service for k in kids)))):
                calls.append((run, (peer, None)))  # see _walk
        if started and depth > max_depth:
            max_depth = depth
    return nodes_run, calls, max_depth, sum(map(len, map(_RUN, todo)))


_NO_SERVICE = object()  # a top's parent's service: unequal to any


def _walk(children: dict, tops: list[Span]) -> tuple[list, list[tuple], int, set, set]:
    """The walk of one trace: parents before their children, a level at a time (no
    recursion). Returns each run's node, the calls as (run, start, callee node, failed)
    in the walk's order, the greatest depth, the runs in which a span failed and those
    in which a call failed. Nothing counted depends on the order of the walk (a run's
    calls are put in the order of their start before failures are read)."""
    nodes_run: list = []
    made: list[tuple] = []
    failed_runs: set = set()  # runs in which a span failed
    failed_calls: set = set()  # runs in which a call failed
    max_depth = 0
    nodes = _NODES
    # spans to visit, with their parent's service, error, kind, run and depth (-1: none)
    todo: list[tuple] = [(tops, None, False, None, -1, -1)]
    for level, up_service, up_error, up_kind, parent_run, parent_depth in todo:
        for span in level:
            _, span_id, _, service, operation, kind, start, error, peer, _ = span
            if parent_run < 0 or kind in _ENTERING or service != up_service:
                node = nodes.get((service, operation)) or _node(span)
                run = len(nodes_run)
                nodes_run.append(node)
                depth = parent_depth + 1
                if depth > max_depth:
                    max_depth = depth
                if parent_run >= 0 and up_service != service:
                    if error or (up_error and up_kind in _CALLING):
                        made.append((parent_run, start, node, True))
                        failed_calls.add(parent_run)
                    else:
                        made.append((parent_run, start, node, False))
                if error:
                    failed_runs.add(run)
            else:
                run, depth = parent_run, parent_depth
                if error and kind not in _CALLING:
                    failed_runs.add(run)
            kids = children.get(span_id)
            # A client's peer is the service its traced child stands for; a producer's
            # (messaging.system) is the broker between it and the consumer, which the
            # consumer's span does not stand for: without it, switching Kafka off looked
            # harmless to every flow whose consumers are traced.
            if (peer and kind in _CALLING and peer != service
                    and not (kids and (any(k.service == peer for k in kids) if kind == PRODUCER
                                       else any(k.service != service for k in kids)))):
                made.append((run, start, (peer, None), error))
                if error:
                    failed_calls.add(run)
            if kids:
                todo.append((kids, service, error, kind, run, depth))
    return nodes_run, made, max_depth, failed_runs, failed_calls


def _add_failed_calls(d: Discovery, nodes_run: list, made: list[tuple], failed_calls: set,
                      failed_runs: set, count: Callable) -> None:
    """The calls of the runs ``failed_calls`` (in which a call failed), in the order of the
    calls: the callees called with no failure before go to ``d.unrescued``, those called
    after a failure, in a run that did not fail, to ``d.rescued``."""
    seqs: dict[int, list] = {}
    for k, start, callee, failed in made:
        if k in failed_calls:
            seqs.setdefault(k, []).append((start, callee, failed))
    for k, seq in seqs.items():
        caller = nodes_run[k]
        count(d.calls[caller], set(map(_PAIRED, seq)))
        if len(seq) > 1:
            seq.sort(key=_call_order)
        failed_before: list = []
        clean: set = set()
        rescued: set = set()
        for _start, callee, failed in seq:
            if not failed_before:
                clean.add(callee)
            elif k not in failed_runs:
                rescued.update((p, callee) for p in failed_before if p[0] != callee[0])
            if failed and callee not in failed_before:
                failed_before.append(callee)
        count(d.unrescued[caller], clean)
        count(d.rescued[caller], rescued)


def _flush_calls(d: Discovery, clean: Counter) -> None:
    """Add ``clean`` ((caller, callee) -> runs in which no call failed, from
    :func:`_add_trace`) to ``d``'s calls and clean calls, and empty it; each caller gets
    its entry in ``d.rescued`` (none rescued)."""
    calls, unrescued, rescued = d.calls, d.unrescued, d.rescued
    for (caller, callee), n in clean.items():
        counter = calls[caller]
        counter[callee] = counter.get(callee, 0) + n
        counter = unrescued[caller]
        counter[callee] = counter.get(callee, 0) + n
        rescued[caller]  # noqa: B018 (the caller gets its entry, as when counted)
    clean.clear()


_RUN = itemgetter(0)  # a call's run, or a (run, callee) pair's
_CALLEE = itemgetter(2)  # a call's callee node (in _walk's calls)
_SPAN_ID, _ERROR = itemgetter(1), itemgetter(7)  # a span's id, its error
_PAIRED = itemgetter(1)  # a (run, callee) pair's callee, or a (start, callee, failed) one's
_SERVICE = itemgetter(0)  # a node's service


_ENTERING = (SERVER, CONSUMER)
_CALLING = (CLIENT, PRODUCER)
_top_order = attrgetter("start", "service", "operation", "span_id")


def _call_order(call: tuple) -> tuple:
    return (call[0], call[1][0], call[1][1] or "")


def span_tree(spans: list[Span]) -> tuple[dict[str, Span], dict[str, list[Span]], list[Span],
                                          int]:
    """The tree of one trace's spans: spans by id, children by parent id (in the order
    they are met), the spans whose parent is not in the trace (``tops``), and how many
    spans repeated an id already seen (left out: the first of each is kept).

    Zipkin's shared span ids (both sides of one call report the same id; also what a
    reader that splits one record into both sides writes) become a client span and its
    server child, ``ID#server``, under which the server's own children are placed.

    >>> c = Span("t", "a", None, "web", "GET /", CLIENT)
    >>> srv = Span("t", "a", None, "api", "get", SERVER, start=1)
    >>> db = Span("t", "b", "a", "api", "SELECT", CLIENT, start=2)
    >>> by_id, children, tops, dropped = span_tree([c, srv, db, db])
    >>> sorted(by_id), [s.service for s in tops], dropped
    (['a', 'a#server', 'b'], ['web'], 1)
    >>> [s.span_id for s in children["a"]], [s.span_id for s in children["a#server"]]
    (['a#server'], ['b'])
    """
    by_id = {s.span_id: s for s in spans}
    dropped = 0
    if len(by_id) != len(spans):  # an id twice: a shared span id, or a repeated span
        by_id = {}
        for s in spans:
            first = by_id.get(s.span_id)
            server = s.span_id + "#server"
            if first is None:
                by_id[s.span_id] = s
            elif server in by_id:  # both sides seen already: this one repeats one
                dropped += 1
            elif s.kind in _ENTERING and first.kind in _CALLING:
                by_id[server] = _replace(s, server, s.span_id)
            elif first.kind in _ENTERING and s.kind in _CALLING:
                by_id[server] = _replace(first, server, s.span_id)
                by_id[s.span_id] = s
            else:
                dropped += 1
    # Whether any id is a server side: ids joined by NUL, so that two of them cannot run
    # together into "#server"; a wrong yes would only allow the lookup below, which then
    # finds nothing.
    shared = "#server" in "\x00".join(by_id)
    children: dict[str, list[Span]] = {}
    tops: list[Span] = []
    for sid, s in by_id.items():
        parent = s.parent_id
        if parent is None:
            tops.append(s)
            continue
        if shared and sid != parent + "#server" and parent + "#server" in by_id:
            parent += "#server"  # a child of a shared span runs on its server side
        if parent != sid and parent in by_id:
            kids = children.get(parent)
            if kids is None:
                children[parent] = [s]
            else:
                kids.append(s)
        else:
            tops.append(s)
    return by_id, children, tops, dropped


def _count(counter: Counter, keys, weight: int) -> None:
    """Add ``weight`` to each of ``keys`` (distinct) in ``counter`` (for weight 1,
    ``_count_elements``: what Counter.update does, in C, without its checks)."""
    get = counter.get  # what Counter.update does for weight 1, without its overhead
    for key in keys:
        counter[key] = get(key, 0) + weight


_NODES: dict = {}


def _root_stats(d: Discovery, root: Span,
                when: Callable[[Span], tuple[int, int]] | None = None,
                node: Node | None = None) -> RootStats:
    if node is None:
        node = _node(root)
    stats = d.roots.get(node)
    if stats is None:
        stats = d.roots[node] = RootStats()
        d.used[node] = Counter()
        d.services_used[node] = Counter()
        d.failed_used[node] = Counter()
    first, last = (root.start, root.start) if when is None else when(root)
    if first:
        if stats.first is None or first < stats.first:
            stats.first = first
        if stats.last is None or last > stats.last:
            stats.last = last
    return stats


def _add_failed(d: Discovery, root: Span, spans: list[Span], weight: int = 1,
                when: Callable[[Span], tuple[int, int]] | None = None) -> None:
    """Count a trace whose root failed, apart: its nodes go to ``failed_used`` only."""
    stats = _root_stats(d, root, when)
    stats.traces += weight
    stats.failed += weight
    nodes = {_node(s) for s in spans if s.kind not in _CALLING or not s.peer}
    nodes |= {(s.peer, None) for s in spans if s.kind in _CALLING and s.peer
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


def node_order(node: Node) -> tuple:
    """A sort key for nodes: by name, a service's bare peer node ``(db, None)`` before
    its operations ``(db, "query")`` (a service may be both, and None has no order with
    a string).

    >>> sorted([("db", "query"), ("api", "otp"), ("db", None)], key=node_order)
    [('api', 'otp'), ('db', None), ('db', 'query')]
    """
    return (node[0], node[1] is not None, node[1] or "")


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
                                         key=lambda kv: (-kv[1], node_order(kv[0][0]),
                                                         node_order(kv[0][1]))):
        if fallback in found or n < FALLBACK_EVIDENCE:
            continue
        if d.unrescued[caller][fallback] or d.calls[caller][fallback] != n:
            continue  # also called when nothing had failed: not (only) a fallback
        found[fallback] = (primary, n)
    return found
