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
import re
from dataclasses import dataclass, field
from typing import Any

from pruner.importers.base import SourceError
from pruner.loader.yaml_nodes import yaml

__all__ = ["UpdateResult", "update_manifest", "record_evidence", "entry_source"]


@dataclass
class UpdateResult:
    """The merged text and what changed."""

    text: str
    added: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)  # defined in another file: left alone
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


class _Owner:
    """Copy-on-write for the nodes an update changes (issue 17 §5).

    A YAML alias (``*deps``) or a merge key (``<<: *base``) makes one node appear in
    several places; writing through it would change every service sharing it. So a node
    is changed only where it is the owner's own: one that is shared (referenced more
    than once) or inherited through a merge key is first copied into the owner
    (the alias broken for that node alone), and the others keep the original.
    """

    def __init__(self, root: Any) -> None:
        self.refs: dict[int, int] = {}
        stack = [root]
        while stack:
            node = stack.pop()
            for child in self._children(node):
                if isinstance(child, (dict, list)):
                    self.refs[id(child)] = self.refs.get(id(child), 0) + 1
                    if self.refs[id(child)] == 1:
                        stack.append(child)

    @staticmethod
    def _children(node: Any) -> list:
        if isinstance(node, dict):
            own = getattr(node, "_ok", None)
            return [v for k, v in node.items() if own is None or k in own]
        return list(node) if isinstance(node, list) else []

    def own(self, parent: Any, key: Any) -> Any:
        """``parent[key]``, copied into ``parent`` first when it is shared or inherited."""
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        value = parent[key]
        own = getattr(parent, "_ok", None)
        inherited = own is not None and key not in own
        if not isinstance(value, (dict, list)) or (
                not inherited and self.refs.get(id(value), 0) <= 1):
            return value
        copy = CommentedMap(value.items()) if isinstance(value, dict) else CommentedSeq(value)
        for child in self._children(copy):
            if isinstance(child, (dict, list)):
                self.refs[id(child)] = self.refs.get(id(child), 0) + 1
        if not inherited:
            self.refs[id(value)] -= 1
        self.refs[id(copy)] = 1
        parent[key] = copy
        return copy


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
    before = list(entries)
    # The last entry found of each source is the one that stays (one entry per source:
    # the members of a group seen in the same traces give the item one entry). Merged
    # once each, so that an entry replaced and then put back is no change.
    last: dict[str, Any] = {}
    for entry in found:
        source = entry_source(entry)
        if source is not None and source != "declared":
            last[source] = entry
    for source, entry in last.items():
        same = [i for i, e in enumerate(entries) if entry_source(e) == source]
        if same:
            entries[same[0]] = entry
        else:
            entries.append(entry)
    changed = entries != before
    if changed:
        if isinstance(current, list):  # item by item: a slice would drop the comments
            for index, entry in enumerate(entries):
                if index < len(current):
                    current[index] = entry
                else:
                    current.append(entry)
        else:
            seq = CommentedSeq(entries)
            item["evidence"] = seq
    return item, changed


def _put(items: Any, index: int, item: Any) -> None:
    """``items[index] = item``. A plain ``- name  # comment`` item that became a mapping
    takes its comment along: the end-of-line part onto ``service:``, the comment lines
    after it after the item's last entry (ruamel.yaml would print them between the ``-``
    and the mapping, and lose them on the next update)."""
    from ruamel.yaml.tokens import CommentToken

    old, items[index] = items[index], item
    comments = getattr(items, "ca", None)
    comment = comments.items.get(index) if comments is not None else None
    if isinstance(old, dict) or not isinstance(item, dict) or not comment or not comment[0]:
        return
    del comments.items[index]
    token = comment[0]
    eol, _, rest = token.value.partition("\n")
    if eol.strip():
        item.ca.items["service"] = [None, None, CommentToken(eol + "\n", token.start_mark),
                                    None]
    evidence = item.get("evidence")
    if rest.strip() and isinstance(evidence, list) and evidence:
        evidence.ca.items[len(evidence) - 1] = [CommentToken("\n" + rest, token.start_mark),
                                                None]


