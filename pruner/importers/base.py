"""Shared pieces of the importers: the result type, the error type, name rules and
the builder that turns collected services and edges into a manifest-v1 document.

Importers are pure functions of the files they read: they never write, never print.
Everything the user should know but that is not an error goes into
:attr:`ImportResult.notes`.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pruner.analysis.evidence import store_tags
from pruner.errors import InputError, display
from pruner.frozen import record
from pruner.loader import NAME_PATTERN

__all__ = [
    "micros",
    "NAME_RE",
    "ImportResult",
    "ManifestBuilder",
    "SourceError",
    "Target",
    "as_result",
    "fit_name",
    "sanitize_name",
    "trim",
    "service_name",
    "dependency_count",
    "is_telemetry",
    "long_number",
]

#: The manifest name rule (manifest-v1 section 1).
NAME_RE = re.compile(NAME_PATTERN.replace("$", r"\Z"))


def long_number(text: str, pos: int = 0) -> tuple[int, str] | None:
    """Where in ``text`` (from ``pos``) a number too long for Python begins, and what to
    say about it; None when there is none (the ValueError had another cause), or when this
    Python converts numbers of any length (no ``sys.get_int_max_str_digits`` before 3.10.7,
    or the limit set to 0).

    Python turns at most that many digits into an int; past it json raises
    ``ValueError("Exceeds the limit ...; use sys.set_int_max_str_digits()")``.

    >>> long_number('{"a":\\n ' + "7" * 5000 + "}")
    (7, 'a number of more than 4300 digits')
    >>> long_number('{"a": 1}') is None
    True
    """
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    if limit <= 0:
        return None
    found = _long_number(limit).search(text, pos)
    if found is None:
        return None
    return found.start(), f"a number of more than {limit} digits"


@cache
def _long_number(limit: int) -> re.Pattern:
    return re.compile(rf"-?\d{{{limit + 1},}}")


class SourceError(InputError):
    """A source file cannot be imported: unreadable, malformed, or of the wrong shape.

    A :class:`pruner.errors.InputError`, so the command line reports it with exit code 2.

    Parameters
    ----------
    location
        ``file:line`` where known, else ``file`` (or the source argument as given).
    message
        One line saying what is wrong.
    """

    def __init__(self, location: str, message: str):
        super().__init__(" ".join(str(message).split()), str(location))


@record(slots=False)
class ImportResult:
    """What an importer found.

    Attributes
    ----------
    document
        A plain ``dict`` in manifest-v1 form: ``{"version": 1, "services": {...}}``.
        Services are sorted by name; every dependency is in long form with a ``note``.
    notes
        Warnings and remarks for the user, in the order they arose.
    kind
        The importer that produced the result (``"k8s"``, ``"zipkin"``, ...).
    sources
        The source arguments as given.
    read
        Files read beside the sources (a Compose ``env_file``): inputs too, which an
        output must not overwrite.
    """

    document: dict[str, Any]
    notes: tuple[str, ...] = ()
    kind: str = ""
    sources: tuple[str, ...] = field(default=())
    read: tuple[str, ...] = field(default=())

    def edges(self) -> set[tuple[str, str]]:
        """Every (service, dependency) pair, members of groups included.

        Returns
        -------
        set of (str, str)
        """
        services = self.document.get("services", {})
        operations = {f"{name}:{op}": name for name, svc in services.items()
                      for op in (svc or {}).get("operations", {}) or {}}
        out: set[tuple[str, str]] = set()
        for name, svc in services.items():
            # an operation's items and references to it count as its service's (spec §8)
            lists = [(svc or {}).get("depends_on", ())]
            lists += [(body or {}).get("depends_on", ())
                      for body in ((svc or {}).get("operations") or {}).values()]
            for items in lists:
                for item in items:
                    if isinstance(item, str):
                        members = [item]
                    elif "service" in item:
                        members = [item["service"]]
                    else:
                        members = item.get("any_of", item.get("of", ()))
                    out.update((name, operations.get(m, m)) for m in members)
        return out


#: Names (split on - _ . / :) of telemetry and logging agents and backends.
TELEMETRY_WORDS = frozenset({
    "jaeger", "zipkin", "otel", "opentelemetry", "otelcol", "fluentd", "fluent", "fluentbit",
    "datadog", "dd-agent", "promtail", "logstash", "filebeat", "metricbeat", "telegraf",
    "statsd", "splunk", "newrelic", "honeycomb", "signalfx", "tempo", "loki",
})  # fmt: skip
TELEMETRY_NOTE = "telemetry or logging agent: made soft (losing it loses observability, " \
                 "not the request)"


def is_telemetry(name: str, description: str | None = None) -> bool:
    """Whether a service (by its name, or the image in its description) is a telemetry or
    logging agent.

    >>> is_telemetry("jaeger-agent"), is_telemetry("otel-collector"), is_telemetry("cart")
    (True, True, False)
    >>> is_telemetry("logs", "Compose service logs; image fluent/fluent-bit:2.1")
    True
    """
    text = name.lower()
    if description and "image " in description:
        text += " " + description.lower().split("image ", 1)[1]
    words = set(re.split(r"[-_./:\s@]+", text))
    return bool(words & TELEMETRY_WORDS)


def dependency_count(document: dict[str, Any]) -> int:
    """How many dependency items a manifest-v1 document holds, operations' included.

    >>> dependency_count({"services": {"a": {"depends_on": ["b"], "operations": {
    ...     "get": {"depends_on": ["c", "d"]}, "put": None}}, "b": None}})
    3
    """
    total = 0
    for svc in (document.get("services") or {}).values():
        svc = svc or {}
        total += len(svc.get("depends_on") or ())
        for op in (svc.get("operations") or {}).values():
            total += len((op or {}).get("depends_on") or ())
    return total


MICROS_LIMIT = 1 << 62  # microseconds: past year 146,000; no time, a mistyped one


def micros(raw: Any, f: Any, line: int, what: str, signed: bool = False) -> int:
    """Microseconds as Jaeger and Zipkin write them (``startTime``, ``timestamp``,
    ``duration``) in nanoseconds; 0 when absent (``None``). A number is read as written,
    fractions too; anything else is mistyped (docs/rpc.md: exit 2 with the line), never
    read as 0, which would make every call of a trace overlap: a string, a bool, NaN, more
    than 2**62, or a negative value (a negative ``duration``, ``signed``, is kept: the span
    ends before it starts, which ``rpc`` reports).

    ``f`` is the :class:`~pruner.importers._io.SourceFile` read, ``line`` where.

    >>> from pathlib import Path
    >>> from pruner.importers._io import SourceFile
    >>> f = SourceFile(Path("f"), "f", True)
    >>> micros(1_700_000_000_000_002, f, 1, "t"), micros(2.5, f, 1, "t"), micros(None, f, 1, "t")
    (1700000000000002000, 2500, 0)
    >>> micros(-3, f, 1, "duration", signed=True)
    -3000
    >>> try:
    ...     micros("12", f, 1, "Zipkin span 'timestamp'")
    ... except SourceError as exc:
    ...     print(*str(exc).split(" must "), sep="\\n")
    f:1: Zipkin span 'timestamp'
    be a number of microseconds >= 0, not str '12'
    """
    if raw is None:
        return 0
    if (isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != raw
            or not (-MICROS_LIMIT if signed else 0) <= raw <= MICROS_LIMIT):
        kind = "a number of microseconds" + ("" if signed else " >= 0")
        shown = repr(raw)[:40] if isinstance(raw, (str, int, float)) else ""
        raise SourceError(f.at(line), f"{what} must be {kind}, not {type(raw).__name__} {shown}")
    return int(raw * 1000)


#: What shows as blank space: trimmed from the ends of a name read from a source. The other
#: characters ``str.strip()`` removes (U+001C..U+001F, U+0085, U+2028, U+2029, vertical tab,
#: form feed) are controls, kept so that :func:`sanitize_name` shows them.
BLANKS = " \t\n\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009" \
         "\u200a\u202f\u205f\u3000"
#: Unicode categories of characters that are not seen, or reorder what is seen: controls,
#: format characters (bidi overrides and isolates, zero-width ones), line and paragraph
#: separators, lone surrogates.
INVISIBLE = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))


def trim(text: str) -> str:
    """``text`` without the blank space at its ends (:data:`BLANKS`), but with any
    invisible character there: ``str.strip()`` also drops some controls, which made
    ``'\\x1frecs'`` the name ``recs``.

    >>> trim(" web\\t"), trim("\\x1fweb") == "web"
    ('web', False)
    """
    return text.strip(BLANKS)


def service_name(raw: Any) -> str:
    """A span's service as its source names it (OTLP ``service.name``, Jaeger's
    ``serviceName``), trimmed and interned; ``unknown_service`` (OpenTelemetry's word)
    when it is not text or only blank.

    >>> service_name(" web "), service_name("  "), service_name(7)
    ('web', 'unknown_service', 'unknown_service')
    """
    name = trim(raw) if isinstance(raw, str) else ""
    return sys.intern(name) if name else "unknown_service"


def sanitize_name(raw: str) -> str | None:
    """Map ``raw`` onto the manifest name rule, or return ``None`` when nothing is left.

    Characters outside ``A-Z a-z 0-9 . _ - : / @`` become ``-``; leading characters that
    are not letters or digits are dropped; the result is cut to 253 characters. An
    invisible character (:data:`INVISIBLE`: a control, a bidi override, a zero-width
    space) becomes its code point, ``U-202E-``, wherever it is: dropped or trimmed it
    would leave the name of another service (``'\\u202erecs'`` is not ``recs``, though
    it looks like it), and names are matched exactly.

    >>> sanitize_name("ts-order-service")
    'ts-order-service'
    >>> sanitize_name("My Service (v2)")
    'My-Service--v2-'
    >>> sanitize_name("--") is None
    True
    >>> sanitize_name("\\u202erecs"), sanitize_name("recs\\u200b"), sanitize_name(" recs ")
    ('U-202E-recs', 'recsU-200B-', 'recs')
    """
    text = trim(str(raw))
    if not text.isprintable():  # every invisible character is unprintable (and more)
        text = "".join(f"U+{ord(c):04X}+" if c not in BLANKS and
                       unicodedata.category(c) in INVISIBLE else c for c in text)
    s = re.sub(r"[^A-Za-z0-9._\-:/@]", "-", text)
    s = re.sub(r"^[^A-Za-z0-9]+", "", s)[:253]
    return s or None


#: Longest service or operation name an importer writes, so that ``SERVICE:OPERATION``
#: fits the 253-character name limit (spec §8) whatever the source said (issue 17 §3).
PART_MAX = 126


def fit_name(name: str, limit: int = PART_MAX) -> str:
    """``name`` itself when it has at most ``limit`` characters, else its start and a
    hash of the whole (so two long names that share a start stay apart).

    >>> fit_name("cart")
    'cart'
    >>> len(fit_name("a" * 300))
    126
    """
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{name[:limit - 9]}-{digest}"


#: A dependency target: one service name, or a fallback group ``("any_of", (a, b, ...))``.
Target = str | tuple[str, tuple[str, ...]]


@dataclass
class _Edge:
    soft: bool
    notes: list[str]
    startup: bool = False  # the source says it is needed to start (spec §10)
    evidence: list[str] = field(default_factory=list)  # entries in text form


@dataclass
class _Service:
    description: str | None = None
    owner: str | None = None
    system: str | None = None
    tags: list[str] = field(default_factory=list)
    operations: dict[str, str | None] = field(default_factory=dict)  # spec §8
    evidence: list[str] = field(default_factory=list)  # entries in text form
    image: str | None = None  # the container image, when the source names one


class ManifestBuilder:
    """Collects services, edges and notes; :meth:`build` makes the v1 document.

    Names given to :meth:`add_service` and :meth:`add_edge` must already be valid
    (see :meth:`name`). Edge targets that were never added as services become stub
    services marked ``external: true`` (and tagged ``external``) with a note, so the
    document always validates; edges to them are soft (the deployment that names them
    runs without them). ``evidence``, when given, is the evidence every service and
    edge gets unless it brings its own (``"compose"``: docs/manifest.md, "Evidence");
    data stores and brokers are tagged from their image, else their name.
    """

    def __init__(self, evidence: str | None = None) -> None:
        self._evidence = evidence
        self._services: dict[str, _Service] = {}
        self._edges: dict[str, dict[Target, _Edge]] = {}
        self._notes: list[str] = []
        self.read: list[str] = []  # files read beside the sources (ImportResult.read)
        self._names: dict[str, str | None] = {}
        self._self_refs: list[str] = []

    # -- names and notes -------------------------------------------------------------
    def note(self, text: str) -> None:
        """Record a note for the user (duplicates are kept once)."""
        if text not in self._notes:
            self._notes.append(text)

    def name(self, raw: object, context: str) -> str | None:
        """Return a valid manifest name for ``raw`` (noting any change), or ``None``.

        Parameters
        ----------
        raw
            The name as the source spells it.
        context
            Where it was found, for the note.
        """
        key = str(raw)
        if key in self._names:
            return self._names[key]
        if NAME_RE.match(key) and len(key) <= PART_MAX:
            self._names[key] = key
            return key
        clean = sanitize_name(key)
        if clean is not None:
            clean = fit_name(clean)
        if clean is None:
            self.note(f"{context}: name {display(key)} has no usable characters; skipped")
        else:
            self.note(
                f"{context}: name {display(key)} does not follow the manifest name rule; "
                f"imported as {display(clean)}"
            )
        self._names[key] = clean
        return clean

    # -- content -----------------------------------------------------------------------
    def has_service(self, name: str) -> bool:
        """Whether ``name`` was added as a service."""
        return name in self._services

    def add_service(
        self,
        name: str,
        *,
        description: str | None = None,
        owner: str | None = None,
        system: str | None = None,
        tags: Iterable[str] = (),
        evidence: Iterable[str] = (),
        image: str | None = None,
    ) -> None:
        """Add a service, or fill in fields a previous call left empty."""
        svc = self._services.setdefault(name, _Service())
        svc.description = svc.description or (description or None)
        svc.owner = svc.owner or (owner or None)
        svc.system = svc.system or (system or None)
        svc.image = svc.image or (image or None)
        for t in tags:
            if t not in svc.tags:
                svc.tags.append(t)
        for e in evidence:
            if e not in svc.evidence:
                svc.evidence.append(e)

    def add_operation(self, service: str, operation: str, *, description: str | None = None
                      ) -> str:
        """Declare ``operation`` of ``service`` (spec §8) and return its reference
        ``service:operation``, which :meth:`add_edge` targets may name. ``operation``
        must follow the name rule without ``:``."""
        svc = self._services.setdefault(service, _Service())
        operation = fit_name(operation)
        if not svc.operations.get(operation):
            svc.operations[operation] = description or None
        return f"{service}:{operation}"

    def add_edge(self, source: str, target: Target, *, note: str, soft: bool = False,
                 startup: bool = False, evidence: Iterable[str] = ()) -> None:
        """Record that ``source`` depends on ``target``; repeated edges merge their notes.

        An edge is soft only if every statement of it is soft, and needed to start
        (``startup``) if any statement says so: what a source does not state as a
        start-up dependency is emitted ``startup: false`` (spec §10). A
        self-dependency is dropped with a note.
        """
        if isinstance(target, tuple):
            members = tuple(sorted(set(target[1]) - {source}))
            if not members:
                self._self_refs.append(f"{source} ({note})")
                return
            target = members[0] if len(members) == 1 else ("any_of", members)
        elif target == source:
            self._self_refs.append(f"{source} ({note})")
            return
        edges = self._edges.setdefault(source, {})
        edge = edges.get(target)
        if edge is None:
            edge = edges[target] = _Edge(soft=soft, notes=[note], startup=startup)
        else:
            edge.soft = edge.soft and soft
            edge.startup = edge.startup or startup
            if note not in edge.notes:
                edge.notes.append(note)
        for e in evidence:
            if e not in edge.evidence:
                edge.evidence.append(e)

    # -- result ------------------------------------------------------------------------
    def build(self, *, what_states_edges: str) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Return ``(document, notes)``.

        Parameters
        ----------
        what_states_edges
            How this kind of source states dependencies, for the note emitted when it
            states none (e.g. ``"env addresses"``).
        """
        for src in self._edges:
            if src not in self._services:
                self.add_service(src)
        referrers: dict[str, list[str]] = {}
        declared = {f"{name}:{op}" for name, svc in self._services.items()
                    for op in svc.operations}
        for src, edges in self._edges.items():
            for target in edges:
                members = (target,) if isinstance(target, str) else target[1]
                for m in members:
                    if m not in self._services and m not in declared:
                        referrers.setdefault(m, []).append(src)
        stubs = set(referrers)
        for missing in sorted(referrers):
            who = sorted(set(referrers[missing]))
            self.add_service(
                missing,
                description="Not defined in the imported sources; referenced by " + ", ".join(who),
                tags=["external"],
            )
            self.note(
                f"{display(missing)} is referenced by {', '.join(who)} but not defined in the "
                "imported sources (not deployed here?): added as a stub service, external: "
                "true, and the edges to it are soft (what is deployed here runs without it)"
            )
        for edges in self._edges.values():
            for target, edge in edges.items():
                members = (target,) if isinstance(target, str) else target[1]
                if not edge.soft and all(m in stubs for m in members):
                    edge.soft = True
                    edge.notes.append("soft: not deployed with the rest, so what is deployed "
                                      "runs without it")
        if self._self_refs:
            self.note(
                f"dropped {len(self._self_refs)} self-reference(s) (a service may not depend "
                f"on itself): {'; '.join(self._self_refs[:5])}"
                + (" ..." if len(self._self_refs) > 5 else "")
            )
        n_edges = sum(len(e) for e in self._edges.values())
        n_services = len(self._services)
        if n_services and not n_edges:
            self.note(
                f"these sources state no dependencies between the {n_services} services "
                f"(no {what_states_edges}): the services probably find each other through "
                "hostnames hard-coded in their images or config files. Add the edges by hand, "
                "or observe them from traces (pruner import zipkin|jaeger)"
            )
        elif n_services >= 5 and len(self._edges) * 4 < n_services:
            self.note(
                f"only {len(self._edges)} of {n_services} services state any dependency "
                f"(through {what_states_edges}); the others may still call services through "
                "hard-coded hostnames that these sources do not show"
            )

        telemetry = {n for n, svc in self._services.items() if is_telemetry(n, svc.description)}
        softened = 0
        for edges in self._edges.values():
            for target, edge in edges.items():
                members = (target,) if isinstance(target, str) else target[1]
                if not edge.soft and all(m in telemetry for m in members):
                    edge.soft = True
                    edge.notes.append(TELEMETRY_NOTE)
                    softened += 1
        if softened:
            self.note(f"{softened} dependenc{'y' if softened == 1 else 'ies'} on telemetry or "
                      f"logging agents ({', '.join(sorted(telemetry)[:5])}) made soft: losing "
                      "the agent loses traces, logs or metrics, not the request")

        services: dict[str, Any] = {}
        for name in sorted(self._services):
            svc = self._services[name]
            out: dict[str, Any] = {}
            if svc.description:
                out["description"] = svc.description
            if svc.owner:
                out["owner"] = svc.owner
            if svc.system:
                out["system"] = svc.system
            tags = set(svc.tags)
            if name not in stubs:
                image = svc.image or _image_in(svc.description)
                tags.update(store_tags(image, name) if not is_telemetry(name, svc.description)
                            else ())
            if tags:
                out["tags"] = sorted(tags)
            if name in stubs:
                out["external"] = True
            evidence = svc.evidence or ([self._evidence] if self._evidence else [])
            if evidence and name not in stubs:
                out["evidence"] = list(evidence)
            deps = self._edges.get(name, {})
            if deps:
                items = []
                for target in sorted(deps, key=_target_key):
                    edge = deps[target]
                    item: dict[str, Any]
                    if isinstance(target, str):
                        item = {"service": target}
                    else:
                        item = {"any_of": list(target[1])}
                    if edge.soft:
                        item["soft"] = True
                    elif not edge.startup:
                        item["startup"] = False
                    item["note"] = "; ".join(edge.notes)
                    evidence = edge.evidence or ([self._evidence] if self._evidence else [])
                    if evidence:
                        item["evidence"] = list(evidence)
                    items.append(item)
                out["depends_on"] = items
            if svc.operations:
                out["operations"] = {
                    op: ({"description": text} if text else {})
                    for op, text in sorted(svc.operations.items())
                }
            services[name] = out
        return {"version": 1, "services": services}, tuple(self._notes)


def _image_in(description: str | None) -> str | None:
    """The image an importer's description names (``...; image redis:6.2``), if any.

    >>> _image_in("Compose service cache; image redis:6.2-alpine")
    'redis:6.2-alpine'
    """
    if not description or "image " not in description:
        return None
    words = description.split("image ", 1)[1].split()
    return words[0].rstrip(",;)") if words else None


def _target_key(target: Target) -> tuple[str, ...]:
    return (target,) if isinstance(target, str) else target[1]


def as_result(
    builder: ManifestBuilder, kind: str, sources: Sequence[str], what_states_edges: str
) -> ImportResult:
    """Build ``builder`` into an :class:`ImportResult`."""
    document, notes = builder.build(what_states_edges=what_states_edges)
    return ImportResult(document=document, notes=notes, kind=kind, sources=tuple(sources),
                        read=tuple(builder.read))
