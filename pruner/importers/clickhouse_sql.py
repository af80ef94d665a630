"""Every SQL statement pruner sends to a trace store, in one place (spec §13).

The table is the OpenTelemetry Collector ClickHouse exporter's traces table
(``otel_traces``; its DDL is in ``exporter/clickhouseexporter/example/default_ddl/
traces.sql`` and ``internal/sqltemplates/traces_table.sql`` of
opentelemetry-collector-contrib; a copy, with where it came from, is in
``tests/assets/otel_traces.sql``). The same statements run on a ClickHouse server
(clickhouse-connect, HTTP), in process on a local data directory (chdb), and over
Parquet files with the exporter's columns (``file(PATH, Parquet)``).

Nothing from the user is pasted into SQL: table names travel as ``{name:Identifier}``
parameters (and are checked against :data:`IDENTIFIER` first), time bounds as
``{since:Int64}`` parameters; a Parquet path goes in as a ``{pN:String}`` parameter.

The question :mod:`pruner.analysis.discover` asks needs each trace's tree (who
called whom, in which order, what failed first), so one query per question is:

- :func:`shapes_query` — per trace, its *shape*: the spans with ids replaced by
  their rank in the trace (order kept, so the analysis sorts them the same way),
  start times by their rank, operations routed (``/user/123`` → ``/user/{id}``) —
  then ``GROUP BY`` shape with a count. Requests of one entry point repeat a few
  shapes, so what comes back is about one row per distinct request shape, however
  many billions of spans the table holds; pruner adds each shape once, weighted by
  its count (:func:`pruner.analysis.discover.add_trace`).
- :func:`count_query` — a bare ``count()`` (the benchmark's baseline);
- :func:`traces_query` — the spans of each trace, whole, for callers that want
  real times (``pruner rpc``), streamed in trace order;
- :func:`describe_query` — the schema (``DESCRIBE TABLE``), read first: exporter
  versions differ (``Duration`` Int64 or UInt64, ``SpanKind`` ``Server`` or
  ``SPAN_KIND_SERVER``, Scope columns present or not).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pruner.frozen import record
from pruner.importers.base import BLANKS

__all__ = [
    "IDENTIFIER",
    "UNKNOWN_START",
    "REQUIRED",
    "Schema",
    "SpanSource",
    "count_query",
    "describe_query",
    "kind_sql",
    "route_sql",
    "schema_from_describe",
    "shapes_query",
    "traces_query",
]

#: A database or table name pruner accepts (it still travels as a parameter).
IDENTIFIER = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]{0,127}\Z")

#: The columns discovery reads, and the type families each may have.
REQUIRED: dict[str, tuple[str, ...]] = {
    "Timestamp": ("DateTime64", "DateTime", "Int64", "UInt64"),
    "TraceId": ("String", "FixedString"),
    "SpanId": ("String", "FixedString"),
    "ParentSpanId": ("String", "FixedString"),
    "SpanName": ("String",),
    "SpanKind": ("String", "Int", "UInt", "Enum"),
    "ServiceName": ("String",),
    "StatusCode": ("String", "Int", "UInt", "Enum"),
}
#: Read when present: the peer of a client span, and span end times.
OPTIONAL = ("SpanAttributes", "Duration")

#: How span kinds are spelled across exporter versions (and OTLP's numbers).
_KINDS = {
    "server": ("Server", "SPAN_KIND_SERVER", "2"),
    "client": ("Client", "SPAN_KIND_CLIENT", "3"),
    "producer": ("Producer", "SPAN_KIND_PRODUCER", "4"),
    "consumer": ("Consumer", "SPAN_KIND_CONSUMER", "5"),
}
KIND_CODES = {"internal": 0, "server": 1, "client": 2, "producer": 3, "consumer": 4}
_ERRORS = ("Error", "STATUS_CODE_ERROR", "2")
#: The attributes that name the remote side of a client or producer span, in the order
#: :mod:`pruner.importers.otlp` reads them.
PEER_KEYS = ("peer.service", "server.address", "net.peer.name", "db.system",
             "messaging.system")


@record(slots=False)
class SpanSource:
    """Where spans are read from, as SQL: a table (``db``.``table``, both parameters)
    or Parquet files (``file({pN:String}, Parquet)``, unioned)."""

    database: str = "default"
    table: str = "otel_traces"
    parquet: tuple[str, ...] = ()

    def sql(self) -> str:
        """The FROM clause (its values are in :meth:`params`)."""
        if self.parquet:
            parts = [f"file({{p{i}:String}}, 'Parquet')" for i in range(len(self.parquet))]
            if len(parts) == 1:
                return parts[0]
            return "(" + " UNION ALL ".join(f"SELECT * FROM {p}" for p in parts) + ")"
        return "{db:Identifier}.{table:Identifier}"

    def params(self) -> dict[str, str]:
        """The parameters :meth:`sql` refers to."""
        if self.parquet:
            return {f"p{i}": p for i, p in enumerate(self.parquet)}
        for name in (self.database, self.table):
            if not IDENTIFIER.match(name):
                raise ValueError(f"not a ClickHouse identifier: {name!r}")
        return {"db": self.database, "table": self.table}


@record(slots=False)
class Schema:
    """What :func:`schema_from_describe` found: each column's type (all of them)."""

    columns: Mapping[str, str]

    def has(self, column: str) -> bool:
        return column in self.columns

    def family(self, column: str) -> str:
        """The type with wrappers (LowCardinality, Nullable) and arguments taken off."""
        t = self.columns[column]
        for wrapper in ("LowCardinality(", "Nullable("):
            while t.startswith(wrapper):
                t = t[len(wrapper):-1]
        return t.split("(", 1)[0]


