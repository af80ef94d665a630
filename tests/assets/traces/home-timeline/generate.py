"""Write home-timeline.ndjson: SYNTHETIC traces of a home-timeline request, shaped as the
November 2022 story tells it ("more than a thousand poorly batched RPCs").

Nothing here was captured from Twitter or any real system; service names follow
manifests/twitter/ so the traces read against that model. Each request:

- graphql-api serves ``HomeTimeline`` (the root span) and calls home-mixer
  ``getHomeTimeline`` (a client span and the mixer's server span);
- home-mixer reads the cached timeline once (timeline-service ``getTimeline``), scores
  candidates with 16 calls to heavy-ranker ``score`` that run at the same time, then
  hydrates the page item by item, one call after the other: ``getTweet`` on tweetypie
  for every Tweet (client spans naming ``peer.service``: the store's side is not
  traced) and ``getUser`` on gizmoduck for every author (gizmoduck's server spans: the
  mixer's side is not traced).

Deterministic (seeded): ``python tests/assets/traces/home-timeline/generate.py``
rewrites the file byte for byte.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

TRACES = 4
T0 = 1_700_000_000_000_000_000  # ns
MS = 1_000_000


def _span(trace, sid, parent, name, kind, start, end, attrs=None):
    s = {"traceId": trace, "spanId": sid, "name": name, "kind": kind,
         "startTimeUnixNano": str(start), "endTimeUnixNano": str(end)}
    if parent:
        s["parentSpanId"] = parent
    if attrs:
        s["attributes"] = [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()]
    return s


def request(rng: random.Random, n: int) -> dict:
    trace = f"{n + 1:032x}"
    ids = iter(f"{n + 1:08x}{i:08x}" for i in range(1, 10**6))
    by_service: dict[str, list] = {}

    def add(service, *args, **kw):
        s = _span(trace, next(ids), *args, **kw)
        by_service.setdefault(service, []).append(s)
        return s["spanId"]

    start = T0 + n * 10_000 * MS
    t = start + 2 * MS
    mixer_start = t
    t += 1 * MS
    # the mixer's own spans come first in time; their ids are fixed before children
    root_id = f"{n + 1:08x}{0:08x}"
    call_id = f"{n + 1:08x}{999_998:08x}"
    mixer_id = f"{n + 1:08x}{999_999:08x}"
    tl = rng.randint(6, 10) * MS
    add("timeline-service", mixer_id, "getTimeline", 2, t, t + tl)
    t += tl + MS // 2
    longest = 0
    for _ in range(16):  # candidates scored at the same time
        d = rng.randint(15_000, 30_000) * 1000
        longest = max(longest, d)
        add("heavy-ranker", mixer_id, "score", 2, t, t + d)
    t += longest + MS // 2
    tweets = rng.randint(560, 620)
    for _ in range(tweets):  # hydrated one by one
        d = rng.randint(350, 900) * 1000
        add("home-mixer", mixer_id, "getTweet", 3, t, t + d, {"peer.service": "tweetypie"})
        t += d + rng.randint(10, 40) * 1000
    for _ in range(rng.randint(430, 480)):  # one call per author
        d = rng.randint(250, 700) * 1000
        add("gizmoduck", mixer_id, "getUser", 2, t, t + d)
        t += d + rng.randint(10, 40) * 1000
    t += MS
    by_service.setdefault("home-mixer", []).insert(
        0, _span(trace, mixer_id, call_id, "getHomeTimeline", 2, mixer_start, t))
    by_service.setdefault("graphql-api", []).extend([
        _span(trace, root_id, None, "HomeTimeline", 2, start, t + 2 * MS),
        _span(trace, call_id, root_id, "home-mixer.getHomeTimeline", 3, start + MS, t + MS)])
    return {"resourceSpans": [
        {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": svc}}]},
         "scopeSpans": [{"spans": spans}]} for svc, spans in sorted(by_service.items())]}


def main() -> None:
    rng = random.Random(2022)
    lines = [json.dumps(request(rng, n), separators=(",", ":")) for n in range(TRACES)]
    Path(__file__).with_name("home-timeline.ndjson").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