def _with_origin(item: Any, origin: str) -> Any:
    if isinstance(item, str):
        return {"service": item, "note": origin}
    out = dict(item)
    out["note"] = f"{out['note']} ({origin})" if out.get("note") else origin
    return out


#: The longest comment --update hands to ruamel.yaml, whose scanner reads a comment in
#: time quadratic in its length (400,000 characters: 4 s; 5 MB: many minutes).
MAX_COMMENT = 65_536
_COMMENT_START = re.compile(r"(?:^|[ \t])#")


def _refuse_long_comments(text: str, where: str) -> None:
    """Raise :class:`SourceError` at the line of a comment longer than
    :data:`MAX_COMMENT` (a ``#`` inside a scalar starts none). Only lines that long are
    looked at, and the text is scanned (by libyaml) only when there is one.

    >>> _refuse_long_comments("a: 1  # short\\n", "m.yaml")
    >>> _refuse_long_comments("a: '#" + "x" * 70_000 + "'\\n", "m.yaml")
    >>> _refuse_long_comments("a: 1\\n#" + "x" * 70_000 + "\\n", "m.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pruner.importers.base.SourceError: m.yaml:2: a comment of 70,001 characters: ...
    """
    if len(text) <= MAX_COMMENT:
        return
    lines = text.split("\n")
    long = [n for n, line in enumerate(lines) if len(line) > MAX_COMMENT]
    if not long:
        return
    inside: dict[int, list[tuple[int, int]]] = {n: [] for n in long}  # scalars' columns
    try:
        for token in yaml.scan(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if not isinstance(token, yaml.ScalarToken):
                continue
            first, last = token.start_mark, token.end_mark
            for n in long:
                if first.line <= n <= last.line:
                    inside[n].append((first.column if n == first.line else 0,
                                      last.column if n == last.line else len(lines[n])))
    except yaml.YAMLError:
        return  # not YAML: the reader below says so
    for n in long:
        line = lines[n]
        for found in _COMMENT_START.finditer(line):
            at = found.end() - 1
            if any(a <= at < b for a, b in inside[n]):
                continue
            length = len(line.rstrip("\r")) - at
            if length > MAX_COMMENT:
                raise SourceError(f"{where}:{n + 1}",
                                  f"a comment of {length:,} characters: --update reads "
                                  f"comments of at most {MAX_COMMENT:,} (shorten it, or write "
                                  "to a new file)")
            break


def update_manifest(existing: str, document: dict[str, Any], origin: str, *,
                    prune: bool = False, where: str = "manifest",
                    elsewhere: frozenset[str] = frozenset(),
                    flows_elsewhere: frozenset[str] = frozenset()) -> UpdateResult:
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
    elsewhere
        Services that other files of the same folder manifest define: never added to
        this file (that would define them twice), their items left to those files.
    flows_elsewhere
        Flows that other files of the same folder manifest define: never added to this
        file either (reported in ``elsewhere`` as ``flow NAME``).

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
    _refuse_long_comments(existing, where)
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
        raise SourceError(f"{where}:1", "the manifest to update must be a mapping "
                                        "(services:, flows:)")
    result = UpdateResult("")
    cow = _Owner(data)
    services = data.get("services")
    if services is None:
        services = data["services"] = CommentedMap()
    if not isinstance(services, dict):
        line = data.lc.key("services")[0] + 1 if hasattr(data, "lc") else 1
        raise SourceError(f"{where}:{line}", "'services' of the manifest to update must be a "
                                             "mapping")
    found = document.get("services") or {}
    for name, body in found.items():
        body = body or {}
        if name in elsewhere and name not in services:
            result.elsewhere.append(name)
            continue
        if name not in services:
            cow.own(data, "services")[name] = _fresh(body, origin)
            services = data["services"]
            result.added.append(f"service {name}")
            continue

        def service(name=name):
            services = cow.own(data, "services")
            if services[name] is None:
                services[name] = CommentedMap()
            return cow.own(services, name)

        if services[name] is not None and not isinstance(services[name], dict):
            continue
        _merge_items(services[name] or {}, service, cow, body.get("depends_on") or [], name,
                     origin, result, prune)
        ops = body.get("operations") or {}
        if not ops:
            continue
        table = (services[name] or {}).get("operations") or {}
        if not isinstance(table, dict):
            continue
        for op, op_body in ops.items():
            op_body = op_body or {}

            def operations(service=service):
                mine = service()
                if mine.get("operations") is None:
                    mine["operations"] = CommentedMap()
                return cow.own(mine, "operations")

            if op not in table:
                operations()[op] = _fresh(op_body, origin)
                result.added.append(f"operation {name}:{op}")
                continue

            def operation(op=op, operations=operations):
                table = operations()
                if table[op] is None:
                    table[op] = CommentedMap()
                return cow.own(table, op)

            if table[op] is not None and not isinstance(table[op], dict):
                continue
            _merge_items(table[op] or {}, operation, cow, op_body.get("depends_on") or [],
                         f"{name}:{op}", origin, result, prune)
    new_flows = document.get("flows") or {}
    if new_flows:
        flows = data.get("flows")
        if flows is None or isinstance(flows, dict):
            for name, body in new_flows.items():
                if name in (flows or {}):
                    continue
                if name in flows_elsewhere:
                    result.elsewhere.append(f"flow {name}")
                    continue
                if data.get("flows") is None:  # made only when a flow goes in
                    data["flows"] = CommentedMap()
                cow.own(data, "flows")[name] = body
                result.added.append(f"flow {name}")
    out = io.StringIO()
    y.dump(data, out)
    result.text = keep_text(existing, out.getvalue())
    return result


def _fresh(body: dict[str, Any], origin: str) -> dict[str, Any]:
    out = dict(body)
    if out.get("depends_on"):
        out["depends_on"] = [_with_origin(i, origin) for i in out["depends_on"]]
    return out or {}


def _copy(node: Any, copy: Any) -> Any:
    """``copy`` (of ``node``'s content) with ``node``'s comments and flow style: the
    written item keeps them (not its anchor, which stays with ``node``)."""
    import copy as copying

    from ruamel.yaml.comments import Comment, Format

    for attrib in (Comment.attrib, Format.attrib):
        if hasattr(node, attrib):
            setattr(copy, attrib, copying.deepcopy(getattr(node, attrib)))
    return copy


def _item_copy(item: Any) -> Any:
    """A dependency item to merge evidence into: a mapping is copied (with its evidence
    list), since it may be shared through an alias; a plain name is as it is."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if not isinstance(item, dict):
        return item
    item = _copy(item, CommentedMap(item.items()))
    if isinstance(item.get("evidence"), list):
        item["evidence"] = _copy(item["evidence"], CommentedSeq(item["evidence"]))
    return item


def _merge_items(mine: Any, writable, cow: _Owner, theirs: list, owner: str, origin: str,
                 result: UpdateResult, prune: bool) -> None:
    """Add the items of ``theirs`` that ``mine`` lacks; report (or with ``prune`` delete)
    the items the source no longer shows. ``mine`` is read; ``writable()`` gives the
    owner's own node to change (copied first when shared, see :class:`_Owner`)."""
    from ruamel.yaml.comments import CommentedSeq

    items = mine.get("depends_on")
    if items is None:
        items = []
    if not isinstance(items, list):
        return
    have = [_targets(i) for i in items]
    named = set().union(*have) if have else set()
    shown = set().union(*(_targets(i) for i in theirs)) if theirs else set()
    sources = {entry_source(e) for i in theirs if isinstance(i, dict)
               for e in _entries(i.get("evidence"))}
    added = []
    evidence: dict[int, Any] = {}  # index -> the item with its evidence merged (a copy)
    for item in theirs:
        targets = _targets(item)
        if targets and not (targets & named):
            added.append(_with_origin(item, origin))
            named |= targets
            result.added.append(f"{owner} -> {', '.join(sorted(targets))}")
            continue
        found = _entries(item.get("evidence")) if isinstance(item, dict) else []
        for index, mine_item in enumerate(items[: len(have)]):
            if have[index] == targets:
                merged, changed = _merge_evidence(_item_copy(mine_item), found)
                if changed:
                    evidence[index] = merged
                    result.evidence.append(f"{owner} -> {', '.join(sorted(targets))}")
                break
    # Stale: an item the source could have shown (its owner is in the source) but did not.
    stale = []
    for index, targets in enumerate(have):
        if not targets or targets & shown:
            continue
        item = items[index]
        mine_sources = {entry_source(e) for e in _entries(item.get("evidence"))} \
            if isinstance(item, dict) else set()
        if mine_sources and sources and not (mine_sources & sources):
            continue  # known from other sources only: not this source's to judge
        label = f"{owner} -> {', '.join(sorted(targets))}"
        if prune:
            result.pruned.append(label)
            stale.append(index)
        else:
            result.stale.append(label)
    if not added and not stale and not evidence:
        return  # nothing changes: a shared node stays shared
    node = writable()
    if node.get("depends_on") is None:
        node["depends_on"] = CommentedSeq()
    items = cow.own(node, "depends_on")
    for index, merged in evidence.items():
        _put(items, index, merged)
    for index in reversed(stale):
        del items[index]
    items.extend(added)
    if not items:
        _emptied(node, "depends_on")


def _emptied(node: Any, key: str) -> None:
    """``node[key]``, a block list all of whose items were deleted, written ``[]``
    (ruamel.yaml would write the comments before its first item and then ``[]`` at the
    start of a line of its own: not YAML). Those comment lines stay in the text as they
    were (:func:`keep_text`)."""
    from ruamel.yaml.comments import CommentedSeq

    if node[key].fa.flow_style():
        return
    empty = CommentedSeq()
    empty.fa.set_flow_style()
    node[key] = empty
    slot = node.ca.items.get(key)
    if slot:
        slot[3] = None


# -- keeping the text ------------------------------------------------------------------
_COMMENT = re.compile(r"""\s#.*$|^#.*$""")
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|.)")
_SHORT = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f",
          "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
          "_": "\xa0", "L": "\u2028", "P": "\u2029"}


