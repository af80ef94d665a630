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

It prints seconds, spans per second, each as a ratio to (1) and (2), and peak RSS. Every
child runs with the CLI's garbage-collector threshold, so the ratios compare work, not
collector settings.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_discover import _request, _span  # noqa: E402
from measure import measured  # noqa: E402


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


def generate_giant(path: Path, spans_wanted: int) -> int:
    """One trace of ``spans_wanted`` spans: a root calling a store once per item, one call
    after the other, every tenth call also nesting a chain of ten (Zipkin v2, one span a
    line)."""
    with path.open("w") as fh:
        fh.write(json.dumps({"traceId": "1", "id": "r", "name": "GET /giant", "kind": "SERVER",
                             "timestamp": 1, "duration": 10 * spans_wanted,
                             "localEndpoint": {"serviceName": "gateway"}}) + "\n")
        for i in range(1, spans_wanted):
            parent = "r" if i % 10 == 1 else f"s{i - 1}"
            fh.write(json.dumps({"traceId": "1", "id": f"s{i}", "parentId": parent,
                                 "name": "getItem", "kind": "SERVER", "timestamp": 2 + 5 * i,
                                 "duration": 4, "localEndpoint": {
                                     "serviceName": f"store-{i % 10}"}}) + "\n")
    return spans_wanted


def _child(code: str) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of ``python -c code`` in a fresh process
    (measure.py: its own peak, not this script's)."""
    run = measured([sys.executable, "-c", code])
    if run.code != 0:
        raise SystemExit(f"child failed ({run.code})")
    return run.seconds, run.peak_kib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 spans instead")
    parser.add_argument("--giant", action="store_true",
                        help="one trace of --spans spans: with the default --window (left out, "
                             "with a warning) and with --window large enough to read it")
    args = parser.parse_args()
    wanted = 100_000 if args.quick else args.spans
    if args.giant:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "giant.json")
            generate_giant(path, wanted)
            print(f"one trace of {wanted:,} spans, {path.stat().st_size / (1 << 20):,.0f} MiB")
            f = repr(str(path))
            for window in (None, wanted):
                extra = f", '--window', '{window}'" if window else ""
                secs, rss = _child(
                    "import sys; from pruner.cli import main\n"
                    f"sys.argv = ['pruner', 'rpc', {f}, '--format', 'json', '-o', '/dev/null'"
                    f"{extra}]\ntry: main()\nexcept SystemExit as e: assert e.code in "
                    "(0, 2, None), e.code")
                print(f"pruner rpc --window {window or 'default'}: {secs:.1f} s, peak RSS "
                      f"{rss / 1024:.0f} MiB")
        return
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
        # Every child collects cyclic garbage as rarely as the CLI does (pruner.cli sets
        # this threshold): held spans would otherwise be rescanned by every collection.
        gc = "import gc; gc.set_threshold(50_000, 20, 100)\n"
        results = {name: _child(gc + code) for name, code in runs.items()}
        inline = _alternating(path)
        loads = results["json.loads of every line"][0]
        reader = results["OTLP reader (spans decoded)"][0]
        print(f"{'':30} {'seconds':>8} {'spans/s':>10} {'x loads':>8} {'x reader':>9} "
              f"{'peak RSS':>9}")
        for name, (secs, rss) in results.items():
            print(f"{name:30} {secs:8.1f} {spans / secs:10,.0f} {secs / loads:8.2f} "
                  f"{secs / reader:9.2f} {rss / 1024:7.0f} MiB")
        print("one process, reader and reader + assembly + analysis alternating twice "
              "(less exposed to a loaded machine than separate processes):")
        for k, (read, whole) in enumerate(inline, 1):
            print(f"  round {k}: reader {read:.1f} s, rpc (reader, assembly, analysis) "
                  f"{whole:.1f} s = {whole / read:.2f}x the reader")


def _alternating(path: Path) -> list[tuple[float, float]]:
    """Seconds of the OTLP reader alone and of the whole rpc pipeline (reader, assembly,
    analysis; no rendering), alternated twice in this process."""
    import gc

    from pruner.analysis.rpc import RpcAccumulator
    from pruner.importers._io import SourceFile
    from pruner.importers.otlp import otlp_spans
    from pruner.importers.traces import source_traces

    gc.set_threshold(50_000, 20, 100)
    rounds = []
    for _ in range(2):
        started = time.perf_counter()
        for _read in otlp_spans(SourceFile(path, "x", True)):
            pass
        read = time.perf_counter() - started
        started = time.perf_counter()
        acc = RpcAccumulator()
        for where, trace in source_traces([str(path)]):
            acc.add(trace, where)
        acc.profiles()
        rounds.append((read, time.perf_counter() - started))
    return rounds


if __name__ == "__main__":
    main()