def describe_query(source: SpanSource) -> str:
    """``DESCRIBE TABLE`` of the source (name, type, ... per row)."""
    if len(source.parquet) > 1:
        return f"DESCRIBE TABLE {source.sql()}"  # a (SELECT ... UNION ALL ...) subquery
    return f"DESCRIBE TABLE {source.sql()}"


def schema_from_describe(rows: Sequence[Sequence[str]]) -> Schema:
    """The :class:`Schema` of ``DESCRIBE`` rows; ``ValueError`` naming the first missing
    or unusable column.

    >>> s = schema_from_describe([(c, "String") for c in REQUIRED if c != "Timestamp"])
    Traceback (most recent call last):
    ...
    ValueError: no column Timestamp: not an OpenTelemetry traces table (otel_traces)
    """
    columns = {str(r[0]): str(r[1]) for r in rows if r}
    schema = Schema(columns)
    for name, families in REQUIRED.items():
        if name not in columns:
            raise ValueError(f"no column {name}: not an OpenTelemetry traces table "
                             "(otel_traces)")
        family = schema.family(name)
        if not any(family.startswith(f) for f in families):
            raise ValueError(f"column {name} is {columns[name]}, expected one of "
                             f"{', '.join(families)}")
    if "SpanAttributes" in columns and not columns["SpanAttributes"].startswith("Map("):
        raise ValueError(f"column SpanAttributes is {columns['SpanAttributes']}, "
                         "expected a Map")
    return schema


def _text(column: str, schema: Schema) -> str:
    family = schema.family(column)
    if family.startswith(("Int", "UInt", "Enum")):
        return f"toString({column})"
    return f"toString({column})"


def kind_sql(schema: Schema) -> str:
    """A ``UInt8`` expression: the span kind as :data:`KIND_CODES` numbers it."""
    kind = _text("SpanKind", schema)
    arms = []
    for name, spellings in _KINDS.items():
        quoted = ", ".join(f"'{s}'" for s in spellings)
        arms.append(f"{kind} IN ({quoted}), {KIND_CODES[name]}")
    return f"toUInt8(multiIf({', '.join(arms)}, 0))"


def _error_sql(schema: Schema) -> str:
    code = _text("StatusCode", schema)
    return f"toUInt8({code} IN ({', '.join(repr(e) for e in _ERRORS)}))"


def _start_sql(schema: Schema) -> str:
    family = schema.family("Timestamp")
    if family == "DateTime64":
        return "toInt64(toUnixTimestamp64Nano(Timestamp))"
    if family == "DateTime":
        return "toInt64(toUnixTimestamp(Timestamp)) * 1000000000"
    return "toInt64(Timestamp)"


