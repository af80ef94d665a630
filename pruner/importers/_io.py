"""Reading sources: finding files, strict UTF-8, YAML with line numbers, streamed JSON.

Every failure becomes a :class:`~pruner.importers.base.SourceError` with ``file:line``
where the position is known.
"""

from __future__ import annotations

import codecs
import json
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pruner.errors import display
from pruner.frozen import record
from pruner.importers.base import SourceError, long_number
from pruner.loader import (
    MAX_INT_CHARS,
    MAX_NESTING,
    parse_bool,
    parse_float,
    parse_int,
    reader_error,
    too_deep,
)
from pruner.loader.yaml_nodes import yaml
from pruner.sources import (
    UnreadableError,
    bad_name,
    file_kind,
    file_mode,
    open_regular,
    read_regular,
    shown,
    walk_files,
)

_BAD_NAME = "file name is not valid UTF-8 (shown with \\x escapes); rename the file"

__all__ = [
    "JSON_SUFFIXES",
    "YAML_SUFFIXES",
    "SourceFile",
    "YMap",
    "YSeq",
    "discover",
    "iter_json_items_at",
    "iter_json_values",
    "line_of",
    "load_yaml_documents",
    "read_text",
    "source_mode",
]

YAML_SUFFIXES = (".yaml", ".yml")

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")

_CHUNK = 1 << 20


@record(slots=False)
class SourceFile:
    """One file to read.

    Attributes
    ----------
    path
        The path to open (the source argument joined with the path found below it).
    display
        A short, machine-independent name for notes: the file name, or for files found
        in a folder ``folder-name/relative/path``.
    explicit
        True when the user named the file itself rather than a folder holding it.
    """

    path: Path
    display: str
    explicit: bool

    def at(self, line: int | None) -> str:
        """``path:line`` (or ``path`` when the line is unknown), for errors."""
        return f"{self.path}:{line}" if line else str(self.path)

    def short(self, line: int | None) -> str:
        """``display:line``, for notes inside the manifest."""
        return f"{self.display}:{line}" if line else self.display


def source_mode(path: str | Path) -> int | None:
    """:func:`pruner.sources.file_mode` for a source: ``st_mode``, None when nothing is
    there, and a path that cannot be looked at (a name too long, no permission) a
    :class:`SourceError`."""
    try:
        return file_mode(path)
    except UnreadableError as exc:
        raise SourceError(exc.path, exc.reason) from None


def discover(
    sources: Sequence[str], suffixes: Sequence[str], note: Callable[[str], None]
) -> list[SourceFile]:
    """Expand source arguments into files.

    Folders are searched recursively, in sorted order, for files ending in one of
    ``suffixes`` (hidden files and folders skipped); files named directly are read
    whatever their name.

    Raises
    ------
    SourceError
        A source does not exist, or no file was found at all.
    """
    if not sources:
        raise SourceError("<sources>", "no source given")
    found: list[SourceFile] = []
    seen: set[Path] = set()
    def refuse(where: str, reason: str) -> None:
        raise SourceError(shown(where), reason)

    keep = tuple(suffixes)
    for src in sources:
        if bad_name(src):
            raise SourceError(shown(src), _BAD_NAME)
        if not str(src):  # Path("") is the current folder: never what was meant
            raise SourceError(shown(src), "an empty path names no file or folder")
        p = Path(src)
        mode = source_mode(p)
        if mode is None:
            raise SourceError(shown(p), "no such file or folder")
        if stat.S_ISDIR(mode):
            root_name = p.resolve().name or str(p)
            n_before = len(found)
            for rel, full in walk_files(p, lambda n: n.lower().endswith(keep), refuse):
                if bad_name(full):
                    raise SourceError(shown(full), _BAD_NAME)
                fp = Path(full)
                key = fp.resolve()
                if key in seen:
                    continue
                seen.add(key)
                found.append(SourceFile(fp, f"{root_name}/{rel}", explicit=False))
            if len(found) == n_before:
                note(f"{src}: no {'/'.join(suffixes)} files found in this folder")
        elif stat.S_ISREG(mode):
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                found.append(SourceFile(p, p.name, explicit=True))
        else:
            raise SourceError(shown(p), f"cannot read: {file_kind(mode)}, "
                                        "not a regular file or folder")
    if not found:
        raise SourceError(
            ", ".join(sources), f"no {'/'.join(suffixes)} files found in the given folders"
        )
    return found


