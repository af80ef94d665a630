"""Merge what an importer found into a manifest a person has edited, keeping their edits.

``pruner import ... --update`` and ``pruner discover ... --update`` use this: the
existing file is read with a round-trip YAML library (ruamel.yaml), so comments, key
order, quoting and everything a person wrote (flows, ``soft``, ``note``, ``owner``,
``availability``, ...) stay as they were. What is added:

- services the file lacks, whole;
- operations a service lacks, whole;
- dependency items whose target no existing item of the same owner names, at the
  end of the list, each with a note saying where it came from;
- flows the file lacks (``discover``);
- evidence (docs/manifest.md, "Evidence") on the items the source shows again: an entry
  of the same ``source`` is replaced by the new one (new counts, window, place), other
  entries are kept, and a new source's entry is appended. A plain ``- name`` item
  becomes ``{service: name, evidence: [...]}``: the same dependency, now saying where it
  is known from. :func:`record_evidence` does the same for ``pruner drift --update``.

Nothing else the file has is changed. Dependencies between services the source knows
that the source no longer shows are *stale*: reported, and deleted only with
``prune=True``. An item whose evidence names only other sources (a compose edge
when the address book is imported) is not this source's to judge: never stale here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from pruner.importers.base import SourceError

__all__ = ["UpdateResult", "update_manifest", "record_evidence", "entry_source"]


@dataclass
class UpdateResult:
    """The merged text and what changed."""

    text: str
    added: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # items whose evidence was updated


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


def entry_source(entry: Any) -> str | None:
    """The ``source`` of one evidence entry in any written form (None if unreadable).

    >>> entry_source("traces 4/4 traces"), entry_source({"compose": "x"})
    ('traces', 'compose')
    >>> entry_source({"source": "k8s", "detail": "y"}), entry_source(3)
    ('k8s', None)
    """
    if isinstance(entry, str):
        word = entry.strip().split(" ", 1)[0]
        return word[:-1] if word.endswith(":") else word
    if isinstance(entry, dict):
        if "source" in entry:
            return str(entry["source"])
        keys = [k for k in entry if not str(k).startswith("x-")]
        return str(keys[0]) if len(keys) == 1 else None
    return None


def _entries(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _merge_evidence(item: Any, found: list) -> tuple[Any, bool]:
    """``item`` with the evidence entries ``found`` merged in; and whether it changed.

    An entry of the same source is replaced (in place, so the list keeps its order);
    a new source's entry is appended; ``declared`` entries are never touched.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if not found:
        return item, False
    if isinstance(item, str):
        long = CommentedMap()
        long["service"] = item
        item = long
    elif not isinstance(item, dict):
        return item, False
    current = item.get("evidence")
    entries = _entries(current)
    changed = False
    for entry in found:
        source = entry_source(entry)
        if entry in entries or source is None or source == "declared":
            continue
        same = [i for i, e in enumerate(entries) if entry_source(e) == source]
        if same:
            entries[same[0]] = entry
        else:
            entries.append(entry)
        changed = True
    if changed:
        if isinstance(current, list):
            current[:] = entries
        else:
            seq = CommentedSeq(entries)
            item["evidence"] = seq
    return item, changed


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
    sources = {entry_source(e) for i in theirs if isinstance(i, dict)
               for e in _entries(i.get("evidence"))}
    for item in theirs:
        targets = _targets(item)
        if targets and not (targets & named):
            items.append(_with_origin(item, origin))
            named |= targets
            result.added.append(f"{owner} -> {', '.join(sorted(targets))}")
            continue
        found = _entries(item.get("evidence")) if isinstance(item, dict) else []
        for index, mine_item in enumerate(list(items[: len(have)])):
            if have[index] == targets:
                merged, changed = _merge_evidence(mine_item, found)
                if changed:
                    items[index] = merged
                    result.evidence.append(f"{owner} -> {', '.join(sorted(targets))}")
                break
    # Stale: an item the source could have shown (its owner is in the source) but did not.
    keep = []
    for item, targets in zip(list(items), have + [None] * (len(items) - len(have)), strict=False):
        if targets is None or not targets or targets & shown:
            keep.append(item)
            continue
        mine_sources = {entry_source(e) for e in _entries(item.get("evidence"))} \
            if isinstance(item, dict) else set()
        if mine_sources and sources and not (mine_sources & sources):
            keep.append(item)  # known from other sources only: not this source's to judge
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


def record_evidence(existing: str, confirmed: dict[tuple[str, str], str], *,
                    where: str = "manifest") -> UpdateResult:
    """Record observed evidence on the items of ``existing`` that an observation confirms.

    ``confirmed`` maps ``(caller service, callee service)`` to an evidence entry in text
    form (``traces 97 calls, A..B``). Every dependency item of the caller (its
    operations' included) naming the callee (or one of its operations) gets the entry,
    merged as :func:`update_manifest` merges evidence. Nothing else changes: comments,
    order and every hand edit stay (``pruner drift --update``).

    >>> text = "services:\\n  api:\\n    depends_on: [db]  # hand-written\\n  db: {}\\n"
    >>> r = record_evidence(text, {("api", "db"): "traces 5 calls"})
    >>> print(r.text, end="")
    services:
      api:
        depends_on: [{service: db, evidence: [traces 5 calls]}] # hand-written
      db: {}
    >>> r.evidence
    ['api -> db']
    """
    from ruamel.yaml.comments import CommentedSeq

    y = _yaml()
    try:
        data = y.load(existing) if existing.strip() else None
    except Exception as exc:  # ruamel raises many types; all mean "cannot read it"
        raise SourceError(where, f"cannot read the manifest to update: "
                                 f"{getattr(exc, 'problem', None) or exc}") from None
    result = UpdateResult("")
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        result.text = existing
        return result
    callees: dict[str, dict[str, str]] = {}
    for (caller, callee), entry in confirmed.items():
        callees.setdefault(caller, {})[callee] = entry
    for name, body in services.items():
        wanted = callees.get(str(name))
        if not wanted or not isinstance(body, dict):
            continue
        lists = [(str(name), body.get("depends_on"))]
        ops = body.get("operations")
        if isinstance(ops, dict):
            lists += [(f"{name}:{op}", (ob or {}).get("depends_on"))
                      for op, ob in ops.items() if isinstance(ob, dict) or ob is None]
        for owner, items in lists:
            if not isinstance(items, list):
                continue
            for index, item in enumerate(list(items)):
                found = [wanted[t] for t in sorted({_service_of(t) for t in _targets(item)})
                         if t in wanted]
                merged, changed = _merge_evidence(item, found)
                if changed:
                    items[index] = merged
                    result.evidence.append(f"{owner} -> {', '.join(sorted(_targets(item)))}")
                    if isinstance(merged.get("evidence"), list) and not isinstance(
                            merged["evidence"], CommentedSeq):
                        merged["evidence"] = CommentedSeq(merged["evidence"])
    out = io.StringIO()
    y.dump(data, out)
    result.text = out.getvalue()
    return result