#: The ASCII part of what the file readers trim from a name (importers.base.BLANKS): a
#: vertical tab or form feed is a control they keep (shown as its code point), so it stays.
_WS = "' \\t\\n\\r'"
#: All of BLANKS as an RE2 class, in a ClickHouse string literal (RE2 reads UTF-8).
_BLANK_CLASS = "[" + "".join(f"\\\\x{{{ord(c):x}}}" for c in BLANKS) + "]"


def _strip(expr: str) -> str:
    """SQL trimming ``expr`` as :func:`pruner.importers.base.trim` does. ``trim`` works on
    bytes, so the ASCII blanks go first; the rest (a no-break space, U+3000 ...) only where
    a byte past ASCII starts or ends the name, by a UTF-8 regular expression. A name of
    only such blanks is then empty, hence ``unknown_service``, as from a file (it was a
    name of its own, that pruner's name rule later emptied: the span vanished)."""
    ascii_trimmed = f"trim(BOTH {_WS} FROM {expr})"
    return (f"if(substring({ascii_trimmed}, 1, 1) >= '\\x80' "
            f"OR substring({ascii_trimmed}, -1) >= '\\x80', "
            f"replaceRegexpAll({ascii_trimmed}, '^{_BLANK_CLASS}+|{_BLANK_CLASS}+$', ''), "
            f"{ascii_trimmed})")


def _peer_sql(schema: Schema) -> str:
    if not schema.has("SpanAttributes"):
        return "''"
    arms = []
    for key in PEER_KEYS:
        value = _strip(f"SpanAttributes['{key}']")
        arms.append(f"{value} != '', {value}")
    return f"if(kind IN (2, 3), multiIf({', '.join(arms)}, ''), '')"


def route_sql(expr: str) -> str:
    """SQL for :func:`pruner.analysis.discover.route` of ``expr`` (ASCII digits only;
    pruner routes again in Python, so a Unicode digit the SQL keeps is still caught).
    """
    segment = ("p != '' AND (match(p, '^[0-9]+$') OR (match(p, '^[0-9a-fA-F-]{8,}$') "
               "AND match(p, '[0-9]')) OR (match(p, '^[A-Za-z0-9_-]{16,}$') "
               "AND match(p, '[0-9]')))")
    parts = f"splitByChar('/', splitByChar('?', {expr})[1])"
    routed = (f"arrayStringConcat(arrayMap((p, i) -> if(i > 1 AND {segment}, '{{id}}', p), "
              f"{parts}, arrayEnumerate({parts})), '/')")
    return f"if(position({expr}, '/') = 0, {expr}, {routed})"


def _where(since: int | None, until: int | None, schema: Schema) -> tuple[str, dict]:
    conds, params = ["TraceId != ''", "SpanId != ''"], {}
    start = _start_sql(schema)
    if since is not None:
        conds.append(f"{start} >= {{since:Int64}}")
        params["since"] = since
    if until is not None:
        conds.append(f"{start} < {{until:Int64}}")
        params["until"] = until
    return " AND ".join(conds), params


def _span_columns(schema: Schema) -> str:
    service = _strip("toString(ServiceName)")
    return (f"toString(TraceId) AS trace, toString(SpanId) AS sid, "
            f"toString(ParentSpanId) AS parent, {_start_sql(schema)} AS start, "
            f"if({service} = '', 'unknown_service', {service}) AS service, "
            f"if(toString(SpanName) = '', 'unnamed', toString(SpanName)) AS name, "
            f"{kind_sql(schema)} AS kind, {_error_sql(schema)} AS error, "
            f"{_peer_sql(schema)} AS peer")


#: ``first`` of a start rank that no trace of the shape knew (every start was 0).
UNKNOWN_START = 9223372036854775807


