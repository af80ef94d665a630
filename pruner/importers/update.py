"""Merge what an importer found into a manifest a person has edited, keeping their edits.

``pruner import ... --update`` and ``pruner discover ... --update`` use this: the
existing file is read with a round-trip YAML library (ruamel.yaml), so comments, key
order, quoting and everything a person wrote (flows, ``soft``, ``note``, ``owner``,
``availability``, ...) stay as they were. What is added:

- services the file lacks, whole;
- operations a service lacks, whole;
- dependency items whose target no existing item of the same owner names, at the
  end of the list, each with a note saying where it came from;
- flows the file lacks (``discover``).

Nothing the file has is changed. Dependencies between services the source knows
that the source no longer shows are *stale*: reported, and deleted only with
``prune=True``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from pruner.importers.base import SourceError

__all__ = ["UpdateResult", "update_manifest"]


@dataclass
class UpdateResult:
    """The merged text and what changed."""

    text: str
    added: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)


def _yaml():
    from ruamel.yaml import YAML  # imported here: only --update needs it

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never fold a note across lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _targets(item: Any) -> frozenset[str]:
    if isinstance(item, str):
        return frozenset([item])
    if not isinstance(item, dict):
        return frozenset()
    if "service" in item:
        return frozenset([str(item["service"])])
    members = item.get("any_of", item.get("of")) or ()
    return frozenset(str(m) for m in members)


def _service_of(name: str) -> str:
    return name.split(":", 1)[0]


def _with_origin(item: Any, origin: str) -> Any:
    if isinstance(item, str):
        return {"service": item, "note": origin}
    out = dict(item)
    out["note"] = f"{out['note']} ({origin})" if out.get("note") else origin
    return out


def update_manifest(existing: str, document: dict[str, Any], origin: str, *,
                    prune: bool = False, where: str = "manifest") -> UpdateResult:
    """Merge ``document`` (an importer's manifest-v1 dict) into ``existing`` YAML text.

    Parameters
    ----------
    existing
        The manifest file's text, as a person left it.
    document
        What the importer found.
    origin
        Said in the note of every added item (e.g. ``"added by pruner import compose"``).
    prune
        Delete stale dependencies instead of only reporting them.
    where
        The file's name, for errors.

    Raises
    ------
    SourceError
        ``existing`` is not a mapping-shaped manifest ruamel.yaml can read.

    Examples
    --------
    >>> text = '''services:
    ...   api:  # the front door
    ...     depends_on:
    ...       - service: db
    ...         soft: true
    ...         note: cache in front
    ...   db: {}
    ... '''
    >>> found = {"services": {"api": {"depends_on": [{"service": "db"},
    ...          {"service": "auth", "note": "seen"}]}, "auth": {}, "db": {}}}
    >>> r = update_manifest(text, found, "added by pruner import compose")
    >>> print(r.text, end="")
    services:
      api:  # the front door
        depends_on:
          - service: db
            soft: true
            note: cache in front
          - service: auth
            note: seen (added by pruner import compose)
      db: {}
      auth: {}
    >>> r.added
    ['api -> auth', 'service auth']
    """
    y = _yaml()
    try:
        data = y.load(existing) if existing.strip() else None
    except Exception as exc:  # ruamel raises many types; all mean "cannot read it"
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise SourceError(f"{where}{line}", f"cannot read the manifest to update: "
                                            f"{getattr(exc, 'problem', None) or exc}") from None
    from ruamel.yaml.comments import CommentedMap

    if data is None:
        data = CommentedMap()
        data["version"] = 1
    if not isinstance(data, dict):
        raise SourceError(where, "the manifest to update must be a mapping (services:, flows:)")
    result = UpdateResult("")
    services = data.get("services")
    if services is None:
        services = data["services"] = CommentedMap()
    if not isinstance(services, dict):
        raise SourceError(where, "'services' of the manifest to update must be a mapping")
    found = document.get("services") or {}
    for name, body in found.items():
        body = body or {}
        mine = services.get(name)
        if name not in services:
            services[name] = _fresh(body, origin)
            result.added.append(f"service {name}")
            continue
        if mine is None:
            mine = services[name] = CommentedMap()
        if not isinstance(mine, dict):
            continue
        _merge_items(mine, body.get("depends_on") or [], name, origin, result, prune)
        ops = body.get("operations") or {}
        if ops:
            table = mine.get("operations")
            if table is None:
                table = mine["operations"] = CommentedMap()
            if not isinstance(table, dict):
                continue
            for op, op_body in ops.items():
                op_body = op_body or {}
                if op not in table:
                    table[op] = _fresh(op_body, origin)
                    result.added.append(f"operation {name}:{op}")
                    continue
                if table[op] is None:
                    table[op] = CommentedMap()
                _merge_items(table[op], op_body.get("depends_on") or [], f"{name}:{op}", origin,
                             result, prune)
    new_flows = document.get("flows") or {}
    if new_flows:
        flows = data.get("flows")
        if flows is None:
            flows = data["flows"] = CommentedMap()
        if isinstance(flows, dict):
            for name, body in new_flows.items():
                if name not in flows:
                    flows[name] = body
                    result.added.append(f"flow {name}")
    out = io.StringIO()
    y.dump(data, out)
    result.text = out.getvalue()
    return result


def _fresh(body: dict[str, Any], origin: str) -> dict[str, Any]:
    out = dict(body)
    if out.get("depends_on"):
        out["depends_on"] = [_with_origin(i, origin) for i in out["depends_on"]]
    return out or {}


def _merge_items(mine: Any, theirs: list, owner: str, origin: str, result: UpdateResult,
                 prune: bool) -> None:
    from ruamel.yaml.comments import CommentedSeq

    items = mine.get("depends_on")
    if items is None:
        items = CommentedSeq()
    if not isinstance(items, list):
        return
    have = [_targets(i) for i in items]
    named = set().union(*have) if have else set()
    shown = set().union(*(_targets(i) for i in theirs)) if theirs else set()
    for item in theirs:
        targets = _targets(item)
        if targets and not (targets & named):
            items.append(_with_origin(item, origin))
            named |= targets
            result.added.append(f"{owner} -> {', '.join(sorted(targets))}")
    # Stale: an item the source could have shown (its owner is in the source) but did not.
    keep = []
    for item, targets in zip(list(items), have + [None] * (len(items) - len(have)), strict=False):
        if targets is None or not targets or targets & shown:
            keep.append(item)
            continue
        label = f"{owner} -> {', '.join(sorted(targets))}"
        if prune:
            result.pruned.append(label)
        else:
            result.stale.append(label)
            keep.append(item)
    if prune and len(keep) != len(items):
        for index in range(len(items) - 1, -1, -1):
            if not any(items[index] is k for k in keep):
                del items[index]
    if items and "depends_on" not in mine:
        mine["depends_on"] = items
