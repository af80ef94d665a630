"""Load a manifest (one YAML file or a folder of them) into a validated :class:`Manifest`.

The YAML is *composed* into nodes by libyaml (``CSafeLoader`` when PyYAML has it)
and never *constructed*: pruner reads the node tree itself, so no tag can build
an object, aliases cannot expand into a bomb, and every value keeps its
``file:line:col``. Every problem of every file is collected before failing.
"""

from __future__ import annotations

import gc
import math
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from pruner.errors import Location, ManifestError, Problem, did_you_mean, display
from pruner.model import (
    ANY_OF,
    AT_LEAST,
    EVIDENCE_SOURCES,
    SINGLE,
    Evidence,
    Flow,
    Item,
    Manifest,
    Service,
    split_operation,
)
from pruner.sources import UnreadableError, bad_name, file_kind, read_regular, shown, walk_files

try:  # libyaml's parser is several times faster; the pure-Python one is a fallback.
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

__all__ = [
    "NAME_PATTERN",
    "REMOVED",
    "LoadResult",
    "load",
    "load_manifest",
    "load_sources",
    "manifest_files",
    "parse_bool",
    "parse_float",
    "parse_int",
    "reader_error",
    "too_deep",
]

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-:/@]{0,252}$"
_NAME = re.compile(NAME_PATTERN.replace("$", r"\Z"))
_NAME_RULE = "use 1-253 characters from A-Z a-z 0-9 . _ - : / @, starting with a letter or digit"
_OPERATION_RULE = ("use 1-253 characters from A-Z a-z 0-9 . _ - / @ (no ':'), starting with a "
                   "letter or digit")

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _BOOL, _NULL, _FLOAT = (_TAG + t for t in ("str", "int", "bool", "null", "float"))
_MAP, _SEQ, _MERGE = _TAG + "map", _TAG + "seq", _TAG + "merge"
_TIMESTAMP, _BINARY, _VALUE = _TAG + "timestamp", _TAG + "binary", _TAG + "value"

#: The longest integer text pruner reads (sign, digits, ``_`` and ``:`` included). No
#: tier or quorum needs more; it keeps far below Python's 4,300-digit conversion limit.
MAX_INT_CHARS = 40

# The text of a scalar must match its tag, whether the tag was written (``!!int abc``)
# or resolved from plain text. pruner reads the text itself with these strict patterns
# and never hands it to PyYAML's constructors, which raise on bad text
# (``!!int 09``: ValueError, ``!!int ''``: IndexError, ``!!bool maybe``: KeyError).
_BOOL_TEXT = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}
_BOOL_RE = re.compile(r"yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF")
_INT_RE = re.compile(
    r"(?P<sign>[-+]?)(?:0b(?P<bin>[01_]*[01][01_]*)"
    r"|0x(?P<hex>[0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*)"
    r"|0(?P<oct>[0-7_]*[0-7][0-7_]*)"
    r"|(?P<dec>0|[1-9][0-9_]*)"
    r"|(?P<sexa>[1-9][0-9_]*(?::[0-5]?[0-9])+))"
)
_FLOAT_RE = re.compile(
    r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_NULL_RE = re.compile(r"~|null|Null|NULL|")
_TIMESTAMP_RE = re.compile(
    r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+](?P<tzh>[0-9]{1,2})(?::(?P<tzm>[0-9]{2}))?))?)?"
)
_BASE64_RE = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def _valid_timestamp(text: str) -> bool:
    m = _TIMESTAMP_RE.fullmatch(text)
    if m is None:
        return False
    if len(text) == 10 and m.group("m") is not None and len(m.group("m")) != 2:
        return False
    import datetime

    try:
        datetime.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return False
    if m["H"] is not None and not (int(m["H"]) < 24 and int(m["M"]) < 60 and int(m["S"]) < 61):
        return False
    return m["tzh"] is None or (int(m["tzh"]) < 24 and int(m["tzm"] or 0) < 60)


def _valid_binary(text: str) -> bool:
    return _BASE64_RE.fullmatch("".join(text.split())) is not None


def parse_int(text: str) -> int | None:
    """The integer a YAML 1.1 ``!!int`` text stands for; None when it is not one, or
    longer than :data:`MAX_INT_CHARS`.

    >>> [parse_int(t) for t in ("12", "-0x1f", "0o7", "010", "0b11", "1_000", "1:30")]
    [12, -31, None, 8, 3, 1000, 90]
    >>> [parse_int(t) for t in ("abc", "0x", "", "09", "1" * 41)]
    [None, None, None, None, None]
    """
    if len(text) > MAX_INT_CHARS:
        return None
    m = _INT_RE.fullmatch(text)
    if m is None:
        return None
    sign = -1 if m["sign"] == "-" else 1
    if m["sexa"] is not None:
        value = 0
        for part in m["sexa"].replace("_", "").split(":"):
            value = value * 60 + int(part)
        return sign * value
    for group, base in (("bin", 2), ("hex", 16), ("oct", 8), ("dec", 10)):
        digits = m[group]
        if digits is not None:
            return sign * int(digits.replace("_", ""), base)
    return None  # pragma: no cover - the pattern has no other branch


def parse_float(text: str) -> float | None:
    """The number a YAML 1.1 ``!!float`` (or ``!!int``) text stands for; None when it is
    not one, or longer than 100 characters.

    >>> [parse_float(t) for t in ("0.999", "1", "1_0.5", "1e-3", ".5", "-.inf", "0x10")]
    [0.999, 1.0, 10.5, 0.001, 0.5, -inf, 16.0]
    >>> [parse_float(t) for t in ("abc", "1.2.3", "", "e5", "." )]
    [None, None, None, None, None]
    """
    if len(text) > 100:
        return None
    number = parse_int(text)
    if number is not None:
        return float(number)
    if _FLOAT_RE.fullmatch(text) is None:
        return None
    bare = text.replace("_", "")
    lowered = bare.lower()
    if lowered.lstrip("+-") in (".inf", ".nan"):
        value = float("inf") if lowered.lstrip("+-") == ".inf" else float("nan")
        return -value if lowered.startswith("-") else value
    if ":" in bare:
        sign = -1.0 if bare.startswith("-") else 1.0
        value = 0.0
        for part in bare.lstrip("+-").split(":"):
            value = value * 60 + float(part)
        return sign * value
    try:
        return float(bare)
    except ValueError:
        return None


def parse_bool(text: str) -> bool | None:
    """The boolean a YAML 1.1 ``!!bool`` text stands for; None when it is not one.

    >>> parse_bool("Yes"), parse_bool("off"), parse_bool("maybe"), parse_bool("")
    (True, False, None, None)
    """
    return _BOOL_TEXT[text.lower()] if _BOOL_RE.fullmatch(text) else None


