"""Traces in, manifest out: read spans (OTLP/JSON, Jaeger, Zipkin), assemble them
into traces with bounded memory, and write what :mod:`pruner.analysis.discover`
found as a manifest-v1 document with operations (spec §8) and, for ``pruner
discover``, one proposed flow per entry point.

Assembly
--------
Files list spans in any order, and one trace's spans may be far apart (an OTLP file
holds one export request per line, each with the spans one service had ready). The
assembler keeps the spans of open traces until it holds ``window`` spans, then
closes the traces it has not seen for longest. A trace whose spans come back after
it was closed is read as a second, partial trace; how often that happened is in
the notes (raise ``--window`` if it matters). Memory: ``window`` spans, whatever
the size of the input.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from pruner.analysis.discover import (
    CALLS_PER_REQUEST,
    MIN_TRACES,
    Discovery,
    Span,
    discover_flows,
    fallbacks,
    node_order,
)
from pruner.analysis.evidence import unix_time
from pruner.importers._io import JSON_SUFFIXES, SourceFile, discover
from pruner.importers.base import (
    ImportResult,
    ManifestBuilder,
    SourceError,
    fit_name,
    sanitize_name,
)
from pruner.importers.jaeger import holds_traces, import_jaeger_links, jaeger_traces
from pruner.importers.otlp import otlp_batches, otlp_spans
from pruner.importers.tracestore import is_store_source, store_discovery, store_traces
from pruner.importers.zipkin import zipkin_spans

__all__ = [
    "import_jaeger",
    "entry_points",
    "traces_evidence",
    "TRACE_KINDS",
    "DEFAULT_WINDOW",
    "assemble",
    "assemble_batches",
    "detect_trace_kind",
    "read_discovery",
    "discovered_document",
    "discover_sources",
    "import_otlp",
    "source_traces",
]

TRACE_KINDS = ("otlp", "jaeger", "zipkin")
DEFAULT_WINDOW = 200_000
#: More operations than this on one service usually means ids in span names
#: (``GET /user/123``): they are kept, and the note says so.
MANY_OPERATIONS = 100


def detect_trace_kind(f: SourceFile) -> str:
    """Tell OTLP/JSON, Jaeger and Zipkin span files apart by their first 64 KiB."""
    try:
        with f.path.open("rb") as fh:
            head = fh.read(1 << 16).decode("utf-8", "replace")
    except OSError as e:
        raise SourceError(str(f.path), f"cannot read: {e.strerror or e}") from None
    if '"resourceSpans"' in head or '"scopeSpans"' in head:
        return "otlp"
    if '"processes"' in head or '"traceID"' in head or '"spanID"' in head:
        return "jaeger"
    if '"traceId"' in head:
        return "zipkin"
    if not head.strip():
        raise SourceError(str(f.path), "empty file: no spans")
    raise SourceError(f"{f.path}:1", "not trace data: expected OTLP/JSON (resourceSpans), "
                                     "Jaeger /api/traces (data[].spans) or Zipkin spans")


def assemble(spans: Iterable[Span], window: int = DEFAULT_WINDOW,
             stats: dict | None = None) -> Iterator[list[Span]]:
    """Group a stream of spans into traces, holding at most about ``window`` spans.

    A single trace larger than the window is closed too and read in parts of at most
    ``window + 1`` spans (closed as the span past the window comes in; each part after
    the first counted in ``reopened``): memory stays bounded by the window.

    ``stats`` (a dict) receives ``reopened``: traces seen again after being closed.

    >>> s = [Span("t1", "a", None, "x", "op"), Span("t2", "b", None, "y", "op"),
    ...      Span("t1", "c", "a", "z", "op")]
    >>> [[sp.span_id for sp in t] for t in assemble(s)]
    [['b'], ['a', 'c']]
    """
    return assemble_batches(([span] for span in spans), window, stats)


def assemble_batches(batches: Iterable[list[Span]], window: int = DEFAULT_WINDOW,
                     stats: dict | None = None) -> Iterator[list[Span]]:
    """:func:`assemble` of the spans of ``batches`` (lists of spans, in order): the same
    traces in the same order.

    The spans of one trace that follow each other in a batch are taken together (the
    trace is touched once for them, and what the window holds is checked once after
    them): the traces closed are the same, as they are the least recently touched ones
    and never the one just touched, unless that trace alone grows past the window; then
    its spans are taken one by one, as :func:`assemble` describes.
    """
    open_traces: OrderedDict[str, list[Span]] = OrderedDict()
    held = 0
    closed: set[str] = set()
    reopened = 0
    for batch in batches:
        for trace_id, group in groupby(batch, _TRACE_ID):
            group = list(group)
            trace = open_traces.get(trace_id)
            if trace is not None and len(trace) + len(group) <= window:  # the common case
                open_traces.move_to_end(trace_id)
                trace += group
                held += len(group)
                if held > window:  # never this trace is closed: it alone fits
                    held = yield from _close_oldest(open_traces, closed, held, window)
                continue
            # a trace that would outgrow the window alone: span by span, as assemble says
            fits = (0 if trace is None else len(trace)) + len(group) <= window
            for chunk in (group,) if fits else ([span] for span in group):
                trace = open_traces.get(trace_id)
                if trace is None:
                    if trace_id in closed:
                        reopened += 1
                        closed.discard(trace_id)
                    open_traces[trace_id] = chunk
                else:
                    open_traces.move_to_end(trace_id)
                    trace += chunk
                held += len(chunk)
                if held > window:  # this trace too, when alone past it
                    held = yield from _close_oldest(open_traces, closed, held, window)
    # Close the rest, least recently touched first (the input order decides it).
    yield from open_traces.values()
    if stats is not None:
        stats["reopened"] = stats.get("reopened", 0) + reopened


def _close_oldest(open_traces: OrderedDict[str, list[Span]], closed: set[str], held: int,
                  window: int) -> Generator[list[Span], None, int]:
    """Yield the least recently touched traces of ``open_traces`` (removed, their ids
    noted in ``closed``) until what is held fits the window; return what is held then."""
    while held > window and open_traces:
        done_id, done = open_traces.popitem(last=False)
        held -= len(done)
        if len(closed) > 4 * window:
            closed.clear()  # bounded: later reopenings of old traces go uncounted
        closed.add(done_id)
        yield done
    return held


_TRACE_ID = itemgetter(0)  # Span.trace_id


def _counted_batches(batches: Iterable[list[Span]], stats: dict) -> Iterator[list[Span]]:
    for batch in batches:
        stats["spans"] += len(batch)
        yield batch


def _trace_stream(files: Sequence[SourceFile], kind: str, window: int,
                  stats: dict) -> Iterator[list[Span]]:
    """Whole traces from ``files``; ``stats["spans"]`` counts the span records read (one
    record of the source is one span, as every importer counts them)."""
    stats.setdefault("spans", 0)
    for f in files:
        k = detect_trace_kind(f) if kind == "auto" else kind
        stats.setdefault("kinds", set()).add(k)
        if k == "jaeger":
            for trace in jaeger_traces(f):  # already whole traces
                stats["spans"] += len(trace)
                yield trace
        elif k == "otlp":
            yield from assemble_batches(_counted_batches(otlp_batches(f), stats), window,
                                        stats)
        else:
            yield from assemble(zipkin_spans(f, stats), window, stats)


def read_discovery(sources: Sequence[str], kind: str = "auto", window: int = DEFAULT_WINDOW,
                   note: Callable[[str], None] = lambda _: None, *,
                   since: int | None = None, until: int | None = None,
                   memory_cap: int | None = None) -> tuple[Discovery, dict]:
    """Read every trace in ``sources`` into a :class:`Discovery`; also return read stats.

    ``sources`` are trace files and folders, or one trace store
    (:mod:`pruner.importers.tracestore`: ``clickhouse://``, ``chdb:``, Parquet), where
    the aggregation runs. ``since``/``until`` (Unix ns) keep the spans that started in
    ``[since, until)``. ``memory_cap`` (bytes) bounds an in-process store's engine.
    """
    if kind != "auto" and kind not in TRACE_KINDS:
        raise SourceError("<kind>", f"unknown trace format {kind!r}; choose one of "
                                    f"auto, {', '.join(TRACE_KINDS)}")
    if sources and any(is_store_source(s) for s in sources):
        d, stats = store_discovery(sources, since, until, memory_cap=memory_cap)
        stats.update(files=0, kinds={"otlp"})  # the exporter's table holds OTLP spans
        return d, stats
    files = discover(sources, JSON_SUFFIXES, note)
    stats: dict = {"files": len(files)}
    stream = _trace_stream(files, kind, window, stats)
    if since is not None or until is not None:
        stream = _in_window(stream, since, until)  # d.spans: the spans kept
        d = discover_flows(stream)
    else:
        d = discover_flows(stream)
        d.spans = stats["spans"]  # records, not the spans derived from them (see Discovery)
    return d, stats


def _in_window(traces: Iterable[list[Span]], since: int | None,
               until: int | None) -> Iterator[list[Span]]:
    """The spans that started in ``[since, until)`` (as a trace store's WHERE keeps them)."""
    low = since if since is not None else -(1 << 63)
    high = until if until is not None else 1 << 63
    for spans in traces:
        kept = [s for s in spans if low <= s.start < high]
        if kept:
            yield kept


# -- the manifest ---------------------------------------------------------------------

_OP_BAD = re.compile(r"[^A-Za-z0-9._\-/@]+")


class _Names:
    """Valid manifest names for services and operations, noting each change once."""

    def __init__(self, notes: list[str]) -> None:
        self.notes = notes
        self.services: dict[str, str | None] = {}
        self.operations: dict[tuple[str, str], str | None] = {}
        self.taken: dict[str, set[str]] = {}

    def service(self, raw: str) -> str | None:
        if raw not in self.services:
            clean = sanitize_name(raw)
            clean = None if clean is None else fit_name(clean)
            if clean != raw:
                self.notes.append(f"service {raw!r} imported as {clean!r}" if clean
                                  else f"service {raw!r} has no usable characters; skipped")
            self.services[raw] = clean
        return self.services[raw]

    def operation(self, service: str, raw: str) -> str | None:
        key = (service, raw)
        if key not in self.operations:
            clean = _OP_BAD.sub("-", raw.strip().replace("{", "").replace("}", "")).strip("-")
            clean = re.sub(r"^[^A-Za-z0-9]+", "", clean)[:120] or None
            taken = self.taken.setdefault(service, set())
            if clean is not None and clean in taken:
                n = 2
                while f"{clean}-{n}" in taken:
                    n += 1
                clean = f"{clean}-{n}"
            if clean is not None:
                taken.add(clean)
            self.operations[key] = clean
        return self.operations[key]

    def node(self, node: tuple) -> str | None:
        service = self.service(node[0])
        if service is None:
            return None
        if node[1] is None:
            return service
        op = self.operation(node[0], node[1])
        return None if op is None else f"{service}:{op}"


def _share(n: int, total: int, what: str) -> str:
    pct = 100 * n / total
    shown = f"{pct:.0f}%" if pct >= 1 else f"{pct:.2g}%"
    return f"seen in {shown} of {total:,} {what}"


def flow_name(service: str, operation: str) -> str:
    """A flow name for the entry ``service``/``operation``.

    >>> flow_name("frontend", "POST /api/v1/login")
    'frontend-post-api-v1-login'
    """
    raw = f"{service}-{operation}".lower()
    clean = re.sub(r"[^a-z0-9._@-]+", "-", raw).strip("-")
    clean = re.sub(r"-{2,}", "-", clean)
    return sanitize_name(clean) or "flow"


def traces_evidence(traces: int, of: int | None = None, calls: int | None = None,
                    first: int | None = None, last: int | None = None) -> str:
    """An evidence entry as pruner writes it (``traces: 40/40 traces, 97 calls, A..B``),
    read back by the loader into the same counts (docs/manifest.md, "Evidence")."""
    parts = [f"{traces:,}/{of:,} traces" if of is not None else f"{traces:,} traces"]
    if calls is not None:
        parts.append(f"{calls:,} calls")
    a, b = unix_time(first), unix_time(last)
    if a or b:
        parts.append(f"{a or ''}..{b or ''}")
    return "traces " + ", ".join(parts)


def discovered_document(d: Discovery, *, flows: bool = True, source: str = "traces",
                        max_calls: int = CALLS_PER_REQUEST,
                        min_traces: int = MIN_TRACES) -> tuple[dict[str, Any], list[str]]:
    """The manifest-v1 document (and notes) for what ``d`` found.

    Services get the operations they served, each with the calls it made as
    dependencies (hard when made in every run); with ``flows``, one flow per entry
    point seen in at least ``min_traces`` successful traces requires what every one of
    them used and lists the rest as soft. Proposed flows are ``critical: false`` until a
    person says otherwise, and carry their evidence (traces, share, window).
    """
    notes: list[str] = []
    names = _Names(notes)
    services: dict[str, dict] = {}
    for raw in sorted(d.operations):
        name = names.service(raw)
        if name is not None:
            services.setdefault(name, {"description": f"Seen in {source}"})
    for raw, ops in sorted(d.operations.items()):
        svc = names.service(raw)
        if svc is None or not ops:
            continue
        if len(ops) > MANY_OPERATIONS:
            notes.append(f"{svc}: {len(ops)} operations; span names may carry ids "
                         "(GET /user/123): consider naming spans by route")
        table = services[svc].setdefault("operations", {})
        for op in sorted(ops):
            op_name = names.operation(raw, op)
            if op_name is None:
                continue
            body: dict[str, Any] = {}
            if op_name != op:
                body["description"] = op
            deps = _operation_items(d, (raw, op), names)
            if deps:
                body["depends_on"] = deps
            table[op_name] = body or None
    document: dict[str, Any] = {"version": 1, "services": services}
    if flows:
        document["flows"] = _flows(d, names, notes, max_calls, min_traces)
    return document, notes


def entry_points(d: Discovery) -> dict[str, int]:
    """Entry point (``SERVICE:OP``, named as in :func:`discovered_document`) -> traces,
    failed ones included: every entry point that got traffic (``pruner drift``)."""
    names = _Names([])
    for raw, ops in sorted(d.operations.items()):
        if names.service(raw) is not None:
            for op in sorted(ops):
                names.operation(raw, op)
    out: dict[str, int] = {}
    for root, stats in d.roots.items():
        entry = names.node(root)
        if entry is not None:
            out[entry] = out.get(entry, 0) + stats.traces
    return dict(sorted(out.items()))


def _operation_items(d: Discovery, caller: tuple, names: _Names) -> list[dict]:
    runs = d.runs[caller]
    called = d.calls.get(caller, {})
    rescue = fallbacks(d, caller)
    primaries = {p for p, _ in rescue.values()}
    items = []
    grouped = set()
    for fallback, (primary, n) in sorted(rescue.items(), key=lambda kv: node_order(kv[0])):
        a, b = names.node(primary), names.node(fallback)
        if a and b and a.split(":")[0] != b.split(":")[0]:
            items.append({"any_of": [a, b], "note": f"fallback: {b} was called only after "
                                                    f"{a} failed ({n} times)",
                          "evidence": [f"traces {n:,} calls, each after {a} failed"]})
            grouped.update((primary, fallback))
    for callee in sorted(called, key=node_order):
        if callee in grouped or callee in primaries and callee in grouped:
            continue
        target = names.node(callee)
        if target is None or target.split(":")[0] == names.service(caller[0]):
            continue
        n = called[callee]
        item: dict[str, Any] = {"service": target}
        if n < runs:
            item["soft"] = True
            item["note"] = f"called in {_share(n, runs, 'runs')[8:]}"
        else:
            item["note"] = f"called in every run ({runs:,})"
        item["evidence"] = [f"traces {n:,} calls, in {n:,} of {runs:,} runs"]
        items.append(item)
    return items


def _flows(d: Discovery, names: _Names, notes: list[str], max_calls: int,
           min_traces: int = MIN_TRACES) -> dict[str, Any]:
    flows: dict[str, Any] = {}
    all_ok = sum(s.traces - s.failed for s in d.roots.values())
    few: list[str] = []
    for root in sorted(d.roots, key=node_order):
        stats = d.roots[root]
        entry = names.node(root)
        if entry is None:
            continue
        total = stats.traces - stats.failed  # failed traces are kept apart
        if total < min_traces:
            failed = f", {stats.failed:,} failed" if stats.failed else ""
            few.append(f"{entry} ({total:,} successful trace{'s' if total != 1 else ''}"
                       f"{failed})")
            continue
        if stats.failed:
            only = sorted((n for n in d.failed_used[root] if n not in d.used[root]),
                          key=node_order)
            shown = [names.node(n) for n in only[:5]]
            notes.append(f"entry point {entry}: {stats.failed:,} of {stats.traces:,} traces "
                         "failed and are kept apart (they show what was called before the "
                         "failure, not what the flow needs)"
                         + (f"; seen only in them: {', '.join(x for x in shown if x)}"
                            + (" ..." if len(only) > 5 else "") if only else ""))
        hard: list[dict] = []
        soft: list[dict] = []
        covered: set[str] = {root[0]}
        used = d.used[root]
        # Members of a fallback group count through their caller's any_of, not directly.
        grouped = {n for caller in used for fb, (primary, _) in fallbacks(d, caller).items()
                   for n in (fb, primary)}
        for node in sorted(used, key=node_order):
            if node == root or node in grouped:
                continue
            target = names.node(node)
            if target is None:
                continue
            seen = [f"traces {used[node]:,}/{total:,} traces"]
            if used[node] == total:
                hard.append({"service": target, "note": f"used by every trace ({total:,})",
                             "evidence": seen})
                covered.add(node[0])
            else:
                soft.append({"service": target, "soft": True,
                             "note": _share(used[node], total, "traces"), "evidence": seen})
        for svc, n in sorted(d.services_used[root].items()):
            if n == total and svc not in covered and all(g[0] != svc for g in grouped):
                target = names.service(svc)
                if target:
                    hard.append({"service": target, "note": f"used by every trace ({total:,}), "
                                                            "through different operations",
                                 "evidence": [f"traces {total:,}/{total:,} traces"]})
        name = flow_name(*(names.node(root).split(":", 1)))
        base, k = name, 2
        while name in flows:
            name, k = f"{base}-{k}", k + 1
        per_request = stats.calls / total
        share = _share(total, all_ok, "successful traces")[8:]
        flow: dict[str, Any] = {
            "description": f"Requests entering at {root[0]}: {root[1]} ({total:,} trace"
                           f"{'s' if total != 1 else ''})",
            "critical": False,
            "requires": [entry, *hard, *soft],
            "evidence": [traces_evidence(total, all_ok, None, stats.first, stats.last)
                         + f" ({share})"],
            "x-traces": {"count": total, "failed": stats.failed, "max_depth": stats.max_depth,
                         "calls_per_request": round(per_request, 2),
                         "max_calls": stats.max_calls},
        }
        flows[name] = flow
        if stats.max_calls > max_calls:
            notes.append(f"flow {name}: a request made up to {stats.max_calls:,} calls "
                         f"(mean {per_request:.1f}; flagged above {max_calls:,}): batch them")
        for (caller, callee), n in sorted(stats.repeated.items(),
                                          key=lambda kv: (-kv[1], str(kv[0])))[:3]:
            a, b = names.node(caller), names.node(callee)
            notes.append(f"flow {name}: {a} called {b} several times in one run in {n:,} "
                         f"of {total:,} traces: a batching candidate")
    if few:
        notes.append(f"{len(few)} entry point(s) seen in fewer than {min_traces:,} successful "
                     f"traces (--min-traces) propose no flow: {', '.join(few[:10])}"
                     + (" ..." if len(few) > 10 else ""))
    if flows:
        notes.append(f"{len(flows)} proposed flow(s) are critical: false until a person says "
                     "otherwise (set critical: true on the ones that matter)")
    return flows


def discover_sources(sources: Sequence[str], kind: str = "auto", *,
                     window: int = DEFAULT_WINDOW, max_calls: int = CALLS_PER_REQUEST,
                     flows: bool = True, min_traces: int = MIN_TRACES,
                     entries: dict | None = None, since: int | None = None,
                     until: int | None = None, memory_cap: int | None = None) -> ImportResult:
    """Read traces from ``sources`` and propose a manifest (``pruner discover``).

    Raises
    ------
    SourceError
        Unreadable or malformed files, with ``file:line``.
    """
    notes: list[str] = []
    d, stats = read_discovery(sources, kind, window, notes.append, since=since, until=until,
                              memory_cap=memory_cap)
    document, found = discovered_document(d, flows=flows, max_calls=max_calls,
                                          min_traces=min_traces,
                                          source=" and ".join(sorted(stats.get("kinds", ())))
                                          + " traces")
    failed = sum(s.failed for s in d.roots.values())
    where = (f"{stats['files']} file(s)" if "store" not in stats else
             f"{stats['store']} ({stats['shapes']:,} distinct request shape(s) sent back)")
    notes.append(f"read {d.spans:,} span(s) of {d.traces:,} trace(s) from {where}: "
                 f"{len(d.operations)} service(s), {len(d.roots)} entry point(s)"
                 + (f"; {failed:,} failed trace(s) kept apart" if failed else ""))
    if stats.get("reopened"):
        notes.append(f"{stats['reopened']:,} trace(s) came back after the assembly window of "
                     f"{window:,} spans had closed them and were read in parts; raise --window")
    if not d.traces:
        raise SourceError(", ".join(sources), "no spans found: nothing to discover")
    if entries is not None:
        entries.update(entry_points(d))
    notes.extend(found)
    return ImportResult(document=document, notes=tuple(notes), kind="discover",
                        sources=tuple(sources))


def import_jaeger(sources: Sequence[str]) -> ImportResult:
    """Import Jaeger ``/api/traces`` JSON (whole traces: services with their operations
    and the calls each made), or ``/api/dependencies`` JSON (call counts per pair).

    Parameters
    ----------
    sources
        Files or folders (searched recursively for ``*.json``).

    Returns
    -------
    ImportResult

    Raises
    ------
    SourceError
        Unreadable or malformed files, or links of the wrong shape.
    """
    b = ManifestBuilder("jaeger")
    files = discover(sources, JSON_SUFFIXES, b.note)
    if files and all(holds_traces(f) for f in files):
        result = discover_sources(sources, "jaeger", flows=False)
        return ImportResult(result.document, result.notes, "jaeger", result.sources)
    return import_jaeger_links(sources, files, b)


def import_otlp(sources: Sequence[str]) -> ImportResult:
    """Import services, their operations and the calls between them from OTLP/JSON traces."""
    result = discover_sources(sources, "otlp", flows=False)
    return ImportResult(result.document, result.notes, "otlp", result.sources)


# -- whole traces with where they came from (pruner rpc) ------------------------------


def _capped(spans: Iterable[Span], limit: int, cut: set[str]) -> Iterator[Span]:
    """Pass spans on, but none of a trace past its first ``limit`` spans: that trace's
    id goes into ``cut`` (and the assembler's partial copy of it is dropped later)."""
    counts: dict[str, int] = {}
    for span in spans:
        n = counts.get(span.trace_id, 0) + 1
        if n > limit:
            cut.add(span.trace_id)
            continue
        if len(counts) > limit:
            counts.clear()  # bounded: a trace spread that far apart is read in parts anyway
        counts[span.trace_id] = n
        yield span


def source_traces(sources: Sequence[str], kind: str = "auto", window: int = DEFAULT_WINDOW,
                  note: Callable[[str], None] = lambda _: None,
                  stats: dict | None = None, *, since: int | None = None,
                  until: int | None = None,
                  memory_cap: int | None = None) -> Iterator[tuple[str, list[Span]]]:
    """Every trace in ``sources`` with the file it came from: ``(path, spans)``.

    A trace of more than ``window`` spans cannot be held within the memory bound: it
    is left out, and ``note`` says so with its file and trace id (raise ``window`` to
    read it). ``stats`` (a dict) receives ``files``, ``kinds`` and ``reopened``.
    A trace store (:mod:`pruner.importers.tracestore`) gives its traces whole, with real
    start and end times, for spans that started in ``[since, until)``; a file's traces
    keep those spans too.

    Raises
    ------
    SourceError
        Unreadable or malformed files, with ``file:line``.
    """
    if kind != "auto" and kind not in TRACE_KINDS:
        raise SourceError("<kind>", f"unknown trace format {kind!r}; choose one of "
                                    f"auto, {', '.join(TRACE_KINDS)}")
    stats = {} if stats is None else stats
    if sources and any(is_store_source(s) for s in sources):
        stats["files"] = 0
        stats.setdefault("kinds", set()).add("otlp")
        for trace in store_traces(sources, since, until, memory_cap=memory_cap):
            if len(trace) > window:
                note(f"{sources[0]}: trace {trace[0].trace_id}: more than {window:,} spans "
                     "(the --window); left out (raise --window to read it)")
                continue
            yield sources[0], trace
        return
    files = discover(sources, JSON_SUFFIXES, note)
    stats["files"] = len(files)
    windowed = since is not None or until is not None
    for f in files:
        k = detect_trace_kind(f) if kind == "auto" else kind
        stats.setdefault("kinds", set()).add(k)
        cut: set[str] = set()
        if k == "jaeger":
            traces: Iterable[list[Span]] = jaeger_traces(f)  # already whole traces
        else:
            spans = otlp_spans(f) if k == "otlp" else zipkin_spans(f)
            traces = assemble(_capped(spans, window, cut), window, stats)
        told: set[str] = set()
        for trace in traces:
            tid = trace[0].trace_id
            if tid in cut or len(trace) > window:
                if tid not in told:
                    told.add(tid)
                    note(f"{f.path}: trace {tid}: more than {window:,} spans (the --window); "
                         "left out (raise --window to read it)")
                continue
            if windowed:  # the spans that started in [since, until), as a store keeps them
                for kept in _in_window((trace,), since, until):
                    yield str(f.path), kept
                continue
            yield str(f.path), trace
