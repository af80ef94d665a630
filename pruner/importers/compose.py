"""Import services and dependencies from Docker Compose files.

What is read
------------
Compose files (a top-level ``services`` mapping; folders searched recursively for
``*.yaml`` / ``*.yml``, other YAML files there skipped with a note). A service defined
in several files is merged, as ``docker compose -f a -f b`` merges overrides. Files
named in ``env_file`` are read too (``KEY=VALUE`` lines). A service that ``extends``
another (same file or ``file:``) has its base's environment and env files too, its own
variables winning; ``depends_on``, ``links`` and ``volumes_from`` are never shared.
A cycle of ``extends`` is an error at the service that closes it, as in Compose.

Edges
-----
- ``depends_on``, short (list) and long (mapping) form: a hard edge needed to start
  (Compose starts a service only after these, by definition), with the ``condition``
  in the note (``service_started`` when not given); ``required: false`` makes it soft;
- ``links`` (``service`` or ``service:alias``), ``volumes_from``, and
  ``network_mode``, ``ipc`` or ``pid`` set to ``service:X``;
- environment values (list ``KEY=VALUE`` or mapping form) that name another service by
  its service name, ``hostname``, ``container_name``, network alias or link alias,
  following the rules of :mod:`pruner.importers._refs` (``*_ADDR``, ``*_HOST``, ``*_URL``
  ... take a bare name; other variables need ``host:port`` or a URL), after Compose
  interpolation: ``${VAR}`` from the ``.env`` file beside the Compose file, else the
  default of ``${VAR:-default}`` / ``${VAR-default}`` (the shell's environment is unknown).

Every edge but ``depends_on`` is emitted ``startup: false`` (needed to serve, not to
start): nothing in the file says the service cannot start without it.

Not seen: hostnames in ``command``/``entrypoint``, in mounted config files, or in code;
whether a ``depends_on`` is also needed at runtime.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pruner.errors import display
from pruner.importers._io import (
    YAML_SUFFIXES,
    SourceFile,
    discover,
    line_of,
    load_yaml_documents,
    read_text,
)
from pruner.importers._refs import is_address_name, note_redacted, parse_host_refs, redact
from pruner.importers.base import ImportResult, ManifestBuilder, SourceError, as_result
from pruner.sources import UnreadableError, file_mode

__all__ = ["import_compose"]


def _env_pairs(env: Any, f: SourceFile, line: int | None) -> list[tuple[str, str]]:
    if env is None:
        return []
    if isinstance(env, dict):
        return [
            (str(k), str(v).lower() if isinstance(v, bool) else str(v))
            for k, v in env.items()
            if v is not None and not isinstance(v, (dict, list))
        ]
    if isinstance(env, list):
        out = []
        for item in env:
            if isinstance(item, str) and "=" in item:
                k, v = item.split("=", 1)
                out.append((k.strip(), v))
        return out
    raise SourceError(f.at(line), "'environment' must be a list or a mapping")


def _env_file_pairs(
    spec: Any, f: SourceFile, b: ManifestBuilder, who: str
) -> list[tuple[str, str]]:
    entries = spec if isinstance(spec, list) else [spec]
    out: list[tuple[str, str]] = []
    for e in entries:
        path = e.get("path") if isinstance(e, dict) else e
        if not isinstance(path, str) or "$" in path:
            continue
        p = Path(f.path).parent / path
        try:
            mode = file_mode(p)
        except UnreadableError as exc:  # a name too long, a folder that may not be read
            b.note(f"{f.display}: env_file {display(path)} of {who}: {exc.reason}; not read")
            continue
        if mode is None or not stat.S_ISREG(mode):
            b.note(f"{f.display}: env_file {display(path)} of {who} not found; not read")
            continue
        ef = SourceFile(p, str(Path(f.display).parent / path), explicit=True)
        b.read.append(str(p))
        out += _dotenv(read_text(ef))
    return out


def _dotenv(text: str) -> list[tuple[str, str]]:
    """``KEY=VALUE`` lines of an env file (``#`` comments, ``export`` and quotes dropped)."""
    out = []
    for raw in text.splitlines():
        raw = raw.strip()
        if raw and not raw.startswith("#") and "=" in raw:
            k, v = raw.split("=", 1)
            k = k.strip().removeprefix("export ").strip()
            out.append((k, v.strip().strip("'\"")))
    return out


#: ``$$``, ``${VAR}``, ``${VAR<op><arg>}`` (op ``-``, ``:-``, ``?``, ``:?``, ``+``, ``:+``)
#: or ``$VAR``; an ``arg`` holding ``$`` (nested interpolation) does not match.
_VAR_RE = re.compile(
    r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^${}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


def _interpolate(value: str, dotenv: dict[str, str]) -> tuple[str, str] | None:
    """``value`` with Compose interpolation applied, and where the values came from:
    a variable is taken from the project's ``.env`` file, else ``${VAR:-default}`` /
    ``${VAR-default}`` take their default; ``None`` when a variable stays unknown (set
    only in the shell, or nested), or when there is nothing to interpolate.

    >>> _interpolate("${DB_HOST:-db}:5432", {})
    ('db:5432', 'default')
    >>> _interpolate("http://${API}:80", {"API": "api"})
    ('http://api:80', '.env')
    >>> _interpolate("${DB_HOST}", {}), _interpolate("db", {})
    (None, None)
    """
    if "$" not in value:
        return None
    used: set[str] = set()
    unknown = False

    def sub(m: re.Match[str]) -> str:
        nonlocal unknown
        name = m.group(1) or m.group(4)
        if name is None:  # $$, a literal $ the container sees
            unknown = True
            return "$"
        op, arg = m.group(2), m.group(3) or ""
        have = dotenv.get(name)
        is_set = have is not None and (have != "" or not (op or "").startswith(":"))
        if op in (":-", "-"):
            if is_set:
                used.add(".env")
                return have or ""
            used.add("default")
            return arg
        if op in (":+", "+"):
            if not is_set:
                unknown = True  # empty when unset, but the shell may set it
                return ""
            used.add(".env")
            return arg
        if have is None:
            unknown = True
            return ""
        used.add(".env")
        return have

    out = _VAR_RE.sub(sub, value)
    if unknown or "$" in out:
        return None
    return out, " and ".join(sorted(used))


class _Frame:
    """One definition on the walk of an ``extends`` chain (``inherited_env``): its key
    ``(file, name, line)``, where it is, its own variables, its bases ``(key, name, spec,
    file, line)``, the next base to visit and what the bases visited pass on."""

    __slots__ = ("key", "name", "file", "line", "mine", "bases", "next", "got")

    def __init__(self, key, name, file, line, mine, bases) -> None:
        self.key, self.name, self.file, self.line = key, name, file, line
        self.mine, self.bases = mine, bases
        self.next = 0
        self.got: list[tuple[str, str, str]] = []


def import_compose(sources: Sequence[str]) -> ImportResult:
    """Import Docker Compose files.

    Parameters
    ----------
    sources
        Compose files, or folders searched recursively for ``*.yaml`` / ``*.yml``.

    Returns
    -------
    ImportResult

    Raises
    ------
    SourceError
        Unreadable or malformed files, a named file that is not a Compose file, or no
        Compose service found at all.
    """
    b = ManifestBuilder()
    redacted: set[str] = set()  # owner and variable of each value redacted
    files = discover(sources, YAML_SUFFIXES, b.note)

    # (name, definition, file, line) for every service definition, in file order.
    defs: list[tuple[str, dict[str, Any], SourceFile, int | None]] = []
    for f in files:
        docs = load_yaml_documents(f)
        if len(docs) == 1 and isinstance(docs[0][0], dict) and "services" in docs[0][0]:
            doc, dline = docs[0]
            svcs = doc["services"]
            if svcs is None:
                continue
            if not isinstance(svcs, dict):
                raise SourceError(f.at(line_of(svcs, dline)), "'services' must be a mapping")
            for name, spec in svcs.items():
                if spec is None:
                    spec = {}
                if not isinstance(spec, dict):
                    raise SourceError(
                        f.at(line_of(svcs, dline)), f"service {display(name)} must be a mapping"
                    )
                defs.append((str(name), spec, f, line_of(spec, dline)))
        elif f.explicit:
            raise SourceError(
                f.at(docs[0][1] if docs else None),
                "not a Compose file: no top-level 'services' mapping",
            )
        elif docs:
            b.note(f"{f.display}: not a Compose file (no top-level 'services'); skipped")
    if not defs:
        raise SourceError(", ".join(sources), "no Compose services found in these files")

    # Manifest names, and every name a service is reachable under.
    node: dict[str, str] = {}
    where: dict[str, list[str]] = {}
    for name, spec, f, line in defs:
        n = b.name(name, f.short(line))
        if n is None:
            continue
        node[name] = n
        where.setdefault(name, []).append(f.short(line))
        image = spec.get("image")
        desc = f"Compose service {name}" + (f"; image {image}" if isinstance(image, str) else "")
        b.add_service(n, description=desc, evidence=[f"compose {f.short(line)}"],
                      image=image if isinstance(image, str) else None)
    for name, places in where.items():
        if len(places) > 1:
            b.note(
                f"service {display(name)} is defined in several files ({', '.join(places)}); merged"
            )
    alias: dict[str, set[str]] = {}
    for name, spec, _f, _line in defs:
        if name not in node:
            continue
        names = {name.lower()}
        for key in ("hostname", "container_name"):
            if isinstance(spec.get(key), str):
                names.add(spec[key].lower())
        nets = spec.get("networks")
        if isinstance(nets, dict):
            for cfg in nets.values():
                if isinstance(cfg, dict) and isinstance(cfg.get("aliases"), list):
                    names.update(str(a).lower() for a in cfg["aliases"])
        for a in names:
            alias.setdefault(a, set()).add(name)

    def lookup(host: str, own_links: dict[str, str]) -> str | None:
        if host in own_links:
            return own_links[host]
        hit = alias.get(host)
        return next(iter(hit)) if hit and len(hit) == 1 else None

    dotenvs: dict[Path, dict[str, str]] = {}

    def project_env(f: SourceFile) -> dict[str, str]:
        """The ``.env`` file beside a Compose file, which Compose interpolates from."""
        folder = Path(f.path).parent
        if folder not in dotenvs:
            p = folder / ".env"
            try:
                mode = file_mode(p)
            except UnreadableError:
                mode = None
            found: dict[str, str] = {}
            if mode is not None and stat.S_ISREG(mode):
                b.read.append(str(p))
                found = dict(_dotenv(read_text(
                    SourceFile(p, str(Path(f.display).parent / ".env"), explicit=True))))
            dotenvs[folder] = found
        return dotenvs[folder]

    by_name: dict[str, list[tuple[dict[str, Any], SourceFile, int | None]]] = {}
    for name, spec, f, line in defs:
        by_name.setdefault(name, []).append((spec, f, line))

    def service_env(
        name: str, spec: dict[str, Any], f: SourceFile, line: int | None
    ) -> list[tuple[str, str]]:
        pairs = _env_pairs(spec.get("environment"), f, line_of(spec, line))
        if "env_file" in spec:
            pairs += _env_file_pairs(spec["env_file"], f, b, name)
        return pairs

    outside: dict[str, tuple[Any, int | None]] = {}  # services of files named by extends
    loaded: dict[tuple[str, str], tuple[SourceFile, list[Any]]] = {}  # and those files

    def bases_of(
        name: str, spec: dict[str, Any], f: SourceFile, line: int | None
    ) -> tuple[str, list[tuple[dict[str, Any], SourceFile, int | None]]]:
        """The service ``spec`` extends and where it is defined (none: noted)."""
        ext = spec.get("extends")
        base, other = (ext, None) if isinstance(ext, str) else (
            (ext.get("service"), ext.get("file")) if isinstance(ext, dict) else (None, None))
        if not isinstance(base, str) or (other is not None and not isinstance(other, str)):
            return "", []
        at = f.short(line)
        if other is None and str(f.path) in outside:  # a service of that same file
            svcs, dline = outside[str(f.path)]
            got = svcs.get(base) if isinstance(svcs, dict) else None
            bases = [(got, f, line_of(got, dline))] if isinstance(got, dict) else []
        elif other is None:
            bases = by_name.get(base, [])
        else:
            path = Path(f.path).parent / other
            try:
                mode = file_mode(path)
            except UnreadableError as exc:
                b.note(f"{at}: {name} extends {display(base)} in {display(other)}: "
                       f"{exc.reason}; not read")
                return base, []
            if mode is None or not stat.S_ISREG(mode):
                b.note(f"{at}: {name} extends {display(base)} in {display(other)}, "
                       "not found; not read")
                return base, []
            shown = str(Path(f.display).parent / other)
            if (str(path), shown) not in loaded:  # read once, however many extend it
                bf = SourceFile(path, shown, explicit=True)
                b.read.append(str(path))
                loaded[str(path), shown] = bf, load_yaml_documents(bf)
            bf, docs = loaded[str(path), shown]
            svcs = docs[0][0].get("services") if len(docs) == 1 and isinstance(
                docs[0][0], dict) else None
            outside[str(path)] = (svcs, docs[0][1] if docs else None)
            got = svcs.get(base) if isinstance(svcs, dict) else None
            bases = [(got, bf, line_of(got, docs[0][1]))] if isinstance(got, dict) else []
        if not bases:
            b.note(f"{at}: {name} extends {display(base)}, which is not found; its "
                   "environment is not read")
        return base, bases

    # What each definition passes on to a service extending it, by (file, name, line):
    # its own variables, then what it inherits less those it sets itself.
    passed_on: dict[tuple[str, str, int | None], list[tuple[str, str, str]]] = {}

    def inherited_env(
        name: str, spec: dict[str, Any], f: SourceFile, line: int | None
    ) -> list[tuple[str, str, str]]:
        """What ``extends`` shares: the environment (and env files) of the base service,
        and of its own base; the extending service's own variables win. ``depends_on``,
        ``links`` and ``volumes_from`` are never shared (Compose documentation).

        Each base definition is resolved once (``passed_on``), depth first with an
        explicit stack (an extends chain may be thousands long), its files read and its
        notes made in the order a walk from this service meets them; a base reached
        again on the way to it is a cycle, which Compose refuses too."""
        def frame(key, name, spec, f, line, mine) -> _Frame:
            base, bases = bases_of(name, spec, f, line)
            return _Frame(key, name, f, line, mine,
                          [((str(bf.path), base, bl), base, bs, bf, bl) for bs, bf, bl in bases])

        stack = [frame((str(f.path), name, line), name, spec, f, line, [])]
        on_path = {stack[0].key: 0}
        while True:
            top = stack[-1]
            if top.next == len(top.bases):
                stack.pop()
                del on_path[top.key]
                # Each variable once per definition it comes through: a base defined in
                # several files is reached on several paths, and a pair met again changes
                # nothing (its edge and notes are there), but copying it per path would
                # double with every such level.
                if not stack:
                    return list(dict.fromkeys(top.got))
                own = {k for k, _v, _via in top.mine}
                passed_on[top.key] = list(dict.fromkeys(
                    top.mine + [p for p in top.got if p[0] not in own]))
                stack[-1].got += passed_on[top.key]
                stack[-1].next += 1
                continue
            bkey, bname, bspec, bfile, bline = top.bases[top.next]
            if bkey in on_path:
                ring = [display(fr.name) for fr in stack[on_path[bkey]:]] + [display(bname)]
                if len(ring) > 8:  # a cycle of thousands is said in one short line
                    ring = ring[:4] + [f"... ({len(ring) - 7} more)"] + ring[-3:]
                raise SourceError(
                    top.file.at(top.line),
                    f"service {display(top.name)} extends {display(bname)}, which leads back "
                    f"to it: an extends cycle ({' -> '.join(ring)}); Compose refuses it too",
                )
            if bkey in passed_on:
                top.got += passed_on[bkey]
                top.next += 1
                continue
            # in the order a walk meets it: the base's variables, then its own base
            via = f" (inherited through extends: {bname}, {bfile.short(bline)})"
            mine = [(k, v, via) for k, v in service_env(bname, bspec, bfile, bline)]
            on_path[bkey] = len(stack)
            stack.append(frame(bkey, bname, bspec, bfile, bline, mine))

    for name, spec, f, line in defs:
        src = node.get(name)
        if src is None:
            continue
        at = f.short(line)
        ln = line_of(spec, line)

        def edge(
            target_raw: str, note: str, soft: bool = False, src: str = src, at: str = at,
            startup: bool = False,
        ) -> None:
            t = node.get(target_raw) or b.name(target_raw, at)
            if t:
                b.add_edge(src, t, note=f"{note} ({at})", soft=soft, startup=startup,
                           evidence=[f"compose {at} {note.split(' ', 1)[0]}"])

        dep = spec.get("depends_on")
        if isinstance(dep, list):
            for d in dep:
                if isinstance(d, str):
                    edge(d, "depends_on (condition: service_started)", startup=True)
        elif isinstance(dep, dict):
            for d, cfg in dep.items():
                cfg = cfg if isinstance(cfg, dict) else {}
                bits = [f"condition: {cfg.get('condition', 'service_started')}"]
                soft = cfg.get("required") is False
                if soft:
                    bits.append("required: false")
                edge(str(d), f"depends_on ({', '.join(bits)})", soft, startup=True)
        elif dep is not None:
            raise SourceError(
                f.at(ln), f"service {display(name)}: 'depends_on' must be a list or mapping"
            )

        own_links: dict[str, str] = {}
        links = spec.get("links")
        if isinstance(links, list):
            for entry in links:
                if not isinstance(entry, str):
                    continue
                target, _, al = entry.partition(":")
                own_links[(al or target).lower()] = target
                edge(target, f"links: {entry}")
        ext = spec.get("external_links")
        ext = [x for x in ext if isinstance(x, str)] if isinstance(ext, list) else []
        if ext:
            b.note(
                f"{at}: {name} links to containers outside Compose ({', '.join(ext)}); not imported"
            )
        vf = spec.get("volumes_from")
        if isinstance(vf, list):
            for entry in vf:
                if isinstance(entry, str) and not entry.startswith("container:"):
                    edge(entry.split(":")[0], f"volumes_from: {entry}")
        for key, what in (("network_mode", "network"), ("ipc", "IPC namespace"),
                          ("pid", "PID namespace")):
            nm = spec.get(key)
            if isinstance(nm, str) and nm.startswith("service:"):
                edge(nm[len("service:") :], f"{key}: {nm} (shares its {what})")

        pairs = [(k, v, "") for k, v in service_env(name, spec, f, ln)]
        own = {k for k, _v, _via in pairs}
        pairs += [p for p in inherited_env(name, spec, f, ln) if p[0] not in own]
        dotenv = project_env(f)
        for var, value, via in pairs:
            loose = is_address_name(var)
            shown_value, hidden = redact(var, value)  # issue 17 §5: never copy a secret
            resolved = _interpolate(value, dotenv)
            if resolved is not None:
                shown_resolved, hidden_resolved = redact(var, resolved[0])
                hidden = hidden or hidden_resolved
                shown_value += f", interpolated as {shown_resolved} (from {resolved[1]})"
            for ref in parse_host_refs(value if resolved is None else resolved[0]):
                if not (loose or ref.explicit):
                    continue  # a bare word under a name that does not say "address"
                target = lookup(ref.host, own_links)
                origin = f"env {var}={shown_value}"
                if hidden:
                    origin += " [credentials redacted]"
                    redacted.add(f"{name} {var}")
                origin += via
                if target is not None:
                    edge(target, origin)
                elif "." not in ref.host and loose:
                    edge(ref.host, origin + "; no such service in the Compose files")
                elif "." not in ref.host and ref.explicit:
                    b.note(
                        f"{at}: {name} env {var}={display(shown_value)} looks like an address of "
                        f"{display(ref.host)}, which is no Compose service; not imported"
                    )
                elif loose:
                    b.note(
                        f"{at}: {name} env {var} names the host {display(ref.host)}, outside "
                        "the Compose files; not imported as a dependency"
                    )
    note_redacted(b, redacted)
    return as_result(b, "compose", sources, "depends_on, links or address-like env values")
