"""Trace stores as sources (spec §13): ClickHouse, chdb and Parquet files.

A SOURCE of ``discover``, ``drift`` or ``rpc`` may be

- ``clickhouse://[USER@]HOST[:PORT]/DATABASE[?table=TABLE&secure=1]`` — a ClickHouse
  server, through its HTTP interface (clickhouse-connect; port 8123, 8443 with
  ``secure=1``); the password comes from ``PRUNER_CLICKHOUSE_PASSWORD`` only, never
  from the URL, and is never printed;
- ``chdb:PATH[?table=[DATABASE.]TABLE]`` — the same table in a local ClickHouse data
  directory, run in process by chdb (the embedded ClickHouse engine): no server;
- a ``*.parquet`` file (or a folder of them) holding the exporter's columns, read by
  the same engine in process.

The aggregation runs where the spans are (:mod:`pruner.importers.clickhouse_sql`):
pruner receives one row per distinct request shape and builds the same
:class:`~pruner.analysis.discover.Discovery` as reading the spans from files would.

Every failure (a bad URL, an unreachable server, a table that is not the exporter's,
a missing engine) is a :class:`SourceError`: one line, exit 2, no password in it.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pruner.analysis.discover import (
    CLIENT,
    CONSUMER,
    INTERNAL,
    PRODUCER,
    SERVER,
    Discovery,
    Span,
    add_trace,
)
from pruner.errors import BudgetExhausted
from pruner.importers import clickhouse_sql as q
from pruner.importers._io import source_mode
from pruner.importers.base import SourceError
from pruner.sources import UnreadableError, file_kind, file_mode

__all__ = [
    "PASSWORD_ENV",
    "Store",
    "is_store_source",
    "open_store",
    "parse_time",
    "store_discovery",
    "store_traces",
    "shape_spans",
]

PASSWORD_ENV = "PRUNER_CLICKHOUSE_PASSWORD"
_KIND_NAMES = {v: k for k, v in q.KIND_CODES.items()}
_KINDS = {"internal": INTERNAL, "server": SERVER, "client": CLIENT, "producer": PRODUCER,
          "consumer": CONSUMER}
#: Seconds to wait for a server before saying it cannot be reached.
CONNECT_TIMEOUT = 10


def is_store_source(source: str) -> bool:
    """Whether ``source`` names a trace store rather than trace files.

    >>> [is_store_source(s) for s in ("chdb:/var/lib/ch", "clickhouse://h/db", "t.json")]
    [True, True, False]
    """
    if source.startswith(("clickhouse://", "clickhouses://", "chdb:")):
        return True
    path = Path(source)
    if source.lower().endswith(".parquet"):
        return True
    try:
        mode = file_mode(path)
    except UnreadableError:  # not a store: the file readers say why it cannot be read
        return False
    if mode is not None and stat.S_ISDIR(mode):
        files = [p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")]
        return bool(files) and all(p.suffix.lower() == ".parquet" for p in files)
    return False


_RELATIVE = re.compile(r"\A(\d{1,9})\s*(s|m|h|d|w)\Z")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_time(text: str, now: datetime | None = None) -> int:
    """A ``--since``/``--until`` value in Unix nanoseconds: RFC 3339, or a duration back
    from now (``90s``, ``15m``, ``24h``, ``7d``, ``2w``).

    >>> parse_time("2026-01-02T03:04:05Z"), parse_time("1970-01-01T00:00:00.000000030+00:00")
    (1767323045000000000, 30)
    >>> parse_time("1h", now=datetime(2026, 1, 1, 1, tzinfo=timezone.utc))
    1767225600000000000
    >>> parse_time("999999999w")
    Traceback (most recent call last):
    ValueError: '999999999w' reaches back before the year 1
    """
    value = text.strip()
    m = _RELATIVE.match(value)
    if m:
        base = now or datetime.now(timezone.utc)
        try:
            moment = base - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
        except OverflowError:  # before the year 1: no span was ever that old
            raise ValueError(f"{text!r} reaches back before the year 1") from None
        return _ns(moment)
    m = _RFC3339.match(value)
    try:
        if not m:
            raise ValueError
        moment = datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}{_zone(m.group(4))}")
    except ValueError:
        raise ValueError(f"{text!r} is neither an RFC 3339 time (2026-01-02T03:04:05Z) nor a "
                         "duration back from now (24h, 7d)") from None
    fraction = (m.group(3) or "")[1:]
    return _ns(moment) + int((fraction + "0" * 9)[:9])


_RFC3339 = re.compile(r"\A(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?"
                      r"(Z|z|[+-]\d{2}:\d{2})\Z")


def _zone(zone: str) -> str:
    return "+00:00" if zone in ("Z", "z") else zone


def _ns(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


@dataclass
class Store:
    """An open trace store: it runs :mod:`~pruner.importers.clickhouse_sql` statements."""

    name: str
    source: q.SpanSource
    run: Any  # (sql, params) -> list of rows
    close: Any = lambda: None
    engine: str = "chdb"
    _schema: q.Schema | None = field(default=None, repr=False)

    def rows(self, sql_params: tuple[str, dict]) -> list:
        return self.run(*sql_params)

    def schema(self) -> q.Schema:
        """The table's columns, checked: a table that is not the exporter's is refused."""
        if self._schema is None:
            rows = self.rows((q.describe_query(self.source), self.source.params()))
            try:
                self._schema = q.schema_from_describe(rows)
            except ValueError as exc:
                raise SourceError(self.name, str(exc)) from None
        return self._schema


def _one_line(text: str, secret: str | None = None) -> str:
    """An engine's message cut to its first useful line, any secret taken out."""
    text = str(text)
    if secret:  # before the spaces are joined: a password may hold two, a tab, a newline
        text = text.replace(secret, "***")
    line = " ".join(text.split())
    for cut in (" Stack trace", ": while executing", ". (version"):
        if cut in line:
            line = line.split(cut, 1)[0]
    if secret:
        line = line.replace(secret, "***")
    return line[:300]


