"""Every trace reader gives a span's start and end as Unix nanoseconds (issue 22 §0):
OTLP's own unit, Jaeger's and Zipkin's microseconds times 1,000; a span without a
duration ends where it starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pruner.analysis.discover import CLIENT, SERVER
from pruner.importers._io import SourceFile
from pruner.importers.base import SourceError
from pruner.importers.jaeger import jaeger_traces
from pruner.importers.otlp import otlp_spans
from pruner.importers.zipkin import zipkin_spans

TRACES = Path(__file__).resolve().parents[1] / "assets" / "traces"
T0 = 1_700_000_000_000_000  # the assets' epoch, in microseconds


def source(path: Path) -> SourceFile:
    return SourceFile(path, path.name, True)


def write(tmp_path: Path, value) -> SourceFile:
    p = tmp_path / "t.json"
    p.write_text(json.dumps(value))
    return source(p)


def by_id(spans):
    return {s.span_id: s for s in spans}


def test_otlp_start_and_end_are_the_files_nanoseconds():
    spans = by_id(otlp_spans(source(TRACES / "otlp-login.json")))
    verify = spans["0000000000000067"]
    assert (verify.start, verify.end) == (1700000000000002000, 1700000000000002500)


def test_otlp_missing_end_means_no_duration(tmp_path):
    f = write(tmp_path, {"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": "0" * 31 + "1", "spanId": "0" * 15 + "1", "name": "a",
         "startTimeUnixNano": "5000"}]}]}]})
    (s,) = otlp_spans(f)
    assert (s.start, s.end) == (5000, 5000)


def test_jaeger_microseconds_become_nanoseconds():
    (trace, *_) = jaeger_traces(source(TRACES / "jaeger-login.json"))
    verify = by_id(trace)["0000000000000067"]
    assert (verify.start, verify.end) == ((T0 + 2) * 1000, (T0 + 3) * 1000)


def test_jaeger_missing_duration_means_no_duration_and_fractions_are_read(tmp_path):
    spans = [{"traceID": "1", "spanID": "a", "operationName": "x", "startTime": 7},
             {"traceID": "1", "spanID": "b", "operationName": "y", "startTime": 7,
              "duration": None},
             {"traceID": "1", "spanID": "c", "operationName": "z", "startTime": 7.5,
              "duration": 2.5}]
    (trace,) = jaeger_traces(write(tmp_path, {"data": [{"traceID": "1", "spans": spans}]}))
    got = {s.span_id: (s.start, s.end) for s in trace}
    assert got == {"a": (7000, 7000), "b": (7000, 7000), "c": (7500, 10000)}


# A mistyped time is exit 2 with the line (docs/rpc.md "Bad input"), never read as 0: a
# time of 0 made every call of a trace overlap, and rpc called them "parallel, saved 0".
MISTYPED = ["12", True, [1], {"t": 1}, float("nan"), -3, 2 ** 70, ""]


def _raises_at_line(read, f, field):
    with pytest.raises(SourceError) as info:
        list(read(f))
    assert str(info.value).startswith(f"{f.path}:1: "), str(info.value)
    assert f"'{field}' must be" in str(info.value), str(info.value)


@pytest.mark.parametrize("bad", MISTYPED, ids=repr)
@pytest.mark.parametrize("field", ["timestamp", "duration"])
def test_zipkin_mistyped_time_is_an_error_with_the_line(tmp_path, field, bad):
    span = {"traceId": "1", "id": "a", "kind": "SERVER", "name": "get", "timestamp": 10,
            "duration": 10, "localEndpoint": {"serviceName": "web"}}
    if field == "duration" and bad == -3:
        return  # a span that ends before it starts: rpc's warning (next test)
    span[field] = bad
    _raises_at_line(zipkin_spans, write(tmp_path, [span]), field)


@pytest.mark.parametrize("bad", MISTYPED, ids=repr)
def test_zipkin_v1_mistyped_annotation_time_is_an_error(tmp_path, bad):
    span = {"traceId": "1", "id": "a", "name": "get", "timestamp": 10, "annotations": [
        {"value": "sr", "timestamp": bad, "endpoint": {"serviceName": "api"}}]}
    _raises_at_line(zipkin_spans, write(tmp_path, [span]), "timestamp")


@pytest.mark.parametrize("bad", MISTYPED, ids=repr)
@pytest.mark.parametrize("field", ["startTime", "duration"])
def test_jaeger_mistyped_time_is_an_error_with_the_line(tmp_path, field, bad):
    span = {"traceID": "1", "spanID": "a", "operationName": "x", "startTime": 7,
            "duration": 3}
    if field == "duration" and bad == -3:
        return
    span[field] = bad
    _raises_at_line(jaeger_traces, write(tmp_path, {"data": [{"traceID": "1",
                                                              "spans": [span]}]}), field)


@pytest.mark.parametrize("bad", [True, [1], {"t": 1}, float("nan"), -3, 10 ** 31, "", 1.5e18,
                                 "1.5e18", "-5", "12 "], ids=repr)
@pytest.mark.parametrize("field", ["startTimeUnixNano", "endTimeUnixNano"])
def test_otlp_mistyped_time_is_an_error_with_the_line(tmp_path, field, bad):
    span = {"traceId": "0" * 31 + "1", "spanId": "0" * 15 + "1", "name": "a",
            "startTimeUnixNano": "5000", "endTimeUnixNano": "6000"}
    span[field] = bad
    f = write(tmp_path, {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]})
    _raises_at_line(otlp_spans, f, field)


def test_a_negative_duration_ends_before_it_starts(tmp_path):
    zipkin = write(tmp_path, [{"traceId": "1", "id": "a", "kind": "SERVER", "name": "get",
                               "timestamp": 10, "duration": -3,
                               "localEndpoint": {"serviceName": "web"}}])
    assert [(s.start, s.end) for s in zipkin_spans(zipkin)] == [(10_000, 7_000)]
    jaeger = write(tmp_path, {"data": [{"traceID": "1", "spans": [
        {"traceID": "1", "spanID": "a", "operationName": "x", "startTime": 7,
         "duration": -3}]}]})
    assert [(s.start, s.end) for (trace,) in jaeger_traces(jaeger) for s in [trace]] == [
        (7_000, 4_000)]


def test_zipkin_v2_timestamp_and_duration_in_nanoseconds():
    spans = by_id(zipkin_spans(source(TRACES / "zipkin-v2-login.json")))
    verify = spans["0000000000000067"]
    assert (verify.start, verify.end) == ((T0 + 2) * 1000, (T0 + 3) * 1000)


def test_zipkin_v2_shared_server_side_has_its_own_times(tmp_path):
    f = write(tmp_path, [
        {"traceId": "1", "id": "a", "kind": "CLIENT", "name": "get", "timestamp": 10,
         "duration": 10, "localEndpoint": {"serviceName": "web"}},
        {"traceId": "1", "id": "a", "kind": "SERVER", "name": "get", "timestamp": 12,
         "duration": 5, "shared": True, "localEndpoint": {"serviceName": "api"}}])
    got = {(s.service, s.kind): (s.start, s.end) for s in zipkin_spans(f)}
    assert got == {("web", CLIENT): (10_000, 20_000), ("api", SERVER): (12_000, 17_000)}


def test_zipkin_v1_sides_take_their_annotation_times(tmp_path):
    def ann(value, t, svc):
        return {"value": value, "timestamp": t, "endpoint": {"serviceName": svc}}

    f = write(tmp_path, [
        {"traceId": "1", "id": "b", "parentId": "a", "name": "get", "timestamp": 100,
         "duration": 50, "annotations": [ann("cs", 100, "web"), ann("sr", 110, "api"),
                                         ann("ss", 140, "api"), ann("cr", 150, "web")]},
        {"traceId": "1", "id": "c", "parentId": "a", "name": "put", "timestamp": 200,
         "annotations": [ann("sr", 200, "db")]}])
    got = {(s.service, s.kind): (s.start, s.end) for s in zipkin_spans(f)}
    assert got == {("web", CLIENT): (100_000, 150_000), ("api", SERVER): (110_000, 140_000),
                   ("db", SERVER): (200_000, 200_000)}


def test_zipkin_v1_corpus_spans_end_after_they_start():
    corpus = Path(__file__).resolve().parents[1] / "corpus" / "train-ticket" / "zipkin-v1-traces"
    spans = list(zipkin_spans(source(corpus / "case1-success-preserve.json")))
    assert len(spans) > 79 and all(s.end >= s.start > 10**17 for s in spans)
