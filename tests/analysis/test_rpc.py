"""pruner.analysis.rpc (issue 22, spec §14): traces of known shape, and random span
trees against brute-force oracles written straight from the definitions."""

from __future__ import annotations

import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.discover import CLIENT, CONSUMER, INTERNAL, PRODUCER, SERVER, Span
from pruner.analysis.rpc import CUT, MAX_PATH, Quantiles, rpc_profile, trace_shape

MS = 1_000_000


def span(sid, parent, service, op, kind=SERVER, start=0, end=0, peer=None, trace="t"):
    return Span(trace, sid, parent, service, op, kind, start * MS, False, peer, end * MS)


def timeline(n_users=12, n_tweets=30, fanout=15, trace="t"):
    """A mixer calls the user store n_users times one after the other (each 2 ms, the
    last 5 ms), the tweet store n_tweets times (client spans with a server side), and a
    ranker fanout times all at once."""
    spans = [span("r", None, "mixer", "GET /home", start=0, end=1000, trace=trace)]
    t = 1
    for i in range(n_users):
        d = 5 if i == n_users - 1 else 2
        spans.append(span(f"u{i}", "r", "user-store", "getUser", SERVER, t, t + d, trace=trace))
        t += d
    for i in range(n_tweets):
        spans.append(span(f"c{i}", "r", "mixer", "getTweet", CLIENT, t, t + 3, trace=trace))
        spans.append(span(f"s{i}", f"c{i}", "tweet-store", "getTweet", SERVER, t, t + 2,
                          trace=trace))
        t += 3
    for i in range(fanout):
        spans.append(span(f"k{i}", "r", "ranker", "score", SERVER, t, t + 10 + i, trace=trace))
    return spans


def test_rpcs_are_counted_exactly_per_definition():
    s = trace_shape(timeline())
    # 12 server-only calls + 30 client spans (their server sides do not count again) + 15
    assert s.rpcs == 12 + 30 + 15
    assert s.depth == 1
    assert s.callees == {"user-store": 12, "tweet-store": 30, "ranker": 15}


def test_a_sequential_group_saves_sum_minus_longest():
    s = trace_shape(timeline())
    users = [i for i in s.instances if i.callee == "user-store:getUser"][0]
    assert (users.caller, users.calls, users.sequential) == ("mixer:GET /home", 12, True)
    assert users.saved_ns == (11 * 2 + 5 - 5) * MS
    tweets = [i for i in s.instances if i.callee == "tweet-store:getTweet"][0]
    assert (tweets.calls, tweets.sequential, tweets.saved_ns) == (30, True, 29 * 3 * MS)


def test_a_parallel_group_is_called_parallel_and_saves_nothing():
    s = trace_shape(timeline())
    ranker = [i for i in s.instances if i.callee == "ranker:score"][0]
    assert (ranker.calls, ranker.sequential, ranker.saved_ns) == (15, False, 0)


def test_groups_below_min_calls_are_not_listed():
    s = trace_shape(timeline(n_users=9, n_tweets=30, fanout=10))
    assert {i.callee for i in s.instances} == {"tweet-store:getTweet", "ranker:score"}
    assert not trace_shape(timeline(), min_calls=31).instances


def test_the_critical_path_runs_through_the_slowest_chain():
    spans = [span("r", None, "gw", "GET /", start=0, end=100),
             span("a", "r", "fast", "a", start=1, end=40),  # finishes earlier
             span("a1", "a", "fast-db", "q", start=2, end=39),
             span("b", "r", "slow", "b", start=1, end=90),
             span("b1", "b", "slow-db", "q", start=2, end=30),
             span("b2", "b", "slow-cache", "get", start=31, end=85)]
    s = trace_shape(spans)
    assert s.path == ("gw:GET /", "slow:b", "slow-cache:get")
    assert s.duration_ns == 100 * MS
    root, slow, cache = s.steps
    assert root.self_ms == 100 - 89  # the root is busy 1..90 (both children)
    assert root.slack_ms == 50  # "fast" ended 50 ms before "slow"
    assert slow.self_ms == 89 - 28 - 54 and slow.slack_ms == 55
    assert cache.self_ms == 54 and cache.slack_ms is None


