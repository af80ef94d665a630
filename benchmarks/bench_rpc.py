"""Time and memory of `pruner rpc` on a million spans, as ratios to decoding them.

    python benchmarks/bench_rpc.py [--spans 1000000] [--quick]

Writes OTLP/JSON NDJSON shaped like a Collector's file exporter output (the generator of
``bench_discover.py``: 40 services, 12 entry points, requests of 6-40 spans with client and
server spans and database peers, each line one batch of one service's spans, requests
interleaved), plus one request in 50 that hydrates 20-60 items one call at a time (a
batching candidate). Then, each in a fresh process, in one run:

1. ``json.loads`` of every line: the least any reader must do;
2. the OTLP reader alone (every span decoded into a ``Span``, nothing else);
3. the reader and the trace assembly (``pruner.importers.traces.source_traces``);
4. ``pruner rpc FILE --format json``.

It prints seconds, spans per second, each as a ratio to (1) and (2), and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_discover import _request, _span  # noqa: E402


def _hydrate(rng: random.Random, trace: int):
    """One request that calls a store once per item, one call after the other."""
    tid = f"{trace:032x}"
    root = f"{trace % (1 << 40):010x}{0:06x}"
    out = [("gateway", _span(tid, root, "", "GET /api/timeline", 2, 0))]
    t = 1
    for i in range(rng.randint(20, 60)):
        out.append(("item-store", _span(tid, f"{trace % (1 << 40):010x}{i + 1:06x}", root,
                                        "getItem", 2, t)))
        t += 1
    return out


def generate(path: Path, spans_wanted: int, seed: int = 1) -> int:
    """Write about ``spans_wanted`` spans of OTLP NDJSON to ``path``; return the count."""
    rng = random.Random(seed)
    pending: dict[str, list] = {}
    spans = trace = 0

    def line(service, batch):
        return json.dumps({"resourceSpans": [{
            "resource": {"attributes": [{"key": "service.name",
                                         "value": {"stringValue": service}}]},
            "scopeSpans": [{"spans": batch}]}]}) + "\n"

    with path.open("w") as fh:
        while spans < spans_wanted:
            request = _hydrate(rng, trace) if trace % 50 == 0 else _request(rng, trace)
            for service, span in request:
                pending.setdefault(service, []).append(span)
                spans += 1
            trace += 1
            for service in [s for s, batch in pending.items() if len(batch) >= 200]:
                fh.write(line(service, pending.pop(service)))
        for service, batch in sorted(pending.items()):
            fh.write(line(service, batch))
    return spans


def _child(code: str) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of ``code`` run in a fresh interpreter."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    assert status == 0, f"child failed: {status}"
    return elapsed, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 spans instead")
    args = parser.parse_args()
    wanted = 100_000 if args.quick else args.spans
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "spans.ndjson")
        started = time.perf_counter()
        spans = generate(path, wanted)
        mb = path.stat().st_size / (1 << 20)
        print(f"generated {mb:,.0f} MiB, {spans:,} spans in {time.perf_counter() - started:.0f} s")
        f = repr(str(path))
        runs = {
            "json.loads of every line": f"import json\nfor line in open({f}): json.loads(line)",
            "OTLP reader (spans decoded)": (
                "from pathlib import Path\nfrom pruner.importers._io import SourceFile\n"
                "from pruner.importers.otlp import otlp_spans\n"
                f"for s in otlp_spans(SourceFile(Path({f}), 'x', True)): pass"),
            "reader + trace assembly": (
                "from pruner.importers.traces import source_traces\n"
                f"for _ in source_traces([{f}]): pass"),
            "pruner rpc --format json": (
                "import sys; from pruner.cli import main\n"
                f"sys.argv = ['pruner', 'rpc', {f}, '--format', 'json', '-o', '/dev/null']\n"
                "try: main()\nexcept SystemExit as e: assert e.code in (0, None), e.code"),
        }
        results = {name: _child(code) for name, code in runs.items()}
        loads = results["json.loads of every line"][0]
        reader = results["OTLP reader (spans decoded)"][0]
        print(f"{'':30} {'seconds':>8} {'spans/s':>10} {'x loads':>8} {'x reader':>9} "
              f"{'peak RSS':>9}")
        for name, (secs, rss) in results.items():
            print(f"{name:30} {secs:8.1f} {spans / secs:10,.0f} {secs / loads:8.2f} "
                  f"{secs / reader:9.2f} {rss / 1024:7.0f} MiB")


if __name__ == "__main__":
    main()