# Standard scalar tags -> a check of their text; pruner only ever reads the text, so
# none constructs anything. ``!!value`` is what PyYAML resolves a plain ``=`` to: text.
_SCALAR_CHECKS = {
    _STR: None,
    _VALUE: None,
    _INT: lambda t: parse_int(t) is not None,
    _BOOL: lambda t: _BOOL_RE.fullmatch(t) is not None,
    _NULL: lambda t: _NULL_RE.fullmatch(t) is not None,
    _FLOAT: lambda t: _FLOAT_RE.fullmatch(t) is not None and any(c.isdigit() for c in t)
    or t.lstrip("+-").lower() in (".inf", ".nan"),
    _TIMESTAMP: _valid_timestamp,
    _BINARY: _valid_binary,
}
_SCALAR_WORDS = {_INT: "an integer", _BOOL: "a boolean (true or false)", _NULL: "null",
                 _FLOAT: "a number", _TIMESTAMP: "a timestamp", _BINARY: "base64 data"}
_SCALAR_TAGS = frozenset(_SCALAR_CHECKS)

TOP_KEYS = ("version", "services", "flows", "defaults", "common_causes")
SERVICE_KEYS = ("description", "owner", "system", "tier", "tags", "depends_on", "operations",
                "availability", "start_seconds", "external", "evidence", "cost")
OPERATION_KEYS = ("description", "depends_on", "availability")
FLOW_KEYS = ("description", "critical", "owner", "requires", "target", "evidence",
             "rpc_budget", "latency_budget_ms")
DEFAULTS_KEYS = ("availability", "cost")
COMMON_CAUSE_KEYS = ("description", "availability", "services")
ITEM_KEYS = ("service", "any_of", "at_least", "of", "soft", "note", "startup", "evidence")
EVIDENCE_KEYS = ("source", "detail", "calls", "traces", "of", "first", "last")
_EVIDENCE_COUNT = re.compile(r"(?<![\w/])(\d[\d,]*)(?:/(\d[\d,]*))? traces?\b")
_EVIDENCE_CALLS = re.compile(r"(?<![\w/])(\d[\d,]*) calls?\b")
_EVIDENCE_WINDOW = re.compile(r"(?<!\S)(\d{4}-\d\d-\d\d\S*)?\.\.(\d{4}-\d\d-\d\d[^\s,;]*)?")
_EVIDENCE_TIME = re.compile(r"\d{4}-\d\d-\d\d(?:[Tt ][0-9:.]+(?:Z|[-+][0-9:]+)?)?\Z")

_ALLOWED_TAGS = {ScalarNode: _SCALAR_TAGS, MappingNode: frozenset({_MAP}),
                 SequenceNode: frozenset({_SEQ})}

# libyaml slows down quadratically on deeply nested flow collections, so nesting is
# measured on the raw text (brackets only, a C-speed scan) before parsing.
_BRACKETS = re.compile(r"[\[\]{}]")
_YAML12_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
MAX_NESTING = 500
MAX_PROBLEMS = 1000
REMOVED = "<removed>"  # the location of a placeholder service (see load_sources)


@dataclass(frozen=True)
class LoadResult:
    """A valid manifest and the warnings found while loading it.

    ``assumed`` names the placeholder services that ``assume_services`` let in
    (see :func:`load_sources`); empty otherwise.
    """

    manifest: Manifest
    warnings: tuple[Problem, ...] = ()
    assumed: tuple[str, ...] = ()


def manifest_files(path: str | os.PathLike) -> list[str]:
    """The YAML files a manifest path stands for, in the order they are merged.

    A file stands for itself; a folder for every ``*.yaml``/``*.yml`` below it,
    recursively, in sorted path order, hidden files and folders skipped. A subfolder
    that cannot be read, a ``*.yaml`` that is not a regular file (a FIFO, a device)
    and a file name that is not valid UTF-8 are errors, never skipped in silence.
    """
    problems: list[Problem] = []
    if bad_name(path):
        raise ManifestError([Problem(Location(shown(path)), _BAD_NAME)])
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        reason = "no such file or directory" if isinstance(exc, FileNotFoundError) else (
            f"cannot read: {exc.strerror or exc}")
        raise ManifestError([Problem(Location(shown(path)), reason)]) from None
    if not stat.S_ISDIR(mode):
        if not stat.S_ISREG(mode):
            raise ManifestError([Problem(Location(shown(path)),
                                         f"cannot read: {file_kind(mode)}, not a regular file")])
        return [str(path)]
    found = []

    def problem(where: str, reason: str) -> None:
        problems.append(Problem(Location(shown(where)), reason))

    for rel, full in walk_files(path, lambda n: n.endswith((".yaml", ".yml")), problem):
        if bad_name(full):
            problem(full, _BAD_NAME)
        else:
            found.append((rel, os.path.join(str(path), *rel.split("/"))))
    if problems:
        raise ManifestError(problems)
    if not found:
        raise ManifestError([Problem(Location(str(path)), "folder holds no *.yaml or *.yml file")])
    return [name for _, name in sorted(found)]


_BAD_NAME = "file name is not valid UTF-8 (shown with \\x escapes); rename the file"


def load(path: str | os.PathLike, assume_services: Iterable[str] = ()) -> LoadResult:
    """Load and validate the manifest at ``path``; raise :class:`ManifestError` if invalid.

    ``assume_services`` is passed on to :func:`load_sources`.
    """
    files = manifest_files(path)
    sources = []
    problems = []
    for name in files:
        try:
            sources.append((name, read_regular(name)))
        except UnreadableError as exc:
            problems.append(Problem(Location(exc.path), exc.reason))
    if problems:
        raise ManifestError(problems)
    return load_sources(sources, assume_services=assume_services)


def load_manifest(path: str | os.PathLike) -> Manifest:
    """Like :func:`load`, without the warnings."""
    return load(path).manifest


def load_sources(
    sources: Iterable[tuple[str, bytes | str]], assume_services: Iterable[str] = ()
) -> LoadResult:
    """Load a manifest from ``(file name, content)`` pairs, merged in the given order.

    ``assume_services`` (used by ``pruner diff``) names services that existed in an
    older version: a reference to one of them that is not defined is not an error
    but yields a *placeholder* service (no dependencies, location ``<removed>``),
    listed in ``LoadResult.assumed`` so the caller can switch it off. Any other
    unknown name is still an error.

    >>> r = load_sources([("m.yaml", "services: {a: {depends_on: [b]}, b: }")])
    >>> r.manifest.services["a"].depends_on[0].members
    ('b',)
    >>> load_sources([("m.yaml", "services: {a: {depends_on: [c]}}")])
    Traceback (most recent call last):
    ...
    pruner.errors.ManifestError: m.yaml:1:29: error: service 'a' depends on unknown service 'c'
    >>> r = load_sources([("m.yaml", "services: {a: {depends_on: [c]}}")], assume_services={"c"})
    >>> r.assumed, sorted(r.manifest.services)
    (('c',), ['a', 'c'])
    """
    collector = _Collector(frozenset(assume_services))
    names = []
    # The node tree is acyclic and huge: the cyclic garbage collector would rescan it
    # again and again while it grows (75% of the load time on 20,000 services), and
    # could free nothing. Pause it while reading; restore the caller's setting.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for name, content in sources:
            names.append(name)
            _FileReader(name, collector).read(content)
        return collector.finish(tuple(names))
    finally:
        if was_enabled:
            gc.enable()