def _utf8_error(
    f: SourceFile, data: bytes, err: UnicodeDecodeError, base_line: int = 1
) -> SourceError:
    line = base_line + data.count(b"\n", 0, err.start)
    bad = data[err.start : err.start + 1].hex()
    return SourceError(f.at(line), f"not valid UTF-8 text (byte 0x{bad})")


def read_text(f: SourceFile) -> str:
    """Read ``f`` as strict UTF-8 (a leading BOM is dropped)."""
    try:
        data = read_regular(f.path)
    except UnreadableError as e:
        raise SourceError(e.path, e.reason) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _utf8_error(f, data, e) from None


# -- YAML ------------------------------------------------------------------------------
class YMap(dict):  # type: ignore[type-arg]
    """A mapping read from YAML that remembers its line (1-based)."""

    __slots__ = ("line",)


class YSeq(list):  # type: ignore[type-arg]
    """A sequence read from YAML that remembers its line (1-based)."""

    __slots__ = ("line",)


def line_of(obj: object, default: int | None = None) -> int | None:
    """The line a YAML mapping/sequence started on, else ``default``."""
    return getattr(obj, "line", default)


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_Base):  # type: ignore[misc,valid-type]
    """Safe loader whose mappings and sequences carry their line number.

    Scalars are read strictly (the loader's patterns, never PyYAML's constructors on
    text that may be invalid): a written tag whose text does not fit it (``!!int abc``,
    ``!!bool maybe``) or an integer too long to be real is an error at its line; plain
    text that merely looks typed (``0x_``) stays text. A key written twice in one
    mapping is an error naming both lines.
    """

    def __init__(self, text: str):
        super().__init__(text)
        self.pruner_lines = text.split("\n")


def _fail(node: yaml.Node, message: str) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, message, node.start_mark)


def _explicit(loader: Any, node: yaml.Node) -> bool:
    mark = node.start_mark
    try:
        start = loader.pruner_lines[mark.line][mark.column:]
    except IndexError:  # pragma: no cover
        return True
    if start.startswith("&"):
        parts = start.split(None, 1)
        start = parts[1] if len(parts) > 1 else ""
    return start.startswith("!")


def _construct_int(loader: Any, node: yaml.ScalarNode) -> Any:
    value = parse_int(node.value)
    if value is not None:
        return value
    if len(node.value) > MAX_INT_CHARS:
        raise _fail(node, f"integer too long ({len(node.value)} characters; pruner reads "
                          f"at most {MAX_INT_CHARS})")
    if _explicit(loader, node):
        raise _fail(node, f"{display(node.value, 40)} is not an integer, as its tag !!int says")
    return node.value


def _construct_float(loader: Any, node: yaml.ScalarNode) -> Any:
    value = parse_float(node.value)
    if value is not None:
        return value
    if _explicit(loader, node):
        raise _fail(node, f"{display(node.value, 40)} is not a number, as its tag !!float says")
    return node.value


def _construct_bool(loader: Any, node: yaml.ScalarNode) -> Any:
    value = parse_bool(node.value)
    if value is not None:
        return value
    raise _fail(node, f"{display(node.value, 40)} is not true or false, as its tag !!bool says")


def _construct_timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, TypeError, OverflowError, AttributeError, KeyError):
        if _explicit(loader, node):
            raise _fail(node, f"{display(node.value, 40)} is not a timestamp") from None
        return node.value


