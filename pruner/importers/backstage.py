"""Import services and dependencies from a Backstage software catalog.

What is read
------------
Catalog entity files (``catalog-info.yaml`` and the like: multi-document YAML with
``apiVersion: backstage.io/...``; folders searched recursively). Components and
Resources become services; APIs, Systems, Domains, Groups, Users, Locations and
Templates are read for references only; other kinds and non-Backstage documents are
skipped with a note.

Entity references are ``[kind:][namespace/]name`` (case-insensitive kind, namespace
``default`` when left out); a compound ``{kind, namespace, name}`` mapping is accepted
too. Services are named after the entity (``namespace/name`` outside the default
namespace; ``kind:name`` when a Component and a Resource share a name).

Edges
-----
- ``spec.dependsOn`` of Components and Resources (the kind should be given; without it
  the name is looked up among Components, then Resources);
- ``spec.dependencyOf`` (the reverse direction);
- ``spec.consumesApis``: to every Component whose ``spec.providesApis`` names that API
  (default kind API). A reference written with another kind (``component:x``) is taken
  as a direct dependency on that entity.

Operations (spec §8): each API a Component provides becomes an operation of it, named
after the API (``namespace/name`` outside the default namespace), and a consumer
depends on the provider's operation (``provider:api``) rather than on the whole
provider: losing an API's dependency then touches only that API's consumers.

``spec.owner`` becomes ``owner`` and ``spec.system`` becomes ``system`` (their names,
namespace kept only when not ``default``). ``subcomponentOf`` is noted in the
description and becomes a dependency of the parent on its part (the archive needs its
storage), with a note.

Not seen: whether anything calls what the catalog declares; calls the catalog omits;
soft dependencies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pruner.frozen import record
from pruner.importers._io import YAML_SUFFIXES, SourceFile, discover, line_of, load_yaml_documents
from pruner.importers.base import (
    ImportResult,
    ManifestBuilder,
    SourceError,
    as_result,
    sanitize_name,
)

__all__ = ["EntityRef", "import_backstage", "parse_ref"]

_SERVICE_KINDS = ("component", "resource")
_KNOWN_KINDS = (
    "component", "resource", "api", "system", "domain", "group", "user", "location",
    "template",
)  # fmt: skip


@record(slots=False, order=True)
class EntityRef:
    """A parsed entity reference; ``kind`` is lower-case, ``None`` when not given."""

    kind: str | None
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind + ':' if self.kind else ''}{self.namespace}/{self.name}"


def parse_ref(
    ref: Any, default_kind: str | None = None, default_ns: str = "default"
) -> EntityRef | None:
    """Parse ``[kind:][namespace/]name`` (or a ``{kind, namespace, name}`` mapping).

    >>> parse_ref("resource:artists-db")
    EntityRef(kind='resource', namespace='default', name='artists-db')
    >>> parse_ref("wayback-archive", default_kind="api")
    EntityRef(kind='api', namespace='default', name='wayback-archive')
    >>> parse_ref("Group:infra/team-a")
    EntityRef(kind='group', namespace='infra', name='team-a')
    """
    if isinstance(ref, dict):
        name = ref.get("name")
        if not isinstance(name, str) or not name:
            return None
        kind = ref.get("kind")
        ns = ref.get("namespace")
        return EntityRef(
            str(kind).lower() if kind else default_kind,
            str(ns).lower() if ns else default_ns,
            name,
        )
    if not isinstance(ref, str) or not ref.strip():
        return None
    s = ref.strip()
    kind: str | None = default_kind
    if ":" in s:
        k, s = s.split(":", 1)
        kind = k.strip().lower() or default_kind
    ns = default_ns
    if "/" in s:
        n, s = s.split("/", 1)
        ns = n.strip().lower() or default_ns
    s = s.strip()
    return EntityRef(kind, ns, s) if s else None


@dataclass
class _Entity:
    ref: EntityRef
    doc: dict[str, Any]
    spec: dict[str, Any]
    file: SourceFile
    line: int
    node: str = ""


def _show(raw: Any, ref: EntityRef) -> str:
    """How a reference is written in notes: as the source spells it, if it is text."""
    return " ".join(raw.split())[:200] if isinstance(raw, str) else str(ref)


def _short(ref: EntityRef) -> str:
    return ref.name if ref.namespace == "default" else f"{ref.namespace}/{ref.name}"


def _refs(spec: dict[str, Any], key: str, e: _Entity) -> list[Any]:
    v = spec.get(key)
    if v is None:
        return []
    if isinstance(v, (str, dict)):
        return [v]
    if not isinstance(v, list):
        raise SourceError(e.file.at(line_of(v, e.line)), f"{e.ref}: spec.{key} must be a list")
    return v


def import_backstage(sources: Sequence[str]) -> ImportResult:
    """Import Backstage catalog entity files.

    Parameters
    ----------
    sources
        Files or folders (searched recursively for ``*.yaml`` / ``*.yml``).

    Returns
    -------
    ImportResult

    Raises
    ------
    SourceError
        Unreadable or malformed files, entities without a name, or no Component or
        Resource found at all.
    """
    b = ManifestBuilder("catalog")
    files = discover(sources, YAML_SUFFIXES, b.note)

    entities: dict[EntityRef, _Entity] = {}
    skipped: Counter[str] = Counter()
    others: Counter[str] = Counter()
    for f in files:
        foreign = 0
        for doc, line in load_yaml_documents(f):
            api = doc.get("apiVersion") if isinstance(doc, dict) else None
            if not isinstance(api, str) or not api.startswith("backstage.io/"):
                foreign += 1
                continue
            kind = doc.get("kind")
            if not isinstance(kind, str) or kind.lower() not in _KNOWN_KINDS:
                skipped[str(kind)] += 1
                continue
            meta = doc.get("metadata")
            if (
                not isinstance(meta, dict)
                or not isinstance(meta.get("name"), str)
                or not (meta["name"].strip())
            ):
                raise SourceError(f.at(line), f"{kind} entity without a metadata.name")
            spec = doc.get("spec")
            if spec is None:
                spec = {}
            if not isinstance(spec, dict):
                raise SourceError(
                    f.at(line_of(spec, line)), f"{kind} {meta['name']}: spec must be a mapping"
                )
            ns = meta.get("namespace")
            ref = EntityRef(
                kind.lower(), str(ns).lower() if ns else "default", meta["name"].strip()
            )
            if ref in entities:
                old = entities[ref]
                b.note(
                    f"entity {ref} is defined twice ({old.file.short(old.line)}, "
                    f"{f.short(line)}); the first definition is used"
                )
                continue
            entities[ref] = _Entity(ref, doc, spec, f, line)
            if ref.kind not in _SERVICE_KINDS:
                others[kind] += 1
        if foreign:
            b.note(f"{f.display}: {foreign} document(s) that are not Backstage entities skipped")
    if skipped:
        b.note(
            "skipped entity kinds pruner does not read: "
            + ", ".join(f"{k} ×{n}" for k, n in sorted(skipped.items()))
        )
    services = [e for e in entities.values() if e.ref.kind in _SERVICE_KINDS]
    if not services:
        raise SourceError(", ".join(sources), "no Backstage Component or Resource entities found")

    by_base: dict[str, list[_Entity]] = {}
    for e in services:
        by_base.setdefault(_short(e.ref), []).append(e)
    for base, group in by_base.items():
        for e in group:
            raw = base if len(group) == 1 or e.ref.kind == "component" else f"{e.ref.kind}:{base}"
            e.node = b.name(raw, e.file.short(e.line)) or ""
    # An entity whose name has no usable characters was noted ("skipped") and is left
    # out; find() still sees it, so a reference to it says why it is not imported.
    services = [e for e in services if e.node]
    if not services:
        raise SourceError(", ".join(sources), "no Backstage Component or Resource entity with "
                                              "a usable name")
    by_name: dict[tuple[str, str], list[_Entity]] = {}
    for e in services:
        by_name.setdefault((e.ref.namespace, e.ref.name.lower()), []).append(e)

    def find(ref: EntityRef) -> _Entity | None:
        if ref.kind:
            return entities.get(EntityRef(ref.kind, ref.namespace, ref.name)) or next(
                (
                    x
                    for r, x in entities.items()
                    if r.kind == ref.kind
                    and r.namespace == ref.namespace
                    and r.name.lower() == ref.name.lower()
                ),
                None,
            )
        cands = sorted(by_name.get((ref.namespace, ref.name.lower()), []), key=lambda x: x.ref)
        return cands[0] if cands else None

    providers: dict[tuple[str, str], list[_Entity]] = {}
    operation_of: dict[tuple[str, tuple[str, str]], str] = {}  # (provider, api) -> S:O
    for e in services:
        for raw in _refs(e.spec, "providesApis", e):
            r = parse_ref(raw, "api", e.ref.namespace)
            if r is not None and r.kind == "api":
                key = (r.namespace, r.name.lower())
                if e not in providers.setdefault(key, []):
                    providers[key].append(e)
                shown = r.name if r.namespace == e.ref.namespace else _short(r)
                op = sanitize_name(shown.replace(":", "-"))
                if e.node and op and (e.node, key) not in operation_of:
                    operation_of[(e.node, key)] = b.add_operation(
                        e.node, op, description=f"provides API {_short(r)} (spec.providesApis)")
            elif r is not None:
                providers.setdefault((r.namespace, r.name.lower()), []).append(e)

    for e in services:
        desc = e.doc["metadata"].get("description") or e.doc["metadata"].get("title")
        bits = [f"Backstage {e.doc['kind']}"]
        if isinstance(e.spec.get("type"), str):
            bits.append(f"type {e.spec['type']}")
        parent = parse_ref(e.spec.get("subcomponentOf"), "component", e.ref.namespace)
        if parent is not None:
            bits.append(f"subcomponent of {_short(parent)}")
        text = (f"{' '.join(str(desc).split())} " if desc else "") + f"({', '.join(bits)})"
        owner = parse_ref(e.spec.get("owner"), "group", e.ref.namespace)
        system = parse_ref(e.spec.get("system"), "system", e.ref.namespace)
        tags = e.doc["metadata"].get("tags")
        b.add_service(
            e.node,
            description=text,
            owner=_short(owner) if owner else None,
            system=_short(system) if system else None,
            tags=[str(t) for t in tags if isinstance(t, (str, int))]
            if isinstance(tags, list)
            else (),
        )

    def depend(src: _Entity, target: EntityRef, note: str) -> None:
        hit = find(target)
        at = src.file.short(src.line)
        if hit is not None and hit.ref.kind in _SERVICE_KINDS and hit.node:
            b.add_edge(src.node, hit.node, note=f"{note} ({at})")
        elif hit is not None and hit.ref.kind in _SERVICE_KINDS:
            b.note(f"{at}: {src.ref} {note} names {hit.ref}, whose name has no usable "
                   "characters; not imported as a dependency")
        elif hit is not None:
            b.note(
                f"{at}: {src.ref} {note} names {hit.ref}, which is a {hit.doc['kind']}, not a "
                "running service; not imported as a dependency"
            )
        else:
            stub = b.name(
                _short(target)
                if target.kind in (None, *_SERVICE_KINDS)
                else f"{target.kind}:{_short(target)}",
                at,
            )
            if stub:
                b.add_edge(src.node, stub, note=f"{note} ({at}); not in the imported catalog")

    for e in sorted(services, key=lambda x: x.node):
        if not e.node:
            continue
        raw = e.spec.get("subcomponentOf")
        parent_ref = parse_ref(raw, "component", e.ref.namespace)
        parent = find(parent_ref) if parent_ref is not None else None
        if parent is not None and parent.node and parent.node != e.node:
            # A part of a component: the whole cannot work without it.
            b.add_edge(parent.node, e.node,
                       note=f"{e.ref} is spec.subcomponentOf {_show(raw, parent_ref)}: the "
                            f"whole needs its part ({e.file.short(e.line)})")
        for raw in _refs(e.spec, "dependsOn", e):
            r = parse_ref(raw, None, e.ref.namespace)
            if r is not None:
                depend(e, r, f"spec.dependsOn {_show(raw, r)}")
        for raw in _refs(e.spec, "dependencyOf", e):
            r = parse_ref(raw, None, e.ref.namespace)
            dep = find(r) if r is not None else None
            if dep is not None and dep.node:
                b.add_edge(
                    dep.node,
                    e.node,
                    note=f"spec.dependencyOf {_show(raw, r)} of {e.ref} ({e.file.short(e.line)})",
                )
            elif r is not None:
                b.note(
                    f"{e.file.short(e.line)}: {e.ref} dependencyOf {_show(raw, r)}: no such "
                    "Component or Resource"
                )
        for raw in _refs(e.spec, "consumesApis", e):
            r = parse_ref(raw, "api", e.ref.namespace)
            if r is None:
                continue
            if r.kind != "api":
                depend(e, r, f"spec.consumesApis {_show(raw, r)} (names a {r.kind}, not an API)")
                continue
            provs = providers.get((r.namespace, r.name.lower()), [])
            if not provs:
                b.note(
                    f"{e.file.short(e.line)}: {e.ref} consumes API {_short(r)}, which no imported "
                    "Component provides; not imported as a dependency"
                )
            for p in provs:
                b.add_edge(
                    e.node,
                    operation_of.get((p.node, (r.namespace, r.name.lower())), p.node),
                    note=f"spec.consumesApis {_show(raw, r)}, provided by {p.ref} "
                    f"({e.file.short(e.line)})",
                )
    if operation_of:
        b.note(
            f"spec.providesApis became operations (spec §8): {len(operation_of)} operation(s) "
            f"on {len({s for s, _ in operation_of})} component(s); spec.consumesApis depends "
            "on the provider's operation (COMPONENT:API), not on the whole provider"
        )
    if others:
        b.note(
            "read for references only (not services): "
            + ", ".join(f"{k} ×{n}" for k, n in sorted(others.items()))
        )
    return as_result(b, "backstage", sources, "dependsOn or consumesApis relations")