def shapes_query(source: SpanSource, schema: Schema, since: int | None = None,
                 until: int | None = None) -> tuple[str, dict]:
    """The distinct request shapes with their counts: rows ``(shape, n, first, last)``.

    ``shape`` is an array of ``(rank, parent rank or 0, start rank, service,
    operation, kind, error, peer)``, one per span, sorted by rank. Ranks are dense
    and keep the order of the ids (and of the start times) within the trace, so the
    analysis, which only compares them, sees the same trace. ``first[r - 1]`` and
    ``last[r - 1]`` are the earliest and latest real start (Unix ns) at start rank ``r``
    over the shape's traces (the root's tell when the flow was seen); a start of 0 means "not
    known" (as in the file readers): it never makes ``first``, which is :data:`UNKNOWN_START`
    when no trace knew it. Parent ranks are found
    by sorting ids and parent ids together and carrying the last id forward
    (``arrayFill``): O(n log n) in a trace's size, no join.
    """
    where, params = _where(since, until, schema)
    params.update(source.params())
    sql = f"""
SELECT shape, count() AS n,
       minForEach(arrayMap(x -> if(x = 0, toInt64(9223372036854775807), x), starts)) AS first,
       maxForEach(starts) AS last FROM (
  SELECT
    arraySort(groupArray((sid, start, parent, service, {route_sql('name')}, kind, error,
                          peer))) AS a,
    arrayMap(x -> x.1, a) AS ids,
    arrayCumSum(arrayMap((x, y, i) -> toUInt32(i = 1 OR x != y), ids,
                         arrayPushFront(arrayPopBack(ids), ''), arrayEnumerate(ids))) AS rk,
    arrayMap(x -> x.2, a) AS ts,
    arraySort((i, t) -> t, arrayEnumerate(ts), ts) AS by_ts,
    arrayMap(i -> ts[i], by_ts) AS ts_sorted,
    arrayCumSum(arrayMap((x, y, i) -> toUInt32(i = 1 OR x != y), ts_sorted,
                         arrayPushFront(arrayPopBack(ts_sorted), 0),
                         arrayEnumerate(ts_sorted))) AS ts_rank_sorted,
    arraySort((r, i) -> i, ts_rank_sorted, by_ts) AS start_rank,
    arrayDistinct(ts_sorted) AS starts,
    arraySort(arrayConcat(
        arrayMap((id, r) -> (id, 0, r, 0), ids, rk),
        arrayMap((x, i) -> (x.3, 1, 0, i), a, arrayEnumerate(a)))) AS merged,
    arrayFill((v, t) -> t = 0, arrayMap(x -> (x.1, x.3), merged),
              arrayMap(x -> x.2, merged)) AS carried,
    arrayMap(y -> y.2, arraySort(y -> y.1, arrayFilter(y -> y.1 > 0,
        arrayMap((x, c) -> (x.4, if(x.2 = 1 AND x.1 != '' AND c.1 = x.1, c.2, 0)),
                 merged, carried)))) AS parent_rank,
    arrayMap((x, r, p, s) -> (r, p, s, x.4, x.5, x.6, x.7, x.8),
             a, rk, parent_rank, start_rank) AS shape
  FROM (SELECT {_span_columns(schema)} FROM {source.sql()} WHERE {where})
  GROUP BY trace
)
GROUP BY shape
ORDER BY n DESC, shape
"""
    return sql, params


def count_query(source: SpanSource) -> tuple[str, dict]:
    """``SELECT count()`` over the source: how many spans (the baseline of the benchmark)."""
    return f"SELECT count() FROM {source.sql()}", source.params()


def traces_query(source: SpanSource, schema: Schema, since: int | None = None,
                 until: int | None = None) -> tuple[str, dict]:
    """Every span's fields in trace order: rows ``(trace, span id, parent id, start ns,
    end ns, service, operation, kind, error, peer)``, for callers that need real times.
    """
    where, params = _where(since, until, schema)
    params.update(source.params())
    end = "start + toInt64(Duration)" if schema.has("Duration") else "start"
    sql = (f"SELECT trace, sid, parent, start, {end} AS end, service, name, kind, error, peer "
           f"FROM (SELECT {_span_columns(schema)}"
           f"{', Duration' if schema.has('Duration') else ''} FROM {source.sql()} "
           f"WHERE {where}) ORDER BY trace, start, sid")
    return sql, params