class _Collector:
    """Gathers services, flows and problems from every file, then checks references."""

    def __init__(self, assume: frozenset[str] = frozenset()) -> None:
        self.assume = assume
        self.services: dict[str, Service] = {}
        self.flows: dict[str, Flow] = {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.omitted = 0
        # availability (docs/availability.md): the manifest-wide default (value, where)
        # and the common-cause groups
        self.default_availability: tuple[float, Location] | None = None
        # cost (spec §12): the manifest-wide default (value, where)
        self.default_cost: tuple[float, Location] | None = None
        self.common_causes: dict[str, tuple[Service, tuple[str, ...]]] = {}

    def report(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.omitted += 1

    def add(self, table: dict, kind: str, value, where: Location) -> None:
        first = table.get(value.name)
        if first is not None:
            self.report(
                Problem(where, f"{kind} {display(value.name)} is defined twice: "
                               f"here and at {first.location}")
            )
        else:
            table[value.name] = value

    def finish(self, sources: tuple[str, ...]) -> LoadResult:
        services = self.services
        assumed = self.placeholders() if self.assume else {}
        services.update(assumed)
        if self.default_availability is not None:
            default = self.default_availability[0]
            for name, svc in services.items():
                if svc.availability is None and svc.location.file != REMOVED:
                    services[name] = replace(svc, availability=default)
        if self.default_cost is not None:
            default = self.default_cost[0]
            for name, svc in services.items():
                if svc.cost is None and svc.location.file != REMOVED:
                    services[name] = replace(svc, cost=default)
        if self.common_causes:
            self.add_common_causes(services)
        operations = {op.name: op for svc in services.values() for op in svc.operations}
        nodes = services
        if operations:
            self.ambiguous(operations)
            nodes = {**services, **operations}
        suggestions_left = 50  # did-you-mean is costly on huge manifests full of typos
        owner_tables = (("service", services), ("operation", operations), ("flow", self.flows))
        for owner_kind, owners in owner_tables:
            for owner in owners.values():
                items = owner.requires if owner_kind == "flow" else owner.depends_on
                seen: dict[str, Location] = {}
                for item in items:
                    if item.implicit:
                        continue
                    for member in item.members:
                        if member not in nodes:
                            if len(self.problems) >= MAX_PROBLEMS:
                                self.omitted += 1
                                continue
                            verb = "requires" if owner_kind == "flow" else "depends on"
                            what = self.unknown(member, services, suggestions_left > 0)
                            suggestions_left -= 1
                            self.report(Problem(
                                item.location, f"{owner_kind} {display(owner.name)} {verb} {what}"
                            ))
                        elif member == owner.name and owner_kind != "flow":
                            self.report(Problem(
                                item.location,
                                f"{owner_kind} {display(owner.name)} depends on itself"
                            ))
                        elif owner_kind == "operation" and member == owner.operation_of:
                            self.warnings.append(Problem(
                                item.location,
                                f"operation {display(owner.name)} names its own service "
                                f"{display(member)}, which each of its operations needs anyway",
                                "warning",
                            ))
                        elif (owner_kind == "service" and member in operations
                              and operations[member].operation_of == owner.name):
                            self.warnings.append(Problem(
                                item.location,
                                f"service {display(owner.name)} depends on its own operation "
                                f"{display(member)}, which needs the service: a cycle that "
                                "never breaks by itself",
                                "warning",
                            ))
                        if member in seen:
                            self.warnings.append(Problem(
                                item.location,
                                f"{owner_kind} {display(owner.name)} names {display(member)} "
                                f"in more than one item (first at {seen[member]})",
                                "warning",
                            ))
                        else:
                            seen[member] = item.location
        if self.problems:
            raise ManifestError(self.problems, self.omitted)
        manifest = Manifest(services, self.flows, sources)
        return LoadResult(manifest, tuple(sorted(self.warnings)), tuple(sorted(assumed)))

    def add_common_causes(self, services: dict[str, Service]) -> None:
        """Compile each common-cause group into a node of its own (no dependencies, the
        group's availability) on which every member holds an extra hard item."""
        extra: dict[str, list[Item]] = {}
        for name in sorted(self.common_causes):
            node, members = self.common_causes[name]
            clash = services.get(name)
            if clash is not None:
                self.report(Problem(node.location, f"common cause {display(name)} has the name "
                                                   f"of a service (defined at {clash.location})"))
                continue
            for member in members:
                if member not in services:
                    self.report(Problem(node.location, f"common cause {display(name)} names "
                                                       f"unknown service {display(member)}"
                                                       f"{did_you_mean(member, services)}"))
                    continue
                extra.setdefault(member, []).append(
                    Item(SINGLE, (name,), 1, note=f"common cause {name}",
                         location=node.location))
        for name in sorted(self.common_causes):
            if name not in services:
                services[name] = self.common_causes[name][0]
        for member, items in extra.items():
            svc = services[member]
            services[member] = replace(svc, depends_on=svc.depends_on + tuple(items))

    def unknown(self, member: str, services: dict, hint: bool) -> str:
        """How to name an unknown reference: an operation of a known service, or a service."""
        service, operation = split_operation(member)
        if operation is not None and service in services:
            known = [op.name.rpartition(":")[2] for op in services[service].operations]
            suggestion = did_you_mean(operation, known) if hint else ""
            if not known:
                suggestion = f" (service {display(service)} declares no operations)"
            return (f"unknown operation {display(operation)} of service "
                    f"{display(service)}{suggestion}")
        suggestion = did_you_mean(member, services) if hint else ""
        return f"unknown service {display(member)}{suggestion}"

    def ambiguous(self, operations: dict) -> None:
        """A service literally named ``S:O`` while ``S`` declares ``O``: an error naming both."""
        for name, op in operations.items():
            clash = self.services.get(name)
            if clash is not None:
                self.report(Problem(
                    clash.location,
                    f"service {display(name)} has the name of operation "
                    f"{display(name.rpartition(':')[2])} of service {display(op.operation_of)} "
                    f"(declared at {op.location}): rename one of them",
                ))

    def placeholders(self) -> dict[str, Service]:
        """A placeholder service for each assumed name that is referenced but undefined."""
        found: dict[str, Service] = {}
        declared = {op.name for svc in self.services.values() for op in svc.operations}
        nodes = [*self.services.values(),
                 *(op for svc in self.services.values() for op in svc.operations)]
        for owners, field_name in ((nodes, "depends_on"), (self.flows.values(), "requires")):
            for owner in owners:
                for item in getattr(owner, field_name):
                    for member in item.members:
                        if (member in self.assume and member not in self.services
                                and member not in declared and member not in found
                                and member not in self.common_causes):  # a group now
                            found[member] = Service(member, location=Location(REMOVED))
        return found


class _FileReader:
    """Reads one file's YAML node tree into services and flows, noting every problem."""

    def __init__(self, name: str, collector: _Collector) -> None:
        self.file = name
        self.out = collector
        self.visits = 0
        self.budget = 0
        self.pending: list = []  # (table, kind, value): merged only if the file reads to the end
        self.source = ""
        self.lines: list[str] | None = None  # the text's lines, split when first needed

    # -- reporting -------------------------------------------------------------
    def where(self, node) -> Location:
        mark = node.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)

    def problem(self, node_or_location, message: str) -> None:
        where = node_or_location
        if not isinstance(where, Location):
            where = self.where(where)
        self.out.report(Problem(where, message))

    # -- reading ---------------------------------------------------------------
    def read(self, content: bytes | str) -> None:
        if isinstance(content, bytes):
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = content.count(b"\n", 0, exc.start) + 1
                column = exc.start - (content.rfind(b"\n", 0, exc.start) + 1) + 1
                bad = content[exc.start:exc.start + 1].hex()
                self.problem(Location(self.file, line, column),
                             f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8")
                return
        else:
            text = content
        self.source = text
        # Each node read costs a visit; aliases may revisit nodes, but only so often.
        self.budget = 200_000 + 4 * len(text)
        deep = too_deep(text)
        if deep is not None:
            self.problem(Location(self.file, *deep),
                         f"nested deeper than {MAX_NESTING} levels; no manifest needs that")
            return
        try:
            documents = list(yaml.compose_all(text, Loader=_YamlLoader))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = Location(self.file)
            if mark:
                where = Location(self.file, mark.line + 1, mark.column + 1)
            reason = exc.problem or exc.context or "malformed"
            if "nesting depth" in reason:
                self.problem(where, "nested too deeply (YAML readers stop at 1,000 levels); "
                                    "no manifest needs that")
                return
            self.problem(where, f"invalid YAML: {reason}{_hint(text, mark, reason)}")
            return
        except yaml.reader.ReaderError as exc:
            self.problem(*reader_error(self.file, text, exc))
            return
        except yaml.YAMLError as exc:
            self.problem(Location(self.file), f"invalid YAML: {str(exc).splitlines()[0]}")
            return
        except RecursionError:
            self.problem(Location(self.file), "invalid YAML: nested too deeply")
            return
        try:
            for document in documents:
                self.document(document)
        except _AliasBomb as exc:
            self.problem(exc.node, "aliases expand beyond any real manifest; refusing to read on")
            return
        for table, kind, value in self.pending:
            self.out.add(table, kind, value, value.location)

    def visit(self, node) -> bool:
        """Note that a node is read; False (with a problem noted) if its tag is not one
        of YAML's plain ones. Collections count their size against the alias budget:
        scalars are only reached through collections, so that bounds all the work."""
        tag = node.tag
        if node.__class__ is ScalarNode:
            if tag == _STR:  # by far the most common case: plain text
                return True
        else:
            self.visits += len(node.value) + 1
            if self.visits > self.budget:
                raise _AliasBomb(node)
        if tag in _ALLOWED_TAGS[node.__class__]:
            if node.__class__ is not ScalarNode:
                return True
            check = _SCALAR_CHECKS[tag]
            if check is None or check(node.value) or not self.explicit_tag(node):
                return True  # plain text that merely looks typed (``0x_``) stays text
            self.problem(node, f"{display(node.value)} is not {_SCALAR_WORDS[tag]}, as its "
                               f"tag !!{tag[len(_TAG):]} says")
            return False
        shown = "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag
        self.problem(node, f"unsupported YAML tag {display(shown)}: manifests hold plain "
                           "mappings, lists, text, numbers and booleans")
        return False

    def explicit_tag(self, node) -> bool:
        """Whether the node's tag is written in the file (``!!int x``), not resolved."""
        if self.lines is None:
            self.lines = self.source.split("\n")
        mark = node.start_mark
        try:
            start = self.lines[mark.line][mark.column:]
        except IndexError:  # pragma: no cover - marks always point into the text
            return True
        if start.startswith("&"):  # an anchor comes first: &name !!tag value
            start = start.split(None, 1)[1] if len(start.split(None, 1)) > 1 else ""
        return start.startswith("!")

    def is_null(self, node) -> bool:
        return isinstance(node, ScalarNode) and node.tag == _NULL

    def pairs(self, node, what: str, allowed: tuple[str, ...] | None):
        """``(key, key node, value node)`` of a mapping: duplicates and unknown keys noted."""
        if not self.visit(node):
            return []
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping, not {_kind(node)}")
            return []
        result = []
        seen: dict[str, object] = {}
        merged = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.visits += 1
                merged.extend(self.merge_sources(value_node))
                continue
            if not self.visit(key_node):
                continue
            if not isinstance(key_node, ScalarNode):
                self.problem(key_node, f"keys of {what} must be plain text, not {_kind(key_node)}")
                continue
            key = key_node.value
            if key in seen:
                self.problem(key_node, f"duplicate key {display(key)} in {what} "
                                       f"(first at {self.where(seen[key])})")
                continue
            seen[key] = key_node
            if allowed is not None and key not in allowed and not key.startswith("x-"):
                self.problem(key_node, f"unknown key {display(key)} in {what}"
                                       f"{did_you_mean(key, allowed)}; expected one of "
                                       f"{', '.join(allowed)}")
                continue
            result.append((key, key_node, value_node))
        for key_node, value_node in merged:  # explicit keys win over merged ones
            if not self.visit(key_node):
                continue
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None or key in seen:
                continue
            seen[key] = key_node
            if allowed is None or key in allowed:
                result.append((key, key_node, value_node))
        return result

    def merge_sources(self, node):
        """The key/value node pairs a ``<<:`` merge key brings in, in order of precedence.

        A merged mapping may itself merge others (``api: &api {<<: *base}``, then
        ``canary: {<<: *api}``): its own keys come before those it merges. Walked with
        an explicit stack (chains of anchors can be long); every node counts against
        the alias budget, so merges cannot expand into a bomb either.
        """
        pairs = []
        stack = [iter(self.merge_list(node))]
        while stack:
            source = next(stack[-1], None)
            if source is None:
                stack.pop()
                continue
            nested = []
            for key_node, value_node in source.value:
                if key_node.tag == _MERGE:
                    self.visits += 1
                    nested.extend(self.merge_list(value_node))
                else:
                    pairs.append((key_node, value_node))
            if nested:
                stack.append(iter(nested))
        return pairs

    def merge_list(self, node) -> list:
        """The mappings the value of one ``<<`` key names (one, or a list of them)."""
        if not self.visit(node):
            return []
        sources = node.value if isinstance(node, SequenceNode) else [node]
        found = []
        for source in sources:
            if source is not node and not self.visit(source):
                continue
            if not isinstance(source, MappingNode):
                self.problem(source, "a '<<' merge takes a mapping or a list of mappings")
                continue
            found.append(source)
        return found

    def sequence(self, node, what: str):
        if not self.visit(node):
            return []
        if self.is_null(node):
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{what} must be a list, not {_kind(node)}")
            return []
        return node.value

    def text(self, node, what: str) -> str | None:
        if not self.visit(node) or self.is_null(node):
            return None
        if not isinstance(node, ScalarNode):
            self.problem(node, f"{what} must be text, not {_kind(node)}")
            return None
        return node.value

    def name(self, node, what: str) -> str | None:
        if not self.visit(node):
            return None
        if not isinstance(node, ScalarNode) or self.is_null(node):
            self.problem(node, f"{what} must be a name, not {_kind(node)}")
            return None
        value = node.value
        if not _NAME.match(value):
            self.problem(node, f"invalid {what} {display(value)}: {_NAME_RULE}")
            return None
        return value

    def boolean(self, node, what: str) -> bool | None:
        if not self.visit(node):
            return None
        if isinstance(node, ScalarNode) and node.tag == _BOOL:
            value = parse_bool(node.value)
            if value is not None:
                return value
        self.problem(node, f"{what} must be true or false, not {_kind(node)}")
        return None

    def integer(self, node, what: str) -> int | None:
        if not self.visit(node):
            return None
        if isinstance(node, ScalarNode) and node.tag == _INT:
            value = parse_int(node.value)
            if value is not None:
                return value
            if len(node.value) > MAX_INT_CHARS:
                self.problem(node, f"{what} is too long an integer ({len(node.value)} "
                                   f"characters; pruner reads at most {MAX_INT_CHARS})")
                return None
        self.problem(node, f"{what} must be an integer, not {_kind(node)}")
        return None

    def seconds(self, node, what: str, unit: str = "seconds") -> float | None:
        """A duration in ``unit``: a finite number, 0 or more."""
        return self.nonnegative(node, what, f" of {unit}")

    def cost(self, node, what: str) -> float | None:
        """A running cost (spec §12): a finite number, 0 or more."""
        return self.nonnegative(node, what, "", show=True)

    def nonnegative(self, node, what: str, unit: str, show: bool = False) -> float | None:
        """A finite number, 0 or more (``unit`` names it in messages; ``show`` quotes a
        number that is out of range)."""
        if not self.visit(node):
            return None
        value = None
        if isinstance(node, ScalarNode) and node.tag in (_INT, _FLOAT):
            value = parse_float(node.value)
        elif (isinstance(node, ScalarNode) and node.tag == _STR and not node.style
              and _YAML12_FLOAT.match(node.value)):
            value = float(node.value)  # `1e-3`: a float in YAML 1.2, text to PyYAML's 1.1
        if value is not None:
            if value >= 0 and math.isfinite(value):
                return value
            shown_value = f", not {display(node.value)}" if show else ""
            self.problem(node, f"{what} must be a finite number{unit}, 0 or more{shown_value}")
            return None
        middle = ", 0 or more," if show else ","
        self.problem(node, f"{what} must be a number{unit}{middle} not {_kind(node)}")
        return None

    # -- the manifest grammar -------------------------------------------------
    def document(self, node) -> None:
        if self.is_null(node):
            return  # an empty document contributes nothing
        for key, _key_node, value in self.pairs(node, "a manifest file", TOP_KEYS):
            if key == "version":
                version = self.integer(value, "version")
                if version is not None and version != 1:
                    self.problem(value, f"unsupported manifest version {version}: "
                                        "this pruner reads version 1")
            elif key in ("services", "flows") and not self.is_null(value):
                kind, keys = (("service", SERVICE_KEYS) if key == "services"
                              else ("flow", FLOW_KEYS))
                read = self.service if key == "services" else self.flow
                entries = self.pairs(value, key, None)
                skip = self.misplaced_keys(entries, kind, keys)
                for index, (_name_text, name_node, body) in enumerate(entries):
                    if index not in skip:
                        read(name_node, body)
            elif key == "defaults":
                self.defaults(_key_node, value)
            elif key == "common_causes":
                if not self.is_null(value):
                    for _name_text, name_node, body in self.pairs(value, "common_causes", None):
                        self.common_cause(name_node, body)

    def misplaced_keys(self, entries, kind: str, keys: tuple[str, ...]) -> set[int]:
        """Entries that are really a field indented one level too little, reported once.

        ``login:`` (empty) followed by ``requires: [a]`` at the same indentation reads as
        two flows, the second named ``requires``: one problem says so, instead of "flow
        'login' has no requires" plus "flow 'requires' must be a mapping".
        """
        skip: set[int] = set()
        for index, (text, name_node, body) in enumerate(entries):
            if text not in keys or self.is_null(body) or isinstance(body, MappingNode):
                continue
            skip.add(index)
            hint = "indent it under the " + kind + " it belongs to"
            if index and self.is_null(entries[index - 1][2]):
                owner = entries[index - 1][1]
                if kind == "flow":  # else "flow 'login' has no requires" follows
                    skip.add(index - 1)
                hint = (f"indent it under {kind} {display(owner.value)} "
                        f"(line {owner.start_mark.line + 1})")
            self.problem(name_node, f"{display(text)} is a key of a {kind}, but it is indented "
                                    f"as a {kind} name; {hint}")
        return skip

    def probability(self, node, what: str) -> float | None:
        """A number from 0 to 1, or a percentage written ``"99.95%"``."""
        if not self.visit(node):
            return None
        value = None
        if isinstance(node, ScalarNode) and node.tag in (_FLOAT, _INT):
            value = parse_float(node.value)
        elif (isinstance(node, ScalarNode) and node.tag == _STR and not node.style
              and _YAML12_FLOAT.match(node.value)):
            value = float(node.value)  # `1e-5`: a float in YAML 1.2, text to PyYAML's 1.1
        elif isinstance(node, ScalarNode) and node.tag == _STR and node.value.endswith("%"):
            try:
                value = float(Decimal(node.value[:-1].strip()) / 100)
            except (ArithmeticError, ValueError):
                value = None
        if value is None or math.isnan(value) or not 0.0 <= value <= 1.0:
            self.problem(node, f"{what} must be a number from 0 to 1 (or a percentage such "
                               f"as \"99.9%\"), not {_kind(node)}")
            return None
        return value

    def defaults(self, key_node, node) -> None:
        if self.is_null(node):
            return
        f = self.fields(node, "defaults", DEFAULTS_KEYS)
        if "availability" in f:
            value = self.probability(f["availability"], "defaults: availability")
            if value is None:
                return
            first = self.out.default_availability
            where = self.where(key_node)
            if first is not None:
                self.problem(key_node, f"defaults: availability is set twice: here and at "
                                       f"{first[1]}")
                return
            self.out.default_availability = (value, where)
        if "cost" in f and not self.is_null(f["cost"]):
            value = self.cost(f["cost"], "defaults: cost")
            if value is None:
                return
            first = self.out.default_cost
            where = self.where(key_node)
            if first is not None:
                self.problem(key_node, f"defaults: cost is set twice: here and at {first[1]}")
                return
            self.out.default_cost = (value, where)

    def common_cause(self, name_node, body) -> None:
        name = self.name(name_node, "common cause name")
        what = f"common cause {display(name or name_node.value)}"
        f = self.fields(body, what, COMMON_CAUSE_KEYS)
        availability = self.availability(f.get("availability"), what)
        if "services" not in f:
            self.problem(name_node, f"{what} needs services: [names...]")
            return
        members = self.members(f["services"], f"services of {what}")
        if name is None or members is None:
            return
        if name in self.out.common_causes:
            self.problem(name_node, f"{what} is defined twice: here and at "
                                    f"{self.out.common_causes[name][0].location}")
            return
        description = self.text(f["description"], "description") if "description" in f else None
        node = Service(name=name, description=description or f"common cause of {len(members)} "
                       "services", tags=("common-cause",), location=self.where(name_node),
                       availability=availability, common_cause=True)
        self.out.common_causes[name] = (node, members)

    def fields(self, body, what: str, allowed: tuple[str, ...]) -> dict:
        if self.is_null(body):
            return {}
        return {k: v for k, _, v in self.pairs(body, what, allowed) if not k.startswith("x-")}

    def problems_so_far(self) -> int:
        return len(self.out.problems) + self.out.omitted

    def service(self, name_node, body) -> None:
        name = self.name(name_node, "service name")
        what = f"service {display(name or name_node.value)}"
        f = self.fields(body, what, SERVICE_KEYS)
        tier = None
        if "tier" in f and not self.is_null(f["tier"]):
            tier = self.integer(f["tier"], f"tier of {what}")
            if tier is not None and tier < 0:
                self.problem(f["tier"], f"tier of {what} must be 0 or more")
        tags = []
        for tag_node in self.sequence(f["tags"], f"tags of {what}") if "tags" in f else ():
            tag = self.text(tag_node, f"a tag of {what}")
            if tag is not None:
                tags.append(tag)
        items = self.items(f.get("depends_on"), f"depends_on of {what}")
        availability = self.availability(f.get("availability"), what)
        operations = self.operations(name, f.get("operations"), what)
        start_seconds = None
        if "start_seconds" in f and not self.is_null(f["start_seconds"]):
            start_seconds = self.seconds(f["start_seconds"], f"start_seconds of {what}")
        cost = None
        if "cost" in f and not self.is_null(f["cost"]):
            cost = self.cost(f["cost"], f"cost of {what}")
        external = False
        if "external" in f and not self.is_null(f["external"]):
            external = bool(self.boolean(f["external"], f"external of {what}"))
        evidence = self.evidence(f.get("evidence"), what)
        if name is None:
            return
        service = Service(
            name=name,
            depends_on=items,
            description=self.text(f["description"], "description") if "description" in f else None,
            owner=self.text(f["owner"], "owner") if "owner" in f else None,
            system=self.text(f["system"], "system") if "system" in f else None,
            tier=tier,
            tags=tuple(sorted(set(tags))),
            location=self.where(name_node),
            operations=operations,
            availability=availability,
            start_seconds=start_seconds,
            cost=cost,
            evidence=evidence,
            external=external,
        )
        self.pending.append((self.out.services, "service", service))

    def availability(self, node, what: str) -> float | None:
        """An ``availability``: a number from 0 to 1 (spec §9), or None when absent."""
        if node is None or self.is_null(node):
            return None
        return self.probability(node, f"availability of {what}")

    def operations(self, service: str | None, node, what: str) -> tuple[Service, ...]:
        """The ``operations`` of a service (spec §8), each an ``S:O`` node."""
        if node is None or self.is_null(node):
            return ()
        found = []
        for _text, name_node, body in self.pairs(node, f"operations of {what}", None):
            op = None
            if not self.visit(name_node):
                pass
            elif not isinstance(name_node, ScalarNode) or self.is_null(name_node):
                self.problem(name_node, f"an operation name in {what} must be a name, "
                                        f"not {_kind(name_node)}")
            elif not _NAME.match(name_node.value) or ":" in name_node.value:
                self.problem(name_node, f"invalid operation name {display(name_node.value)} in "
                                        f"{what}: {_OPERATION_RULE}")
            else:
                op = name_node.value
            # (a valid name needs no escaping: the message text is built the cheap way)
            op_what = (f"operation '{op}' of {what}" if op is not None and len(op) < 80
                       else f"operation {display(op or name_node.value)} of {what}")
            f = self.fields(body, op_what, OPERATION_KEYS)
            items = self.items(f.get("depends_on"), f"depends_on of {op_what}")
            availability = self.availability(f.get("availability"), op_what)
            description = self.text(f["description"], "description") if "description" in f else None
            if op is None or service is None:
                continue
            if len(service) + 1 + len(op) > 253:
                self.problem(name_node, f"{op_what}: {display(service + ':' + op)} is longer "
                                        "than 253 characters")
                continue
            found.append(Service.operation(service, op, items, description=description,
                                           location=self.where(name_node),
                                           availability=availability))
        return tuple(sorted(found, key=lambda o: o.name))

    def flow(self, name_node, body) -> None:
        name = self.name(name_node, "flow name")
        what = f"flow {display(name or name_node.value)}"
        before = self.problems_so_far()
        f = self.fields(body, what, FLOW_KEYS)
        # A body that is not a mapping, or a misspelt key, was just reported: saying
        # "no requires" on top would report one mistake twice.
        structural = self.problems_so_far() > before
        critical = True
        if "critical" in f and not self.is_null(f["critical"]):
            value = self.boolean(f["critical"], f"critical of {what}")
            critical = True if value is None else value
        items = self.items(f.get("requires"), f"requires of {what}")
        target = None
        if "target" in f and not self.is_null(f["target"]):
            target = self.probability(f["target"], f"target of {what}")
        rpc_budget = None
        if "rpc_budget" in f and not self.is_null(f["rpc_budget"]):
            rpc_budget = self.integer(f["rpc_budget"], f"rpc_budget of {what}")
            if rpc_budget is not None and rpc_budget < 0:
                self.problem(f["rpc_budget"], f"rpc_budget of {what} must be 0 or more")
                rpc_budget = None
        latency_budget = None
        if "latency_budget_ms" in f and not self.is_null(f["latency_budget_ms"]):
            latency_budget = self.seconds(f["latency_budget_ms"], f"latency_budget_ms of {what}",
                                          "milliseconds")
        requires = f.get("requires")
        if requires is None or self.is_null(requires):
            if not structural:
                self.problem(name_node, f"{what} has no requires: a flow needs at least one item")
        elif isinstance(requires, SequenceNode) and not requires.value:
            self.problem(requires, f"{what} has an empty requires list")
        evidence = self.evidence(f.get("evidence"), what)
        if name is None:
            return
        flow = Flow(
            name=name,
            requires=items,
            description=self.text(f["description"], "description") if "description" in f else None,
            critical=critical,
            owner=self.text(f["owner"], "owner") if "owner" in f else None,
            location=self.where(name_node),
            target=target,
            rpc_budget=rpc_budget,
            latency_budget_ms=latency_budget,
            evidence=evidence,
        )
        self.pending.append((self.out.flows, "flow", flow))

    def items(self, node, what: str) -> tuple[Item, ...]:
        if node is None:
            return ()
        items = []
        for item_node in self.sequence(node, what):
            item = self.item(item_node, what)
            if item is not None:
                items.append(item)
        return tuple(items)

    def item(self, node, what: str) -> Item | None:
        if not self.visit(node):
            return None
        where = self.where(node)
        if isinstance(node, ScalarNode):
            name = self.name(node, f"service name in {what}")
            return None if name is None else Item(SINGLE, (name,), 1, location=where)
        if isinstance(node, SequenceNode):
            self.problem(node, f"an item of {what} is a service name or a mapping, not a list "
                               "(for a fallback group write any_of: [a, b])")
            return None
        before = self.problems_so_far()
        f = {k: v for k, _, v in self.pairs(node, f"an item of {what}", ITEM_KEYS)}
        forms = [k for k in ("service", "any_of", "at_least") if k in f]
        if not forms and self.problems_so_far() > before:
            return None  # a misspelt key, just reported (did you mean 'service'?)
        if len(forms) != 1:
            found = ", ".join(forms) if forms else "none"
            self.problem(node, f"an item of {what} needs exactly one of service, any_of, "
                               f"at_least (found {found})")
            return None
        form = forms[0]
        if "of" in f and form != "at_least":
            self.problem(f["of"], f"'of' goes with at_least, not {form}")
            return None
        soft = False
        if "soft" in f:
            soft = bool(self.boolean(f["soft"], f"soft in {what}"))
        note = self.text(f["note"], "note") if "note" in f else None
        startup = True
        if "startup" in f:
            value = self.boolean(f["startup"], f"startup in {what}")
            startup = True if value is None else value
        evidence = self.evidence(f.get("evidence"), f"an item of {what}")
        if form == "service":
            name = self.name(f["service"], f"service name in {what}")
            return (None if name is None
                    else Item(SINGLE, (name,), 1, soft, note, where, startup=startup,
                              evidence=evidence))
        if form == "any_of":
            members = self.members(f["any_of"], f"any_of in {what}")
            return (None if members is None
                    else Item(ANY_OF, members, 1, soft, note, where, startup=startup,
                              evidence=evidence))
        if "of" not in f:
            self.problem(f["at_least"], f"at_least in {what} needs 'of: [names...]'")
            return None
        need = self.integer(f["at_least"], f"at_least in {what}")
        members = self.members(f["of"], f"of in {what}")
        if need is None or members is None:
            return None
        if not 1 <= need <= len(members):
            self.problem(f["at_least"], f"at_least {need} of {len(members)} members in {what}: "
                                        f"must be between 1 and {len(members)}")
            return None
        return Item(AT_LEAST, members, need, soft, note, where, startup=startup,
                    evidence=evidence)

    def evidence(self, node, what: str) -> tuple[Evidence, ...]:
        """An ``evidence`` value (docs/manifest.md, "Evidence"): one entry or a list.

        An entry is ``SOURCE`` or ``SOURCE DETAIL`` (text), ``{SOURCE: DETAIL}`` (one
        key), or ``{source: SOURCE, detail, calls, traces, of, first, last}``. Counts
        and a window written in a detail (``40/40 traces, 97 calls, A..B``) are read too.
        """
        if node is None or self.is_null(node):
            return ()
        what = f"evidence of {what}"
        nodes = node.value if isinstance(node, SequenceNode) else [node]
        if isinstance(node, SequenceNode) and not self.visit(node):
            return ()
        found = []
        for entry in nodes:
            e = self.evidence_entry(entry, what)
            if e is not None:
                found.append(e)
        return tuple(found)

    def evidence_source(self, node, text: str) -> bool:
        if text in EVIDENCE_SOURCES:
            return True
        self.problem(node, f"unknown evidence source {display(text)}"
                           f"{did_you_mean(text, EVIDENCE_SOURCES)}; expected one of "
                           f"{', '.join(EVIDENCE_SOURCES)}")
        return False

    def evidence_entry(self, node, what: str) -> Evidence | None:
        if not self.visit(node):
            return None
        if isinstance(node, ScalarNode):
            if self.is_null(node):
                self.problem(node, f"an entry of {what} is empty")
                return None
            source, _, detail = node.value.strip().partition(" ")
            source = source[:-1] if source.endswith(":") else source  # "traces: 3/4 traces"
            if not self.evidence_source(node, source):
                return None
            return _evidence_text(source, detail.strip() or None)
        if not isinstance(node, MappingNode):
            self.problem(node, f"an entry of {what} must be text or a mapping, not {_kind(node)}")
            return None
        keys = [k.value for k, _ in node.value if isinstance(k, ScalarNode)]
        if "source" not in keys:
            pairs = self.pairs(node, f"an entry of {what}", None)
            pairs = [p for p in pairs if not p[0].startswith("x-")]
            if len(pairs) != 1:
                self.problem(node, f"an entry of {what} is SOURCE: DETAIL (one key) or has "
                                   f"'source:' (found {len(pairs)} keys)")
                return None
            key, key_node, value = pairs[0]
            if not self.evidence_source(key_node, key):
                return None
            return _evidence_text(key, self.text(value, f"detail in {what}"))
        f = {k: v for k, _, v in self.pairs(node, f"an entry of {what}", EVIDENCE_KEYS)}
        source = self.text(f["source"], f"source in {what}")
        if source is None or not self.evidence_source(f["source"], source):
            return None
        counts: dict[str, int | None] = {}
        for key in ("calls", "traces", "of"):
            counts[key] = None
            if key in f and not self.is_null(f[key]):
                value = self.integer(f[key], f"{key} in {what}")
                if value is not None and value < 0:
                    self.problem(f[key], f"{key} in {what} must be 0 or more")
                    value = None
                counts[key] = value
        if counts["traces"] is not None and counts["of"] is not None \
                and counts["traces"] > counts["of"]:
            self.problem(f["traces"], f"traces in {what} is more than 'of' "
                                      f"({counts['traces']} > {counts['of']})")
        times: dict[str, str | None] = {}
        for key in ("first", "last"):
            times[key] = self.text(f[key], f"{key} in {what}") if key in f else None
            if times[key] is not None and not _EVIDENCE_TIME.match(times[key]):
                self.problem(f[key], f"{key} in {what} must be a date or an RFC 3339 time "
                                     f"(2026-12-01 or 2026-12-01T10:00:00Z), not "
                                     f"{display(times[key])}")
                times[key] = None
        detail = self.text(f["detail"], f"detail in {what}") if "detail" in f else None
        return Evidence(source, detail, counts["calls"], counts["traces"], counts["of"],
                        times["first"], times["last"])

    def members(self, node, what: str) -> tuple[str, ...] | None:
        nodes = self.sequence(node, what)
        if not nodes:
            if isinstance(node, (SequenceNode, ScalarNode)):
                self.problem(node, f"{what} must list at least one service")
            return None
        names: list[str] = []
        seen: dict[str, object] = {}
        ok = True
        for member_node in nodes:
            name = self.name(member_node, f"service name in {what}")
            if name is None:
                ok = False
            elif name in seen:
                self.problem(member_node, f"{display(name)} is listed twice in {what} "
                                          f"(first at {self.where(seen[name])})")
                ok = False
            else:
                seen[name] = member_node
                names.append(name)
        return tuple(names) if ok else None


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def _evidence_text(source: str, detail: str | None) -> Evidence:
    """An entry written as text: counts and a window in the detail are read as fields.

    >>> _evidence_text("traces", "40/41 traces, 1,097 calls, 2026-11-30..2026-12-01")
    Evidence(source='traces', detail='40/41 traces, 1,097 calls, 2026-11-30..2026-12-01', \
calls=1097, traces=40, of=41, first='2026-11-30', last='2026-12-01')
    """
    if not detail:
        return Evidence(source)
    traces = of = calls = None
    first = last = None
    if m := _EVIDENCE_COUNT.search(detail):
        traces = _count(m.group(1))
        of = _count(m.group(2)) if m.group(2) else None
    if m := _EVIDENCE_CALLS.search(detail):
        calls = _count(m.group(1))
    if m := _EVIDENCE_WINDOW.search(detail):
        first, last = m.group(1), m.group(2)
    return Evidence(source, detail, calls, traces, of, first, last)


class _AliasBomb(Exception):
    """Raised inside the reader when aliases expand far beyond the file's own size."""

    def __init__(self, node) -> None:
        super().__init__("alias expansion")
        self.node = node


# Characters YAML does not allow in a stream (libyaml's reader refuses them).
_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _position(text: str, pos: int) -> tuple[int, int]:
    """(line, column), from 1, of character offset ``pos`` in ``text``."""
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def reader_error(file: str, text: str, exc) -> tuple[Location, str]:
    """Where and what a libyaml reader error (a character YAML forbids) is.

    libyaml gives only a byte offset; the first forbidden character is found again
    in the text instead, so the message names its line and column.
    """
    found = _NOT_YAML.search(text)
    if found is not None:
        char = found.group()
        if char == "\ufeff" and found.start() == 0:  # a BOM is fine at the very start
            found = _NOT_YAML.search(text, 1)
            char = found.group() if found else ""
    if found is None:  # pragma: no cover - libyaml and the pattern agree
        position = getattr(exc, "position", None)
        if isinstance(position, int) and position >= 0:
            head = text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "replace")
            return (Location(file, *_position(text, len(head))),
                    f"invalid YAML: {getattr(exc, 'reason', 'unacceptable character')}")
        return Location(file), f"invalid YAML: {str(exc).splitlines()[0]}"
    return (Location(file, *_position(text, found.start())),
            f"invalid YAML: character U+{ord(char):04X} is not allowed in YAML text "
            "(control characters and non-characters); write it as an escape in a "
            "double-quoted string, or remove it")


def too_deep(text: str) -> tuple[int, int] | None:
    """(line, column) where collections nest deeper than :data:`MAX_NESTING`, else None.

    A fast scan of the brackets first; only when it finds more than MAX_NESTING open
    brackets (which may sit in quoted text or comments) is the nesting counted for
    real, on libyaml's event stream, stopping at the first level too deep. Block
    nesting by indentation is bounded by libyaml itself (1,000 levels, an error).
    """
    depth = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_NESTING:
                break
        elif depth:
            depth -= 1
    else:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_YamlLoader):
            kind = event.__class__
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                depth += 1
                if depth > MAX_NESTING:
                    mark = event.start_mark
                    return mark.line + 1, mark.column + 1
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # libyaml scans ahead and stops at its own limit (1,000 levels) first.
        mark = exc.problem_mark or exc.context_mark
        if mark is not None and "nesting depth" in str(exc.problem or exc.context):
            return mark.line + 1, mark.column + 1
        return None  # not nested too deeply before the error, which compose reports
    except yaml.YAMLError:
        return None
    return None


def _hint(text: str, mark, reason: str) -> str:
    """A hint for libyaml's indentation and tab errors, which name the line after the
    mistake with a parser's words ("did not find expected '-' indicator")."""
    if mark is None:
        return ""
    lines = text.split("\n", mark.line + 1)
    line = lines[mark.line] if mark.line < len(lines) else ""
    if "\t" in line[: len(line) - len(line.lstrip(" \t"))] or "tab" in reason:
        return f" (hint: line {mark.line + 1} is indented with a tab; YAML allows only spaces)"
    if "',' or" in reason or "flow" in reason:
        return ""  # an unclosed bracket, not indentation
    if any(word in reason for word in ("expected key", "'-' indicator", "expected ':'",
                                       "block", "mapping values", "indentation")):
        above = mark.line  # 1-based number of the line above the reported one
        if above >= 1:
            return (f" (hint: check the indentation of line {above} and line "
                    f"{mark.line + 1}; items of one list or mapping line up in one column)")
        return " (hint: check the indentation)"
    return ""


def _kind(node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL:
        return "empty"
    return f"{display(node.value, 40)}"
