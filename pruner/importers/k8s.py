"""Import services and dependencies from Kubernetes manifests.

What is read
------------
Every YAML document (multi-document files; folders searched recursively for ``*.yaml``
/ ``*.yml``; ``kind: List`` flattened) whose ``kind`` is a workload (``Deployment``,
``StatefulSet``, ``DaemonSet``, ``ReplicaSet``, ``ReplicationController``, ``Job``,
``CronJob``, ``Pod``), a ``Service`` or a ``ConfigMap``. Other kinds are skipped with a
note.

Services of the manifest
------------------------
One per workload, named after the workload (``metadata.name``). A Kubernetes Service
maps to the workloads it selects (its selector is a subset of the pod template's
labels, same namespace), so ``frontend-external`` and ``frontend`` both lead to the
workload ``frontend``. A Service that selects no imported workload (no selector,
``ExternalName``, or a workload not in the files) becomes a service of its own; an
``ExternalName`` that names an imported Service depends on it (an alias). When
two workloads share a name across namespaces they are named ``namespace/name``.

Edges
-----
From the environment of every container and init container (``env`` values, and
ConfigMap values reached through ``valueFrom.configMapKeyRef`` or ``envFrom``), by the
rules of :mod:`pruner.importers._refs`: a value naming a Service
(``host``, ``host:port``, URL, ``host.namespace[.svc[.cluster.local]]``) is an edge to
the workload(s) behind that Service; a Service selecting several workloads gives an
``any_of`` group. Names under an address suffix (``*_ADDR``, ``*_HOST``, ``*_URL``, ...)
that no imported Service defines are kept as stub services tagged ``external`` with a
warning; other hosts with dots (``api.example.com``) are noted, not imported.

A ``NetworkPolicy`` declares edges too: the pods its ``podSelector`` picks depend on
the pods its egress rules' ``to`` podSelectors pick, and the pods its ingress rules'
``from`` podSelectors pick depend on its own (same namespace, or any with a
``namespaceSelector``); a podSelector's ``matchLabels`` and ``matchExpressions`` (In,
NotIn, Exists, DoesNotExist) are both read. A policy allows traffic; it does not prove a
call is needed, so review these edges like any other.

Start-up (spec §10): a pod starts only after its init containers finish, so what an
init container names is a start-up dependency: its env references, and every imported
Service its ``command``/``args`` name (``until nslookup db``, ``wait-for-it db:5432``;
only words that resolve to an imported Service count). Everything else is emitted
``startup: false`` (needed to serve, not to start).

Not seen: addresses in the command lines of regular containers, mounted config files,
Secrets, service meshes, or code; whether a dependency is soft.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pruner.errors import display
from pruner.importers._io import YAML_SUFFIXES, SourceFile, discover, line_of, load_yaml_documents
from pruner.importers._refs import (
    HostRef,
    is_address_name,
    note_redacted,
    parse_host_refs,
    redact,
)
from pruner.importers.base import (
    ImportResult,
    ManifestBuilder,
    SourceError,
    Target,
    as_result,
)

__all__ = ["WORKLOAD_KINDS", "import_k8s"]

#: Kinds whose pod template is read.
WORKLOAD_KINDS = (
    "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
    "Job", "CronJob", "Pod",
)  # fmt: skip


@dataclass
class _Obj:
    kind: str
    name: str
    namespace: str | None
    doc: dict[str, Any]
    file: SourceFile
    line: int
    labels: dict[str, str] = field(default_factory=dict)
    pod_spec: dict[str, Any] = field(default_factory=dict)
    node: str = ""  # manifest service name


def _ns_match(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def _mapping(obj: Any, key: str, f: SourceFile, line: int | None, what: str) -> dict[str, Any]:
    v = obj.get(key) if isinstance(obj, dict) else None
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise SourceError(f.at(line_of(v, line)), f"{what}: '{key}' must be a mapping")
    return v


def _list(obj: Any, key: str, f: SourceFile, line: int | None, what: str) -> list[Any]:
    v = obj.get(key) if isinstance(obj, dict) else None
    if v is None:
        return []
    if not isinstance(v, list):
        raise SourceError(f.at(line_of(v, line)), f"{what}: '{key}' must be a list")
    return v


def _labels(meta: dict[str, Any]) -> dict[str, str]:
    raw = meta.get("labels")
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v) for k, v in raw.items()}


def _read_objects(files: list[SourceFile], b: ManifestBuilder) -> list[_Obj]:
    objs: dict[tuple[str, str | None, str], _Obj] = {}
    skipped: Counter[str] = Counter()
    dups: list[str] = []
    for f in files:
        not_k8s = 0
        stack = [(d, ln) for d, ln in load_yaml_documents(f)]
        stack.reverse()
        while stack:
            doc, line = stack.pop()
            if (
                not isinstance(doc, dict)
                or not isinstance(doc.get("kind"), str)
                or ("apiVersion" not in doc)
            ):
                not_k8s += 1
                continue
            kind = doc["kind"]
            if kind.endswith("List") and isinstance(doc.get("items"), list):
                stack.extend((it, line_of(it, line)) for it in reversed(doc["items"]))
                continue
            if kind not in WORKLOAD_KINDS and kind not in ("Service", "ConfigMap",
                                                           "NetworkPolicy"):
                skipped[kind] += 1
                continue
            meta = doc.get("metadata")
            if (
                not isinstance(meta, dict)
                or not isinstance(meta.get("name"), str)
                or not (meta["name"])
            ):
                raise SourceError(f.at(line), f"{kind} without a metadata.name")
            ns = meta.get("namespace")
            ns = str(ns) if ns is not None else None
            obj = _Obj(kind, meta["name"], ns, doc, f, line_of(doc, line) or line)
            key = (kind, ns, obj.name)
            if key in objs:
                old = objs[key]
                dups.append(
                    f"{kind} {display(obj.name)} ({old.file.short(old.line)}, {f.short(obj.line)})"
                )
            objs[key] = obj
        if not_k8s:
            b.note(
                f"{f.display}: {not_k8s} YAML document(s) without apiVersion/kind skipped "
                "(not Kubernetes objects)"
            )
    if dups:
        b.note(
            f"{len(dups)} object(s) are defined more than once; the later definition is used, "
            f"as kubectl apply would: {'; '.join(dups[:3])}" + (" ..." if len(dups) > 3 else "")
        )
    if skipped:
        b.note(
            "skipped kinds that describe no workload or Service: "
            + ", ".join(f"{k} ×{n}" for k, n in sorted(skipped.items()))
        )
    return list(objs.values())


def _pod_template(o: _Obj) -> None:
    what = f"{o.kind} {o.name}"
    if o.kind == "Pod":
        tmpl: dict[str, Any] = o.doc
    else:
        spec = _mapping(o.doc, "spec", o.file, o.line, what)
        if o.kind == "CronJob":
            jt = _mapping(spec, "jobTemplate", o.file, o.line, what)
            spec = _mapping(jt, "spec", o.file, o.line, what)
        tmpl = _mapping(spec, "template", o.file, o.line, what)
    o.labels = _labels(_mapping(tmpl, "metadata", o.file, o.line, what))
    o.pod_spec = _mapping(tmpl, "spec", o.file, o.line, what)


def _node_names(nodes: list[_Obj], b: ManifestBuilder) -> None:
    by_name: dict[str, list[_Obj]] = {}
    for o in nodes:
        by_name.setdefault(o.name, []).append(o)
    for name, group in by_name.items():
        for o in group:
            raw = name
            if len(group) > 1:
                namespaces = {x.namespace for x in group}
                raw = f"{o.namespace or 'default'}/{name}" if len(namespaces) > 1 else name
                if sum(1 for x in group if x.namespace == o.namespace) > 1:
                    raw = f"{raw}@{o.kind.lower()}"
            o.node = b.name(raw, f"{o.file.short(o.line)} ({o.kind})") or ""


class _Resolver:
    def __init__(self, services: list[_Obj], targets: dict[int, Target], b: ManifestBuilder):
        self.by_name: dict[str, list[_Obj]] = {}
        for s in services:
            self.by_name.setdefault(s.name, []).append(s)
        self.targets = targets
        self.b = b

    def service(self, name: str, ns: str | None) -> _Obj | None:
        cands = [s for s in self.by_name.get(name, []) if _ns_match(s.namespace, ns)]
        exact = [s for s in cands if s.namespace == ns]
        if len(exact) == 1:
            return exact[0]
        return cands[0] if len(cands) == 1 else None

    def resolve(self, ref: HostRef, ns: str | None, loose: bool) -> tuple[str, Any] | None:
        """``("ok", (target, service name))``, ``("missing", stub name)``,
        ``("external", host)`` or ``None``."""
        cd = ref.cluster_dns
        labels = ref.labels
        if not (loose or ref.explicit or cd):
            return None  # a bare word under a name that does not say "address"
        if cd:
            cands = [(cd[0], cd[1] or ns)]
        elif len(labels) == 1:
            cands = [(labels[0], ns)]
        elif len(labels) == 2:  # service.namespace, or pod.service (StatefulSet pods)
            cands = [(labels[0], labels[1]), (labels[1], ns)]
        elif len(labels) == 3:  # pod.service.namespace
            cands = [(labels[1], labels[2])]
        else:
            cands = []
        for name, cns in cands:
            svc = self.service(name, cns)
            if svc is not None:
                return "ok", (self.targets[id(svc)], svc.name)
        if cd:
            return "missing", f"{cd[0]}.{cd[1]}" if cd[1] else cd[0]
        if len(labels) == 1 and (loose or ref.explicit):
            return ("missing", labels[0]) if loose else ("unresolved", labels[0])
        if loose:
            return "external", ref.host
        return None


_WAIT = "<init command>"  # pseudo variable: the command line of an init container
_WORDS = re.compile(r"[^\s;|&()'\"`<>=]+")


def _waited_on(command: str, resolver: _Resolver, ns: str | None) -> list[tuple[Target, str]]:
    """Imported Services that an init container's command names (``until nslookup db``,
    ``wait-for-it db:5432``, ``nc -z db.prod 5432`` ...): only names that resolve to an
    imported Service count, so shell words never invent services."""
    found: dict[str, tuple[Target, str]] = {}
    for word in _WORDS.findall(command):
        for ref in parse_host_refs(word):
            hit = resolver.resolve(ref, ns, True)
            if hit is not None and hit[0] == "ok":
                target, svc_name = hit[1]
                found.setdefault(svc_name, (target, svc_name))
    return [found[k] for k in sorted(found)]


def _env_items(
    o: _Obj, configmaps: dict[tuple[str | None, str], _Obj], b: ManifestBuilder
) -> list[tuple[str, str, str, int | None]]:
    """(variable, value, origin text, line) for every container of ``o``."""
    out: list[tuple[str, str, str, int | None]] = []
    what = f"{o.kind} {o.name}"

    def cm(name: Any) -> _Obj | None:
        if not isinstance(name, str):
            return None
        return configmaps.get((o.namespace, name)) or next(
            (c for (ns, n), c in configmaps.items() if n == name and _ns_match(ns, o.namespace)),
            None,
        )

    for key in ("initContainers", "containers"):
        for c in _list(o.pod_spec, key, o.file, o.line, what):
            if not isinstance(c, dict):
                raise SourceError(
                    o.file.at(line_of(c, o.line)), f"{what}: container is not a mapping"
                )
            cname = str(c.get("name", "?"))
            cline = line_of(c, o.line)
            label = "init container" if key == "initContainers" else "container"
            if key == "initContainers":  # a pod starts only after these: what they wait on
                words = [w for part in ("command", "args") if isinstance(c.get(part), list)
                         for w in c[part] if isinstance(w, str)]
                if words:
                    out.append((_WAIT, " ".join(words), f"{label} {cname} command", cline))
            for e in _list(c, "env", o.file, cline, what):
                if not isinstance(e, dict) or not isinstance(e.get("name"), str):
                    raise SourceError(
                        o.file.at(line_of(e, cline)), f"{what}: env entry without a name"
                    )
                eline = line_of(e, cline)
                where = f"{label} {cname}"
                value = e.get("value")
                vf = e.get("valueFrom")
                if (
                    value is None
                    and isinstance(vf, dict)
                    and isinstance(vf.get("configMapKeyRef"), dict)
                ):
                    ref = vf["configMapKeyRef"]
                    m = cm(ref.get("name"))
                    data = m.doc.get("data") if m else None
                    if isinstance(data, dict) and ref.get("key") in data:
                        value = data[ref["key"]]
                        where += f", from ConfigMap {ref.get('name')}"
                if value is not None and not isinstance(value, (dict, list)):
                    out.append((e["name"], str(value), where, eline))
            for src in _list(c, "envFrom", o.file, cline, what):
                if not isinstance(src, dict) or not isinstance(src.get("configMapRef"), dict):
                    continue
                cm_name = src["configMapRef"].get("name")
                m = cm(cm_name)
                if m is None:
                    b.note(
                        f"{o.file.short(line_of(src, cline))}: {what} reads env from ConfigMap "
                        f"{display(cm_name)}, which is not in the imported files"
                    )
                    continue
                data = m.doc.get("data")
                prefix = str(src.get("prefix") or "")
                if isinstance(data, dict):
                    for k, v in data.items():
                        if isinstance(v, (str, int)) and not isinstance(v, bool):
                            out.append(
                                (
                                    prefix + str(k),
                                    str(v),
                                    f"{label} {cname}, envFrom ConfigMap {cm_name}",
                                    line_of(data, m.line),
                                )
                            )
    return out


def import_k8s(sources: Sequence[str]) -> ImportResult:
    """Import Kubernetes manifests.

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
        Unreadable or malformed files, objects without a name, or no workload or
        Service found at all.
    """
    b = ManifestBuilder()
    redacted: set[str] = set()  # owner and variable of each value redacted
    files = discover(sources, YAML_SUFFIXES, b.note)
    objs = _read_objects(files, b)
    workloads = [o for o in objs if o.kind in WORKLOAD_KINDS]
    services = [o for o in objs if o.kind == "Service"]
    configmaps = {(o.namespace, o.name): o for o in objs if o.kind == "ConfigMap"}
    if not workloads and not services:
        raise SourceError(
            ", ".join(sources), "no Kubernetes workloads or Services found in these files"
        )
    for w in workloads:
        _pod_template(w)

    # Which workloads does each Service select?
    selected: dict[int, list[_Obj]] = {}
    for s in services:
        spec = _mapping(s.doc, "spec", s.file, s.line, f"Service {s.name}")
        sel = spec.get("selector")  # a plain label map: matchLabels without the key
        need = [(str(k), "In", frozenset([str(v)])) for k, v in sel.items()] \
            if isinstance(sel, dict) else []
        picked = [w for w in workloads if need and _ns_match(w.namespace, s.namespace)
                  and _selects(need, w.labels)]
        # A Service selects pods of its own namespace (none given: default); a workload
        # whose namespace is left out counts only when none of that namespace matches.
        own = [w for w in picked
               if (w.namespace or "default") == (s.namespace or "default")]
        selected[id(s)] = own or picked
    orphans = [s for s in services if not selected[id(s)]]
    _node_names(workloads + orphans, b)

    exposed: dict[int, list[str]] = {}
    for s in services:
        for w in selected[id(s)]:
            exposed.setdefault(id(w), []).append(s.name)
    for w in workloads:
        if not w.node:
            continue
        desc = f"Kubernetes {w.kind} {w.name}"
        if w.namespace:
            desc += f" in namespace {w.namespace}"
        if id(w) in exposed:
            desc += "; Service " + ", ".join(sorted(set(exposed[id(w)])))
        else:
            desc += "; no Service selects it"
        containers = w.pod_spec.get("containers")  # issue 17 §3: any type may stand here
        images = [c.get("image") for c in (containers if isinstance(containers, list) else [])
                  if isinstance(c, dict) and isinstance(c.get("image"), str)]
        b.add_service(w.node, description=desc, evidence=[f"k8s {w.file.short(w.line)}"],
                      image=images[0] if len(images) == 1 else None)
    for s in orphans:
        if not s.node:
            continue
        spec = s.doc.get("spec") if isinstance(s.doc.get("spec"), dict) else {}
        if spec.get("type") == "ExternalName":
            why = f"ExternalName {spec.get('externalName')}"
        elif spec.get("selector"):
            why = "its selector matches no imported workload"
        else:
            why = "no selector (endpoints managed outside Kubernetes)"
        b.add_service(s.node, description=f"Kubernetes Service {s.name}: {why}",
                      evidence=[f"k8s {s.file.short(s.line)}"])

    targets: dict[int, Target] = {}
    for s in services:
        nodes = sorted({w.node for w in selected[id(s)] if w.node})
        if not nodes:
            if s.node:
                targets[id(s)] = s.node
        elif len(nodes) == 1:
            targets[id(s)] = nodes[0]
        else:
            targets[id(s)] = ("any_of", tuple(nodes))
    resolver = _Resolver([s for s in services if id(s) in targets], targets, b)
    for s in orphans:  # an ExternalName naming an imported Service is an alias of it
        spec = s.doc.get("spec") if isinstance(s.doc.get("spec"), dict) else {}
        if not s.node or spec.get("type") != "ExternalName":
            continue
        for ref in parse_host_refs(spec.get("externalName")):
            hit = resolver.resolve(ref, s.namespace, True)
            if hit is not None and hit[0] == "ok":
                b.add_edge(s.node, hit[1][0], evidence=[f"k8s {s.file.short(s.line)}"],
                           note=f"ExternalName {spec['externalName']}: an alias of Service "
                                f"{hit[1][1]} ({s.file.short(s.line)})")

    for w in workloads:
        if not w.node:
            continue
        for var, value, where, line in _env_items(w, configmaps, b):
            startup = where.startswith("init container")
            if var == _WAIT:
                for target, svc_name in _waited_on(value, resolver, w.namespace):
                    note = f"init container waits on Service {svc_name} ({where}; " \
                           f"{w.file.short(line)})"
                    b.add_edge(w.node, target, note=note, startup=True,
                               evidence=[f"k8s {w.file.short(line)} init container"])
                continue
            loose = is_address_name(var)
            shown_value, hidden = redact(var, value)  # issue 17 §5: never copy a secret
            for ref in parse_host_refs(value):
                hit = resolver.resolve(ref, w.namespace, loose)
                if hit is None:
                    continue
                status, what = hit
                origin = f"env {var}={shown_value} ({where}; {w.file.short(line)})"
                if hidden:
                    origin = origin.replace(f"={shown_value} (", f"={shown_value} "
                                            "[credentials redacted] (", 1)
                    redacted.add(f"{w.name} {var}")
                if status == "ok":
                    target, svc_name = what
                    note = origin
                    if isinstance(target, tuple):
                        note += f"; Service {svc_name} selects {', '.join(target[1])}"
                    b.add_edge(w.node, target, note=note, startup=startup,
                               evidence=[f"k8s {w.file.short(line)} env {var}"])
                elif status == "missing":
                    stub = b.name(what, w.file.short(line))
                    if stub:
                        b.add_edge(w.node, stub, note=origin + "; no such Service imported",
                                   startup=startup,
                                   evidence=[f"k8s {w.file.short(line)} env {var}"])
                elif status == "unresolved":
                    b.note(
                        f"{w.file.short(line)}: {w.name} env {var}={display(shown_value)} looks "
                        "like an "
                        f"address of {display(what)}, which no imported Service defines; "
                        "not imported as a dependency"
                    )
                else:
                    b.note(
                        f"{w.file.short(line)}: {w.name} env {var} names the host "
                        f"{display(what)}, outside the imported Services; not imported as a "
                        "dependency"
                    )
    note_redacted(b, redacted)
    policies = [o for o in objs if o.kind == "NetworkPolicy"]
    for policy in policies:
        _policy_edges(policy, workloads, b)
    return as_result(b, "k8s", sources, "address-like env values (*_ADDR, *_HOST, *_URL, ...) "
                                        "or NetworkPolicy podSelectors")


_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def _selector(raw: Any, p: _Obj, what: str) -> list[tuple[str, str, frozenset]] | None:
    """The requirements of a label selector, ``(key, operator, values)``: each
    ``matchLabels`` pair as ``In`` one value, then its ``matchExpressions``; ``None``
    when it cannot be read as one. An empty list selects every pod."""
    if not isinstance(raw, dict):
        return None
    labels = raw.get("matchLabels") or {}
    if not isinstance(labels, dict):
        raise SourceError(p.file.at(line_of(raw, p.line)), f"{what}: matchLabels must be a mapping")
    out = [(str(k), "In", frozenset([str(v)])) for k, v in labels.items()]
    expressions = raw.get("matchExpressions") or []
    if not isinstance(expressions, list):
        raise SourceError(p.file.at(line_of(raw, p.line)),
                          f"{what}: matchExpressions must be a list")
    for e in expressions:
        where = p.file.at(line_of(e, p.line) if isinstance(e, dict) else line_of(raw, p.line))
        op = e.get("operator") if isinstance(e, dict) else None
        key = e.get("key") if isinstance(e, dict) else None
        values = e.get("values") if isinstance(e, dict) else None
        if not isinstance(key, str) or op not in _OPERATORS:
            raise SourceError(where, f"{what}: a matchExpressions entry is {{key, operator: "
                                     f"In|NotIn|Exists|DoesNotExist, values}}")
        if op in ("In", "NotIn") and not (isinstance(values, list) and values):
            raise SourceError(where, f"{what}: operator {op} needs a list of values")
        out.append((key, op, frozenset(str(v) for v in values or ())))
    return out


def _selects(requirements: list[tuple[str, str, frozenset]], labels: dict[str, str]) -> bool:
    """Whether pods with ``labels`` meet every requirement (Kubernetes' label selectors).

    >>> need = [("app", "In", frozenset({"cart"})), ("tier", "NotIn", frozenset({"dev"}))]
    >>> _selects(need, {"app": "cart"}), _selects(need, {"app": "cart", "tier": "dev"})
    (True, False)
    >>> _selects([("canary", "DoesNotExist", frozenset())], {"canary": "1"})
    False
    """
    for key, op, values in requirements:
        value = labels.get(key)
        if op == "In":
            ok = value is not None and value in values
        elif op == "NotIn":
            ok = value is None or value not in values
        elif op == "Exists":
            ok = value is not None
        else:
            ok = value is None
        if not ok:
            return False
    return True


def _policy_edges(p: _Obj, workloads: list[_Obj], b: ManifestBuilder) -> None:
    """Edges a NetworkPolicy declares: its pods' egress ``to`` podSelectors (pods -> peers)
    and its ingress ``from`` podSelectors (peers -> pods). A selector that selects every
    pod (``{}``) says nothing about one dependency: noted."""
    what = f"NetworkPolicy {p.name}"
    spec = _mapping(p.doc, "spec", p.file, p.line, what)
    own = _selector(spec.get("podSelector"), p, what)

    def pick(selector: list | None, any_namespace: bool) -> list[_Obj]:
        if not selector:
            return []
        return [w for w in workloads if w.node
                and (any_namespace or _ns_match(w.namespace, p.namespace))
                and _selects(selector, w.labels)]

    mine = pick(own, False)
    if not own:
        b.note(f"{p.file.short(p.line)}: {what} applies to every pod of its namespace; its rules "
               "are not read as dependencies")
        return
    vague = 0
    for direction, peers_key in (("egress", "to"), ("ingress", "from")):
        for rule in _list(spec, direction, p.file, p.line, what):
            for peer in _list(rule, peers_key, p.file, p.line, what):
                if not isinstance(peer, dict) or "podSelector" not in peer:
                    vague += 1  # ipBlock, or a namespaceSelector alone
                    continue
                selector = _selector(peer.get("podSelector"), p, what)
                others = pick(selector, "namespaceSelector" in peer)
                if not selector:
                    vague += 1
                    continue
                note = f"allowed by {what} ({direction}; {p.file.short(line_of(peer, p.line))})"
                for w in mine:
                    for o in others:
                        if o is w:
                            continue
                        proof = [f"networkpolicy {p.file.short(line_of(peer, p.line))}"]
                        if direction == "egress":
                            b.add_edge(w.node, o.node, note=note, evidence=proof)
                        else:
                            b.add_edge(o.node, w.node, note=note, evidence=proof)
    if vague:
        b.note(f"{p.file.short(p.line)}: {what} has {vague} peer(s) that select no particular "
               "pods (ipBlock, a namespaceSelector alone, or {}): not read as dependencies")
