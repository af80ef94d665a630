"""Import observed dependencies from Jaeger's dependency links.

What is read
------------
The JSON that Jaeger's query service returns for
``GET /api/dependencies?endTs=...&lookback=...``: ``{"data": [{"parent": P, "child": C,
"callCount": N}, ...]}``, or the bare list. Folders are searched recursively for
``*.json`` files. Links with the same parent and child are summed over all files.

Edges
-----
``parent -> child``, noted with the number of calls observed. Self-calls are dropped.

Not seen: services that were not called in the time window, calls that were not
sampled, whether a call is needed for a user flow or tolerated when it fails (every
edge is hard).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pruner.importers._io import JSON_SUFFIXES, SourceFile, discover, iter_json_values
from pruner.importers.base import ImportResult, ManifestBuilder, SourceError, as_result

__all__ = ["import_jaeger"]


def _links(f: SourceFile) -> list[tuple[Any, int]]:
    out: list[tuple[Any, int]] = []
    values = 0
    for value, line, in_array in iter_json_values(f):
        values += 1
        if in_array:
            out.append((value, line))
        elif isinstance(value, dict) and "data" in value:
            data = value["data"]
            if data is None:
                continue
            if not isinstance(data, list):
                raise SourceError(f.at(line), "'data' must be a list of dependency links")
            out.extend((item, line) for item in data)
        elif isinstance(value, dict) and "parent" in value:
            out.append((value, line))  # newline-delimited links
        else:
            raise SourceError(
                f.at(line),
                'not Jaeger dependencies: expected {"data": [{"parent", "child", '
                '"callCount"}, ...]} or a list of such links',
            )
    if not values:
        raise SourceError(f.at(None), "empty file: no JSON value, so no dependency links")
    return out


def import_jaeger(sources: Sequence[str]) -> ImportResult:
    """Import Jaeger ``/api/dependencies`` JSON files.

    Parameters
    ----------
    sources
        Files or folders (searched recursively for ``*.json``).

    Returns
    -------
    ImportResult

    Raises
    ------
    SourceError
        Unreadable or malformed files, or links of the wrong shape.
    """
    b = ManifestBuilder()
    files = discover(sources, JSON_SUFFIXES, b.note)
    calls: dict[tuple[str, str], int] = {}
    unknown_counts: set[tuple[str, str]] = set()
    self_calls = 0
    n_links = 0
    for f in files:
        for item, line in _links(f):
            if not isinstance(item, dict):
                raise SourceError(f.at(line), "a dependency link must be an object")
            parent, child = item.get("parent"), item.get("child")
            if not isinstance(parent, str) or not isinstance(child, str) or not parent or not child:
                raise SourceError(
                    f.at(line), "a dependency link needs string 'parent' and 'child' fields"
                )
            count = item.get("callCount")
            if count is not None and (
                not isinstance(count, int) or isinstance(count, bool) or count < 0
            ):
                raise SourceError(f.at(line), "'callCount' must be a non-negative integer")
            n_links += 1
            p = b.name(parent, f.short(line))
            c = b.name(child, f.short(line))
            if p is None or c is None:
                continue
            b.add_service(p)
            b.add_service(c)
            if p == c:
                self_calls += 1
                continue
            calls[(p, c)] = calls.get((p, c), 0) + (count or 0)
            if count is None:
                unknown_counts.add((p, c))
    if not n_links:
        raise SourceError(", ".join(str(f.path) for f in files),
                          "the files hold no dependency links: nothing to import")
    if self_calls:
        b.note(f"dropped {self_calls} self-call link(s) (a service calling itself)")
    for (p, c), n in sorted(calls.items()):
        if (p, c) in unknown_counts and not n:
            note = "observed by Jaeger (call count not stated)"
        else:
            note = f"observed by Jaeger: {n} call{'s' if n != 1 else ''}"
        b.add_edge(p, c, note=note)
    return as_result(b, "jaeger", sources, "dependency links")
