"""Reading input files safely: regular files only, never a hang, never a silent skip.

Every file pruner reads (manifests, ``--off-file``, importer sources) goes through
:func:`open_regular`: it opens without blocking (a FIFO with no writer would otherwise
wait forever), then refuses anything that is not a regular file (FIFOs, devices such
as ``/dev/zero`` that never end, sockets, folders) with a reason that names the kind.
:func:`walk_files` lists a folder recursively and reports, rather than skips, the
subfolders it cannot read. Paths whose names are not valid UTF-8 are refused by the
callers (:func:`bad_name`) so that no output ever has to print an unencodable name.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from typing import BinaryIO

from pruner.errors import InputError, display

__all__ = [
    "UnreadableError",
    "bad_name",
    "file_kind",
    "open_regular",
    "read_regular",
    "shown",
    "walk_files",
]


class UnreadableError(InputError):
    """A file or folder cannot be read: missing, no permission, or not a regular file."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = shown(path)
        self.reason = reason
        super().__init__(reason, self.path)


def shown(path: str | os.PathLike) -> str:
    r"""``path`` as text that any output can print: control characters and bytes that
    are not UTF-8 (kept by Python as surrogates) escaped as ``\xNN``.

    >>> shown("plain/m.yaml")
    'plain/m.yaml'
    >>> shown(os.fsdecode(b"caf\xe9.yaml"))
    'caf\\xe9.yaml'
    >>> shown("")  # an empty path still shows where the message is about
    "''"
    """
    text = os.fspath(path)
    return display(text, limit=10_000)[1:-1] if text else "''"


def bad_name(path: str | os.PathLike) -> bool:
    r"""Whether ``path`` cannot be written as UTF-8 (a file name of undecodable bytes).

    >>> bad_name("m.yaml"), bad_name(os.fsdecode(b"caf\xe9.yaml"))
    (False, True)
    """
    try:
        os.fspath(path).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def file_kind(mode: int) -> str:
    """What a file of ``st_mode`` is, in words ("a FIFO (named pipe)", ...).

    >>> file_kind(stat.S_IFIFO | 0o644), file_kind(stat.S_IFREG | 0o644)
    ('a FIFO (named pipe)', 'a regular file')
    """
    for test, word in _KINDS:
        if test(mode):
            return word
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


# What pathlib's is_file()/exists() read as "not there"; any other error (a name too
# long for the file system, a folder that may not be searched) they raise.
_ABSENT = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def file_mode(path: str | os.PathLike) -> int | None:
    """``st_mode`` of ``path`` (through links), or None when there is nothing there.

    Raises
    ------
    UnreadableError
        The path cannot be looked at: a name too long, no permission.

    >>> file_mode("/no/such/file") is None, stat.S_ISDIR(file_mode("/"))
    (True, True)
    >>> try:
    ...     file_mode("x" * 5000)
    ... except UnreadableError as exc:
    ...     print(exc.reason)
    cannot read: File name too long
    """
    try:
        return os.stat(path).st_mode
    except ValueError:  # a NUL in the name: no file can have it
        return None
    except OSError as exc:
        if exc.errno in _ABSENT:
            return None
        raise UnreadableError(path, f"cannot read: {_reason(exc)}") from None


def open_regular(path: str | os.PathLike) -> BinaryIO:
    """Open ``path`` for reading in binary, only if it is a regular file.

    Raises
    ------
    UnreadableError
        No such file, no permission, or not a regular file (the reason says which).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnreadableError(path, f"cannot read: {_reason(exc)}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnreadableError(path, f"cannot read: {file_kind(mode)}, not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike) -> bytes:
    """The bytes of the regular file at ``path`` (see :func:`open_regular`).

    Raises
    ------
    UnreadableError
    """
    with open_regular(path) as handle:
        try:
            return handle.read()
        except OSError as exc:  # e.g. EISDIR on odd file systems, EIO
            raise UnreadableError(path, f"cannot read: {_reason(exc)}") from None


def walk_files(
    root: str | os.PathLike, keep: Callable[[str], bool],
    problem: Callable[[str, str], None],
) -> Iterable[tuple[str, str]]:
    """``(relative posix path, path to open)`` of every file below ``root`` whose name
    ``keep`` accepts, hidden files and folders skipped, in sorted order.

    A subfolder that cannot be listed is reported through ``problem(path, reason)``,
    never skipped in silence; so is a kept name that is not a regular file.
    """
    found = []

    def failed(exc: OSError) -> None:
        problem(exc.filename if exc.filename is not None else os.fspath(root),
                f"cannot read folder: {_reason(exc)}")

    base = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(base, onerror=failed):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith(".") or not keep(name):
                continue
            full = os.path.join(dirpath, name)
            try:
                mode = os.stat(full).st_mode
            except OSError as exc:
                problem(full, f"cannot read: {_reason(exc)}")
                continue
            if not stat.S_ISREG(mode):
                problem(full, f"cannot read: {file_kind(mode)}, not a regular file")
                continue
            rel = os.path.relpath(full, base).replace(os.sep, "/")
            found.append((rel, full))
    return sorted(found)
