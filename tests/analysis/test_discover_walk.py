"""discover_flows against the walk it replaced: depth first, children in start order,
each run's calls counted as the run ends (pruner 2026-12-07, b26d328). The walk now goes
a level at a time and counts the calls of runs in which no call failed once per
(caller, callee) pair; what it finds must be the same, for any trace: failures and
rescues, peers, producers, shared and repeated ids, cycles, pieces, weights."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis import discover as dsc
from pruner.analysis.discover import (
    CLIENT,
    CONSUMER,
    INTERNAL,
    PRODUCER,
    SERVER,
    Discovery,
    Span,
    add_trace,
    discover_flows,
    span_tree,
)

_ENTERING, _CALLING = (SERVER, CONSUMER), (CLIENT, PRODUCER)


def _reference_add_trace(d: Discovery, spans: list, weight: int = 1) -> None:
    """The walk as it was (b26d328), word for word but for the helpers' names."""
    if not spans:
        return
    _, children, tops, _ = span_tree(spans)
    if not tops:
        return
    d.traces += weight
    d.spans += len(spans) * weight
    if len(tops) > 1:
        tops.sort(key=lambda s: (s.start, s.service, s.operation, s.span_id))
    root = tops[0]
    if root.error:
        dsc._add_failed(d, root, spans, weight)
        return
    used: set = set()
    called: list[list] = []
    max_depth = 0
    runs = d.runs
    stack: list[tuple] = []
    it, up_service, up_error, up_kind, parent_run, parent_depth = (
        iter(tops), None, False, None, None, -1)
    while True:
        for span in it:
            _, span_id, _, service, operation, kind, start, error, peer, _ = span
            if parent_run is None or kind in _ENTERING or service != up_service:
                node = dsc._node(span)
                run = [node, error, None, False]
                depth = parent_depth + 1
                max_depth = max(max_depth, depth)
                runs[node] = runs.get(node, 0) + weight
                used.add(node)
                if parent_run is not None and up_service != service:
                    failed = error or (up_error and up_kind in _CALLING)
                    calls = parent_run[2]
                    if calls is None:
                        calls = parent_run[2] = []
                        called.append(parent_run)
                    calls.append((start, node, failed))
                    if failed:
                        parent_run[3] = True
            else:
                run, depth = parent_run, parent_depth
                if error and kind not in _CALLING:
                    run[1] = True
            kids = children.get(span_id)
            if (peer and kind in _CALLING and peer != service
                    and not (kids and (any(k.service == peer for k in kids) if kind == PRODUCER
                                       else any(k.service != service for k in kids)))):
                target = (peer, None)
                used.add(target)
                calls = run[2]
                if calls is None:
                    calls = run[2] = []
                    called.append(run)
                calls.append((start, target, error))
                if error:
                    run[3] = True
            if kids:
                if len(kids) > 1:
                    kids.sort(key=lambda s: (s.start, s.span_id))
                stack.append((it, up_service, up_error, up_kind, parent_run, parent_depth))
                it, up_service, up_error, up_kind, parent_run, parent_depth = (
                    iter(kids), service, error, kind, run, depth)
                break
        else:
            if not stack:
                break
            it, up_service, up_error, up_kind, parent_run, parent_depth = stack.pop()
    for service, operation in used:
        if operation is None:
            d.operations.setdefault(service, set())
        else:
            d.operations[service].add(operation)
    stats = dsc._root_stats(d, root)
    stats.traces += weight
    stats.max_depth = max(stats.max_depth, max_depth)
    n_calls = sum(len(run[2]) for run in called)
    stats.calls += n_calls * weight
    stats.max_calls = max(stats.max_calls, n_calls)

    def count(counter, keys):
        for key in keys:
            counter[key] += weight

    root_node = dsc._node(root)
    count(d.used[root_node], used)
    count(d.services_used[root_node], {node[0] for node in used})
    repeated: set = set()
    for caller, run_failed, seq, call_failed in called:
        callees = {call[1] for call in seq}
        count(d.calls[caller], callees)
        if len(callees) < len(seq):
            counts = Counter(call[1] for call in seq)
            repeated.update((caller, callee) for callee, n in counts.items() if n > 1)
        if call_failed:
            seq.sort(key=lambda call: (call[0], call[1][0], call[1][1] or ""))
            failed_before: list = []
            clean: set = set()
            rescued: set = set()
            for _start, callee, failed in seq:
                if not failed_before:
                    clean.add(callee)
                elif not run_failed:
                    rescued.update((p, callee) for p in failed_before if p[0] != callee[0])
                if failed and callee not in failed_before:
                    failed_before.append(callee)
            count(d.unrescued[caller], clean)
            count(d.rescued[caller], rescued)
        else:
            count(d.unrescued[caller], callees)
            d.rescued[caller]  # noqa: B018
    if repeated:
        count(stats.repeated, repeated)


def _counts(d: Discovery) -> tuple:
    return ({k: vars(v) for k, v in d.roots.items()}, d.used, d.services_used, d.failed_used,
            d.runs, d.calls, d.rescued, d.unrescued, d.operations, d.traces, d.spans)


@st.composite
def _trace(draw, name: str):
    """A random trace: any parent (cycles, itself, none, one not in the trace), ids
    repeated, every kind, failures (none in half the traces), peers, starts that tie."""
    spans = []
    failures = draw(st.sampled_from([0, 0, 1, 4]))  # one in so many spans fails (0: none)
    for i in range(draw(st.integers(1, 14))):
        parent = draw(st.one_of(st.none(), st.sampled_from([str(k) for k in range(16)])))
        sid = str(draw(st.integers(0, 15))) if draw(st.integers(0, 5)) == 0 else str(i)
        spans.append(Span(name, sid, parent, draw(st.sampled_from(["a", "b", "c", "db"])),
                          draw(st.sampled_from(["op", "GET /u/123", "x"])),
                          draw(st.sampled_from([SERVER, CLIENT, PRODUCER, CONSUMER,
                                                INTERNAL])),
                          draw(st.integers(0, 3)),
                          bool(failures) and draw(st.integers(1, failures)) == 1,
                          draw(st.sampled_from([None, None, "db", "a", "kafka"]))))
    return spans


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_trace("t"), st.integers(1, 3)), min_size=1, max_size=4))
def test_the_walk_finds_what_the_depth_first_walk_found(traces):
    expected, weighted, streamed = Discovery(), Discovery(), Discovery()
    for spans, weight in traces:
        _reference_add_trace(expected, list(spans), weight)
        add_trace(weighted, list(spans), weight=weight)
    assert _counts(weighted) == _counts(expected)
    once = Discovery()
    for spans, _weight in traces:
        _reference_add_trace(once, list(spans))
    discover_flows((list(spans) for spans, _weight in traces), streamed)
    assert _counts(streamed) == _counts(once)
