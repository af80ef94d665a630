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

import yaml

from pruner.importers.base import ImportResult, dependency_count

__all__ = ["result_to_yaml", "to_yaml"]

_SERVICE_KEYS = ("description", "owner", "system", "tier", "tags", "external", "evidence",
                 "depends_on")
_ITEM_KEYS = ("service", "any_of", "at_least", "of", "soft", "startup", "note", "evidence")

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


_CONTROL = {i: f"\\x{i:02x}" for i in list(range(0x20)) + list(range(0x7F, 0xA0))}


# Characters YAML allows nowhere, not even in a comment (U+FFFE, U+FFFF, lone surrogates).
_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _comment(text: str) -> str:
    one_line = " ".join(str(text).split()).translate(_CONTROL)
    return _NOT_YAML.sub(lambda m: f"\\u{ord(m.group()):04x}", one_line)


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
    options = dict(Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100_000)
    body = yaml.dump(doc, allow_unicode=True, **options)
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: let the emitter escape them
        body = yaml.dump(doc, allow_unicode=False, **options)
    return "\n".join(header) + "\n" + body


def result_to_yaml(result: ImportResult) -> str:
    """:func:`to_yaml` of an :class:`ImportResult`, with its kind, sources and notes."""
    return to_yaml(result.document, kind=result.kind, sources=result.sources, notes=result.notes)
