"""The RPC fan-out of requests (spec §14): how many calls one request makes, the
chain of calls its latency waits on, and the repeated calls that one batched call
could replace.

Definitions
-----------
- An **RPC** is one call from a service to another made while serving a request: a
  CLIENT or PRODUCER span, or, where the caller's side is not traced, a SERVER or
  CONSUMER span whose parent span belongs to another service (and is not itself a
  CLIENT or PRODUCER span, which already counts the call). A span of unstated kind
  (INTERNAL: Jaeger without ``span.kind``, Zipkin without ``kind``) that runs in another
  service than its parent is read as the server side of a call, as ``discover`` does.
  The root span is the request, not one of its RPCs. A server span whose parent is not
  in the trace was called by something of this request, so it counts too (its caller
  is unknown).
- The **root operation** of a trace is ``SERVICE:SPAN_NAME`` of its root span, ids in
  the name normalised as in :func:`pruner.analysis.discover.route`. The root is the
  earliest span without a parent; only when there is none, the earliest span whose
  parent is not in the trace (``discover`` takes the earliest of either kind).
- **Call depth**: the most RPCs nested in one another on one path from the root (an
  RPC made while serving an RPC made by the root has depth 2).
- **Critical path** (CRISP [2]_): from the root, repeatedly the child span that ends
  last (ties: the earlier start, then the name). Each step's *self time* is its span's
  duration not covered by any of its children; the *slack* of a step is how much
  earlier than the chosen child the runner-up sibling ended (how much it could grow
  before it becomes critical). A trace's critical-path duration runs from the root's
  start to the latest end on the path. Over a root's traces, the most frequent path
  is reported with the p50 of the durations of the traces that took it.
- A **batching candidate** (an *instance*) is a set of at least ``min_calls`` RPCs
  with the same parent span and the same callee operation. It is *sequential* when,
  in start order, each call starts no earlier than the previous one ended; otherwise
  *parallel*. Batching (or parallelising) a sequential instance would save the sum
  of its calls' durations minus the longest one, the figure Sentry's "consecutive
  HTTP" detector reports [1]_; a parallel instance saves no time, only calls.
  Instances with the same caller operation (the parent span's) and callee operation
  form a *group*: ``calls`` is the most calls of one instance, ``traces`` how many
  traces hold an instance, ``sequential`` whether the largest instance is, and
  ``saved_ms`` the median over instances.
- The callee operation of a CLIENT or PRODUCER span is its server side's (a child
  span of another service, or a SERVER/CONSUMER child), else the remote it names
  (``peer.service``, a database, a broker) with the span's name, else the span's
  own ``SERVICE:NAME`` (the call as its caller names it).

Thresholds and where they come from
-----------------------------------
- :data:`MIN_CALLS` = 10: Sentry's N+1 API calls detector flags at least 10 calls
  with the same parent span and the same URL [1]_ (its other conditions, calls starting
  within 5 ms of each other and 300 ms in total, belong to browser front ends and are
  not used: a back end's sequential calls are the case this report is after).
- Sequential means "each call starts at or after the previous one's end", the test of
  Sentry's consecutive-calls detectors; a call that starts while another of the group
  is still running makes the group parallel.
- :data:`MAX_PATH` (64 steps), :data:`MAX_PATHS` (1,000 distinct critical paths per
  root), :data:`EXACT_VALUES` (10,000 distinct values per statistic, then rounded
  to 1 part in 1,024) and :data:`EXACT_PATH_VALUES` (1,000 per critical path) bound
  memory whatever the number of traces; they are memory caps, not findings, and the
  text report says when the path cap was reached.

Percentiles are nearest-rank (the smallest value with at least p% of the values at
or below it: always a value that occurred); a median (``saved_ms``) is the middle
value, or the mean of the two middle values.

Everything here is a pure function of the spans: no recursion (the span tree is
walked with an explicit stack, so a chain of a million spans is fine), memory is the
largest trace plus the aggregates.

References
----------
.. [1] Sentry, "Performance Issues: N+1 API Calls" and "Consecutive HTTP"
   (docs.sentry.io/product/issues/issue-details/performance-issues/), detector
   thresholds in getsentry/sentry ``src/sentry/utils/performance_issues``.
.. [2] Z. Zhang, M. K. Ramanathan, P. Raj, A. Parwal, T. Sherwood, M. Chabbi,
   "CRISP: Critical Path Analysis of Large-Scale Microservice Architectures",
   USENIX ATC 2022.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

from pruner.analysis.discover import CLIENT, CONSUMER, PRODUCER, SERVER, Span, route, span_tree
from pruner.frozen import record

__all__ = [
    "MIN_CALLS",
    "MAX_PATH",
    "MAX_PATHS",
    "EXACT_VALUES",
    "MAX_WARNINGS",
    "Quantiles",
    "Instance",
    "TraceShape",
    "Percentiles",
    "Group",
    "PathStep",
    "CriticalPath",
    "RootProfile",
    "RpcAccumulator",
    "trace_shape",
    "rpc_profile",
    "node_name",
    "flow_roots",
]

#: Fewest calls from one parent span to one callee operation worth batching (Sentry's
#: N+1 API calls detector counts at least 10 [1]_).
MIN_CALLS = 10
#: Steps of a critical path kept (a longer chain is cut, marked with "...").
MAX_PATH = 64
#: Distinct critical paths counted per root operation.
MAX_PATHS = 1000
#: Distinct values a statistic keeps exactly before rounding to 1 part in 1,024.
EXACT_VALUES = 10_000
#: The same for the durations of one critical path (there are up to MAX_PATHS of them).
EXACT_PATH_VALUES = 1_000
#: Warnings kept (the rest are counted).
MAX_WARNINGS = 100
#: Marks a critical path cut at :data:`MAX_PATH` steps.
CUT = "..."

_CALLER_SIDE = (CLIENT, PRODUCER)
_CALLEE_SIDE = (SERVER, CONSUMER)
_NS_PER_MS = 1_000_000


def node_name(span: Span) -> str:
    """``SERVICE:OPERATION`` of a span, ids in the operation normalised.

    >>> node_name(Span("t", "1", None, "users", "GET /user/42"))
    'users:GET /user/{id}'
    """
    return _named(span.service, span.operation)


@lru_cache(maxsize=1 << 16)
def _named(service: str, operation: str) -> str:
    return f"{service}:{route(operation)}"


class Quantiles:
    """Values seen, as a multiset: exact percentiles and medians in bounded memory.

    Up to ``limit`` (:data:`EXACT_VALUES`) distinct values are kept exactly; beyond that every
    value is rounded to 10 significant bits (within 0.1%), so the result does not
    depend on the order the values came in.

    >>> q = Quantiles()
    >>> for v in (3, 1, 2, 10):
    ...     q.add(v)
    >>> q.percentile(50), q.percentile(99), q.median(), q.max()
    (2, 10, 2.5, 10)
    """

    __slots__ = ("counts", "n", "rounded", "limit")

    def __init__(self, limit: int | None = None) -> None:
        self.counts: Counter = Counter()
        self.n = 0
        self.rounded = False
        self.limit = EXACT_VALUES if limit is None else limit

    def add(self, value: float, times: int = 1) -> None:
        if self.rounded:
            value = _round(value)
        self.counts[value] += times
        self.n += times
        if not self.rounded and len(self.counts) > self.limit:
            self.rounded = True
            old, self.counts = self.counts, Counter()
            for v, k in old.items():
                self.counts[_round(v)] += k

    def merge(self, other: Quantiles) -> None:
        if other.rounded and not self.rounded:
            self.rounded = True
            old, self.counts = self.counts, Counter()
            for v, k in old.items():
                self.counts[_round(v)] += k
        for v, k in other.counts.items():
            self.add(v, k)

    def _sorted(self) -> list:
        return sorted(self.counts.items())

    def percentile(self, p: float):
        """Nearest rank: the smallest value with at least ``p``% of values at or below it."""
        if not self.n:
            return 0
        rank = max(1, math.ceil(p / 100 * self.n - 1e-9))
        seen = 0
        for v, k in self._sorted():
            seen += k
            if seen >= rank:
                return v
        return self.max()

    def median(self) -> float:
        """The middle value, or the mean of the two middle values."""
        if not self.n:
            return 0.0
        lo, hi = (self.n - 1) // 2 + 1, self.n // 2 + 1
        a = b = None
        seen = 0
        for v, k in self._sorted():
            seen += k
            if a is None and seen >= lo:
                a = v
            if seen >= hi:
                b = v
                break
        return (a + b) / 2

    def max(self):
        return max(self.counts) if self.counts else 0


def _round(value: float) -> float:
    if not value:
        return value
    m, e = math.frexp(value)
    return math.ldexp(round(m * 1024) / 1024, e)


# -- one trace ------------------------------------------------------------------------


@record(slots=False)
class Instance:
    """Calls from one parent span to one callee operation (at least ``min_calls``)."""

    caller: str
    callee: str
    calls: int
    sequential: bool
    saved_ns: int


class PathStep(NamedTuple):
    """One span on a critical path: its node, self time, the runner-up's slack (``None``
    when the span had no other child), and when it started (from the root's start) and
    how long it took. Times in ms (means over traces when aggregated). (A named tuple:
    one per step of every trace.)"""

    node: str
    self_ms: float
    slack_ms: float | None
    start_ms: float = 0.0  # from the root's start
    duration_ms: float = 0.0


@record(slots=False)
class TraceShape:
    """What :func:`trace_shape` found in one trace.

    ``callees`` counts the RPCs per callee service; ``problems`` are what was wrong
    with the spans (each one line, naming the trace and a span).
    """

    trace_id: str
    root: str
    rpcs: int
    depth: int
    duration_ns: int
    path: tuple[str, ...]
    steps: tuple[PathStep, ...]
    instances: tuple[Instance, ...]
    callees: Mapping[str, int]
    problems: tuple[str, ...] = ()


def trace_shape(spans: list[Span], min_calls: int = MIN_CALLS) -> TraceShape | None:
    """The RPCs, depth, critical path and batching candidates of one trace.

    ``None`` when no span of the trace is a root (every span names a parent in a
    cycle). Spans in a cycle of parent ids, repeated ids and spans that end before
    they start are reported in ``problems`` (a span that ends before it starts is
    read as ending where it starts).

    >>> t = [Span("t", "r", None, "mixer", "home", SERVER, 0, end=100)]
    >>> t += [Span("t", f"u{i}", "r", "users", "get", SERVER, 10 * i, end=10 * i + 8)
    ...       for i in range(10)]
    >>> s = trace_shape(t)
    >>> s.rpcs, s.depth, s.path, s.instances[0].sequential, s.instances[0].saved_ns
    (10, 1, ('mixer:home', 'users:get'), True, 72)
    """
    if not spans:
        return None
    trace_id = spans[0].trace_id
    problems: list[str] = []
    by_id, children, tops, dropped = span_tree(spans)
    if dropped:
        problems.append(f"trace {trace_id}: {dropped} span(s) repeat an id already seen; "
                        "the first of each is kept")
    roots = [t for t in tops if t.parent_id is None or t.parent_id == t.span_id]
    if not tops:
        problems.append(f"trace {trace_id}: every span names a parent in a cycle of parent "
                        f"ids (span {spans[0].span_id}); no root, trace left out")
        return TraceShape(trace_id, "", 0, 0, 0, (), (), (), {}, tuple(problems))
    # The entry point: the earliest top, a real root (no parent) before an orphan.
    pool = roots or tops
    root = min(pool, key=lambda s: (s.start, s.service, s.operation, s.span_id))
    orphans = [t for t in tops if t is not root and t.parent_id is not None]
    if orphans:
        first = min(orphans, key=lambda s: s.span_id)
        problems.append(f"trace {trace_id}: {len(orphans)} span(s) name a parent that is not "
                        f"in the trace (first: span {first.span_id} names {first.parent_id}); "
                        "their calls count with an unknown caller")

    backwards = 0
    first_backwards = ""
    rpcs = 0
    max_depth = 0
    callees: Counter = Counter()
    # (parent span id, callee) -> [(start, end)] of its RPCs
    calls: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    caller_of: dict[str, str] = {}
    seen = 0
    caller_side, callee_side, kids_of = _CALLER_SIDE, _CALLEE_SIDE, children.get
    # Walk every top's tree (the request and any pieces cut off from it), parents first.
    stack: list[tuple[Span, Span | None, int]] = [(t, None, 0) for t in tops]
    pop, push = stack.pop, stack.append
    while stack:
        span, parent, depth = pop()
        seen += 1
        start, end = span.start, span.end
        if end < start:
            backwards += 1
            first_backwards = first_backwards or span.span_id
            end = start
        kids = kids_of(span.span_id, ())
        kind = span.kind
        if kind in caller_side:
            rpc = span is not root
        elif parent is None:
            rpc = kind in callee_side and span is not root
        else:  # a server side (or a span of unstated kind) entering another service
            rpc = parent.service != span.service and parent.kind not in caller_side
        if rpc:
            depth += 1
            rpcs += 1
            service, callee = _callee(span, kids)
            callees[service] += 1
            if parent is not None:
                calls[(parent.span_id, callee)].append((start, end))
                if parent.span_id not in caller_of:
                    caller_of[parent.span_id] = node_name(parent)
            if depth > max_depth:
                max_depth = depth
        for k in kids:
            push((k, span, depth))
    if seen < len(by_id):
        stuck = sorted(set(by_id) - _reached(tops, children))
        problems.append(f"trace {trace_id}: {len(by_id) - seen} span(s) in a cycle of parent "
                        f"ids (first: span {stuck[0] if stuck else '?'}); left out")
    if backwards:
        problems.append(f"trace {trace_id}: {backwards} span(s) end before they start "
                        f"(first: span {first_backwards}); read as taking no time")

    instances = []
    for (parent_id, callee), times in calls.items():
        if len(times) < min_calls:
            continue
        times.sort()
        sequential = all(times[i][0] >= times[i - 1][1] for i in range(1, len(times)))
        saved = 0
        if sequential:
            durations = [e - s for s, e in times]
            saved = sum(durations) - max(durations)
        instances.append(Instance(caller_of[parent_id], callee, len(times), sequential, saved))
    instances.sort(key=lambda i: (i.caller, i.callee, -i.calls, -i.saved_ns))

    path, steps, duration = _critical_path(root, children)
    return TraceShape(trace_id, node_name(root), rpcs, max_depth, duration, path, steps,
                      tuple(instances), dict(callees), tuple(problems))


def _reached(tops: list[Span], children: dict) -> set:
    reached: set = set()
    stack = list(tops)
    while stack:
        s = stack.pop()
        reached.add(s.span_id)
        stack.extend(children.get(s.span_id, ()))
    return reached


def _callee(span: Span, kids) -> tuple[str, str]:
    """The callee service and operation of the RPC ``span`` (see the module)."""
    if span.kind in _CALLER_SIDE:
        first = None
        for k in kids:
            if (k.service != span.service or k.kind in _CALLEE_SIDE) and (
                    first is None or (k.start, k.span_id) < (first.start, first.span_id)):
                first = k
        if first is not None:
            return first.service, node_name(first)
        if span.peer and span.peer != span.service:
            return span.peer, _named(span.peer, span.operation)
    return span.service, node_name(span)


def _end(span: Span) -> int:
    return span.end if span.end > span.start else span.start


def _critical_path(root: Span, children: dict) -> tuple[tuple[str, ...], tuple[PathStep, ...],
                                                        int]:
    """CRISP's walk from ``root``: repeatedly the child that ends last."""
    path: list[str] = []
    steps: list[PathStep] = []
    latest = _end(root)
    span = root
    while True:
        kids = children.get(span.span_id, ())
        # the child that ends last (ties: the earlier start, then the name), the latest
        # end among the others (the runner-up), and every child's interval
        nxt = None
        nxt_end = runner = 0
        intervals = []
        for k in kids:
            ks, ke = k.start, k.end
            if ke < ks:
                ke = ks
            intervals.append((ks, ke))
            if nxt is None or ke > nxt_end or (ke == nxt_end and (
                    ks, k.service, k.operation, k.span_id) < (
                    nxt.start, nxt.service, nxt.operation, nxt.span_id)):
                if nxt is not None and nxt_end > runner:
                    runner = nxt_end
                nxt, nxt_end = k, ke
            elif ke > runner:
                runner = ke
        start, end = span.start, _end(span)
        latest = max(latest, end)
        if len(path) >= MAX_PATH:  # past the cap only the walk goes on
            if len(path) == MAX_PATH:
                path.append(CUT)
            if nxt is None:
                break
            span = nxt
            continue
        covered = 0
        cursor = start
        intervals.sort()
        for ks, ke in intervals:
            a, b = max(ks, cursor), min(ke, end)
            if b > a:
                covered += b - a
                cursor = b
        slack = (nxt_end - runner) / _NS_PER_MS if len(kids) > 1 else None
        path.append(node_name(span))
        steps.append(PathStep(path[-1], (end - start - covered) / _NS_PER_MS, slack,
                              (start - root.start) / _NS_PER_MS, (end - start) / _NS_PER_MS))
        if nxt is None:
            break
        span = nxt
    return tuple(path), tuple(steps), latest - root.start


# -- many traces ----------------------------------------------------------------------


@record(slots=False)
class Percentiles:
    """p50, p99 and max of a statistic (nearest rank)."""

    p50: float
    p99: float
    max: float


@record(slots=False)
class Group:
    """Batching candidates with one caller and one callee operation (see the module)."""

    caller: str
    callee: str
    calls: int
    traces: int
    sequential: bool
    saved_ms: float
    instances: int


@record(slots=False)
class CriticalPath:
    """The most frequent critical path: its nodes, how many traces took it, the p50 of
    their durations, and per step the mean self time and mean runner-up slack."""

    path: tuple[str, ...]
    traces: int
    duration_ms_p50: float
    steps: tuple[PathStep, ...]
    distinct: int = 1


@record(slots=False)
class RootProfile:
    """What the traces of one root operation (or of the roots of one flow) did.

    ``roots`` are the root operations summarised; ``callees`` the mean RPCs per request
    to each callee service, most first; ``latency_ms`` the percentiles of the
    critical-path durations.
    """

    roots: tuple[str, ...]
    traces: int
    rpcs: Percentiles
    latency_ms: Percentiles
    depth: int
    critical_path: CriticalPath
    groups: tuple[Group, ...]
    callees: tuple[tuple[str, float], ...]
    capped: bool = False


class _PathAcc:
    __slots__ = ("count", "durations", "self_ms", "slack", "slack_n", "start", "length")

    def __init__(self, n: int) -> None:
        self.count = 0
        self.durations = Quantiles(EXACT_PATH_VALUES)
        self.self_ms = [0.0] * n
        self.slack = [0.0] * n
        self.slack_n = [0] * n
        self.start = [0.0] * n
        self.length = [0.0] * n

    def add(self, ms: float, steps: tuple[PathStep, ...]) -> None:
        self.count += 1
        self.durations.add(ms)
        for i, step in enumerate(steps):
            self.self_ms[i] += step.self_ms
            self.start[i] += step.start_ms
            self.length[i] += step.duration_ms
            if step.slack_ms is not None:
                self.slack[i] += step.slack_ms
                self.slack_n[i] += 1

    def merge(self, other: _PathAcc) -> None:
        self.count += other.count
        self.durations.merge(other.durations)
        for mine, theirs in ((self.self_ms, other.self_ms), (self.slack, other.slack),
                             (self.slack_n, other.slack_n), (self.start, other.start),
                             (self.length, other.length)):
            for i in range(len(mine)):
                mine[i] += theirs[i]

    def steps(self, path: tuple[str, ...]) -> tuple[PathStep, ...]:
        """Per step the means over the traces that took this path."""
        n = self.count
        return tuple(PathStep(node, self.self_ms[i] / n,
                              self.slack[i] / self.slack_n[i] if self.slack_n[i] else None,
                              self.start[i] / n, self.length[i] / n)
                     for i, node in enumerate(path[:len(self.self_ms)]))


class _GroupAcc:
    __slots__ = ("calls", "traces", "largest", "saved")

    def __init__(self) -> None:
        self.calls = 0
        self.traces = 0
        self.largest = (0, False, 0)  # (calls, sequential, saved_ns) of the largest instance
        self.saved = Quantiles()

    def merge(self, other: _GroupAcc) -> None:
        self.calls = max(self.calls, other.calls)
        self.traces += other.traces
        self.largest = max(self.largest, other.largest)
        self.saved.merge(other.saved)


class _RootAcc:
    def __init__(self) -> None:
        self.traces = 0
        self.rpcs = Quantiles()
        self.latency = Quantiles()
        self.depth = 0
        self.paths: dict[tuple, _PathAcc] = {}
        self.capped = False
        self.groups: dict[tuple[str, str], _GroupAcc] = {}
        self.callees: Counter = Counter()

    def add(self, shape: TraceShape) -> None:
        self.traces += 1
        self.rpcs.add(shape.rpcs)
        ms = shape.duration_ns / _NS_PER_MS
        self.latency.add(ms)
        self.depth = max(self.depth, shape.depth)
        self.callees.update(shape.callees)
        p = self.paths.get(shape.path)
        if p is None:
            if len(self.paths) >= MAX_PATHS:
                self.capped = True
            else:
                p = self.paths[shape.path] = _PathAcc(len(shape.steps))
        if p is not None:
            p.add(ms, shape.steps)
        in_trace: set = set()
        for inst in shape.instances:
            key = (inst.caller, inst.callee)
            g = self.groups.get(key)
            if g is None:
                g = self.groups[key] = _GroupAcc()
            if key not in in_trace:
                in_trace.add(key)
                g.traces += 1
            g.calls = max(g.calls, inst.calls)
            g.largest = max(g.largest, (inst.calls, inst.sequential, inst.saved_ns))
            g.saved.add(inst.saved_ns / _NS_PER_MS)

    def merge(self, other: _RootAcc) -> None:
        self.traces += other.traces
        self.rpcs.merge(other.rpcs)
        self.latency.merge(other.latency)
        self.depth = max(self.depth, other.depth)
        self.callees.update(other.callees)
        self.capped = self.capped or other.capped
        for key, p in other.paths.items():
            mine = self.paths.get(key)
            if mine is None:
                mine = self.paths[key] = _PathAcc(len(p.self_ms))
            mine.merge(p)
        for key, g in other.groups.items():
            mine = self.groups.get(key)
            if mine is None:
                mine = self.groups[key] = _GroupAcc()
            mine.merge(g)

    def profile(self, roots: tuple[str, ...]) -> RootProfile:
        ranked = sorted(self.paths.items(), key=lambda kv: (-kv[1].count, kv[0]))
        best_key, best = ranked[0] if ranked else (None, None)
        if best is None:
            critical = CriticalPath((), 0, 0.0, ())
        else:
            critical = CriticalPath(best_key, best.count, best.durations.percentile(50),
                                    best.steps(best_key), len(self.paths))
        groups = tuple(sorted(
            (Group(caller, callee, g.calls, g.traces, g.largest[1], g.saved.median(),
                   g.saved.n) for (caller, callee), g in self.groups.items()),
            key=lambda g: (-g.saved_ms, -g.calls, g.caller, g.callee)))
        callees = tuple(sorted(((s, n / self.traces) for s, n in self.callees.items()),
                               key=lambda kv: (-kv[1], kv[0])))
        return RootProfile(
            roots, self.traces,
            Percentiles(self.rpcs.percentile(50), self.rpcs.percentile(99), self.rpcs.max()),
            Percentiles(self.latency.percentile(50), self.latency.percentile(99),
                        self.latency.max()),
            self.depth, critical, groups, callees, self.capped)


class RpcAccumulator:
    """Traces in, one at a time; per root operation only aggregates are kept.

    ``add(spans, where)`` takes the spans of one trace (``where`` names its source in
    warnings); :meth:`profiles` summarises per root operation or per given bucket of
    roots (a flow).
    """

    def __init__(self, min_calls: int = MIN_CALLS) -> None:
        self.min_calls = min_calls
        self.roots: dict[str, _RootAcc] = {}
        self.spans = 0
        self.traces = 0
        self.warnings: list[str] = []
        self.more_warnings = 0

    def warn(self, line: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(line)
        else:
            self.more_warnings += 1

    def add(self, spans: list[Span], where: str = "") -> None:
        shape = trace_shape(spans, self.min_calls)
        if shape is None:
            return
        for p in shape.problems:
            self.warn(f"{where}: {p}" if where else p)
        if not shape.root:
            return
        self.spans += len(spans)
        self.traces += 1
        acc = self.roots.get(shape.root)
        if acc is None:
            acc = self.roots[shape.root] = _RootAcc()
        acc.add(shape)

    def profiles(self, buckets: Mapping[str, Iterable[str]] | None = None
                 ) -> dict[str, RootProfile]:
        """One :class:`RootProfile` per root operation, or per bucket (name -> roots) of
        ``buckets``; a bucket none of whose roots was seen is left out."""
        if buckets is None:
            return {r: self.roots[r].profile((r,)) for r in sorted(self.roots)}
        out = {}
        for name in sorted(buckets):
            roots = tuple(sorted(r for r in set(buckets[name]) if r in self.roots))
            if not roots:
                continue
            acc = _RootAcc()
            for r in roots:
                acc.merge(self.roots[r])
            out[name] = acc.profile(roots)
        return out


def rpc_profile(traces: Iterable[list[Span]], min_calls: int = MIN_CALLS) -> RpcAccumulator:
    """Aggregate ``traces`` (each the spans of one request): the entry point for any
    trace source (files, trace stores) that can produce traces as lists of spans.

    >>> t = [Span("t", "r", None, "web", "GET /", SERVER, 0, end=9),
    ...      Span("t", "c", "r", "web", "query", CLIENT, 1, peer="db", end=5)]
    >>> p = rpc_profile([t]).profiles()["web:GET /"]
    >>> p.traces, p.rpcs.max, p.critical_path.path
    (1, 1, ('web:GET /', 'web:query'))
    """
    acc = RpcAccumulator(min_calls)
    for spans in traces:
        acc.add(spans)
    return acc


# -- roots under flows ----------------------------------------------------------------

_NAME_BAD = re.compile(r"[^A-Za-z0-9._\-:/@]")
_OP_BAD = re.compile(r"[^A-Za-z0-9._\-/@]+")


def _manifest_names(root: str) -> set[str]:
    """The names a manifest may give the root operation ``S:O``: as it is, and as
    ``discover`` writes it (invalid characters replaced, braces dropped)."""
    service, _, op = root.partition(":")
    svc = re.sub(r"^[^A-Za-z0-9]+", "", _NAME_BAD.sub("-", service.strip()))[:253]
    clean = _OP_BAD.sub("-", op.strip().replace("{", "").replace("}", "")).strip("-")
    clean = re.sub(r"^[^A-Za-z0-9]+", "", clean)[:120]
    return {root, f"{svc}:{op}", f"{svc}:{clean}"}


def flow_roots(manifest, roots: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Which root operations each flow of ``manifest`` requires (spec §14): a root
    ``S:O`` belongs to the flows whose first item (the entry point, as ``discover``
    writes flows) names that operation; a root that no flow enters belongs to every
    flow with an item naming it. An item names ``S:O`` as ``S:O`` itself, as
    ``discover`` writes it, or as a declared operation whose description is ``O``
    (``discover`` keeps the original name there when it had to change it). Flows
    that require none of ``roots`` are left out.

    >>> from pruner.loader import load_sources
    >>> m = load_sources([("m.yaml", "services: {web: {operations: {GET-/home: }}}\\n"
    ...                    "flows: {home: {requires: [web:GET-/home]}}")]).manifest
    >>> flow_roots(m, ["web:GET /home", "web:GET /other"])
    {'home': ('web:GET /home',)}
    """
    described: dict[str, set[str]] = defaultdict(set)  # "S:description" -> operations
    for name, op in manifest.operations.items():
        if op.description and op.operation_of:
            described[f"{op.operation_of}:{op.description}"].add(name)
    names_of: dict[str, set[str]] = {}
    for root in roots:
        names = _manifest_names(root)
        for n in list(names):
            names.update(described.get(n, ()))
        names_of[root] = names
    # A root that a flow enters (its first item names it, as discover writes flows)
    # belongs to those flows only, not to every flow whose requests call it.
    entered: dict[str, set[str]] = defaultdict(set)
    named: dict[str, set[str]] = defaultdict(set)
    for flow_name, flow in manifest.flows.items():
        entry = set(flow.requires[0].members) if flow.requires else set()
        members = {m for item in flow.requires for m in item.members}
        for r, names in names_of.items():
            if names & entry:
                entered[r].add(flow_name)
            elif names & members:
                named[r].add(flow_name)
    found: dict[str, list[str]] = defaultdict(list)
    for r in names_of:
        for flow_name in entered.get(r) or named.get(r, ()):
            found[flow_name].append(r)
    return {f: tuple(sorted(found[f])) for f in sorted(found)}