def _construct_binary(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_binary(loader, node)
    except (ValueError, TypeError, UnicodeEncodeError, yaml.constructor.ConstructorError):
        raise _fail(node, f"{display(node.value, 40)} is not base64 data") from None


def _duplicates(node: yaml.MappingNode) -> None:
    seen: dict[tuple[str, str], yaml.Node] = {}
    for key, _value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        first = seen.setdefault((key.tag, key.value), key)
        if first is not key:
            raise _fail(key, f"duplicate key {display(key.value, 60)} (first at line "
                             f"{first.start_mark.line + 1}); YAML keys must be unique")


def _construct_map(loader: Any, node: yaml.MappingNode) -> Iterator[YMap]:
    data = YMap()
    data.line = node.start_mark.line + 1
    yield data
    _duplicates(node)
    data.update(loader.construct_mapping(node))


def _construct_seq(loader: Any, node: yaml.SequenceNode) -> Iterator[YSeq]:
    data = YSeq()
    data.line = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
for _tag, _constructor in (("int", _construct_int), ("float", _construct_float),
                           ("bool", _construct_bool), ("timestamp", _construct_timestamp),
                           ("binary", _construct_binary)):
    _LineLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _constructor)


_T = "tag:yaml.org,2002:"
#: The tags each kind of node may carry in the sources pruner reads; anything else
#: (``!!map true``, ``!!set``, ``!!omap``, a tag on the wrong kind of node) is refused
#: with its line before anything is constructed (issue 17 §3).
_NODE_TAGS = {
    yaml.MappingNode: {_T + "map"},
    yaml.SequenceNode: {_T + "seq"},
    yaml.ScalarNode: {_T + t for t in ("str", "int", "float", "bool", "null", "timestamp",
                                       "binary", "merge")},
}


def _check_tags(root: yaml.Node) -> None:
    """Refuse a tag that does not fit its node, with the node's position."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in _NODE_TAGS[type(node)]:
            tag = "!!" + node.tag[len(_T):] if node.tag.startswith(_T) else node.tag
            what = {yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list"}.get(
                type(node), "a scalar")
            raise _fail(node, f"unsupported YAML tag {display(tag, 40)} on {what}: these "
                              "files hold plain mappings, lists, text, numbers and booleans")
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def load_yaml_documents(f: SourceFile) -> list[tuple[Any, int]]:
    """Every non-empty document of a (multi-document) YAML file, with its first line.

    Raises
    ------
    SourceError
        Unreadable file, invalid UTF-8, or invalid YAML (with the line of the problem).
    """
    text = read_text(f)
    deep = too_deep(text)
    if deep is not None:
        raise SourceError(f.at(deep[0]), f"nested deeper than {MAX_NESTING} levels")
    loader = _LineLoader(text)
    docs: list[tuple[Any, int]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                _check_tags(node)
            data = loader.construct_document(node)
            if data is not None:
                docs.append((data, node.start_mark.line + 1))
    except yaml.constructor.ConstructorError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise SourceError(f.at(line), str(e.problem or e.context or "invalid value")) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = e.problem or e.context or "invalid YAML"
        raise SourceError(f.at(line), f"invalid YAML: {msg}") from None
    except yaml.reader.ReaderError as e:
        where, message = reader_error(str(f.path), text, e)
        raise SourceError(f.at(where.line or None), message) from None
    except yaml.YAMLError as e:
        raise SourceError(f.at(None), f"invalid YAML: {str(e).splitlines()[0]}") from None
    except (RecursionError, ValueError, TypeError) as e:
        raise SourceError(f.at(None), f"cannot read YAML: {type(e).__name__}") from None
    finally:
        loader.dispose()
    return docs


# -- JSON ------------------------------------------------------------------------------
_WS = re.compile(r"[ \t\r\n]*")
#: A ``\\uD800``-``\\uDFFF`` escape that is not half of a pair: JSON lets it through,
#: Unicode does not (it cannot be written as UTF-8), so it is refused with its line.
_LONE_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(value: Any) -> bool:
    """Whether a decoded JSON value holds a lone surrogate in a key or a string."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v):
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


