"""Load a manifest (one YAML file or a folder of them) into a validated :class:`Manifest`.

The YAML is *composed* into nodes by libyaml (``CSafeLoader`` when PyYAML has it)
and never *constructed*: pruner reads the node tree itself, so no tag can build
an object, aliases cannot expand into a bomb, and every value keeps its
``file:line:col``. Every problem of every file is collected before failing.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from pruner.errors import Location, ManifestError, Problem, did_you_mean, display
from pruner.model import (
    ANY_OF,
    AT_LEAST,
    SINGLE,
    Flow,
    Item,
    Manifest,
    Service,
    split_operation,
)

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
]

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-:/@]{0,252}$"
_NAME = re.compile(NAME_PATTERN.replace("$", r"\Z"))
_NAME_RULE = "use 1-253 characters from A-Z a-z 0-9 . _ - : / @, starting with a letter or digit"
_OPERATION_RULE = ("use 1-253 characters from A-Z a-z 0-9 . _ - / @ (no ':'), starting with a "
                   "letter or digit")

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _BOOL, _NULL, _FLOAT = (_TAG + t for t in ("str", "int", "bool", "null", "float"))
_MAP, _SEQ, _MERGE = _TAG + "map", _TAG + "seq", _TAG + "merge"
# Standard scalar tags; pruner only ever reads their text, so none constructs anything.
_SCALAR_TAGS = frozenset({_STR, _INT, _BOOL, _NULL, _FLOAT, _TAG + "timestamp", _TAG + "binary"})

TOP_KEYS = ("version", "services", "flows")
SERVICE_KEYS = ("description", "owner", "system", "tier", "tags", "depends_on", "operations",
                "availability", "start_seconds")
OPERATION_KEYS = ("description", "depends_on", "availability")
FLOW_KEYS = ("description", "critical", "owner", "requires")
ITEM_KEYS = ("service", "any_of", "at_least", "of", "soft", "note", "startup")

_SCALARS = SafeConstructor()
_ALLOWED_TAGS = {ScalarNode: _SCALAR_TAGS, MappingNode: frozenset({_MAP}),
                 SequenceNode: frozenset({_SEQ})}

# libyaml slows down quadratically on deeply nested flow collections, so nesting is
# measured on the raw text (brackets only, a C-speed scan) before parsing.
_BRACKETS = re.compile(r"[\[\]{}]")
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
    recursively, in sorted path order, hidden files and folders skipped.
    """
    root = Path(path)
    if root.is_file():
        return [str(path)]
    if not root.is_dir():
        raise ManifestError([Problem(Location(str(path)), "no such file or directory")])
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and name.endswith((".yaml", ".yml")):
                rel = Path(dirpath, name).relative_to(root)
                found.append((rel.as_posix(), os.path.join(str(path), *rel.parts)))
    if not found:
        raise ManifestError([Problem(Location(str(path)), "folder holds no *.yaml or *.yml file")])
    return [shown for _, shown in sorted(found)]


