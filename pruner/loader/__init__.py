"""Load a manifest (one YAML file or a folder of them) into a validated :class:`Manifest`.

The package reads in three steps, one module each:

- :mod:`pruner.loader.yaml_nodes` — YAML read safely, with positions: composed by libyaml,
  never constructed; tags, aliases, merge keys and nesting bounded; scalars read strictly;
- :mod:`pruner.loader.grammar` — the format's shape, by the one key table of
  :mod:`pruner.loader.keys` (which the JSON Schema follows, key by key);
- :mod:`pruner.loader.semantics` — references and semantics across files.

Every problem of every file is collected before failing.
"""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Iterable

from pruner.errors import Location, ManifestError, Problem
from pruner.loader.grammar import FileReader
from pruner.loader.semantics import REMOVED, Collector, LoadResult
from pruner.loader.yaml_nodes import (
    MAX_INT_CHARS,
    MAX_NESTING,
    NAME_PATTERN,
    parse_bool,
    parse_float,
    parse_int,
    reader_error,
    too_deep,
)
from pruner.model import Manifest
from pruner.sources import UnreadableError, bad_name, file_kind, read_regular, shown, walk_files

__all__ = [
    "MAX_INT_CHARS",
    "MAX_NESTING",
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
    collector = Collector(frozenset(assume_services))
    names = []
    # The node tree is acyclic and huge: the cyclic garbage collector would rescan it
    # again and again while it grows (75% of the load time on 20,000 services), and
    # could free nothing. Pause it while reading; restore the caller's setting.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for name, content in sources:
            names.append(name)
            FileReader(name, collector).read(content)
        return collector.finish(tuple(names))
    finally:
        if was_enabled:
            gc.enable()
