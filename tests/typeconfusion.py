"""Type confusion for every reader (issue 17 §3): take a small, valid document of the
reader's format, put a value of the wrong type at every key (and at every list item)
in turn — a list, an object, numbers, a bool, null, a huge string, a lone surrogate —
and run the command that reads it. The answer is exit 0 (the value was ignored or
read sensibly) or exit 2 with ``FILE:LINE: error: REASON`` lines; never a traceback.

The enumeration is exhaustive and deterministic over the seed's *shapes*: list items
of the same shape are mutated once (the first occurrence), so a seed with many spans
costs no more than one with two. ``HYPOTHESIS_PROFILE=fuzz`` adds random combinations
of several mutations at once (see tests/test_type_confusion.py).
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from typing import Any

#: The wrong-type values put at every key: list, object, numbers, bool, null, a huge
#: string and a lone surrogate (valid JSON as ``"\\udabc"``, invalid in UTF-8).
WRONG: tuple[Any, ...] = (
    ["a", ["b"]],
    {"a": {"b": 1}},
    -1,
    12345678901234567890123,
    0.5,
    True,
    None,
    "x" * 100_000,
    "x\udabc",
    "",
)

#: The normal suite puts the seven kinds the issue names at every key (list, object,
#: number, bool, null, huge string, lone surrogate); ``HYPOTHESIS_PROFILE=fuzz`` all of
#: :data:`WRONG`.
QUICK: tuple[Any, ...] = tuple(WRONG[i] for i in (0, 1, 2, 5, 6, 7, 8))

#: Wrong YAML tags for the YAML readers: a tag on the wrong node kind (``!!map true``)
#: or a tag whose constructor would fail (``!!int x``, ``!!binary``, python tags).
YAML_TAGS = ("!!map true", "!!seq 1", "!!int x", "!!float y", "!!bool maybe",
             "!!binary ~~~", "!!timestamp 2020-13-45", "!!null 3", "!!set [a]",
             "!!omap {a: 1}", "!!str {a: 1}", "!!python/name:os.system ''", "!x 1",
             "!!pairs 3", "!!merge 1")


#: Verdicts about a whole file, which have no line: the file (after the mutation)
#: holds nothing of its kind, or nothing tells which kind it is.
WHOLE_FILE = ("nothing to import", "nothing to discover", "no Compose services found",
              "no <define-gate> found",
              "cannot tell whether this holds")


def paths(doc: Any) -> Iterator[tuple[Any, ...]]:
    """Every path to a value in ``doc`` (dict keys and list indices), each *shape* once:
    a path whose indices only differ from an earlier one (``spans[3].kind`` after
    ``spans[0].kind``) is skipped."""
    seen: set[tuple[Any, ...]] = set()
    stack: list[tuple[tuple[Any, ...], Any]] = [((), doc)]
    while stack:
        path, node = stack.pop()
        shape = tuple("*" if isinstance(p, int) else p for p in path)
        if shape in seen:
            continue
        seen.add(shape)
        if path:
            yield path
        if isinstance(node, dict):
            children = list(node.items())
        elif isinstance(node, list):
            children = list(enumerate(node))
        else:
            children = []
        for key, child in reversed(children):
            stack.append(((*path, key), child))


def put(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A deep copy of ``doc`` with ``value`` at ``path``."""
    out = copy.deepcopy(doc)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def cases(doc: Any) -> Iterator[tuple[str, Any]]:
    """``(label, mutated document)`` for every path × wrong value."""
    values = WRONG if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else QUICK
    for path in paths(doc):
        for value in values:
            shown = repr(value) if len(repr(value)) < 40 else repr(value)[:30] + "..."
            yield f"{'.'.join(map(str, path))}={shown}", put(doc, path, value)


def as_json(doc: Any) -> bytes:
    """One key per line (so an error's line number points somewhere useful); lone
    surrogates written as JSON escapes."""
    return json.dumps(doc, indent=1, ensure_ascii=True).encode("ascii")


def as_yaml(docs: list[Any]) -> bytes:
    """A YAML stream: JSON is YAML's flow style, so every value survives, surrogates
    included (as ``"\\udabc"`` escapes)."""
    return "\n---\n".join(json.dumps(d, indent=1, ensure_ascii=True) for d in docs).encode()


_KEY_LINE = re.compile(r"^(\s*(?:- )?[A-Za-z_][\w.-]*:)(?: .*)?$")


def tagged(text: str) -> Iterator[tuple[str, str]]:
    """``(label, text)`` with the value of one ``key:`` line replaced by each of
    :data:`YAML_TAGS` (block-style YAML seeds), for every key line."""
    lines = text.split("\n")
    seen: set[str] = set()
    for i, line in enumerate(lines):
        m = _KEY_LINE.match(line)
        if not m:
            continue
        key = m.group(1).strip()
        nested = i + 1 < len(lines) and (len(lines[i + 1]) - len(lines[i + 1].lstrip())
                                          > len(line) - len(line.lstrip()))
        if key in seen:
            continue
        seen.add(key)
        for tag in YAML_TAGS:
            if nested:  # replace the whole block below the key
                j = i + 1
                indent = len(line) - len(line.lstrip())
                while j < len(lines) and (not lines[j].strip() or
                                          len(lines[j]) - len(lines[j].lstrip()) > indent):
                    j += 1
                new = lines[:i] + [f"{m.group(1)} {tag}"] + lines[j:]
            else:
                new = lines[:i] + [f"{m.group(1)} {tag}"] + lines[i + 1:]
            yield f"line {i + 1} {key} {tag}", "\n".join(new)


def check_outcome(result, path: str, label: str, codes=(0, 2)) -> None:
    """The CliRunner ``result`` of one mutated case: an allowed exit code, no
    exception but SystemExit, and on exit 2 only ``FILE:LINE[:COL]: error: REASON``
    lines about ``path``."""
    where = f"{label}: exit {result.exit_code}, {result.exception!r}\n{result.output[-2000:]}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(result.exception))[-3000:]
        raise AssertionError(f"{where}\n{tb}")
    assert result.exit_code in codes, where
    assert "Traceback" not in result.output, where
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert lines, where
        located = re.compile(re.escape(path) + r":\d+(:\d+)?: error: \S")
        verdict = re.compile(re.escape(path) + r": error: .*(" + "|".join(WHOLE_FILE) + ")")
        assert any(located.match(line) or verdict.match(line) for line in lines), where
        for line in lines:
            line.encode("utf-8")  # printable: no lone surrogate reaches the terminal