def load(path: str | os.PathLike, assume_services: Iterable[str] = ()) -> LoadResult:
    """Load and validate the manifest at ``path``; raise :class:`ManifestError` if invalid.

    ``assume_services`` is passed on to :func:`load_sources`.
    """
    files = manifest_files(path)
    sources = []
    problems = []
    for name in files:
        try:
            sources.append((name, Path(name).read_bytes()))
        except OSError as exc:
            problems.append(Problem(Location(name), f"cannot read: {exc.strerror or exc}"))
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
        for owners, field_name in ((self.services, "depends_on"), (self.flows, "requires")):
            for owner in owners.values():
                for item in getattr(owner, field_name):
                    for member in item.members:
                        if (member in self.assume and member not in self.services
                                and member not in found):
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
        # Each node read costs a visit; aliases may revisit nodes, but only so often.
        self.budget = 200_000 + 4 * len(text)
        depth = 0
        for match in _BRACKETS.finditer(text):
            if match.group() in "[{":
                depth += 1
                if depth > MAX_NESTING:
                    pos = match.start()
                    line = text.count("\n", 0, pos) + 1
                    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
                    self.problem(Location(self.file, line, column),
                                 f"nested deeper than {MAX_NESTING} levels; no manifest needs that")
                    return
            elif depth:
                depth -= 1
        try:
            documents = list(yaml.compose_all(text, Loader=_YamlLoader))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = Location(self.file)
            if mark:
                where = Location(self.file, mark.line + 1, mark.column + 1)
            reason = exc.problem or exc.context or "malformed"
            self.problem(where, f"invalid YAML: {reason}")
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
        if node.__class__ is not ScalarNode:
            self.visits += len(node.value) + 1
            if self.visits > self.budget:
                raise _AliasBomb(node)
        if node.tag in _ALLOWED_TAGS[node.__class__]:
            return True
        tag = node.tag
        shown = "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag
        self.problem(node, f"unsupported YAML tag {display(shown)}: manifests hold plain "
                           "mappings, lists, text, numbers and booleans")
        return False

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
        """The key/value node pairs a ``<<:`` merge key brings in."""
        if not self.visit(node):
            return []
        sources = node.value if isinstance(node, SequenceNode) else [node]
        pairs = []
        for source in sources:
            if source is not node and not self.visit(source):
                continue
            if not isinstance(source, MappingNode):
                self.problem(source, "a '<<' merge takes a mapping or a list of mappings")
                continue
            pairs.extend(source.value)
        return pairs

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
            return _SCALARS.construct_yaml_bool(node)
        self.problem(node, f"{what} must be true or false, not {_kind(node)}")
        return None

    def integer(self, node, what: str) -> int | None:
        if not self.visit(node):
            return None
        if isinstance(node, ScalarNode) and node.tag == _INT:
            return _SCALARS.construct_yaml_int(node)
        self.problem(node, f"{what} must be an integer, not {_kind(node)}")
        return None

    def seconds(self, node, what: str) -> float | None:
        """A duration in seconds: a finite number, 0 or more."""
        if not self.visit(node):
            return None
        if isinstance(node, ScalarNode) and node.tag in (_INT, _FLOAT):
            value = float(_SCALARS.construct_yaml_int(node) if node.tag == _INT
                          else _SCALARS.construct_yaml_float(node))
            if value >= 0 and value != float("inf"):
                return value
            self.problem(node, f"{what} must be a finite number of seconds, 0 or more")
            return None
        self.problem(node, f"{what} must be a number of seconds, not {_kind(node)}")
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
            elif key == "services":
                if not self.is_null(value):
                    for _name_text, name_node, body in self.pairs(value, "services", None):
                        self.service(name_node, body)
            elif key == "flows":
                if not self.is_null(value):
                    for _name_text, name_node, body in self.pairs(value, "flows", None):
                        self.flow(name_node, body)

    def fields(self, body, what: str, allowed: tuple[str, ...]) -> dict:
        if self.is_null(body):
            return {}
        return {k: v for k, _, v in self.pairs(body, what, allowed) if not k.startswith("x-")}

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
        )
        self.pending.append((self.out.services, "service", service))

    def availability(self, node, what: str) -> float | None:
        """An ``availability``: a number from 0 to 1 (spec §9), or None when absent."""
        if node is None or not self.visit(node) or self.is_null(node):
            return None
        value = None
        if isinstance(node, ScalarNode) and node.tag == _INT:
            value = float(_SCALARS.construct_yaml_int(node))
        elif isinstance(node, ScalarNode) and node.tag == _FLOAT:
            value = _SCALARS.construct_yaml_float(node)
        if value is None or not 0.0 <= value <= 1.0:  # also refuses .nan
            self.problem(node, f"availability of {what} must be a number from 0 to 1, "
                               f"not {_kind(node)}")
            return None
        return value

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
            op_what = f"operation {display(op or name_node.value)} of {what}"
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
        f = self.fields(body, what, FLOW_KEYS)
        critical = True
        if "critical" in f and not self.is_null(f["critical"]):
            value = self.boolean(f["critical"], f"critical of {what}")
            critical = True if value is None else value
        items = self.items(f.get("requires"), f"requires of {what}")
        requires = f.get("requires")
        if requires is None or self.is_null(requires):
            self.problem(name_node, f"{what} has no requires: a flow needs at least one item")
        elif isinstance(requires, SequenceNode) and not requires.value:
            self.problem(requires, f"{what} has an empty requires list")
        if name is None:
            return
        flow = Flow(
            name=name,
            requires=items,
            description=self.text(f["description"], "description") if "description" in f else None,
            critical=critical,
            owner=self.text(f["owner"], "owner") if "owner" in f else None,
            location=self.where(name_node),
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
        f = {k: v for k, _, v in self.pairs(node, f"an item of {what}", ITEM_KEYS)}
        forms = [k for k in ("service", "any_of", "at_least") if k in f]
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
        if form == "service":
            name = self.name(f["service"], f"service name in {what}")
            return (None if name is None
                    else Item(SINGLE, (name,), 1, soft, note, where, startup=startup))
        if form == "any_of":
            members = self.members(f["any_of"], f"any_of in {what}")
            return (None if members is None
                    else Item(ANY_OF, members, 1, soft, note, where, startup=startup))
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
        return Item(AT_LEAST, members, need, soft, note, where, startup=startup)

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


class _AliasBomb(Exception):
    """Raised inside the reader when aliases expand far beyond the file's own size."""

    def __init__(self, node) -> None:
        super().__init__("alias expansion")
        self.node = node


def _kind(node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL:
        return "empty"
    return f"{display(node.value, 40)}"
