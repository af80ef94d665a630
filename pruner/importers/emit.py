"""Write an imported document as manifest-v1 YAML text.

The text is deterministic (services sorted by name, keys in a fixed order, dependencies
sorted), starts with a comment header saying what was imported and that flows must be
added by hand, and loads back with ``yaml.safe_load`` to the same document: scalars
are emitted by ``yaml.safe_dump``, which quotes every string that would otherwise read
back as something else (``"yes"``, ``"1.0"``, ``"null"``, ``"a: b"`` ...).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pruner.importers.base import ImportResult, dependency_count
from pruner.loader.yaml_nodes import NOT_YAML, yaml

__all__ = ["result_to_yaml", "to_yaml"]

_SERVICE_KEYS = ("description", "owner", "system", "tier", "tags", "external", "evidence",
                 "depends_on")
_ITEM_KEYS = ("service", "any_of", "at_least", "of", "soft", "startup", "note", "evidence")

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


_CONTROL = {i: f"\\x{i:02x}" for i in list(range(0x20)) + list(range(0x7F, 0xA0))}


def _comment(text: str) -> str:
    one_line = " ".join(str(text).split()).translate(_CONTROL)
    return NOT_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", one_line)


def _ordered(mapping: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    out = {k: mapping[k] for k in keys if k in mapping}
    out.update((k, mapping[k]) for k in sorted(mapping) if k not in out)
    return out


def _normalise(document: dict[str, Any]) -> dict[str, Any]:
    services = {}
    for name in sorted(document.get("services") or {}):
        svc = dict(document["services"][name] or {})
        if "depends_on" in svc:
            svc["depends_on"] = [
                _ordered(it, _ITEM_KEYS) if isinstance(it, dict) else it for it in svc["depends_on"]
            ]
        services[name] = _ordered(svc, _SERVICE_KEYS)
    out: dict[str, Any] = {"version": document.get("version", 1), "services": services}
    if document.get("flows"):
        out["flows"] = {k: document["flows"][k] for k in sorted(document["flows"])}
    return out


def to_yaml(
    document: dict[str, Any],
    *,
    kind: str | None = None,
    sources: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> str:
    """Return ``document`` as manifest-v1 YAML text with a comment header.

    Parameters
    ----------
    document
        A manifest-v1 document (as in :attr:`ImportResult.document`).
    kind, sources, notes
        What was imported, from where, and the importer's notes; all go into the header.

    Returns
    -------
    str
        YAML text; ``yaml.safe_load`` of it equals ``document`` (up to key order).

    Examples
    --------
    >>> doc = {"version": 1, "services": {"b": {}, "a": {"depends_on": [
    ...     {"service": "b", "note": "env B_ADDR=b:80"}]}}}
    >>> text = to_yaml(doc, kind="k8s")
    >>> yaml.safe_load(text) == doc
    True
    >>> print(text.split("version: 1")[1])
    <BLANKLINE>
    services:
      a:
        depends_on:
        - service: b
          note: env B_ADDR=b:80
      b: {}
    <BLANKLINE>
    """
    doc = _normalise(document)
    header = ["# pruner manifest (format v1)"]
    if kind == "discover":
        header.append("# Proposed from traces by `pruner discover`")
    elif kind:
        header.append(f"# Imported by `pruner import {_comment(kind)}`")
    if sources:
        header.append("# from: " + _comment(", ".join(sources)))
    n_edges = dependency_count(doc)
    header += [
        f"# {len(doc['services'])} services, {n_edges} dependencies.",
        "# Each dependency's note says where it came from. Dependencies are hard unless marked",
        "# soft: the sources rarely tell whether a service survives losing one, so review them",
        "# and mark those it survives `soft: true`.",
    ]
    if doc.get("flows") and kind == "discover":
        header += [
            "# Flows are proposals, one per entry point seen in the traces: keep the ones that",
            "# matter, give them names people use, and say which are not critical.",
        ]
    if not doc.get("flows"):
        header += [
            "# No flows: the sources do not describe user flows. Add them by hand under",
            "# `flows:` (manifest-v1 section 3) before asking what breaks.",
        ]
    if notes:
        header.append("# Notes from the import:")
        header += [f"#   - {_comment(n)}" for n in notes]
    body = _block_text(doc)
    if body is None:
        body = yaml.dump(doc, allow_unicode=True, **_OPTIONS)
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: let the emitter escape them
        body = yaml.dump(doc, allow_unicode=False, **_OPTIONS)
    return "\n".join(header) + "\n" + body


_OPTIONS = dict(Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100_000)


def _block_text(doc: dict[str, Any]) -> str | None:
    """``yaml.dump(doc, allow_unicode=True, **_OPTIONS)``, byte for byte, written here.

    PyYAML's representer builds a node for every scalar and runs its resolver's
    patterns on each: 0.7 s of a 10,579-dependency ``discover``, where libyaml's
    emitter takes a tenth of that. Here the block layout is written directly (PyYAML's:
    two-space indent, a mapping's sequences not indented) and each distinct scalar
    is written once by yaml itself, so quoting stays yaml's. None when yaml would
    write a scalar over several lines or a key that is not a simple key (``? k``):
    the caller lets yaml write the whole document then.
    """
    lines: list[str] = []
    if not doc:
        return None
    try:
        _mapping(doc, "", lines, _Scalars())
    except _NotBlock:
        return None
    lines.append("")
    return "\n".join(lines)


class _NotBlock(Exception):
    """A document part :func:`_block_text` leaves to yaml."""


class _Scalars:
    """Each distinct scalar's text, as yaml writes it as a value and as a key."""

    def __init__(self) -> None:
        self.values: dict = {}
        self.keys: dict = {}

    def value(self, data) -> str:
        text = self.values.get((data.__class__, data))
        return text if text is not None else _written(self.values, data, [data], "- ", "\n")

    def key(self, data) -> str:
        text = self.keys.get((data.__class__, data))
        return text if text is not None else _written(self.keys, data, {data: None}, "",
                                                      ": null\n")


def _written(cache: dict, data, document, head: str, tail: str) -> str:
    """``data`` as yaml writes it in ``document`` (between ``head`` and ``tail``), kept."""
    if data.__class__ not in _SCALARS:  # a key of another type
        raise _NotBlock
    text = _one_line(yaml.dump(document, allow_unicode=True, **_OPTIONS), head, tail)
    cache[(data.__class__, data)] = text
    return text


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _one_line(text: str, head: str, tail: str) -> str:
    """The scalar between ``head`` and ``tail`` of yaml's text, if it is one simple line."""
    if not (text.startswith(head) and text.endswith(tail)) or text.startswith("? "):
        raise _NotBlock
    inner = text[len(head):len(text) - len(tail)]
    # yaml folds a line past its width, which depends on where the scalar starts, and
    # indents what follows a line break (YAML's are \n \r \x85 \u2028 \u2029)
    if len(inner) > _OPTIONS["width"] // 2 or _LINE_BREAK.search(inner):
        raise _NotBlock
    return inner


_LINE_BREAK = re.compile("[\n\r\x85\u2028\u2029]")


_MAX_DEPTH = 64  # documents are a few levels deep; deeper ones are yaml's to write


def _mapping(data: dict, indent: str, lines: list[str], scalars: _Scalars,
             first: str | None = None, depth: int = 0) -> None:
    """Write the non-empty mapping ``data`` at ``indent``; ``first`` starts its first
    line instead (``"- "`` under a sequence)."""
    if depth > _MAX_DEPTH:
        raise _NotBlock
    for k, v in data.items():
        start = indent if first is None else first
        first = None
        key = scalars.key(k)
        if v.__class__ is dict and v:
            lines.append(f"{start}{key}:")
            _mapping(v, indent + "  ", lines, scalars, depth=depth + 1)
        elif v.__class__ is list and v:
            lines.append(f"{start}{key}:")
            _sequence(v, indent, lines, scalars, depth=depth + 1)
        else:
            lines.append(f"{start}{key}: {_leaf(v, scalars)}")


def _sequence(data: list, indent: str, lines: list[str], scalars: _Scalars,
              first: str | None = None, depth: int = 0) -> None:
    """Write the non-empty sequence ``data`` with its dashes at ``indent``."""
    if depth > _MAX_DEPTH:
        raise _NotBlock
    for v in data:
        start = indent + "- " if first is None else first + "- "
        first = None
        if v.__class__ is dict and v:
            _mapping(v, indent + "  ", lines, scalars, first=start, depth=depth + 1)
        elif v.__class__ is list and v:
            _sequence(v, indent + "  ", lines, scalars, first=start, depth=depth + 1)
        else:
            lines.append(start + _leaf(v, scalars))


def _leaf(v, scalars: _Scalars) -> str:
    """An empty collection or a scalar, as a value."""
    if v.__class__ is dict:
        return "{}"
    if v.__class__ is list:
        return "[]"
    if v.__class__ not in _SCALARS:  # a set, a tuple...: yaml's to refuse or write
        raise _NotBlock
    return scalars.value(v)


def result_to_yaml(result: ImportResult) -> str:
    """:func:`to_yaml` of an :class:`ImportResult`, with its kind, sources and notes."""
    return to_yaml(result.document, kind=result.kind, sources=result.sources, notes=result.notes)
