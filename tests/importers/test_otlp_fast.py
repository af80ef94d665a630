"""The compiled OTLP/JSON path (msgspec) reads exactly what the streaming reader reads:
the same spans, and for input it does not expect, the same error at the same line."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.importers import otlp
from pruner.importers._io import SourceFile
from pruner.importers.base import SourceError

_ODD = st.one_of(st.none(), st.integers(-3, 6), st.booleans(), st.text(max_size=4),
                 st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2),
                                                                      st.integers(), max_size=2),
                 st.floats(allow_nan=False, allow_infinity=False))
_HEXID = st.text("0123456789abcdefABCDEF", min_size=16, max_size=16)


@st.composite
def spans(draw):
    span = {"traceId": draw(st.sampled_from(["0af7651916cd43dd8448eb211c80319c",
                                             "0AF7651916CD43DD8448EB211C80319D",
                                             "CvdlGRbNQ92ESOshHIAxnA=="])),
            "spanId": draw(_HEXID), "name": draw(st.sampled_from(["GET /a/1", "", "op"])),
            "kind": draw(st.sampled_from([2, 3, 4, "SPAN_KIND_CLIENT", 1])),
            # times out of range, and digits int() does not read ("\u00b2") or does ("\u0663")
            "startTimeUnixNano": draw(st.sampled_from(["17", 17, "x", "0", 10 ** 400, -5,
                                                       "\u00b2", "\u0663"])),
            "endTimeUnixNano": draw(st.sampled_from(["19", 19, "x", "0", None, 10 ** 40,
                                                     "\u00b2"])),
            "status": {"code": draw(st.sampled_from([0, 2, "STATUS_CODE_ERROR"]))},
            "attributes": [{"key": "peer.service", "value": {"stringValue": " db "}}],
            "events": [{"name": "x"}]}
    if draw(st.booleans()):
        span["parentSpanId"] = draw(st.one_of(_HEXID, st.just("")))
    if draw(st.integers(0, 4)) == 0:  # type confusion in one field
        span[draw(st.sampled_from(sorted(span)))] = draw(_ODD)
    return span


@st.composite
def lines(draw):
    out = []
    for _ in range(draw(st.integers(1, 5))):
        rs = {"resource": {"attributes": [{"key": "service.name",
                                           "value": {"stringValue": draw(st.sampled_from(
                                               ["api", " db ", ""]))}}]},
              "scopeSpans": [{"spans": draw(st.lists(spans(), max_size=3))}]}
        if draw(st.integers(0, 5)) == 0:
            rs[draw(st.sampled_from(["resource", "scopeSpans"]))] = draw(_ODD)
        value = {"resourceSpans": [rs]}
        shape = draw(st.integers(0, 8))
        text = json.dumps(value)
        if shape == 0:
            text = json.dumps([value])
        elif shape == 1:
            text = json.dumps(rs)
        elif shape == 2:
            text = json.dumps(value, indent=1)  # not NDJSON any more
        elif shape == 3:
            text = text[: len(text) // 2]  # broken
        elif shape == 4:
            text = ""
        out.append(text)
    return "\n".join(out) + "\n"


def _read(reader, f):
    got = []
    try:
        for span in reader(f):
            got.append(span)
    except SourceError as exc:
        return got, str(exc)
    return got, None


@settings(max_examples=150, deadline=None)
@given(text=lines())
def test_compiled_and_streaming_readers_agree(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("otlp") / "spans.ndjson"
    path.write_text(text)
    f = SourceFile(path, "spans.ndjson", True)
    assert otlp._fast is not None  # msgspec is a dev dependency
    fast, fast_error = _read(otlp.otlp_spans, f)
    slow, slow_error = _read(otlp._streamed, f)
    assert fast_error == slow_error
    assert fast == slow


def test_a_line_longer_than_the_limit_is_streamed(tmp_path, monkeypatch):
    monkeypatch.setattr(otlp, "LINE_LIMIT", 64)
    span = {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331",
            "name": "op", "kind": 2}
    line = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span, span]}]}]})
    path = tmp_path / "long.ndjson"
    path.write_text(json.dumps({"resourceSpans": []}) + "\n" + line + "\n" + line + "\n")
    f = SourceFile(path, "long.ndjson", True)
    assert len(list(otlp.otlp_spans(f))) == 4 == len(list(otlp._streamed(f)))



@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b"", b"\n", b"a", b"{}", b"bc\n", b"\n\n", b"defgh"]),
                max_size=12), st.integers(1, 9), st.integers(1, 5))
def test_lines_are_what_readline_gives(parts, limit, chunk):
    """The NDJSON lines come as a buffered reader's readline(LINE_LIMIT) gives them, read
    in chunks of any size: whole lines with their newline, the last one without, and a
    line longer than the limit as its first LINE_LIMIT bytes, where reading stops."""
    import io
    from unittest import mock

    data = b"".join(parts)
    expected, fh = [], io.BytesIO(data)
    while raw := fh.readline(limit):
        expected.append(raw)
        if len(raw) == limit and not raw.endswith(b"\n"):
            break
    f = SourceFile(Path("x.ndjson"), "x.ndjson", True)
    with mock.patch.object(otlp, "CHUNK", chunk):
        assert list(otlp._lines(io.BytesIO(data), f, limit)) == expected

# -- the column path: a scope's spans made a field at a time ------------------------

_ID16 = st.sampled_from(["b7ad6b7169203331", "00f067aa0ba902b7", "B7AD6B7169203331",
                         "AAECAwQFBgc=", "b7ad6b716920333", "zz", "é7ad6b7169203331"])
_TIME = st.one_of(st.sampled_from(["1700000000000000000", "17", "0", "", "007", "1,2",
                                   "\u0663", "-5", " 5", "1e3", "9" * 30, "9" * 31]),
                  st.integers(0, 10 ** 31))


@st.composite
def typed_scope(draw):
    """One scope of spans typed as an exporter writes them (the typed decoder takes
    them), mostly well-formed, sometimes with one field the column path must not take."""
    out = []
    for _ in range(draw(st.integers(1, 6))):
        span = {"traceId": draw(st.sampled_from(["0af7651916cd43dd8448eb211c80319c",
                                                 "4bf92f3577b34da6a3ce929d0e0e4736"])),
                "spanId": "b7ad6b7169203331", "parentSpanId": "",
                "name": draw(st.sampled_from(["GET /a/1", "op"])),
                "kind": draw(st.sampled_from([1, 2, 3, 4, 5, "SPAN_KIND_CLIENT", 9])),
                "startTimeUnixNano": "1700000000000000000",
                "endTimeUnixNano": draw(st.sampled_from(["1700000000000000500", "0"])),
                "status": draw(st.sampled_from([{}, {"code": 0}, {"code": 2},
                                                {"code": "STATUS_CODE_ERROR"}]))}
        if draw(st.booleans()):
            span["parentSpanId"] = "00f067aa0ba902b7"
        if draw(st.booleans()):
            span["attributes"] = [{"key": draw(st.sampled_from(["peer.service", "db.system"])),
                                   "value": {"stringValue": draw(st.sampled_from(
                                       [" db ", "", "pg"]))}}]
        if draw(st.integers(0, 3)) == 0:  # one field as the column path does not take it
            field = draw(st.sampled_from(["traceId", "spanId", "parentSpanId", "name",
                                          "startTimeUnixNano", "endTimeUnixNano"]))
            span[field] = draw(_TIME if field.endswith("Nano") else
                               st.one_of(_ID16, st.just("")))
        if draw(st.integers(0, 5)) == 0:  # all times integers
            span["startTimeUnixNano"], span["endTimeUnixNano"] = 17, draw(st.sampled_from(
                [0, 19, 10 ** 30]))
        out.append(span)
    return out


@settings(max_examples=300, deadline=None)
@given(scope=typed_scope())
def test_the_column_path_makes_the_spans_the_span_by_span_path_makes(scope):
    from pruner.importers import _otlp_fast as fast

    line = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": scope}]}]}).encode()
    f = SourceFile(Path("spans.ndjson"), "spans.ndjson", True)
    request = fast.decode(line)
    assert type(request) is fast._TypedRequest
    ((service, batch),) = fast._batches(request)
    one_by_one, error = [], None
    try:
        for span in fast._typed_spans(service, batch, f, 3):
            one_by_one.append(span)
    except SourceError as exc:
        error = str(exc)
    made = fast._columns(service, batch)
    if made is not None:  # taken: exactly the spans, and nothing was wrong
        assert error is None and made == one_by_one
        assert [type(s) for s in made] == [type(s) for s in one_by_one]
    flat, flat_error = [], None
    try:
        for batch_made in fast.batches(request, f, 3):
            flat.extend(batch_made)
    except SourceError as exc:
        flat_error = str(exc)
    assert (flat, flat_error) == (one_by_one, error)
