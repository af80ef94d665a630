"""Spans written two ways for the trace-store tests: as OTLP/JSON lines, and into the
OpenTelemetry Collector ClickHouse exporter's ``otel_traces`` table in a real chdb
data directory (the exporter's DDL: tests/assets/tracestore/otel_traces.sql)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from pruner.analysis.discover import CLIENT, CONSUMER, PRODUCER, SERVER, Span
from pruner.importers.tracestore import escape_param

DDL = Path(__file__).parent / "assets" / "tracestore" / "otel_traces.sql"
_OTLP_KIND = {SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5}
#: How the current exporter spells kinds and status codes (pdata's String()).
_CH_KIND = {SERVER: "Server", CLIENT: "Client", PRODUCER: "Producer", CONSUMER: "Consumer"}


def hex_id(text: str, size: int) -> str:
    """A stable lower-case hex id of ``size`` bytes for a test's short id."""
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[: 2 * size]


def otlp_lines(traces: list[list[Span]], per_line: int = 3) -> str:
    """OTLP/JSON NDJSON: one export request per line, spans grouped by service."""
    lines = []
    for trace in traces:
        by_service: dict[str, list] = defaultdict(list)
        for s in trace:
            span = {"traceId": hex_id(s.trace_id, 16), "spanId": hex_id(s.span_id, 8),
                    "name": s.operation, "kind": _OTLP_KIND.get(s.kind, 1),
                    "startTimeUnixNano": str(s.start), "endTimeUnixNano": str(s.start + 5)}
            if s.parent_id is not None:
                span["parentSpanId"] = hex_id(s.parent_id, 8)
            if s.error:
                span["status"] = {"code": 2}
            if s.peer:
                span["attributes"] = [{"key": "peer.service",
                                       "value": {"stringValue": s.peer}}]
            by_service[s.service].append(span)
        for service, spans in sorted(by_service.items()):
            for i in range(0, len(spans), per_line):
                lines.append(json.dumps({"resourceSpans": [{
                    "resource": {"attributes": [{"key": "service.name",
                                                 "value": {"stringValue": service}}]},
                    "scopeSpans": [{"scope": {"name": "test"}, "spans": spans[i:i + per_line]}],
                }]}))
    return "\n".join(lines) + "\n"


def span_rows(traces: list[list[Span]], kinds=_CH_KIND, error="Error") -> str:
    """JSONEachRow rows of the exporter's columns (Timestamp as Unix ns)."""
    rows = []
    for trace in traces:
        for s in trace:
            rows.append(json.dumps({
                "ts": s.start, "TraceId": hex_id(s.trace_id, 16),
                "SpanId": hex_id(s.span_id, 8),
                "ParentSpanId": "" if s.parent_id is None else hex_id(s.parent_id, 8),
                "SpanName": s.operation, "SpanKind": kinds.get(s.kind, "Internal"),
                "ServiceName": s.service,
                "SpanAttributes": {"peer.service": s.peer} if s.peer else {},
                "Duration": 5, "StatusCode": error if s.error else "Unset"}))
    return "\n".join(rows)


_COLUMNS = ("ts Int64, TraceId String, SpanId String, ParentSpanId String, SpanName String, "
            "SpanKind String, ServiceName String, SpanAttributes Map(String, String), "
            "Duration UInt64, StatusCode String")


def load_chdb(path: Path, traces: list[list[Span]], table: str = "otel_traces",
              db: str = "default", ddl: str | None = None, **spelling) -> None:
    """Create the exporter's table in the chdb data directory ``path`` and insert the
    spans; the session is closed after (chdb holds one directory per process)."""
    from chdb import session

    path.mkdir(parents=True, exist_ok=True)
    sess = session.Session(str(path))
    try:
        if db != "default":
            sess.query(f"CREATE DATABASE IF NOT EXISTS {db}")
        text = ddl if ddl is not None else DDL.read_text()
        sess.query(text.replace("{db}", db).replace("{table}", table))
        rows = span_rows(traces, **spelling)
        if rows:
            sess.query(
                f"INSERT INTO {db}.{table} (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, "
                "SpanKind, ServiceName, SpanAttributes, Duration, StatusCode) "
                "SELECT fromUnixTimestamp64Nano(ts), TraceId, SpanId, ParentSpanId, SpanName, "
                "SpanKind, ServiceName, SpanAttributes, Duration, StatusCode "
                f"FROM format(JSONEachRow, '{_COLUMNS}', {{data:String}})",
                params={"data": escape_param(rows)})
    finally:
        sess.close()


def export_parquet(path: Path, out: Path, table: str = "otel_traces") -> None:
    """Write the table of the chdb directory ``path`` to a Parquet file ``out``."""
    from chdb import session

    sess = session.Session(str(path))
    try:
        sess.query(f"INSERT INTO FUNCTION file({{out:String}}, 'Parquet') "
                   f"SELECT * FROM default.{table}", params={"out": escape_param(str(out))})
    finally:
        sess.close()
