"""Import observed edges from OpenTelemetry servicegraph metrics (Prometheus text).

What is read
------------
The Prometheus text exposition format (what ``/metrics`` serves, or a file saved from
it; folders searched recursively for ``*.prom``, ``*.txt``, ``*.metrics``) as the
OpenTelemetry Collector's servicegraph connector (and Tempo's metrics generator) write
it: ``traces_service_graph_request_total{client="A",server="B",connection_type="..."} N``
and ``traces_service_graph_request_failed_total{...} M``. Other metrics are skipped.
Files are read line by line: memory does not grow with the file.

Edges
-----
``client -> server`` with the number of requests (series with other labels summed) and
failed requests in the note. ``connection_type="virtual_node"`` marks a side that is
not instrumented (a database, or ``user``: requests from outside); edges from the
virtual client ``user`` are entry points, not dependencies, and are noted, not imported.

This is the scalable way to feed pruner: the Collector aggregates every span into
these counters, so ``import`` and ``drift`` read a few kilobytes instead of raw traces.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from pruner.importers._io import SourceFile, discover
from pruner.importers.base import ImportResult, ManifestBuilder, SourceError, as_result

__all__ = ["import_servicegraph", "METRIC_SUFFIXES", "looks_like_servicegraph"]

METRIC_SUFFIXES = (".prom", ".txt", ".metrics")
REQUESTS = "traces_service_graph_request_total"
FAILED = "traces_service_graph_request_failed_total"
_SAMPLE = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*\Z")
_LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|\Z)')
_UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


def looks_like_servicegraph(head: str) -> bool:
    """Whether the first bytes of a file are servicegraph metrics."""
    return REQUESTS in head or FAILED in head


def _labels(text: str, f: SourceFile, line: int) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        m = _LABEL.match(text, pos)
        if m is None:
            raise SourceError(f.at(line), "malformed labels: expected name=\"value\", ...")
        value = re.sub(r'\\\\|\\"|\\n', lambda x: _UNESCAPE[x.group()], m.group(2))
        out[m.group(1)] = value
        pos = m.end()
    return out


def _samples(f: SourceFile) -> Iterator[tuple[str, dict[str, str], float, int]]:
    try:
        fh = f.path.open("rb")
    except OSError as e:
        raise SourceError(str(f.path), f"cannot read: {e.strerror or e}") from None
    with fh:
        for number, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise SourceError(f.at(number), "not valid UTF-8") from None
            if not line or line.startswith("#"):
                continue
            if not line.startswith(("traces_service_graph_request_total",
                                    "traces_service_graph_request_failed_total")):
                continue
            m = _SAMPLE.match(line)
            if m is None:
                raise SourceError(f.at(number), "not a Prometheus sample line "
                                                "(name{labels} value [timestamp])")
            name, labels, value = m.group(1), m.group(2) or "", m.group(3)
            if name not in (REQUESTS, FAILED):
                continue
            try:
                count = float(value)
            except ValueError:
                raise SourceError(f.at(number), f"sample value {value[:30]!r} is not a number"
                                  ) from None
            if not count >= 0 or count == float("inf"):
                raise SourceError(f.at(number), f"sample value {value[:30]!r} is not a count")
            yield name, _labels(labels, f, number), count, number


def import_servicegraph(sources: Sequence[str]) -> ImportResult:
    """Import ``client -> server`` edges from servicegraph metrics.

    Raises
    ------
    SourceError
        Unreadable files, malformed sample lines (with ``file:line``), or no
        servicegraph series at all.
    """
    b = ManifestBuilder("servicegraph")
    files = discover(sources, METRIC_SUFFIXES, b.note)
    requests: dict[tuple[str, str], float] = {}
    failed: dict[tuple[str, str], float] = {}
    entries: dict[str, float] = {}
    virtual: set[str] = set()
    series = 0
    for f in files:
        for name, labels, count, number in _samples(f):
            client, server = labels.get("client"), labels.get("server")
            if not client or not server:
                raise SourceError(f.at(number), f"{name} without client and server labels")
            series += 1
            table = requests if name == REQUESTS else failed
            if client == "user":  # the virtual side is the caller: the server is traced
                if name == REQUESTS:
                    entries[server] = entries.get(server, 0) + count
                continue
            if labels.get("connection_type") == "virtual_node":
                virtual.add(server)  # a database or a peer named by the client's span
            table[(client, server)] = table.get((client, server), 0) + count
    if not series:
        raise SourceError(", ".join(sources), f"no {REQUESTS} series found")
    for (client, server), n in sorted(requests.items()):
        c = b.name(client, "servicegraph client")
        s = b.name(server, "servicegraph server")
        if not c or not s:
            continue
        b.add_service(c)
        b.add_service(s, tags=["not-instrumented"] if server in virtual else ())
        bad = failed.get((client, server), 0)
        note = f"servicegraph: {int(n)} calls"
        if bad:
            note += f" ({int(bad)} failed)"
        b.add_edge(c, s, note=note, evidence=[f"servicegraph {int(n):,} calls"])
    if entries:
        shown = ", ".join(f"{k} ({int(v)})" for k, v in sorted(entries.items())[:10])
        b.note(f"requests from outside (client 'user') reach {len(entries)} service(s): "
               f"{shown}: entry points of flows, not dependencies")
    b.note(f"read {series} servicegraph series from {len(files)} file(s)")
    return as_result(b, "servicegraph", sources, "servicegraph client/server series")