def _chdb_store(source: str, memory_cap: int | None = None) -> Store:
    rest = source[len("chdb:"):]
    path_text, _, query = rest.partition("?")
    if path_text.startswith("//"):
        path_text = path_text[2:]
    if not path_text:
        raise SourceError(source, "chdb: needs a data directory: chdb:PATH[?table=[DB.]TABLE]")
    database, table = _table_option(source, query, "default")
    path = Path(unquote(path_text))
    try:
        mode = file_mode(path)
    except UnreadableError as exc:  # a name too long, a folder that may not be read
        raise SourceError(source, f"ClickHouse data directory: {exc.reason}") from None
    if mode is None or not stat.S_ISDIR(mode):
        raise SourceError(source, f"no such ClickHouse data directory: {path}")
    spans = q.SpanSource(database, table)
    return _embedded(source, spans, str(path), memory_cap)


def _parquet_store(sources: Sequence[str], memory_cap: int | None = None) -> Store:
    files: list[str] = []
    for s in sources:
        p = Path(s)
        mode = source_mode(p)
        if mode is not None and stat.S_ISDIR(mode):
            files += sorted(str(f.resolve()) for f in p.rglob("*.parquet") if f.is_file())
        elif mode is not None and stat.S_ISREG(mode):
            files.append(str(p.resolve()))
        elif mode is None:
            raise SourceError(s, "no such file or directory")
        else:  # a FIFO or a device: there, but not a file to read
            raise SourceError(s, f"cannot read: {file_kind(mode)}, not a regular file or "
                                 "folder")
    for f in files:
        if any(c in f for c in "*?{}[]"):  # file() would read them as a glob
            raise SourceError(f, "a Parquet path with * ? { } [ ] cannot be read; rename it")
    name = sources[0] if len(sources) == 1 else f"{sources[0]} (+{len(sources) - 1})"
    return _embedded(name, q.SpanSource(parquet=tuple(files)), None, memory_cap)


