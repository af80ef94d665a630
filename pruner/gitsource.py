"""Read a manifest path as it was at a git revision (for ``pruner diff --base``).

A small adapter around ``git`` run as a subprocess (no network: only ``rev-parse``,
``ls-tree`` and ``cat-file`` on the local repository). It returns ``(file name,
bytes)`` pairs for :func:`pruner.loader.load_sources`, named exactly as the same
files are named in the working tree, so messages and locations read alike for the
old and the new version.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
from pathlib import Path, PurePosixPath

from pruner.errors import InputError, ToolMissingError, display
from pruner.frozen import record

__all__ = ["is_null_revision", "sources_at"]

_YAML = (".yaml", ".yml")


def _run(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    exe = shutil.which("git")
    if exe is None:
        raise ToolMissingError("pruner diff --base needs git, which is not installed")
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, env=env, check=False)


def _git(args: list[str], cwd: str) -> bytes:
    proc = _run(args, cwd)
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        why = reason[-1] if reason else f"exit status {proc.returncode}"
        raise InputError(f"git {args[0]} failed: {display(why, 200)}")
    return proc.stdout


def _toplevel(probe: Path, shown: str) -> Path:
    proc = _run(["rev-parse", "--show-toplevel"], str(probe))
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip()
        if "not a git repository" in reason:
            raise InputError(f"--base needs a git repository: {display(shown)} is not inside "
                             "one (compare two paths instead: pruner diff OLD NEW)")
        raise InputError(f"git rev-parse failed: {display(reason.splitlines()[-1], 200)}"
                         if reason else f"git rev-parse failed (exit status {proc.returncode})")
    return Path(proc.stdout.decode().strip())


def _commit(rev: str, top: Path) -> str:
    """The commit ``rev`` names, or an :class:`InputError` that says why there is none:
    an empty repository, a shallow clone that lacks it, an object that is no commit,
    or a name that nothing has."""
    proc = _run(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
                str(top))
    if proc.returncode == 0:
        return proc.stdout.decode().strip()
    where = display(str(top))
    if not _run(["rev-list", "-n", "1", "--all"], str(top)).stdout.strip():
        raise InputError(f"unknown git revision {display(rev)}: the repository at {where} has "
                         "no commits yet; commit the manifest first, or compare two paths "
                         "(pruner diff OLD NEW)")
    kind = _run(["cat-file", "-t", "--end-of-options", rev], str(top))
    if kind.returncode == 0:
        raise InputError(f"git revision {display(rev)} names a {kind.stdout.decode().strip()}, "
                         "not a commit")
    shallow = _run(["rev-parse", "--is-shallow-repository"], str(top)).stdout.strip()
    if shallow == b"true":
        raise InputError(f"unknown git revision {display(rev)}: the repository at {where} is a "
                         "shallow clone and its history is cut off, so older commits are "
                         "missing; fetch them (git fetch --unshallow, or actions/checkout "
                         "with fetch-depth: 0)")
    raise InputError(f"unknown git revision {display(rev)}: no commit, branch or tag in the "
                     f"repository at {where} has that name")


def is_null_revision(rev: str) -> bool:
    """Git's null object name (40 or 64 zeros): "no commit", as in the ``before`` of
    a first push or a pre-push hook's remote side of a new branch.

    >>> is_null_revision("0" * 40), is_null_revision("0" * 7), is_null_revision("HEAD")
    (True, False, False)
    """
    return len(rev) in (40, 64) and set(rev) == {"0"}


def sources_at(rev: str, path: str | os.PathLike) -> list[tuple[str, bytes]]:
    """The manifest files under ``path`` as of git revision ``rev``, with their content.

    ``path`` is a file or folder in the working tree (it need not exist there any
    more). Files are chosen as :func:`pruner.loader.manifest_files` chooses them: a
    file stands for itself; a folder for every ``*.yaml``/``*.yml`` below it, hidden
    ones skipped, in sorted order. A path absent at ``rev`` gives an empty list (the
    manifest is new); so does git's null revision (:func:`is_null_revision`). Raises
    :class:`InputError` outside a repository, in a repository without commits, and for
    a revision it lacks (saying when the clone is shallow) or that is no commit.
    """
    if rev.startswith("-"):
        raise InputError(f"invalid git revision {display(rev)}")
    if is_null_revision(rev):
        return []  # git's "no commit" (a first push): the manifest is new
    shown = str(path)
    absolute = Path(path).absolute()
    probe = absolute if absolute.is_dir() else absolute.parent
    while not probe.is_dir():  # a deleted folder: ask git from the nearest existing parent
        probe = probe.parent
    top = _toplevel(probe, shown)
    commit = _commit(rev, top)
    try:
        relative = PurePosixPath(absolute.resolve().relative_to(top.resolve()).as_posix())
    except ValueError:
        raise InputError(f"{display(shown)} is not inside the git repository at "
                         f"{display(str(top))}") from None
    found: list[_Entry] = []
    _collect(top, commit, relative, PurePosixPath(), found, 0)
    sources = []
    for entry in sorted(found, key=lambda e: e.inner):
        label = shown if not entry.inner else os.path.join(
            shown, *PurePosixPath(entry.inner).parts)
        content = _content(entry, label, rev)
        if content is not None:
            sources.append((label, content))
    return sources


_LINK = b"120000"  # the mode git gives a symbolic link
_MAX_LINKS = 40  # as the kernel's limit on symbolic links followed in one lookup
_MAX_SUBMODULE_DEPTH = 8


@record(slots=False)
class _Entry:
    """A file of the manifest at the revision: where it sits below the manifest path
    (``inner``, ``""`` for the path itself), and where git keeps it (the repository or
    submodule ``top``, the ``commit`` read there, the ``name`` in that tree, the blob
    ``obj`` and its ``mode``)."""

    inner: str
    top: Path
    commit: str
    name: PurePosixPath
    obj: str
    mode: bytes


def _tree(top: Path, commit: str, spec: str, recursive: bool = True
          ) -> list[tuple[bytes, bytes, str, PurePosixPath]]:
    """``(mode, kind, object, name)`` of the entries of ``commit`` under ``spec``."""
    # -z: names are NUL-separated and never quoted, whatever characters they hold.
    args = ["ls-tree", *(["-r"] if recursive else []), "-z", "--full-tree", commit, "--", spec]
    out = []
    for entry in _git(args, str(top)).split(b"\0"):
        if not entry:
            continue
        meta, _, name_bytes = entry.partition(b"\t")
        mode, kind, obj = meta.split()[:3]
        out.append((mode, kind, obj.decode(), PurePosixPath(
            name_bytes.decode("utf-8", "surrogateescape"))))
    return out


def _collect(top: Path, commit: str, relative: PurePosixPath, outer: PurePosixPath,
             found: list[_Entry], depth: int) -> None:
    """The manifest files below ``relative`` in ``commit`` of the repository at ``top``
    (``outer``: where that repository sits below the manifest path). Chosen as the
    working tree chooses them: a submodule is read at the commit the revision records,
    as its checked-out files are read in the working tree (one that is not checked out
    holds nothing in either); a symbolic link is kept and followed when read."""
    whole = str(relative) == "."
    for mode, kind, obj, name in _tree(top, commit, "." if whole else str(relative)):
        if not whole and name == relative and kind == b"blob":  # the path is a file
            found.append(_Entry(outer.as_posix() if outer.parts else "", top, commit, name,
                                obj, mode))
            continue
        inner = name if whole else (
            PurePosixPath() if name == relative else name.relative_to(relative))
        if any(part.startswith(".") for part in inner.parts):
            continue
        if kind == b"commit":
            _submodule(top / name, obj, outer / inner, found, depth + 1)
        elif kind == b"blob" and name.name.endswith(_YAML):
            found.append(_Entry((outer / inner).as_posix(), top, commit, name, obj, mode))


def _submodule(where: Path, commit: str, outer: PurePosixPath, found: list[_Entry],
               depth: int) -> None:
    if depth > _MAX_SUBMODULE_DEPTH or not (where / ".git").exists():
        return  # not checked out: the working tree holds nothing there either
    if _run(["cat-file", "-e", f"{commit}^{{commit}}"], str(where)).returncode != 0:
        raise InputError(f"submodule {display(str(where))} lacks commit {commit[:12]}, which "
                         "the revision records for it; fetch it (git submodule update --init "
                         "--recursive) and try again")
    _collect(where, commit, PurePosixPath("."), outer, found, depth)


def _content(entry: _Entry, label: str, rev: str) -> bytes | None:
    """The bytes the working tree would read for ``entry``: a symbolic link followed
    (inside the repository: at the revision; outside it: the file as it is now, which
    is all the working tree can read too); ``None`` for a link to a folder, which the
    working tree's walk skips."""
    top, name, obj, mode = entry.top, entry.name, entry.obj, entry.mode
    for _ in range(_MAX_LINKS):
        data = _git(["cat-file", "blob", obj], str(top))
        if mode != _LINK:
            return data
        target = data.decode("utf-8", "surrogateescape")
        joined = posixpath.normpath(posixpath.join(str(name.parent), target))
        if posixpath.isabs(target) or joined == ".." or joined.startswith("../"):
            outside = Path(target) if posixpath.isabs(target) else top / name.parent / target
            try:
                if outside.is_dir():
                    return None
                return outside.read_bytes()
            except OSError as exc:
                raise InputError(f"{display(label)}: cannot read: symbolic link to "
                                 f"{display(target)}, outside the repository: "
                                 f"{exc.strerror or exc}") from None
        hits = [e for e in _tree(top, entry.commit, joined, recursive=False)
                if e[3] == PurePosixPath(joined)]
        if not hits:
            raise InputError(f"{display(label)}: cannot read: symbolic link to "
                             f"{display(target)}, which does not exist at {display(rev)}")
        mode, kind, obj, name = hits[0]
        if kind != b"blob":
            return None  # a folder (or a submodule): not a manifest file
    raise InputError(f"{display(label)}: cannot read: too many levels of symbolic links")
