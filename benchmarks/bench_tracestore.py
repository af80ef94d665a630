"""`pruner discover` on a trace store (chdb, in process) against a bare `SELECT count()`
over the same table and against the file reader on the same spans as OTLP NDJSON.

    python benchmarks/bench_tracestore.py [--spans 500000] [--scale 20000000] [--quick]

1. Generates ``--spans`` spans with the request generator of bench_discover.py (12 entry
   points, 40 services, requests of 6-40 spans, database peers), writes them once as
   OTLP/JSON NDJSON and once into the exporter's ``otel_traces`` table in a temporary
   chdb directory (the DDL of tests/assets/tracestore/otel_traces.sql).
2. Runs, each in a fresh process (wall time, peak RSS of the child): ``pruner discover``
   on the NDJSON file, ``pruner discover chdb:DIR``, and ``SELECT count()`` on the table;
   checks that both discovers wrote the same manifest.
3. Grows the table by copying it under new trace ids (doubling, then topping up to
   ``--scale`` spans) and measures ``discover chdb:`` and ``count()`` at each size: the
   scaling. (The file reader is not run at those sizes: it is linear, see
   bench_discover.py.)
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_discover import _request  # noqa: E402 (the same request generator)
from measure import measured  # noqa: E402

DDL = HERE.parent / "tests" / "assets" / "tracestore" / "otel_traces.sql"
_KIND = {2: "Server", 3: "Client", 4: "Producer", 5: "Consumer"}


def generate(tmp: Path, spans: int, seed: int = 1) -> int:
    """Write ``spans.ndjson`` (OTLP) and ``rows.jsonl`` (the exporter's columns)."""
    rng = random.Random(seed)
    n = trace = 0
    with (tmp / "spans.ndjson").open("w") as otlp, (tmp / "rows.jsonl").open("w") as rows:
        while n < spans:
            by_service: dict[str, list] = {}
            for service, span in _request(rng, trace):
                by_service.setdefault(service, []).append(span)
                attrs = {a["key"]: a["value"]["stringValue"] for a in span.get("attributes", ())}
                rows.write(json.dumps({
                    "ts": int(span["startTimeUnixNano"]), "TraceId": span["traceId"],
                    "SpanId": span["spanId"], "ParentSpanId": span["parentSpanId"],
                    "SpanName": span["name"], "SpanKind": _KIND.get(span["kind"], "Internal"),
                    "ServiceName": service, "SpanAttributes": attrs,
                    "Duration": int(span["endTimeUnixNano"]) - int(span["startTimeUnixNano"]),
                    "StatusCode": "Unset"}) + "\n")
                n += 1
            for service, batch in sorted(by_service.items()):
                otlp.write(json.dumps({"resourceSpans": [{
                    "resource": {"attributes": [{"key": "service.name",
                                                 "value": {"stringValue": service}}]},
                    "scopeSpans": [{"spans": batch}]}]}) + "\n")
            trace += 1
    return n


def _sql(db: Path, *statements: str) -> None:
    code = ("from chdb import session\nimport sys, json\ns = session.Session(sys.argv[1])\n"
            "for q in json.loads(sys.argv[2]): s.query(q)\ns.close()")
    subprocess.run([sys.executable, "-c", code, str(db), json.dumps(list(statements))],
                   check=True)


def load(tmp: Path) -> None:
    _sql(tmp / "db", DDL.read_text().replace("{db}", "default").replace("{table}",
                                                                         "otel_traces"),
         "INSERT INTO default.otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, "
         "SpanKind, ServiceName, SpanAttributes, Duration, StatusCode) SELECT "
         "fromUnixTimestamp64Nano(ts), TraceId, SpanId, ParentSpanId, SpanName, SpanKind, "
         "ServiceName, SpanAttributes, Duration, StatusCode FROM file('" + str(tmp / "rows.jsonl")
         + "', JSONEachRow, 'ts Int64, TraceId String, SpanId String, ParentSpanId String, "
         "SpanName String, SpanKind String, ServiceName String, SpanAttributes Map(String, "
         "String), Duration UInt64, StatusCode String')")


def grow(tmp: Path, copy: int, limit: int | None = None) -> None:
    """Append a copy of the first rows under new trace ids (suffix ``copy``)."""
    cols = ("Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, "
            "ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, "
            "StatusCode, StatusMessage")
    select = cols.replace("TraceId", f"concat(TraceId, '-{copy}') AS TraceId", 1)
    src = "default.otel_traces" if limit is None else \
        f"(SELECT * FROM default.otel_traces ORDER BY TraceId LIMIT {int(limit)})"
    _sql(tmp / "db", f"INSERT INTO default.otel_traces ({cols}) SELECT {select} FROM {src}")


def child(code: str, env: dict | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of ``python -c code`` in a fresh process
    (measure.py: its own peak, not this script's)."""
    with tempfile.TemporaryFile() as stderr:
        run = measured([sys.executable, "-c", code], env=env, stderr=stderr)
        if run.code != 0:
            stderr.seek(0)
            raise SystemExit(f"child failed: {stderr.read().decode()[-2000:]}")
    return run.seconds, run.peak_kib


def discover(source: str, out: Path) -> tuple[float, int]:
    return child("import sys; from pruner.cli import main; sys.argv = ['pruner', 'discover', "
                 f"{source!r}, '-o', {str(out)!r}, '--force']\ntry: main()\n"
                 "except SystemExit as e: assert e.code in (0, None), e.code")


def count(db: Path) -> tuple[float, int]:
    return child(f"from chdb import session\ns = session.Session({str(db)!r})\n"
                 "print(s.query('SELECT count() FROM default.otel_traces'))\ns.close()")


def rows(db: Path) -> int:
    out = subprocess.run([sys.executable, "-c", f"from chdb import session\ns = session.Session("
                          f"{str(db)!r})\nprint(s.query('SELECT count() FROM default.otel_traces'"
                          ", 'CSV'))\ns.close()"], check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


def sent_back(db: Path) -> tuple[int, int, int]:
    """What the shapes query sends back: (rows, bytes as JSONCompactEachRow, roots)."""
    code = (
        "import sys, json\n"
        "from pruner.importers import clickhouse_sql as q, tracestore as ts\n"
        "from pruner.analysis.discover import Discovery, add_trace\n"
        f"store = ts.open_store(['chdb:{db}'])\n"
        "rows = store.rows(q.shapes_query(store.source, store.schema()))\n"
        "d = Discovery()\n"
        "for shape, n, first, last in rows: add_trace(d, ts.shape_spans(shape), n)\n"
        "print(len(rows), sum(len(json.dumps(r, separators=(',', ':'))) + 1 for r in rows), "
        "len(d.roots))\n"
        "store.close()")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True)
    shapes, size, roots = (int(x) for x in out.stdout.split())
    return shapes, size, roots


def body(path: Path) -> str:
    return "\n".join(ln for ln in path.read_text().splitlines() if not ln.startswith("#"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=500_000)
    parser.add_argument("--scale", type=int, default=20_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 spans, scaled to 400,000")
    args = parser.parse_args()
    spans, scale = (50_000, 400_000) if args.quick else (args.spans, args.scale)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        started = time.perf_counter()
        n = generate(tmp, spans)
        load(tmp)
        mb = (tmp / "spans.ndjson").stat().st_size / (1 << 20)
        print(f"generated {n:,} spans ({mb:,.0f} MiB of OTLP NDJSON) and loaded them into "
              f"chdb in {time.perf_counter() - started:.0f} s")
        f_t, f_rss = discover(str(tmp / "spans.ndjson"), tmp / "a.yaml")
        c_t, c_rss = count(tmp / "db")
        d_t, d_rss = discover(f"chdb:{tmp / 'db'}", tmp / "b.yaml")
        same = body(tmp / "a.yaml") == body(tmp / "b.yaml")
        print(f"{n:>12,} spans  file reader {f_t:6.1f} s {f_rss / 1024:6.0f} MiB | "
              f"discover chdb: {d_t:6.1f} s {d_rss / 1024:6.0f} MiB | count() {c_t:5.1f} s "
              f"{c_rss / 1024:5.0f} MiB | chdb/count {d_t / c_t:4.1f}x, file/chdb "
              f"{f_t / d_t:4.1f}x | same manifest: {same}")
        if not same:
            raise SystemExit("the file reader and the store disagree")
        shapes, size, roots = sent_back(tmp / "db")
        print(f"sent back: {shapes:,} shape rows, {size:,} bytes (JSON) for {roots} root "
              f"operations: {size / roots:,.0f} bytes per root operation, "
              f"{size / shapes:,.0f} per shape")
        copy = 0
        while (total := rows(tmp / "db")) < scale:
            copy += 1
            grow(tmp, copy, None if 2 * total <= scale else scale - total)
            total = rows(tmp / "db")
            c_t, c_rss = count(tmp / "db")
            d_t, d_rss = discover(f"chdb:{tmp / 'db'}", tmp / "b.yaml")
            print(f"{total:>12,} spans  discover chdb: {d_t:6.1f} s {d_rss / 1024:6.0f} MiB | "
                  f"count() {c_t:5.1f} s {c_rss / 1024:5.0f} MiB | chdb/count "
                  f"{d_t / c_t:4.1f}x | {total / d_t:,.0f} spans/s")


if __name__ == "__main__":
    main()