def _table_option(source: str, query: str, default_db: str) -> tuple[str, str]:
    try:
        options = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise SourceError(source, f"cannot read the options {query!r}; expected table=NAME"
                          ) from None
    unknown = sorted(set(options) - {"table", "secure"})
    if unknown:
        raise SourceError(source, f"unknown option {unknown[0]!r}; expected table=NAME")
    table = options.get("table", ["otel_traces"])[-1]
    database, _, name = table.rpartition(".")
    database = database or default_db
    for part in (database, name):
        if not q.IDENTIFIER.match(part):
            raise SourceError(source, f"{part!r} is not a table or database name "
                                      "(letters, digits, _)")
    return database, name


#: What the embedded engine itself takes before any query (the library, its caches).
ENGINE_BASE = 400 * 2**20


def _size(n: int | None) -> str:
    return "no" if not n else f"{n / 2**20:,.0f} MiB"


def engine_settings(memory_cap: int | None) -> str:
    """The SETTINGS clause of an in-process query: under a memory cap, the engine gets
    what the cap leaves above :data:`ENGINE_BASE` (at least 256 MiB) and spills its
    per-trace GROUP BY and its sorts to disk past half of that; a query that still
    needs more stops with the engine's MEMORY_LIMIT_EXCEEDED (exit 3, a budget).

    >>> engine_settings(None).split()
    ['SETTINGS', 'output_format_json_quote_64bit_integers', '=', '0']
    >>> "max_memory_usage = 524288000" in engine_settings(900 * 2**20)
    True
    """
    text = "\nSETTINGS output_format_json_quote_64bit_integers = 0"
    if memory_cap:
        budget = max(memory_cap - ENGINE_BASE, 256 * 2**20)
        text += (f", max_memory_usage = {budget}, max_bytes_before_external_group_by = "
                 f"{budget // 2}, max_bytes_before_external_sort = {budget // 2}")
    return text


def _embedded(name: str, spans: q.SpanSource, path: str | None,
              memory_cap: int | None = None) -> Store:
    try:
        from chdb import session as chdb_session
    except ImportError:
        raise SourceError(name, "reading chdb: and Parquet sources needs the embedded engine: "
                                "pip install 'pruner[stores]'") from None
    try:
        sess = chdb_session.Session(path) if path else chdb_session.Session()
    except Exception as exc:  # chdb raises its own and RuntimeError
        raise SourceError(name, f"cannot open: {_one_line(exc)}") from None

    settings = engine_settings(memory_cap)

    def run(sql: str, params: dict) -> list:
        try:
            result = sess.query(sql + settings,
                                "JSONCompactEachRow",
                                params={k: escape_param(v) for k, v in params.items()})
        except Exception as exc:
            if "MEMORY_LIMIT_EXCEEDED" in str(exc) or "Code: 241." in str(exc):
                raise BudgetExhausted(
                    f"{name}: the embedded engine needed more than the memory cap leaves it "
                    f"({_size(memory_cap)} cap); raise --memory-limit, or narrow the window "
                    "(--since/--until)") from None
            raise SourceError(name, _engine_message(exc)) from None
        text = result.bytes() if hasattr(result, "bytes") else bytes(result)
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def close() -> None:
        try:
            sess.close()
        except Exception:  # closing is best effort
            pass

    return Store(name, spans, run, close, "chdb")


_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r",
                         "\0": "\\0"})


def escape_param(value: Any) -> Any:
    r"""A query parameter's value as ClickHouse parses it (its escaped text form): the
    engine reads backslash escapes in parameter values, so a path with a backslash or a
    newline must be escaped to arrive as written.

    >>> print(escape_param("a\\b\nc"))
    a\\b\nc
    """
    return value.translate(_ESCAPES) if isinstance(value, str) else value


def _engine_message(exc: BaseException, secret: str | None = None) -> str:
    text = _one_line(exc, secret)
    m = re.search(r"Code: (\d+)\. DB::Exception: (.*)", text)
    if m:
        code, msg = int(m.group(1)), m.group(2)
        if code in (60, 81):  # UNKNOWN_TABLE, UNKNOWN_DATABASE
            return f"no such table: {msg}"
        if code == 636 or "Parquet" in msg or code in (33, 1001):
            return f"cannot read as Parquet: {msg}"
        return msg
    return text


