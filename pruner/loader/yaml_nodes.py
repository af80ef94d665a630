"""Reading YAML safely, with positions.

The YAML is *composed* into nodes by libyaml (``CSafeLoader`` when PyYAML has it) and never
*constructed*: pruner reads the node tree itself, so no tag can build an object, aliases
cannot expand into a bomb (every node read counts against a budget proportional to the
text), deep nesting is refused before libyaml's quadratic slow-down, and every value keeps
its ``file:line:col``. Scalars are read with YAML 1.1's patterns, strictly: a tag's text must
match the tag (``!!int abc`` is an error, never a traceback from a constructor).

:class:`NodeReader` reads nodes of one file: mappings (duplicate and unknown keys noted,
merge keys followed iteratively), lists, text, names, booleans, integers and numbers. The
manifest's grammar (:mod:`pruner.loader.grammar`) builds on it; the importers use the
scalar parsers and the guards (:func:`too_deep`, :func:`reader_error`) for their own YAML.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable


class _PatternOnFirstUse:
    """A pattern compiled when it is first used: a class of every Unicode range costs
    7-17 ms to compile, more than the rest of a small run's parsing. What is read from
    it (``match``, ``search``...) is kept on it, so the next read is an attribute's."""

    def __init__(self, *args) -> None:
        self._args, self._pattern = args, None

    def __getattr__(self, name: str):
        if self._pattern is None:
            self._pattern = re.compile(*self._args)
        value = getattr(self._pattern, name)
        self.__dict__[name] = value
        return value


# PyYAML's modules whose patterns are compiled on first use (see _import_yaml).
_DEFERRED = frozenset({"yaml.reader", "yaml.resolver", "yaml.constructor"})


def _import_yaml():
    """``import yaml``, less the one cost pruner never uses.

    PyYAML's pure-Python ``Reader`` compiles its pattern of non-printable characters when
    ``yaml`` is imported: a class of every Unicode range, 7-17 ms, a tenth of a whole
    ``pruner check`` on a small manifest. pruner parses with libyaml (``CSafeLoader``),
    which checks the characters itself and never reaches that pattern; the pure-Python
    reader, if anything uses it, compiles it on first use. The resolver's patterns of
    implicit tags and the constructor's of timestamps are deferred the same way (a
    pattern a manifest's scalars never reach, such as the timestamp's, is never compiled:
    3 ms of start-up were these). Only these modules' compiles are deferred, and
    ``re.compile`` is itself again before this returns.
    """
    if "yaml" in sys.modules:
        return sys.modules["yaml"]
    compile_now = re.compile

    def compile_for(pattern, flags=0):
        if sys._getframe(1).f_globals.get("__name__") in _DEFERRED:
            return _PatternOnFirstUse(pattern, flags)
        return compile_now(pattern, flags)

    re.compile = compile_for
    try:
        import yaml
    finally:
        re.compile = compile_now
    return yaml


yaml = _import_yaml()

from yaml.nodes import MappingNode, ScalarNode, SequenceNode  # noqa: E402

from pruner.errors import Location, Problem, did_you_mean, display  # noqa: E402

try:  # libyaml's parser is several times faster; the pure-Python one is a fallback.
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

__all__ = [
    "NAME_PATTERN",
    "MAX_INT_CHARS",
    "MAX_NESTING",
    "NOT_YAML",
    "NodeReader",
    "is_yaml12_float",
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
# yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
_BOOL_WORDS = frozenset(_BOOL_TEXT) | {w.capitalize() for w in _BOOL_TEXT} | {
    w.upper() for w in _BOOL_TEXT}
# compiled on first use: parse_int reads a plain decimal without it
_INT_RE = _PatternOnFirstUse(
    r"(?P<sign>[-+]?)(?:0b(?P<bin>[01_]*[01][01_]*)"
    r"|0x(?P<hex>[0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*)"
    r"|0(?P<oct>[0-7_]*[0-7][0-7_]*)"
    r"|(?P<dec>0|[1-9][0-9_]*)"
    r"|(?P<sexa>[1-9][0-9_]*(?::[0-5]?[0-9])+))"
)
# The patterns of texts few manifests hold are left as text: re compiles each on first
# use and keeps it in its cache (compiling them all at import was a millisecond of
# every command's start-up).
_FLOAT_TEXT = (
    r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_NULL_TEXT = r"~|null|Null|NULL|"
_TIMESTAMP_TEXT = (
    r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+](?P<tzh>[0-9]{1,2})(?::(?P<tzm>[0-9]{2}))?))?)?"
)
_BASE64_TEXT = r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"


