"""Throughput and memory of `pruner discover` on a generated OTLP/JSON file.

    python benchmarks/bench_discover.py [--size-mb 1024] [--quick] [--floors]

Writes an NDJSON file of OTLP export requests shaped like a Collector's file exporter
output: each line is one batch of one service's spans, and the spans of one request
are spread over many lines (concurrent requests interleave). 40 services, 12 entry
points, requests of 6-40 spans with optional calls and a database peer. Then runs
`pruner discover` on it in a fresh process and reports spans per second, the ratio to
the cost of only decoding the JSON lines (`json.loads` of every line, the least any
reader must do), and the peak RSS of both (from `getrusage` of the child). ``--floors``
adds what any Python reader must spend on the same file (see ``_floors``): the compiled
decoding alone, decoding plus grouping the spans by trace, and loading back the manifest
discover wrote.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from measure import measured

SERVICES = [f"svc-{i:02d}" for i in range(40)]
ENTRIES = [("gateway", f"GET /api/route-{i}") for i in range(12)]


def _request(rng: random.Random, trace: int):
    """The spans of one request: (service, span dict)."""
    tid = f"{trace:032x}"
    counter = [0]

    def sid():
        counter[0] += 1
        return f"{trace % (1 << 40):010x}{counter[0]:06x}"

    entry = rng.choice(ENTRIES)
    root = sid()
    out = [(entry[0], _span(tid, root, "", entry[1], 2, 0))]
    frontier = [(root, entry[0], 0)]
    t = 1
    while frontier and len(out) < rng.randint(6, 40):
        parent, service, depth = frontier.pop(0)
        for _ in range(rng.randint(1, 3)):
            callee = SERVICES[min(len(SERVICES) - 1, int(rng.paretovariate(1.2)) - 1 + depth * 3)]
            client, server = sid(), sid()
            out.append((service, _span(tid, client, parent, f"call {callee}", 3, t)))
            out.append((callee, _span(tid, server, client, f"op-{rng.randint(0, 4)}", 2, t + 1)))
            t += 2
            if rng.random() < 0.3:
                db = sid()
                out.append((callee, _span(tid, db, server, "SELECT", 3, t,
                                          [("db.system", "postgresql"),
                                           ("peer.service", f"{callee}-db")])))
            if depth < 4:
                frontier.append((server, callee, depth + 1))
    return out


def _span(tid, sid, parent, name, kind, t, attrs=()):
    s = {"traceId": tid, "spanId": sid, "parentSpanId": parent, "name": name, "kind": kind,
         "startTimeUnixNano": str(1_700_000_000_000_000_000 + t * 1000),
         "endTimeUnixNano": str(1_700_000_000_000_000_000 + t * 1000 + 500), "status": {}}
    if attrs:
        s["attributes"] = [{"key": k, "value": {"stringValue": v}} for k, v in attrs]
    return s


def generate(path: Path, size: int, seed: int = 1) -> int:
    """Write about ``size`` bytes of OTLP NDJSON to ``path``; return the number of spans."""
    rng = random.Random(seed)
    pending: dict[str, list] = {}
    spans = written = trace = 0
    with path.open("w") as fh:
        while written < size:
            for service, span in _request(rng, trace):
                pending.setdefault(service, []).append(span)
                spans += 1
            trace += 1
            for service in [s for s, batch in pending.items() if len(batch) >= 200]:
                line = json.dumps({"resourceSpans": [{
                    "resource": {"attributes": [{"key": "service.name",
                                                 "value": {"stringValue": service}}]},
                    "scopeSpans": [{"spans": pending.pop(service)}]}]}) + "\n"
                fh.write(line)
                written += len(line)
        for service, batch in sorted(pending.items()):
            fh.write(json.dumps({"resourceSpans": [{
                "resource": {"attributes": [{"key": "service.name",
                                             "value": {"stringValue": service}}]},
                "scopeSpans": [{"spans": batch}]}]}) + "\n")
    return spans


def _child(code: str, *args: object) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of ``python -c code args...`` in a fresh process
    (measure.py: its own peak, not this script's)."""
    run = measured([sys.executable, "-c", code, *map(str, args)])
    if run.code != 0:
        raise SystemExit(f"child failed ({run.code})")
    return run.seconds, run.peak_kib