def _clickhouse_store(source: str) -> Store:
    if _safe(source) != source:  # before urlsplit, whose messages may quote the password
        raise SourceError(_safe(source), f"do not put a password in the URL; set {PASSWORD_ENV}")
    try:
        url = urlsplit(source)
        port = url.port
    except ValueError as exc:
        raise SourceError(_safe(source), f"not a ClickHouse URL: {exc}") from None
    if url.password is not None:
        raise SourceError(_safe(source), f"do not put a password in the URL; set {PASSWORD_ENV}")
    host = url.hostname
    database = url.path.strip("/")
    if not host or not database or "/" in database:
        raise SourceError(_safe(source), "expected clickhouse://[USER@]HOST[:PORT]/DATABASE"
                                         "[?table=TABLE]")
    if not q.IDENTIFIER.match(database):
        raise SourceError(_safe(source), f"{database!r} is not a database name")
    database, table = _table_option(_safe(source), url.query, database)
    options = parse_qs(url.query)
    secure = options.get("secure", ["0"])[-1].lower() in ("1", "true", "yes") or \
        url.scheme == "clickhouses"
    password = os.environ.get(PASSWORD_ENV, "")
    try:
        import clickhouse_connect
        from clickhouse_connect.driver.exceptions import ClickHouseError
    except ImportError:
        raise SourceError(_safe(source), "reading clickhouse:// needs clickhouse-connect: "
                                         "pip install 'pruner[stores]'") from None
    where = f"{host}:{port or (8443 if secure else 8123)}"
    import logging

    logging.getLogger("clickhouse_connect").setLevel(logging.CRITICAL)  # errors are ours to say
    try:
        client = clickhouse_connect.get_client(
            host=host, port=port or (8443 if secure else 8123), secure=secure,
            username=unquote(url.username or "default"), password=password,
            database=database, connect_timeout=CONNECT_TIMEOUT,
            send_receive_timeout=3600, query_limit=0, autogenerate_session_id=False)
    except ClickHouseError as exc:
        raise SourceError(_safe(source), _server_message(exc, where, password)) from None
    except Exception as exc:
        raise SourceError(_safe(source), _server_message(exc, where, password)) from None

    def run(sql: str, params: dict) -> list:
        try:
            return list(client.query(sql, parameters=params).result_rows)
        except Exception as exc:
            raise SourceError(_safe(source), _server_message(exc, where, password)) from None

    return Store(_safe(source), q.SpanSource(database, table), run, client.close, "clickhouse")


def _server_message(exc: BaseException, where: str, password: str) -> str:
    text = _one_line(exc, password or None)
    lowered = text.lower()
    if any(w in lowered for w in ("connection refused", "name or service not known",
                                  "failed to establish", "timed out", "max retries",
                                  "temporary failure in name resolution", "no route")):
        return f"cannot reach the ClickHouse server at {where}"
    if "authentication" in lowered or "code: 516" in lowered or "code: 192" in lowered:
        return (f"the ClickHouse server at {where} refused the user or password "
                f"(the password is read from {PASSWORD_ENV})")
    if "unknown identifier: readonly" in lowered or "unknown data type family" in lowered:
        return (f"the ClickHouse server at {where} is too old: the exporter's table and "
                "its client need ClickHouse 21.8 or later (Map, DateTime64); "
                f"it said: {_engine_message(exc, password or None)}")
    return _engine_message(exc, password or None)


def _safe(source: str) -> str:
    """The URL without any password in it (for messages): everything from the user's
    ``:`` to the last ``@``, since a password may hold ``/``, ``#``, ``?`` or ``@``.

    >>> _safe("clickhouse://u:pa/ss@h/db"), _safe("clickhouse://u:p@ss@h/db")
    ('clickhouse://u:***@h/db', 'clickhouse://u:***@h/db')
    >>> _safe("clickhouse://u@h:9000/db")
    'clickhouse://u@h:9000/db'
    """
    return re.sub(r"(://[^/@:]*):.*@", r"\1:***@", source, flags=re.S)