def _valid_timestamp(text: str) -> bool:
    m = re.fullmatch(_TIMESTAMP_TEXT, text)
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
    return re.fullmatch(_BASE64_TEXT, "".join(text.split())) is not None


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
    if text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1):
        return int(text)  # `150`: what the pattern's decimal branch gives, sooner
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


# a plain decimal (no leading zero: `0755` is octal to YAML 1.1), at most 40 characters
_DECIMAL = re.compile(r"(?:0|[1-9][0-9]{0,19})(?:\.[0-9]{1,19})?")


def parse_float(text: str) -> float | None:
    """The number a YAML 1.1 ``!!float`` (or ``!!int``) text stands for; None when it is
    not one, or longer than 100 characters.

    >>> [parse_float(t) for t in ("0.999", "1", "1_0.5", "1e-3", ".5", "-.inf", "0x10")]
    [0.999, 1.0, 10.5, 0.001, 0.5, -inf, 16.0]
    >>> [parse_float(t) for t in ("abc", "1.2.3", "", "e5", "." )]
    [None, None, None, None, None]
    """
    if _DECIMAL.fullmatch(text):  # `0.9995`, `150`: what the general reading gives, sooner
        return float(text)
    if len(text) > 100:
        return None
    number = parse_int(text)
    if number is not None:
        return float(number)
    if re.fullmatch(_FLOAT_TEXT, text) is None:
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
    return _BOOL_TEXT[text.lower()] if text in _BOOL_WORDS else None


# Standard scalar tags -> a check of their text; pruner only ever reads the text, so
# none constructs anything. ``!!value`` is what PyYAML resolves a plain ``=`` to: text.
_SCALAR_CHECKS = {
    _STR: None,
    _VALUE: None,
    _INT: lambda t: parse_int(t) is not None,
    _BOOL: lambda t: t in _BOOL_WORDS,
    _NULL: lambda t: re.fullmatch(_NULL_TEXT, t) is not None,
    _FLOAT: lambda t: re.fullmatch(_FLOAT_TEXT, t) is not None and any(c.isdigit() for c in t)
    or t.lstrip("+-").lower() in (".inf", ".nan"),
    _TIMESTAMP: _valid_timestamp,
    _BINARY: _valid_binary,
}
_SCALAR_WORDS = {_INT: "an integer", _BOOL: "a boolean (true or false)", _NULL: "null",
                 _FLOAT: "a number", _TIMESTAMP: "a timestamp", _BINARY: "base64 data"}
_SCALAR_TAGS = frozenset(_SCALAR_CHECKS)

_ALLOWED_TAGS = {ScalarNode: _SCALAR_TAGS, MappingNode: frozenset({_MAP}),
                 SequenceNode: frozenset({_SEQ})}


_TYPED_START = frozenset(k for k in _SafeLoader.yaml_implicit_resolvers if k is not None)
_DEFAULT_TAG = {SequenceNode: _SafeLoader.DEFAULT_SEQUENCE_TAG,
                MappingNode: _SafeLoader.DEFAULT_MAPPING_TAG}
_RESOLVED: dict[str, str] = {}  # plain scalar -> its tag, as PyYAML resolves it
_RESOLVED_MAX = 10_000

# What YAML 1.1's patterns (PyYAML's resolver) make of the commonest plain scalars, read
# without them: a word that starts like a boolean (y n t f o) is a boolean or null only
# when it is one of their words; a text that starts with a digit is a number or a
# timestamp only when every character is one their patterns hold. The rest is left to
# PyYAML, whose patterns are compiled on first use (a manifest of names, integers and
# plain decimals compiles none of them).
_NULL_WORDS = frozenset({"null", "Null", "NULL"})
_NUMBER_CHARS = frozenset("0123456789_.:+-eETtZ \t")  # and hexadecimal after 0x, 0b...
_ASCII_DIGITS = frozenset("0123456789")
_RESOLVERS = {k: [tag for tag, _ in v] for k, v in _SafeLoader.yaml_implicit_resolvers.items()}
_WORD_START = frozenset(c for c in "yYtTfFoOnN"
                        if _RESOLVERS.get(c) == ([_BOOL, _NULL] if c in "nN" else [_BOOL]))
_DIGIT_START = frozenset(c for c in _ASCII_DIGITS
                         if _RESOLVERS.get(c) == [_FLOAT, _INT, _TIMESTAMP])