def _unescape(match: re.Match) -> str:
    code = match.group(1)
    if len(code) > 1:
        try:
            return chr(int(code[1:], 16))
        except ValueError:  # pragma: no cover - a surrogate or out of range
            return match.group(0)
    return _SHORT.get(code, match.group(0))


def _content_key(line: str) -> str:
    """What a line says, for matching the original against the re-dumped text: without
    line end, BOM, comment, spacing, and with double-quoted escapes read (ruamel.yaml
    writes some of them back as raw characters)."""
    text = line.rstrip("\r\n").lstrip("\ufeff")
    if '"' not in text and "'" not in text:
        text = _COMMENT.sub("", text)
    elif text.lstrip().startswith("#"):
        text = ""
    text = _ESCAPE.sub(_unescape, text) if '"' in text else text
    return " ".join(text.split())


def _units(text: str) -> list[str]:
    """The lines of ``text``, where the lines of one plain or quoted scalar written over
    several lines are one unit (the dumper writes it on one line: its content is the
    same, and the original's lines are kept)."""
    from pruner.loader.yaml_nodes import yaml

    lines = text.splitlines(keepends=True)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text.lstrip("\ufeff"), Loader=loader)  # noqa: S506 - safe
    except (yaml.YAMLError, RecursionError, ValueError, TypeError):
        return lines
    ends: dict[int, int] = {}  # first line -> last line of a scalar over several lines
    seen, stack = set(), [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            first, last = node.start_mark.line, node.end_mark.line
            if node.style in (None, "", "'", '"') and last > first:
                ends[first] = max(ends.get(first, first), last)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    units, i = [], 0
    while i < len(lines):
        j = k = i
        while k <= j:  # a scalar that starts within the unit extends it to its own end
            j = max(j, ends.get(k, k))
            k += 1
        units.append("".join(lines[i:j + 1]))
        i = j + 1
    return units


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _item_indent(line: str) -> int:
    """The column of what follows the ``-`` of a list item line (``-   a: 1``: 4)."""
    rest = line.lstrip(" ")[1:]
    return _indent(line) + 1 + _indent(rest)


def keep_text(original: str, dumped: str) -> str:
    """The update written into the ``original`` text: every line whose content the
    update did not change is the original line, byte for byte (its line end, BOM,
    quoting, escapes, indentation and comments); lines the update added are taken
    from ``dumped`` (re-indented like their neighbours, with the file's line ends),
    and lines it deleted are dropped (issue 17 §5).

    Falls back to ``dumped`` itself when the merged text would not read back as the
    same data (never happens on the cases tested; a safety net, not a path).
    """
    import difflib

    old = _units(original)
    new = dumped.splitlines(keepends=True)
    crlf = original.count("\r\n")
    eol = "\r\n" if crlf and crlf * 2 >= original.count("\n") else "\n"
    old_keys = [(i, _content_key(line)) for i, line in enumerate(old)]
    new_keys = [(j, _content_key(line)) for j, line in enumerate(new)]
    old_keys = [(i, k) for i, k in old_keys if k]
    new_keys = [(j, k) for j, k in new_keys if k]
    matcher = difflib.SequenceMatcher(None, [k for _, k in old_keys], [k for _, k in new_keys],
                                      autojunk=False)
    # Indentation: how the dumper's indent of a line maps to the original's.
    shift: dict[tuple[bool, int], int] = {}
    kept: dict[int, str] = {}  # dumped line -> the original line it matched
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(range(i1, i2), range(j1, j2), strict=True):
                o, n = old[old_keys[a][0]], new[new_keys[b][0]]
                kept[new_keys[b][0]] = o
                shift.setdefault((n.lstrip().startswith("- "), _indent(n)), _indent(o) - _indent(n))

    def guide(at: int, dash: bool) -> int | None:
        """How far the kept line nearest above dumped line ``at`` at its indent (a sibling)
        moved; or, for a key of a list item, the item (``- service: x`` over
        ``evidence:``)."""
        top = _indent(new[at])
        for j in range(at - 1, -1, -1):
            if not _content_key(new[j]):
                continue
            if _indent(new[j]) == top and j in kept:
                return _indent(kept[j]) - _indent(new[j])
            if _indent(new[j]) < top:  # a key of an item moves with the item's first key
                if dash or j not in kept or not new[j].lstrip().startswith("- "):
                    return None
                return _item_indent(kept[j]) - _item_indent(new[j])
        return None

    def reindent(start: int, lines: list[str], replaced: str | None) -> list[str]:
        """An added block's first line moves as the kept line above it of the same
        indent did (or, for a key, its parent), else takes the place of the original
        line it replaces when of the same kind (both list items or both keys), else moves
        as the original's lines of the same kind and indent did; the rest keep their
        depth relative to it."""
        out, delta, top = [], 0, None
        for at, line in enumerate(lines, start):
            dash = line.lstrip().startswith("- ")
            comment = line.lstrip().startswith("#")  # where the dumper put it: no guide
            if not comment and (top is None or _indent(line) < top):  # first line, or out
                delta = guide(at, dash)
                if delta is None and top is None and replaced is not None and (
                        replaced.lstrip().startswith("- ") == dash):
                    delta = _indent(replaced) - _indent(line)
                top = _indent(line)
                if delta is None:
                    delta = shift.get((dash, top), shift.get((not dash, top), 0))
            body = line.rstrip("\r\n")
            out.append(" " * max(0, _indent(body) + delta) + body.lstrip(" ") + eol)
        return out

    drop: set[int] = set()
    insert: dict[int, list[str]] = {}  # after original line index (-1: at the start)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        lines = new[new_keys[j1][0]:new_keys[j2 - 1][0] + 1] if j2 > j1 else []
        if i2 > i1:  # deleted or replaced original lines, comments between them too
            # unless the update does not write them back there: a comment line stays
            again = {line.strip() for line in lines if line.strip().startswith("#")}
            drop.update(k for k in range(old_keys[i1][0], old_keys[i2 - 1][0] + 1)
                        if not old[k].strip().startswith("#") or old[k].strip() in again)
        if j2 > j1:
            after = old_keys[i1 - 1][0] if i1 > 0 else -1
            if i2 > i1:
                after = old_keys[i1][0] - 1
            replaced = old[old_keys[i1][0]] if i2 > i1 else None
            insert.setdefault(after, []).extend(reindent(new_keys[j1][0], lines, replaced))
    # A comment line the dumper moved into an added stretch while the original stays
    # (ruamel.yaml writes ``c: {}  # x`` followed by ``# y`` as ``c:  # x``, ``# y``, then
    # the new block): every comment line of the original is written once.
    spare: dict[str, int] = {}
    for i, line in enumerate(old):
        if line.strip().startswith("#"):
            spare[line.strip()] = spare.get(line.strip(), 0) + (i in drop)
    out: list[str] = []
    for i in [-1, *range(len(old))]:
        if i >= 0 and i not in drop:
            out.append(old[i])
        if i in insert:
            if out and not out[-1].endswith("\n"):
                out[-1] += eol
            for line in insert[i]:
                comment = line.strip() if line.strip().startswith("#") else None
                if comment is not None and comment in spare:
                    if not spare[comment]:
                        continue
                    spare[comment] -= 1
                out.append(line)
    text = "".join(out)
    if not _same_data(text, dumped):
        return dumped
    return text


def _same_data(a: str, b: str) -> bool:
    from pruner.loader.yaml_nodes import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: long values are fast
    try:
        return (yaml.load(a.lstrip("\ufeff"), Loader=loader)  # noqa: S506 - a safe loader
                == yaml.load(b.lstrip("\ufeff"), Loader=loader))  # noqa: S506
    except (yaml.YAMLError, RecursionError, ValueError, TypeError):
        return False


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

    _refuse_long_comments(existing, where)
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
    cow = _Owner(data)  # an item shared through an alias is changed for this caller only
    for name, body in list(services.items()):
        wanted = callees.get(str(name))
        if not wanted or not isinstance(body, dict):
            continue
        lists = [(str(name), None, body.get("depends_on"))]
        ops = body.get("operations")
        if isinstance(ops, dict):
            lists += [(f"{name}:{op}", op, (ob or {}).get("depends_on"))
                      for op, ob in ops.items() if isinstance(ob, dict) or ob is None]
        for owner, op, items in lists:
            if not isinstance(items, list):
                continue
            changes = {}
            for index, item in enumerate(items):
                found = [wanted[t] for t in sorted({_service_of(t) for t in _targets(item)})
                         if t in wanted]
                merged, changed = _merge_evidence(_item_copy(item), found)
                if changed:
                    changes[index] = merged
                    result.evidence.append(f"{owner} -> {', '.join(sorted(_targets(item)))}")
                    if isinstance(merged.get("evidence"), list) and not isinstance(
                            merged["evidence"], CommentedSeq):
                        merged["evidence"] = CommentedSeq(merged["evidence"])
            if not changes:
                continue
            node = cow.own(cow.own(data, "services"), name)
            if op is not None:
                node = cow.own(cow.own(node, "operations"), op)
            items = cow.own(node, "depends_on")
            for index, merged in changes.items():
                _put(items, index, merged)
    out = io.StringIO()
    y.dump(data, out)
    result.text = keep_text(existing, out.getvalue())
    return result