class _JsonReader:
    """Incremental reader of a file holding JSON values (one or several, NDJSON too)."""

    def __init__(self, f: SourceFile, fh: Any):
        self.f = f
        self.fh = fh
        self.dec = codecs.getincrementaldecoder("utf-8-sig")()
        self.json = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.base_line = 1  # line number of buf[0]
        self.lpos, self.lline = 0, 1  # a known (position, line) pair in buf
        self.eof = False

    def line_at(self, pos: int) -> int:
        # Count forward from the last position asked about: linear over the file.
        if pos < self.lpos:
            self.lpos, self.lline = 0, self.base_line
        self.lline += self.buf.count("\n", self.lpos, pos)
        self.lpos = pos
        return self.lline

    def fill(self, size: int = _CHUNK) -> None:
        if self.eof:
            return
        if self.pos > _CHUNK:
            self.base_line = self.line_at(self.pos)
            self.buf = self.buf[self.pos :]
            self.pos = self.lpos = 0
            self.lline = self.base_line
        raw = self.fh.read(size)
        try:
            text = self.dec.decode(raw, final=not raw)
        except UnicodeDecodeError as e:
            base = self.line_at(len(self.buf))
            raise _utf8_error(self.f, raw, e, base) from None
        if not raw:
            self.eof = True
        self.buf += text

    def peek(self) -> str:
        """Skip whitespace; return the next character, or '' at end of file."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return ""
            self.fill()

    def value(self) -> Any:
        size = _CHUNK
        while True:
            try:
                val, end = self.json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                if not self.eof:
                    self.fill(size)
                    size = max(size, len(self.buf) - self.pos)
                    continue
                raise SourceError(
                    self.f.at(self.line_at(e.pos)), f"invalid JSON: {e.msg}"
                ) from None
            if end >= len(self.buf) and not self.eof:
                # A number may go on in the next chunk: read on and decode again.
                self.fill(size)
                continue
            lone = _LONE_ESCAPE.search(self.buf, self.pos, end)
            if lone and _has_surrogate(val):  # issue 17 §3: "x\udabc" would reach YAML
                raise SourceError(
                    self.f.at(self.line_at(lone.start())),
                    f"invalid text: {lone.group()} is half of a UTF-16 surrogate pair, "
                    "not a character")
            self.pos = end
            return val

    def array_items(self) -> Iterator[tuple[Any, int, bool]]:
        """The elements of the array that starts at the current ``[``, one by one, as
        ``(value, line, True)``; the position ends after its ``]``."""
        self.pos += 1
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            if self.peek() == "":
                raise self.error("invalid JSON: unterminated array")
            line = self.line_at(self.pos)
            yield self.value(), line, True
            c = self.peek()
            if c == ",":
                self.pos += 1
            elif c == "]":
                self.pos += 1
                return
            elif c == "":
                raise self.error("invalid JSON: unterminated array")
            else:
                raise self.error("invalid JSON: expected ',' or ']'")

    def error(self, msg: str) -> SourceError:
        return SourceError(self.f.at(self.line_at(self.pos)), msg)


def _unreadable_json(r: _JsonReader, e: Exception) -> SourceError:
    """What a JSON value the reader could not build says (one line), where: a number too
    long for Python to convert at the number's own line.

    >>> f = SourceFile(Path("x.json"), "x.json", False)
    >>> r = _JsonReader(f, None)
    >>> str(_unreadable_json(r, RecursionError("maximum recursion depth exceeded")))
    'x.json:1: cannot read JSON: nested too deeply'
    >>> r.buf = '{"a":\\n ' + "7" * 5000 + "}"
    >>> str(_unreadable_json(r, ValueError("Exceeds the limit (4300 digits) ...")))
    'x.json:2: cannot read JSON: a number of more than 4300 digits'
    """
    if isinstance(e, RecursionError):
        return r.error("cannot read JSON: nested too deeply")
    long = long_number(r.buf, r.pos)
    if long is not None:
        return SourceError(r.f.at(r.line_at(long[0])), f"cannot read JSON: {long[1]}")
    return r.error(f"cannot read JSON: {str(e)[:80]}")


def iter_json_values(f: SourceFile) -> Iterator[tuple[Any, int, bool]]:
    """Stream the JSON values of ``f`` as ``(value, line, in_array)``.

    A top-level array is not built in memory: its elements are yielded one by one
    (``in_array=True``). Other top-level values (one object, or newline-delimited
    values) are yielded whole (``in_array=False``).

    Raises
    ------
    SourceError
        Unreadable file, invalid UTF-8 or invalid JSON, with the line of the problem.
    """
    try:
        fh = open_regular(f.path)
    except UnreadableError as e:
        raise SourceError(e.path, e.reason) from None
    with fh:
        r = _JsonReader(f, fh)
        try:
            while True:
                c = r.peek()
                if c == "":
                    return
                if c != "[":
                    line = r.line_at(r.pos)
                    yield r.value(), line, False
                    continue
                yield from r.array_items()
        except (RecursionError, ValueError) as e:
            raise _unreadable_json(r, e) from None
        except OSError as e:
            raise SourceError(str(f.path), f"cannot read: {e.strerror or e}") from None


def iter_json_items_at(f: SourceFile, key: str, offset: int = 0,
                       line: int = 1) -> Iterator[tuple[Any, int, bool]]:
    """Stream ``f``'s JSON values, opening the array under top-level ``key`` of objects.

    ``offset`` (bytes) and ``line`` start the reading further in: at the beginning of
    the ``line``-th line, where a value begins (a reader that took the first lines of an
    NDJSON file another way hands the rest over here).

    For each top-level object (one per file, or one per line of NDJSON, or the
    elements of a top-level array), the elements of the array at ``key`` are yielded
    one by one as ``(element, line, True)`` without building the array; an object
    without ``key`` is yielded whole as ``(object, line, False)``. So a 1 GB
    ``{"resourceSpans": [...]}`` costs the memory of its largest element.
    """
    try:
        fh = f.path.open("rb")
    except OSError as e:
        raise SourceError(str(f.path), f"cannot read: {e.strerror or e}") from None
    with fh:
        r = _JsonReader(f, fh)
        if offset:
            fh.seek(offset)
            r.base_line = r.lline = line
        try:
            while True:
                c = r.peek()
                if c == "":
                    return
                if c == "[":  # a list of objects: each one as if it stood alone
                    r.pos += 1
                    while True:
                        c = r.peek()
                        if c == "]":
                            r.pos += 1
                            break
                        if c == "":
                            raise r.error("invalid JSON: unterminated array")
                        yield from _object_items(r, key)
                        c = r.peek()
                        if c == ",":
                            r.pos += 1
                        elif c != "]":
                            raise r.error("invalid JSON: expected ',' or ']'")
                    continue
                yield from _object_items(r, key)
        except (RecursionError, ValueError) as e:
            raise _unreadable_json(r, e) from None
        except OSError as e:
            raise SourceError(str(f.path), f"cannot read: {e.strerror or e}") from None


def _object_items(r: _JsonReader, key: str) -> Iterator[tuple[Any, int, bool]]:
    line = r.line_at(r.pos)
    if r.peek() != "{":
        yield r.value(), line, False
        return
    r.pos += 1
    rest: dict[str, Any] = {}
    streamed = False
    while True:
        c = r.peek()
        if c == "}":
            r.pos += 1
            break
        if c != '"':
            raise r.error("invalid JSON: expected a key in double quotes")
        name = r.value()
        if r.peek() != ":":
            raise r.error("invalid JSON: expected ':'")
        r.pos += 1
        if name == key and (streamed or key in rest):  # which one is meant? json: the last
            raise r.error(f"invalid JSON: the key {display(key)} appears twice in one object")
        if name == key and r.peek() == "[":
            streamed = True
            yield from r.array_items()
        else:
            r.peek()  # the decoder does not skip leading white space
            rest[name] = r.value()
        c = r.peek()
        if c == ",":
            r.pos += 1
        elif c != "}":
            raise r.error("invalid JSON: expected ',' or '}'")
    if not streamed:
        yield rest, line, False