def _plain_tag(value: str) -> str | None:
    """The tag PyYAML's resolver gives the plain scalar ``value``, when it
    can be told without its patterns; None otherwise.

    >>> [_plain_tag(t) for t in ("yes", "tweets", "NULL", "150", "0.999", "2fa-sms")]
    ['tag:yaml.org,2002:bool', 'tag:yaml.org,2002:str', 'tag:yaml.org,2002:null', \
'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:str']
    >>> [_plain_tag(t) for t in ("012", "1e3", "2001-12-14", "0x1f", "yes\\n")]
    [None, None, None, None, None]
    """
    if not value or "\n" in value:  # the patterns' `$` also matches before a final line break
        return None
    first = value[0]
    if first in _WORD_START:
        return _BOOL if value in _BOOL_WORDS else _NULL if value in _NULL_WORDS else _STR
    if first in _DIGIT_START:
        if value[:2] in ("0x", "0b"):
            return None
        if not _NUMBER_CHARS.issuperset(value):
            return _STR  # a character no number or timestamp holds: `2fa-login`
        whole, dot, part = value.partition(".")
        if _ASCII_DIGITS.issuperset(whole):
            if not dot:  # 0, 150 (012 is octal, 09 text: PyYAML's patterns tell)
                return _INT if first != "0" or len(value) == 1 else None
            if _ASCII_DIGITS.issuperset(part):
                return _FLOAT  # 0.999, 1.
    return None