def open_store(sources: Sequence[str], memory_cap: int | None = None) -> Store:
    """Open the store ``sources`` name (one URL, or Parquet files/folders).

    ``memory_cap`` (bytes): the embedded engine runs in this process, so it is held
    under the command's memory cap (:func:`engine_settings`); a server applies its own.
    """
    first = sources[0]
    if first.startswith(("clickhouse://", "clickhouses://", "chdb:")):
        if len(sources) > 1:
            raise SourceError(_safe(sources[1]), "one trace store at a time (not mixed with "
                                                 "other sources)")
        if first.startswith("chdb:"):
            return _chdb_store(first, memory_cap)
        return _clickhouse_store(first)
    stray = [s for s in sources if not is_store_source(s)]
    if stray:
        raise SourceError(stray[0], "Parquet and trace files cannot be read together")
    return _parquet_store(sources, memory_cap)


@contextmanager
def _opened(sources: Sequence[str], memory_cap: int | None = None) -> Iterator[Store]:
    store = open_store(sources, memory_cap)
    try:
        yield store
    finally:
        store.close()


def shape_spans(shape: Sequence) -> list[Span]:
    """The spans of one request shape (a row of :func:`clickhouse_sql.shapes_query`)."""
    spans = []
    for rank, parent, start, service, op, kind, error, peer in shape:
        spans.append(Span("shape", f"{int(rank):010d}",
                          f"{int(parent):010d}" if int(parent) else None, service, op,
                          _KINDS[_KIND_NAMES.get(int(kind), "internal")], int(start),
                          bool(int(error)), peer or None))
    return spans


def _times(first: Sequence[int], last: Sequence[int]):
    """``when(root)`` for :func:`~pruner.analysis.discover.add_trace`: a shape's spans
    carry start ranks; the real times of each rank come with the shape."""
    def when(root: Span) -> tuple[int, int]:
        rank = int(root.start)
        earliest = int(first[rank - 1])
        return (0 if earliest == q.UNKNOWN_START else earliest), int(last[rank - 1])
    return when


def store_discovery(sources: Sequence[str], since: int | None = None,
                    until: int | None = None, discovery: Discovery | None = None, *,
                    memory_cap: int | None = None) -> tuple[Discovery, dict]:
    """Discovery over a trace store: one query, aggregated where the spans are.

    Returns the :class:`Discovery` and read stats (``shapes``: rows received).
    """
    d = discovery if discovery is not None else Discovery()
    with _opened(sources, memory_cap) as store:
        schema = store.schema()
        rows = store.rows(q.shapes_query(store.source, schema, since, until))
        for shape, n, first, last in rows:
            add_trace(d, shape_spans(shape), int(n), _times(first, last))
        return d, {"shapes": len(rows), "engine": store.engine, "store": store.name}


def store_traces(sources: Sequence[str], since: int | None = None,
                 until: int | None = None, *,
                 memory_cap: int | None = None) -> Iterator[list[Span]]:
    """The traces of a store, whole, one at a time in trace id order, with real start and
    end times (Unix ns; end = start + Duration): the span interface for callers that
    need times (``pruner rpc``). The store sorts; the rows arrive as one result (so this
    is for a window of spans, ``since``/``until``, not a whole day of a large system)."""
    with _opened(sources, memory_cap) as store:
        schema = store.schema()
        rows = store.rows(q.traces_query(store.source, schema, since, until))
        current: list[Span] = []
        for trace, sid, parent, start, end, service, op, kind, error, peer in rows:
            if current and trace != current[0].trace_id:
                yield current
                current = []
            current.append(Span(trace, sid, parent or None, service, op,
                                _KINDS[_KIND_NAMES.get(int(kind), "internal")], int(start),
                                bool(int(error)), peer or None, int(end)))
        if current:
            yield current