# The least per-span Python a reader that assembles traces can do: one dict append per span
# after the compiled decoder (pruner's own, as it decodes an exporter's line).
_GROUP = """
import gc, sys
from pruner.cli import GC_THRESHOLDS
gc.set_threshold(*GC_THRESHOLDS)
from pruner.importers._otlp_fast import decode
traces = {}
group = traces.setdefault
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        for rs in decode(line).resourceSpans:
            for scope in rs.scopeSpans:
                for span in scope.spans:
                    group(span.traceId, []).append(span)
"""
_DECODE = """
import gc, sys
from pruner.cli import GC_THRESHOLDS
gc.set_threshold(*GC_THRESHOLDS)
from pruner.importers._otlp_fast import decode
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        decode(line)
"""
# The floor of discover's self-check (what it writes must load): the written manifest
# loaded by libyaml with the collector paused, as bench.py defines the floor.
_LOAD_NO_GC = """
import gc, sys, yaml
text = open(sys.argv[1], encoding="utf-8").read()
gc.disable()
yaml.load(text, Loader=yaml.CSafeLoader)
"""


def _floors(path: Path, written: Path, decode: float) -> None:
    """What any Python reader must spend on this file, each a fresh process: the compiled
    decoding alone, decoding plus grouping the spans by trace (no tree walked, nothing
    counted), starting Python, and loading the manifest discover wrote. Their sum (start
    counted once) is a lower bound for a Python ``discover`` that walks nothing and
    checks what it writes."""
    start, _ = _child("pass")
    runs = {"msgspec decoding of every line (pruner's decoder)": _child(_DECODE, path)[0],
            "decoding + grouping the spans by trace": _child(_GROUP, path)[0],
            "loading the written manifest (libyaml, GC paused)": _child(_LOAD_NO_GC, written)[0]}
    for label, seconds in runs.items():
        print(f"  {label}: {seconds:.2f} s = {seconds / decode:.2f}x json.loads")
    print(f"  python start: {start:.2f} s")
    bound = runs["decoding + grouping the spans by trace"] + \
        runs["loading the written manifest (libyaml, GC paused)"] - start
    print(f"  lower bound without any walk: {bound:.2f} s = {bound / decode:.2f}x json.loads")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--quick", action="store_true", help="50 MB instead")
    parser.add_argument("--floors", action="store_true",
                        help="also the least any Python reader must do (see _floors)")
    args = parser.parse_args()
    size = (50 if args.quick else args.size_mb) << 20
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "spans.ndjson")
        started = time.perf_counter()
        spans = generate(path, size)
        made = time.perf_counter() - started
        mb = path.stat().st_size / (1 << 20)
        print(f"generated {mb:,.0f} MiB, {spans:,} spans in {made:.0f} s")
        # Baseline first: getrusage of children keeps the largest peak seen so far.
        decode, decode_rss = _child(
            f"import json\nfor line in open({str(path)!r}): json.loads(line)")
        out = Path(tmp, "found.yaml")
        run, run_rss = _child(
            "import sys; from pruner.cli import main; sys.argv = ['pruner', 'discover', "
            f"{str(path)!r}, '-o', {str(out)!r}]\ntry: main()\nexcept SystemExit as e: "
            "assert e.code in (0, None), e.code")
        flows = out.read_text().count("x-traces:")
        print(f"json.loads of every line: {decode:.1f} s, peak RSS {decode_rss / 1024:.0f} MiB")
        print(f"pruner discover: {run:.1f} s ({spans / run:,.0f} spans/s, {mb / run:.1f} MiB/s, "
              f"{run / decode:.2f}x the decode cost), peak RSS {run_rss / 1024:.0f} MiB, "
              f"{flows} flows proposed")
        if args.floors:
            _floors(path, out, decode)


if __name__ == "__main__":
    main()
