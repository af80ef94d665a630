"""Trace readers keep memory bounded (issue 17 §4): one trace larger than --window is read
in parts, and `import zipkin` holds only the open traces' spans, not the file's."""

from __future__ import annotations

import json

from pruner.analysis.discover import SERVER, Span
from pruner.importers import zipkin
from pruner.importers.traces import assemble


def test_one_trace_larger_than_the_window_is_read_in_parts():
    spans = [Span("t", str(i), None if i == 0 else "0", "svc", "op", SERVER, i)
             for i in range(5000)]
    stats: dict = {}
    held = []
    for part in assemble(iter(spans), window=1000, stats=stats):
        held.append(len(part))
    assert max(held) <= 1001 and sum(held) == 5000
    assert stats["reopened"] == len(held) - 1


def _zipkin_file(tmp_path, traces: int, interleave: bool):
    spans = []
    for t in range(traces):
        tid = f"{t:016x}"
        spans.append([{"traceId": tid, "id": f"{t:08x}01", "kind": "SERVER", "name": "get",
                       "localEndpoint": {"serviceName": "api"}},
                      {"traceId": tid, "id": f"{t:08x}02", "parentId": f"{t:08x}01",
                       "kind": "CLIENT", "name": "q", "localEndpoint": {"serviceName": "api"},
                       "remoteEndpoint": {"serviceName": "db" if t % 2 else "cache"}},
                      {"traceId": tid, "id": f"{t:08x}03", "parentId": f"{t:08x}01",
                       "kind": "SERVER", "name": "auth",
                       "localEndpoint": {"serviceName": "auth"},
                       "remoteEndpoint": {"serviceName": "api" if t % 3 else "api"}}])
    flat = [s for trace in spans for s in trace]
    if interleave:  # traces' spans apart, but within the window
        flat = [trace[i] for i in range(3) for trace in spans]
    path = tmp_path / "spans.json"
    path.write_text(json.dumps(flat))  # one line: a single JSON array
    return path


def test_import_zipkin_with_a_small_window_counts_the_same_calls(tmp_path, monkeypatch):
    path = _zipkin_file(tmp_path, 300, interleave=False)
    whole = zipkin.import_zipkin([str(path)])
    monkeypatch.setattr(zipkin, "WINDOW", 10)
    small = zipkin.import_zipkin([str(path)])
    assert small.document == whole.document and small.notes == whole.notes
    assert "observed in Zipkin traces: 300 calls" in json.dumps(whole.document)


def test_import_zipkin_holds_only_the_window(tmp_path, monkeypatch):
    path = _zipkin_file(tmp_path, 2000, interleave=False)
    peak = []
    original = zipkin._Index.add

    def watch(self, span, f, line):
        original(self, span, f, line)
        peak.append(self.held)

    monkeypatch.setattr(zipkin, "WINDOW", 50)
    monkeypatch.setattr(zipkin._Index, "add", watch)
    zipkin.import_zipkin([str(path)])
    assert max(peak) <= 50