def test_profiles_aggregate_per_root_and_group():
    traces = [timeline(trace=f"t{k}", n_users=10 + k) for k in range(5)]
    p = rpc_profile(traces).profiles()["mixer:GET /home"]
    assert p.traces == 5
    counts = sorted(10 + k + 30 + 15 for k in range(5))
    assert (p.rpcs.p50, p.rpcs.p99, p.rpcs.max) == (counts[2], counts[4], counts[4])
    users = [g for g in p.groups if g.callee == "user-store:getUser"][0]
    assert (users.calls, users.traces, users.sequential) == (14, 5, True)
    # each instance saves (n - 1) * 2 ms: the median of n = 10..14
    assert users.saved_ms == statistics.median((n - 1) * 2 for n in range(10, 15))
    assert [g.saved_ms for g in p.groups] == sorted((g.saved_ms for g in p.groups), reverse=True)
    assert p.critical_path.path == ("mixer:GET /home", "ranker:score")  # the last to end
    assert p.critical_path.traces == 5 and p.critical_path.duration_ms_p50 == 1000


def test_quantiles_round_beyond_the_exact_limit_whatever_the_order(monkeypatch):
    import pruner.analysis.rpc as rpc

    monkeypatch.setattr(rpc, "EXACT_VALUES", 50)
    values = [1.0 + i / 7 for i in range(200)]
    a, b = Quantiles(), Quantiles()
    for v in values:
        a.add(v)
    for v in reversed(values):
        b.add(v)
    assert a.rounded and a.counts == b.counts and a.n == 200
    assert abs(a.percentile(50) - sorted(values)[99]) / sorted(values)[99] < 1e-3


# -- bad input: never an exception, a problem line naming the trace and a span -------

def test_cycles_of_parent_ids_are_left_out_with_a_problem():
    spans = [span("r", None, "a", "x", end=5), span("b", "r", "b", "y", end=4),
             span("c1", "c2", "c", "z"), span("c2", "c1", "c", "z")]
    s = trace_shape(spans)
    assert s.rpcs == 1 and any("cycle of parent ids" in p and "span c1" in p
                               for p in s.problems)
    only_cycle = trace_shape([span("c1", "c2", "c", "z"), span("c2", "c1", "c", "z")])
    assert only_cycle.root == "" and "no root" in only_cycle.problems[0]
    assert rpc_profile([only_cycle_spans()]).traces == 0


def only_cycle_spans():
    return [span("c1", "c2", "c", "z"), span("c2", "c1", "c", "z")]


def test_missing_parents_and_backwards_spans_are_problems():
    spans = [span("r", None, "a", "x", end=10), span("o", "gone", "b", "y", start=1, end=3),
             span("w", "r", "c", "z", start=5, end=2)]
    s = trace_shape(spans)
    assert s.root == "a:x" and s.rpcs == 2  # the orphan server span was called too
    text = " | ".join(s.problems)
    assert "span o names gone" in text and "end before they start (first: span w)" in text


def test_a_span_of_unstated_kind_entering_another_service_is_a_call():
    spans = [span("r", None, "web", "home", INTERNAL, end=10),
             span("a", "r", "users", "get", INTERNAL, 1, 2),
             span("b", "a", "users", "db", INTERNAL, 1, 2)]
    assert trace_shape(spans).rpcs == 1


def test_a_chain_deeper_than_any_stack_is_fine():
    n = 50_000
    spans = [span("0", None, "s0", "op", end=n)]
    spans += [span(str(i), str(i - 1), f"s{i % 2}", "op", start=i, end=n) for i in range(1, n)]
    s = trace_shape(spans)
    assert s.rpcs == n - 1 and s.depth == n - 1
    assert len(s.path) == MAX_PATH + 1 and s.path[-1] == CUT


# -- random span trees against oracles ------------------------------------------------

KINDS = (SERVER, CLIENT, PRODUCER, CONSUMER, INTERNAL)


@st.composite
def trees(draw):
    n = draw(st.integers(1, 40))
    spans = []
    for i in range(n):
        parent = None if i == 0 else str(draw(st.integers(0, i - 1)))
        start = draw(st.integers(0, 50))
        length = draw(st.integers(0, 20))
        spans.append(Span("t", str(i), parent, draw(st.sampled_from("ab")),
                          draw(st.sampled_from(("p", "q"))), draw(st.sampled_from(KINDS)),
                          start, False, None, start + length))
    return spans


