"""Read a manifest path as it was at a git revision (for ``pruner diff --base``).

A small adapter around ``git`` run as a subprocess (no network: only ``rev-parse``,
``ls-tree`` and ``cat-file`` on the local repository). It returns ``(file name,
bytes)`` pairs for :func:`pruner.loader.load_sources`, named exactly as the same
files are named in the working tree, so messages and locations read alike for the
old and the new version.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path, PurePosixPath

from pruner.errors import InputError, ToolMissingError, display

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
    # -z: names are NUL-separated and never quoted, whatever characters they hold.
    spec = "." if str(relative) == "." else str(relative)
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", spec], str(top))
    found = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name_bytes = entry.partition(b"\t")
        kind, obj = meta.split()[1:3]
        if kind != b"blob":
            continue
        name = PurePosixPath(name_bytes.decode("utf-8", "surrogateescape"))
        if str(relative) != "." and name == relative:  # the path is a file
            found.append(("", name, obj))
            continue
        inner = name.relative_to(relative) if str(relative) != "." else name
        if any(part.startswith(".") for part in inner.parts) or not name.name.endswith(_YAML):
            continue
        found.append((inner.as_posix(), name, obj))
    sources = []
    for inner, _name, obj in sorted(found):
        content = _git(["cat-file", "blob", obj.decode()], str(top))
        label = shown if not inner else os.path.join(shown, *PurePosixPath(inner).parts)
        sources.append((label, content))
    return sources