class _YamlLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader, resolving tags as it does, the common case first. libyaml
    calls ``resolve`` (Python) for every scalar; a plain scalar whose first character
    starts none of YAML 1.1's implicit patterns (most names: only digits, signs, ``.``,
    ``~``, ``<``, ``=``, ``!&*``, the letters of booleans and null, and the empty text
    do) or a quoted one is ``!!str``, which PyYAML's loop over the patterns would say
    too, only slower (a 20,000-service manifest has 350,000 scalars); the words that
    start like booleans, the integers and the plain decimals are told without PyYAML's
    patterns (:func:`_plain_tag`); the other plain scalars are resolved by PyYAML once
    per distinct short text.

    >>> text = "[api, 12, '12', ~, yes, null, 0.5, n/a, no, !!str 1, .inf, 2001-12-14, {a: }]"
    >>> nodes = yaml.compose(text, Loader=_YamlLoader).value
    >>> [n.tag[18:] for n in nodes[:-1]], nodes[-1].value[0][1].tag[18:]
    (['str', 'int', 'str', 'null', 'bool', 'null', 'float', 'str', 'bool', 'str', 'float', \
'timestamp'], 'null')
    """

    if None not in _SafeLoader.yaml_implicit_resolvers and not _SafeLoader.yaml_path_resolvers:
        def resolve(self, kind, value, implicit):
            if kind is not ScalarNode:
                return _DEFAULT_TAG[kind]
            if not implicit[0] or value[:1] not in _TYPED_START:
                return _STR
            tag = _RESOLVED.get(value)  # keys such as `tier` or `owner` recur
            if tag is None:
                tag = _plain_tag(value) or _SafeLoader.resolve(self, kind, value, implicit)
                if len(_RESOLVED) < _RESOLVED_MAX and len(value) <= 40:
                    _RESOLVED[value] = tag
            return tag

        def descend_resolver(self, current_node, current_index) -> None:
            return None  # no path resolvers: nothing to track

        def ascend_resolver(self) -> None:
            return None

# libyaml slows down quadratically on deeply nested flow collections, so nesting is
# measured on the raw text (brackets only, a C-speed scan) before parsing.
_BRACKETS = _PatternOnFirstUse(r"[\[\]{}]")  # compiled for a text with many brackets
_YAML12_FLOAT = r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z"


def is_yaml12_float(text: str) -> bool:
    """Whether ``text`` is a float to YAML 1.2 (``1e-3``), which YAML 1.1 reads as text.

    >>> is_yaml12_float("1e-3"), is_yaml12_float("1.5"), is_yaml12_float("1e")
    (True, True, False)
    """
    return re.match(_YAML12_FLOAT, text) is not None
MAX_NESTING = 500


class NodeReader:
    """Reads the YAML node tree of one file; every problem goes to ``report`` with its
    place. Subclasses read a grammar on top (:class:`pruner.loader.grammar.FileReader`)."""

    def __init__(self, name: str, report: Callable[[Problem], None]) -> None:
        self.file = name
        self.report = report
        self.visits = 0
        self.budget = 0
        self.source = ""
        self.lines: list[str] | None = None  # the text's lines, split when first needed

    def where(self, node) -> Location:
        mark = node.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)

    def problem(self, node_or_location, message: str) -> None:
        where = node_or_location
        if not isinstance(where, Location):
            where = self.where(where)
        self.report(Problem(where, message))

    def compose(self, content: bytes | str) -> list | None:
        """The YAML documents of ``content`` as node trees, or None (with the problem
        noted) when the text is not UTF-8, nests too deeply or is not YAML."""
        if isinstance(content, bytes):
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = content.count(b"\n", 0, exc.start) + 1
                column = exc.start - (content.rfind(b"\n", 0, exc.start) + 1) + 1
                bad = content[exc.start:exc.start + 1].hex()
                self.problem(Location(self.file, line, column),
                             f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8")
                return None
        else:
            text = content
        self.source = text
        # Each node read costs a visit; aliases may revisit nodes, but only so often.
        self.budget = 200_000 + 4 * len(text)
        deep = too_deep(text)
        if deep is not None:
            self.problem(Location(self.file, *deep),
                         f"nested deeper than {MAX_NESTING} levels; no manifest needs that")
            return None
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
                return None
            self.problem(where, f"invalid YAML: {reason}{_hint(text, mark, reason)}")
            return None
        except yaml.reader.ReaderError as exc:
            self.problem(*reader_error(self.file, text, exc))
            return None
        except yaml.YAMLError as exc:
            self.problem(Location(self.file), f"invalid YAML: {str(exc).splitlines()[0]}")
            return None
        except RecursionError:
            self.problem(Location(self.file), "invalid YAML: nested too deeply")
            return None
        return documents


    def visit(self, node) -> bool:
        """Note that a node is read; False (with a problem noted) if its tag is not one
        of YAML's plain ones. Collections count their size against the alias budget:
        scalars are only reached through collections, so that bounds all the work."""
        tag = node.tag
        if node.__class__ is ScalarNode:
            if tag == _STR:  # by far the most common case: plain text
                return True
            # a plain decimal (`0.9995`, `150`) is a valid number or integer text: the
            # check below would say so, more slowly (a manifest with an availability
            # and a cost on every service has two per service)
            if (tag == _FLOAT or tag == _INT and "." not in node.value) \
                    and _DECIMAL.fullmatch(node.value):
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

    def plain_fields(self, node, allowed: frozenset[str]) -> dict | None:
        """The keys and values of a mapping in the common case, exactly as :meth:`pairs`
        gives them: a plain mapping whose keys are plain text, each allowed and written
        once (no merge key, no ``x-`` key). None for any other node, which :meth:`pairs`
        then reads the long way and notes what is wrong with. (One dict, no tuple per
        key: a 20,000-service manifest has 40,000 such mappings.)"""
        if node.__class__ is not MappingNode or node.tag != _MAP:
            return None
        found = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode or key_node.tag != _STR:
                return None
            key = key_node.value
            if key in found or key not in allowed:
                return None
            found[key] = value_node
        self.visits += len(node.value) + 1  # as visit() counts a mapping
        if self.visits > self.budget:
            raise _AliasBomb(node)
        return found

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
        if node.__class__ is ScalarNode and node.tag == _STR:  # plain text: nothing to check
            return node.value
        if not self.visit(node) or self.is_null(node):
            return None
        if not isinstance(node, ScalarNode):
            self.problem(node, f"{what} must be text, not {_kind(node)}")
            return None
        return node.value

    def name(self, node, what: str) -> str | None:
        if node.__class__ is ScalarNode and node.tag == _STR and _NAME.match(node.value):
            return node.value  # a plain valid name (most of them): visit() has nothing to note
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

    def nonnegative(self, node, what: str, unit: str, show: bool = False) -> float | None:
        """A finite number, 0 or more (``unit`` names it in messages; ``show`` quotes a
        number that is out of range)."""
        if not self.visit(node):
            return None
        value = None
        if isinstance(node, ScalarNode) and node.tag in (_INT, _FLOAT):
            value = parse_float(node.value)
        elif (isinstance(node, ScalarNode) and node.tag == _STR and not node.style
              and is_yaml12_float(node.value)):
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


class _AliasBomb(Exception):
    """Raised inside the reader when aliases expand far beyond the file's own size."""

    def __init__(self, node) -> None:
        super().__init__("alias expansion")
        self.node = node


#: Characters YAML does not allow in a stream (libyaml's reader refuses them). Compiled
#: on first use: only an error's message and a comment written by an importer need it.
NOT_YAML = _PatternOnFirstUse(
    "[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _position(text: str, pos: int) -> tuple[int, int]:
    """(line, column), from 1, of character offset ``pos`` in ``text``."""
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def reader_error(file: str, text: str, exc) -> tuple[Location, str]:
    """Where and what a libyaml reader error (a character YAML forbids) is.

    libyaml gives only a byte offset; the first forbidden character is found again
    in the text instead, so the message names its line and column.
    """
    found = NOT_YAML.search(text)
    if found is not None:
        char = found.group()
        if char == "\ufeff" and found.start() == 0:  # a BOM is fine at the very start
            found = NOT_YAML.search(text, 1)
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
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return None  # fewer opening brackets than the limit: no scan (C-speed counts)
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
