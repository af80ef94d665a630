"""The SQL pruner sends to trace stores (pruner/importers/clickhouse_sql.py), run on the
real embedded engine: what the SQL computes is what the Python analysis computes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.discover import route
from pruner.importers import clickhouse_sql as q
from pruner.importers.tracestore import escape_param


def _engine(sql: str, params: dict) -> list:
    from chdb import session

    sess = session.Session()
    try:
        out = sess.query(sql, "JSONCompactEachRow",
                         params={k: escape_param(v) for k, v in params.items()})
    finally:
        sess.close()
    return [json.loads(line) for line in out.bytes().splitlines() if line.strip()]


_SEGMENT = st.sampled_from(["123", "user", "0a1b2c3d", "deadbeef", "abcdefab-1234",
                            "tok_ABCDEFGHIJKLMNOP9", "tok_ABCDEFGHIJKLMNOPQ", "", "v1", "42x"])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(
    st.lists(_SEGMENT, max_size=5).map("/".join),
    st.builds(lambda a, b: f"GET {a}?{b}", st.lists(_SEGMENT, max_size=4).map("/".join),
              st.text("ab=1&/", max_size=6)),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20)), min_size=1,
    max_size=20))
def test_route_in_sql_is_route_in_python(names):
    rows = "\n".join(json.dumps({"name": n}) for n in names)
    got = _engine(f"SELECT {q.route_sql('name')} FROM format(JSONEachRow, 'name String', "
                  "{data:String})", {"data": rows})
    assert [r[0] for r in got] == [route(n) for n in names]


def test_describe_rows_of_exporter_versions_are_accepted():
    base = [("Timestamp", "DateTime64(9)"), ("TraceId", "String"), ("SpanId", "String"),
            ("ParentSpanId", "String"), ("SpanName", "LowCardinality(String)"),
            ("SpanKind", "LowCardinality(String)"), ("ServiceName", "LowCardinality(String)"),
            ("StatusCode", "LowCardinality(String)")]
    schema = q.schema_from_describe(base + [("Duration", "Int64")])
    assert schema.family("SpanName") == "String" and not schema.has("SpanAttributes")
    assert "''" in q.shapes_query(q.SpanSource(), schema)[0]  # no attributes: no peers
    with pytest.raises(ValueError, match="column SpanAttributes is String"):
        q.schema_from_describe(base + [("SpanAttributes", "String")])
    with pytest.raises(ValueError, match="column ServiceName is Array"):
        q.schema_from_describe([r if r[0] != "ServiceName" else ("ServiceName", "Array(String)")
                                for r in base])


@pytest.mark.parametrize("name", ["a;b", "a`b", "1abc", "a b", "", "a.b", "x" * 200])
def test_identifiers_never_reach_sql_unchecked(name):
    with pytest.raises(ValueError, match="not a ClickHouse identifier"):
        q.SpanSource("default", name).params()


def test_user_values_travel_as_parameters_only():
    source = q.SpanSource("my_db", "my_table")
    schema = q.schema_from_describe([(c, "String") for c in q.REQUIRED if c != "Timestamp"]
                                    + [("Timestamp", "DateTime64(9)")])
    for sql, params in (q.shapes_query(source, schema, since=5, until=9),
                        q.traces_query(source, schema, since=5), q.count_query(source)):
        assert "my_db" not in sql and "my_table" not in sql and "5" not in sql.split("FROM")[-1]
        assert params["db"] == "my_db" and params["table"] == "my_table"
    parquet = q.SpanSource(parquet=("/x/it's.parquet",))
    sql, params = q.count_query(parquet)
    assert "it's" not in sql and params == {"p0": "/x/it's.parquet"}


def test_a_path_with_a_quote_backslash_and_newline_reads_as_written(tmp_path):
    out = tmp_path / "a'b\\c\nd.parquet"
    _engine("INSERT INTO FUNCTION file({p:String}, 'Parquet') SELECT 1 AS x", {"p": str(out)})
    assert out.exists()
    source = q.SpanSource(parquet=(str(out),))
    assert _engine(*q.count_query(source)) == [[1]]