def oracle_rpcs(spans):
    by = {s.span_id: s for s in spans}
    n = 0
    for s in spans:
        if s.parent_id is None:
            continue
        p = by[s.parent_id]
        if s.kind in (CLIENT, PRODUCER) or (p.service != s.service
                                            and p.kind not in (CLIENT, PRODUCER)):
            n += 1
    return n


def oracle_groups(spans, min_calls):
    by = {s.span_id: s for s in spans}

    def is_rpc(s):
        if s.parent_id is None:
            return False
        p = by[s.parent_id]
        return s.kind in (CLIENT, PRODUCER) or (p.service != s.service
                                                and p.kind not in (CLIENT, PRODUCER))

    def callee(s):
        if s.kind in (CLIENT, PRODUCER):
            kids = sorted((k for k in spans if k.parent_id == s.span_id and (
                k.service != s.service or k.kind in (SERVER, CONSUMER))),
                key=lambda k: (k.start, k.span_id))
            if kids:
                return f"{kids[0].service}:{kids[0].operation}"
        return f"{s.service}:{s.operation}"

    groups = {}
    for s in spans:
        if is_rpc(s):
            groups.setdefault((s.parent_id, callee(s)), []).append(s)
    out = set()
    for (parent, target), calls in groups.items():
        if len(calls) < min_calls:
            continue
        overlap = any(a.start < b.end and b.start < a.end and a.start != b.start or (
            a.start == b.start and a.end > a.start and b.end > b.start)
            for i, a in enumerate(calls) for b in calls[i + 1:])
        saved = 0 if overlap else sum(c.end - c.start for c in calls) - max(
            c.end - c.start for c in calls)
        p = by[parent]
        out.add((f"{p.service}:{p.operation}", target, len(calls), not overlap, saved))
    return out


def oracle_path(spans):
    kids = {}
    for s in spans:
        kids.setdefault(s.parent_id, []).append(s)
    path, s = [], kids[None][0]
    while True:
        path.append(f"{s.service}:{s.operation}")
        children = kids.get(s.span_id)
        if not children:
            return tuple(path)
        last = max(c.end for c in children)
        s = min((c for c in children if c.end == last),
                key=lambda c: (c.start, c.service, c.operation, c.span_id))


def oracle_depth(spans):
    by = {s.span_id: s for s in spans}
    best = 0
    for s in spans:
        d, cur = 0, s
        while cur.parent_id is not None:
            p = by[cur.parent_id]
            if cur.kind in (CLIENT, PRODUCER) or (
                    p.service != cur.service and p.kind not in (CLIENT, PRODUCER)):
                d += 1
            cur = p
        best = max(best, d)
    return best


@settings(max_examples=150, deadline=None)
@given(trees(), st.integers(2, 4))
def test_random_trees_match_the_oracles(spans, min_calls):
    s = trace_shape(spans, min_calls)
    assert s.rpcs == oracle_rpcs(spans)
    assert s.depth == oracle_depth(spans)
    assert s.path == oracle_path(spans)
    got = {(i.caller, i.callee, i.calls, i.sequential, i.saved_ns) for i in s.instances}
    assert got == oracle_groups(spans, min_calls)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcdefg"), st.one_of(st.none(), st.sampled_from(
    "abcdefgh")), st.sampled_from("xy"), st.sampled_from(KINDS), st.integers(-5, 5),
    st.integers(-5, 5)), max_size=30))
def test_any_parent_ids_never_raise(rows):
    """Cycles, self-parents, repeated ids, missing parents, negative durations: a shape
    or a problem line, never an exception; every span is counted at most once."""
    spans = [Span("t", sid, parent, svc, "op", kind, start, False, None, start + length)
             for sid, parent, svc, kind, start, length in rows]
    s = trace_shape(spans)
    if not spans:
        assert s is None
        return
    assert 0 <= s.rpcs <= len(spans) and s.depth <= s.rpcs
    assert all(p.startswith("trace t: ") for p in s.problems)
    acc = rpc_profile([spans])
    assert acc.traces == (1 if s.root else 0)
