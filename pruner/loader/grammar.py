"""The format's shape: one file's node tree read into services, flows, defaults and
common causes, by the key table of :mod:`pruner.loader.keys`.

Every structural rule of the format is checked here, with the place of each problem
(unknown or misplaced keys, wrong types, names, items and their members, evidence
entries); what needs every file at once is left to :mod:`pruner.loader.semantics`. A
file's services and flows are merged only if the file reads to its end.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pruner.errors import Location, did_you_mean, display
from pruner.loader.keys import (
    COMMON_CAUSE_KEYS,
    DEFAULTS_KEYS,
    EVIDENCE_KEYS,
    FLOW_KEYS,
    ITEM_KEYS,
    OPERATION_KEYS,
    SERVICE_KEYS,
    TOP_KEYS,
)
from pruner.loader.yaml_nodes import (
    _FLOAT,
    _INT,
    _NAME,
    _OPERATION_RULE,
    _STR,
    MappingNode,
    NodeReader,
    ScalarNode,
    SequenceNode,
    _AliasBomb,
    _kind,
    _PatternOnFirstUse,
    is_yaml12_float,
    parse_float,
)
from pruner.model import (
    ANY_OF,
    AT_LEAST,
    EVIDENCE_SOURCES,
    SINGLE,
    Evidence,
    Flow,
    Item,
    Service,
)

if TYPE_CHECKING:
    from pruner.loader.semantics import Collector

__all__ = ["FileReader", "calls_in"]

# each key table as a set, for NodeReader.plain_fields
_KEY_SETS = {keys: frozenset(keys) for keys in (
    TOP_KEYS, SERVICE_KEYS, OPERATION_KEYS, FLOW_KEYS, DEFAULTS_KEYS, COMMON_CAUSE_KEYS,
    ITEM_KEYS, EVIDENCE_KEYS)}
_ITEM_KEY_SET = _KEY_SETS[ITEM_KEYS]
# The texts of evidence, read only where a manifest gives some: compiled on first use
# (compiling the four at import was ~0.7 ms of every check's start-up).
_EVIDENCE_COUNT = _PatternOnFirstUse(r"(?<![\w/])(\d[\d,]*)(?:/(\d[\d,]*))? traces?\b")
_EVIDENCE_CALLS = _PatternOnFirstUse(r"(?<![\w/])(\d[\d,]*) calls?\b")
_EVIDENCE_WINDOW = _PatternOnFirstUse(
    r"(?<!\S)(\d{4}-\d\d-\d\d\S*)?\.\.(\d{4}-\d\d-\d\d[^\s,;]*)?")
_EVIDENCE_TIME = _PatternOnFirstUse(r"\d{4}-\d\d-\d\d(?:[Tt ][0-9:.]+(?:Z|[-+][0-9:]+)?)?\Z")


class FileReader(NodeReader):
    """Reads one file's YAML node tree into services and flows, noting every problem."""

    def __init__(self, name: str, collector: Collector) -> None:
        super().__init__(name, collector.report)
        self.out = collector
        self.pending: list = []  # (table, kind, value): merged only if the file reads to the end

    def read(self, content: bytes | str) -> None:
        """Read the file; its services and flows reach the collector only if it reads
        to its end."""
        documents = self.compose(content)
        if documents is None:
            return
        try:
            for document in documents:
                self.document(document)
        except _AliasBomb as exc:
            self.problem(exc.node, "aliases expand beyond any real manifest; refusing to read on")
            return
        for table, kind, value in self.pending:
            self.out.add(table, kind, value, value.location)

    def cost(self, node, what: str) -> float | None:
        """A running cost (spec §12): a finite number, 0 or more."""
        return self.nonnegative(node, what, "", show=True)

    # -- the manifest grammar -------------------------------------------------
    def document(self, node) -> None:
        if self.is_null(node):
            return  # an empty document contributes nothing
        for key, _key_node, value in self.pairs(node, "a manifest file", TOP_KEYS):
            if key == "version":
                version = self.integer(value, "version")
                if version is not None and version != 1:
                    self.problem(value, f"unsupported manifest version {version}: "
                                        "this pruner reads version 1")
            elif key in ("services", "flows") and not self.is_null(value):
                kind, keys = (("service", SERVICE_KEYS) if key == "services"
                              else ("flow", FLOW_KEYS))
                read = self.service if key == "services" else self.flow
                entries = self.pairs(value, key, None)
                skip = self.misplaced_keys(entries, kind, keys)
                for index, (_name_text, name_node, body) in enumerate(entries):
                    if index not in skip:
                        read(name_node, body)
            elif key == "defaults":
                self.defaults(_key_node, value)
            elif key == "common_causes":
                if not self.is_null(value):
                    for _name_text, name_node, body in self.pairs(value, "common_causes", None):
                        self.common_cause(name_node, body)

    def misplaced_keys(self, entries, kind: str, keys: tuple[str, ...]) -> set[int]:
        """Entries that are really a field indented one level too little, reported once.

        ``login:`` (empty) followed by ``requires: [a]`` at the same indentation reads as
        two flows, the second named ``requires``: one problem says so, instead of "flow
        'login' has no requires" plus "flow 'requires' must be a mapping".
        """
        skip: set[int] = set()
        for index, (text, name_node, body) in enumerate(entries):
            if text not in keys or self.is_null(body) or isinstance(body, MappingNode):
                continue
            skip.add(index)
            hint = "indent it under the " + kind + " it belongs to"
            if index and self.is_null(entries[index - 1][2]):
                owner = entries[index - 1][1]
                if kind == "flow":  # else "flow 'login' has no requires" follows
                    skip.add(index - 1)
                hint = (f"indent it under {kind} {display(owner.value)} "
                        f"(line {owner.start_mark.line + 1})")
            self.problem(name_node, f"{display(text)} is a key of a {kind}, but it is indented "
                                    f"as a {kind} name; {hint}")
        return skip

    def probability(self, node, what: str) -> float | None:
        """A number from 0 to 1, or a percentage written ``"99.95%"``."""
        if not self.visit(node):
            return None
        value = None
        if isinstance(node, ScalarNode) and node.tag in (_FLOAT, _INT):
            value = parse_float(node.value)
        elif (isinstance(node, ScalarNode) and node.tag == _STR and not node.style
              and is_yaml12_float(node.value)):
            value = float(node.value)  # `1e-5`: a float in YAML 1.2, text to PyYAML's 1.1
        elif isinstance(node, ScalarNode) and node.tag == _STR and node.value.endswith("%"):
            from decimal import Decimal  # exact percentages (99.95% is 0.9995); rare

            try:
                value = float(Decimal(node.value[:-1].strip()) / 100)
            except (ArithmeticError, ValueError):
                value = None
        if value is None or math.isnan(value) or not 0.0 <= value <= 1.0:
            self.problem(node, f"{what} must be a number from 0 to 1 (or a percentage such "
                               f"as \"99.9%\"), not {_kind(node)}")
            return None
        return value

    def defaults(self, key_node, node) -> None:
        if self.is_null(node):
            return
        f = self.fields(node, "defaults", DEFAULTS_KEYS)
        if "availability" in f:
            value = self.probability(f["availability"], "defaults: availability")
            if value is None:
                return
            first = self.out.default_availability
            where = self.where(key_node)
            if first is not None:
                self.problem(key_node, f"defaults: availability is set twice: here and at "
                                       f"{first[1]}")
                return
            self.out.default_availability = (value, where)
        if "cost" in f and not self.is_null(f["cost"]):
            value = self.cost(f["cost"], "defaults: cost")
            if value is None:
                return
            first = self.out.default_cost
            where = self.where(key_node)
            if first is not None:
                self.problem(key_node, f"defaults: cost is set twice: here and at {first[1]}")
                return
            self.out.default_cost = (value, where)

    def common_cause(self, name_node, body) -> None:
        name = self.name(name_node, "common cause name")
        what = f"common cause {display(name or name_node.value)}"
        f = self.fields(body, what, COMMON_CAUSE_KEYS)
        availability = self.availability(f.get("availability"), what)
        if "services" not in f:
            self.problem(name_node, f"{what} needs services: [names...]")
            return
        members = self.members(f["services"], f"services of {what}")
        if name is None or members is None:
            return
        if name in self.out.common_causes:
            self.problem(name_node, f"{what} is defined twice: here and at "
                                    f"{self.out.common_causes[name][0].location}")
            return
        description = self.text(f["description"], "description") if "description" in f else None
        node = Service(name=name, description=description or f"common cause of {len(members)} "
                       "services", tags=("common-cause",), location=self.where(name_node),
                       availability=availability, common_cause=True)
        self.out.common_causes[name] = (node, members)

    def fields(self, body, what: str, allowed: tuple[str, ...]) -> dict:
        found = self.plain_fields(body, _KEY_SETS[allowed])
        if found is not None:
            return found
        if self.is_null(body):
            return {}
        return {k: v for k, _, v in self.pairs(body, what, allowed) if not k.startswith("x-")}

    def problems_so_far(self) -> int:
        return len(self.out.problems) + self.out.omitted

    def service(self, name_node, body) -> None:
        name = self.name(name_node, "service name")
        # a valid name needs no escaping, and one of 80 characters or fewer no cutting
        what = (f"service '{name}'" if name is not None and len(name) <= 80
                else f"service {display(name or name_node.value)}")
        f = self.fields(body, what, SERVICE_KEYS)
        tier = None
        if "tier" in f and not self.is_null(f["tier"]):
            tier = self.integer(f["tier"], f"tier of {what}")
            if tier is not None and tier < 0:
                self.problem(f["tier"], f"tier of {what} must be 0 or more")
        tags = []
        for tag_node in self.sequence(f["tags"], f"tags of {what}") if "tags" in f else ():
            if tag_node.__class__ is ScalarNode and tag_node.tag == _STR:
                tags.append(tag_node.value)  # plain text: what text() gives, without a call
                continue
            tag = self.text(tag_node, f"a tag of {what}")
            if tag is not None:
                tags.append(tag)
        items = self.items(f.get("depends_on"), f"depends_on of {what}")
        availability = self.availability(f.get("availability"), what)
        operations = self.operations(name, f.get("operations"), what)
        start_seconds = None
        if "start_seconds" in f and not self.is_null(f["start_seconds"]):
            start_seconds = self.seconds(f["start_seconds"], f"start_seconds of {what}")
        cost = None
        if "cost" in f and not self.is_null(f["cost"]):
            cost = self.cost(f["cost"], f"cost of {what}")
        external = False
        if "external" in f and not self.is_null(f["external"]):
            external = bool(self.boolean(f["external"], f"external of {what}"))
        evidence = self.evidence(f.get("evidence"), what)
        if name is None:
            return
        service = Service(
            name=name,
            depends_on=items,
            description=self.text(f["description"], "description") if "description" in f else None,
            owner=self.text(f["owner"], "owner") if "owner" in f else None,
            system=self.text(f["system"], "system") if "system" in f else None,
            tier=tier,
            tags=tuple(sorted(set(tags))),
            location=self.where(name_node),
            operations=operations,
            availability=availability,
            start_seconds=start_seconds,
            cost=cost,
            evidence=evidence,
            external=external,
        )
        self.pending.append((self.out.services, "service", service))

    def availability(self, node, what: str) -> float | None:
        """An ``availability``: a number from 0 to 1 (spec §9), or None when absent."""
        if node is None or self.is_null(node):
            return None
        return self.probability(node, f"availability of {what}")

    def operations(self, service: str | None, node, what: str) -> tuple[Service, ...]:
        """The ``operations`` of a service (spec §8), each an ``S:O`` node."""
        if node is None or self.is_null(node):
            return ()
        found = []
        for _text, name_node, body in self.pairs(node, f"operations of {what}", None):
            op = None
            if not self.visit(name_node):
                pass
            elif not isinstance(name_node, ScalarNode) or self.is_null(name_node):
                self.problem(name_node, f"an operation name in {what} must be a name, "
                                        f"not {_kind(name_node)}")
            elif not _NAME.match(name_node.value) or ":" in name_node.value:
                self.problem(name_node, f"invalid operation name {display(name_node.value)} in "
                                        f"{what}: {_OPERATION_RULE}")
            else:
                op = name_node.value
            # (a valid name needs no escaping: the message text is built the cheap way)
            op_what = (f"operation '{op}' of {what}" if op is not None and len(op) < 80
                       else f"operation {display(op or name_node.value)} of {what}")
            f = self.fields(body, op_what, OPERATION_KEYS)
            items = self.items(f.get("depends_on"), f"depends_on of {op_what}")
            availability = self.availability(f.get("availability"), op_what)
            description = self.text(f["description"], "description") if "description" in f else None
            if op is None or service is None:
                continue
            if len(service) + 1 + len(op) > 253:
                self.problem(name_node, f"{op_what}: {display(service + ':' + op)} is longer "
                                        "than 253 characters")
                continue
            found.append(Service.operation(service, op, items, description=description,
                                           location=self.where(name_node),
                                           availability=availability))
        return tuple(sorted(found, key=lambda o: o.name))

    def flow(self, name_node, body) -> None:
        name = self.name(name_node, "flow name")
        what = f"flow {display(name or name_node.value)}"
        before = self.problems_so_far()
        f = self.fields(body, what, FLOW_KEYS)
        # A body that is not a mapping, or a misspelt key, was just reported: saying
        # "no requires" on top would report one mistake twice.
        structural = self.problems_so_far() > before
        critical = True
        if "critical" in f and not self.is_null(f["critical"]):
            value = self.boolean(f["critical"], f"critical of {what}")
            critical = True if value is None else value
        items = self.items(f.get("requires"), f"requires of {what}")
        target = None
        if "target" in f and not self.is_null(f["target"]):
            target = self.probability(f["target"], f"target of {what}")
        rpc_budget = None
        if "rpc_budget" in f and not self.is_null(f["rpc_budget"]):
            rpc_budget = self.integer(f["rpc_budget"], f"rpc_budget of {what}")
            if rpc_budget is not None and rpc_budget < 0:
                self.problem(f["rpc_budget"], f"rpc_budget of {what} must be 0 or more")
                rpc_budget = None
        latency_budget = None
        if "latency_budget_ms" in f and not self.is_null(f["latency_budget_ms"]):
            latency_budget = self.seconds(f["latency_budget_ms"], f"latency_budget_ms of {what}",
                                          "milliseconds")
        requires = f.get("requires")
        if requires is None or self.is_null(requires):
            if not structural:
                self.problem(name_node, f"{what} has no requires: a flow needs at least one item")
        elif isinstance(requires, SequenceNode) and not requires.value:
            self.problem(requires, f"{what} has an empty requires list")
        evidence = self.evidence(f.get("evidence"), what)
        if name is None:
            return
        flow = Flow(
            name=name,
            requires=items,
            description=self.text(f["description"], "description") if "description" in f else None,
            critical=critical,
            owner=self.text(f["owner"], "owner") if "owner" in f else None,
            location=self.where(name_node),
            target=target,
            rpc_budget=rpc_budget,
            latency_budget_ms=latency_budget,
            evidence=evidence,
        )
        self.pending.append((self.out.flows, "flow", flow))

    def items(self, node, what: str) -> tuple[Item, ...]:
        if node is None:
            return ()
        items = []
        file = self.file
        match = _NAME.match
        for item_node in self.sequence(node, what):
            if item_node.__class__ is ScalarNode and item_node.tag == _STR \
                    and match(item_node.value):
                # a plain service name (most items): what item() makes of it, without
                # its call (56,000 of the 77,000 items of the 20,000-service benchmark)
                mark = item_node.start_mark
                items.append(Item(SINGLE, (item_node.value,), 1, False, None,
                                  Location(file, mark.line + 1, mark.column + 1)))
                continue
            item = self.item(item_node, what)
            if item is not None:
                items.append(item)
        return tuple(items)

    def item(self, node, what: str) -> Item | None:
        # (a plain service name, most items, is read by items() without this call)
        f = self.plain_fields(node, _ITEM_KEY_SET)  # a mapping of known keys (most)
        if f is not None:
            where = self.where(node)
            before = self.problems_so_far()
        else:
            if not self.visit(node):
                return None
            where = self.where(node)
            if isinstance(node, ScalarNode):
                name = self.name(node, f"service name in {what}")
                return None if name is None else Item(SINGLE, (name,), 1, location=where)
            if isinstance(node, SequenceNode):
                self.problem(node, f"an item of {what} is a service name or a mapping, not "
                                   "a list (for a fallback group write any_of: [a, b])")
                return None
            before = self.problems_so_far()
            f = {k: v for k, _, v in self.pairs(node, f"an item of {what}", ITEM_KEYS)}
        forms = [k for k in ("service", "any_of", "at_least") if k in f]
        if not forms and self.problems_so_far() > before:
            return None  # a misspelt key, just reported (did you mean 'service'?)
        if len(forms) != 1:
            found = ", ".join(forms) if forms else "none"
            self.problem(node, f"an item of {what} needs exactly one of service, any_of, "
                               f"at_least (found {found})")
            return None
        form = forms[0]
        if "of" in f and form != "at_least":
            self.problem(f["of"], f"'of' goes with at_least, not {form}")
            return None
        soft = False
        if "soft" in f:
            soft = bool(self.boolean(f["soft"], f"soft in {what}"))
        note = self.text(f["note"], "note") if "note" in f else None
        startup = True
        if "startup" in f:
            value = self.boolean(f["startup"], f"startup in {what}")
            startup = True if value is None else value
        evidence = self.evidence(f.get("evidence"), f"an item of {what}")
        if form == "service":
            name = self.name(f["service"], f"service name in {what}")
            return (None if name is None
                    else Item(SINGLE, (name,), 1, soft, note, where, startup=startup,
                              evidence=evidence))
        if form == "any_of":
            members = self.members(f["any_of"], f"any_of in {what}")
            return (None if members is None
                    else Item(ANY_OF, members, 1, soft, note, where, startup=startup,
                              evidence=evidence))
        if "of" not in f:
            self.problem(f["at_least"], f"at_least in {what} needs 'of: [names...]'")
            return None
        need = self.integer(f["at_least"], f"at_least in {what}")
        members = self.members(f["of"], f"of in {what}")
        if need is None or members is None:
            return None
        if not 1 <= need <= len(members):
            self.problem(f["at_least"], f"at_least {need} of {len(members)} members in {what}: "
                                        f"must be between 1 and {len(members)}")
            return None
        return Item(AT_LEAST, members, need, soft, note, where, startup=startup,
                    evidence=evidence)

    def evidence(self, node, what: str) -> tuple[Evidence, ...]:
        """An ``evidence`` value (docs/manifest.md, "Evidence"): one entry or a list.

        An entry is ``SOURCE`` or ``SOURCE DETAIL`` (text), ``{SOURCE: DETAIL}`` (one
        key), or ``{source: SOURCE, detail, calls, traces, of, first, last}``. Counts
        and a window written in a detail (``40/40 traces, 97 calls, A..B``) are read too.
        """
        if node is None or self.is_null(node):
            return ()
        what = f"evidence of {what}"
        nodes = node.value if isinstance(node, SequenceNode) else [node]
        if isinstance(node, SequenceNode) and not self.visit(node):
            return ()
        found = []
        for entry in nodes:
            e = self.evidence_entry(entry, what)
            if e is not None:
                found.append(e)
        return tuple(found)

    def evidence_source(self, node, text: str) -> bool:
        if text in EVIDENCE_SOURCES:
            return True
        self.problem(node, f"unknown evidence source {display(text)}"
                           f"{did_you_mean(text, EVIDENCE_SOURCES)}; expected one of "
                           f"{', '.join(EVIDENCE_SOURCES)}")
        return False

    def evidence_entry(self, node, what: str) -> Evidence | None:
        if not self.visit(node):
            return None
        if isinstance(node, ScalarNode):
            if self.is_null(node):
                self.problem(node, f"an entry of {what} is empty")
                return None
            source, _, detail = node.value.strip().partition(" ")
            source = source[:-1] if source.endswith(":") else source  # "traces: 3/4 traces"
            if not self.evidence_source(node, source):
                return None
            return _evidence_text(source, detail.strip() or None)
        if not isinstance(node, MappingNode):
            self.problem(node, f"an entry of {what} must be text or a mapping, not {_kind(node)}")
            return None
        keys = [k.value for k, _ in node.value if isinstance(k, ScalarNode)]
        if "source" not in keys:
            pairs = self.pairs(node, f"an entry of {what}", None)
            pairs = [p for p in pairs if not p[0].startswith("x-")]
            if len(pairs) != 1:
                self.problem(node, f"an entry of {what} is SOURCE: DETAIL (one key) or has "
                                   f"'source:' (found {len(pairs)} keys)")
                return None
            key, key_node, value = pairs[0]
            if not self.evidence_source(key_node, key):
                return None
            return _evidence_text(key, self.text(value, f"detail in {what}"))
        f = {k: v for k, _, v in self.pairs(node, f"an entry of {what}", EVIDENCE_KEYS)}
        source = self.text(f["source"], f"source in {what}")
        if source is None or not self.evidence_source(f["source"], source):
            return None
        counts: dict[str, int | None] = {}
        for key in ("calls", "traces", "of"):
            counts[key] = None
            if key in f and not self.is_null(f[key]):
                value = self.integer(f[key], f"{key} in {what}")
                if value is not None and value < 0:
                    self.problem(f[key], f"{key} in {what} must be 0 or more")
                    value = None
                counts[key] = value
        if counts["traces"] is not None and counts["of"] is not None \
                and counts["traces"] > counts["of"]:
            self.problem(f["traces"], f"traces in {what} is more than 'of' "
                                      f"({counts['traces']} > {counts['of']})")
        times: dict[str, str | None] = {}
        for key in ("first", "last"):
            times[key] = self.text(f[key], f"{key} in {what}") if key in f else None
            if times[key] is not None and not _EVIDENCE_TIME.match(times[key]):
                self.problem(f[key], f"{key} in {what} must be a date or an RFC 3339 time "
                                     f"(2026-12-01 or 2026-12-01T10:00:00Z), not "
                                     f"{display(times[key])}")
                times[key] = None
        detail = self.text(f["detail"], f"detail in {what}") if "detail" in f else None
        return Evidence(source, detail, counts["calls"], counts["traces"], counts["of"],
                        times["first"], times["last"])

    def members(self, node, what: str) -> tuple[str, ...] | None:
        nodes = self.sequence(node, what)
        if not nodes:
            if isinstance(node, (SequenceNode, ScalarNode)):
                self.problem(node, f"{what} must list at least one service")
            return None
        names: list[str] = []
        seen: dict[str, object] = {}
        ok = True
        for member_node in nodes:
            name = self.name(member_node, f"service name in {what}")
            if name is None:
                ok = False
            elif name in seen:
                self.problem(member_node, f"{display(name)} is listed twice in {what} "
                                          f"(first at {self.where(seen[name])})")
                ok = False
            else:
                seen[name] = member_node
                names.append(name)
        return tuple(names) if ok else None


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def calls_in(text: str) -> int | None:
    """The count ``N calls`` written in ``text`` (an evidence detail, an item's note),
    else None.

    >>> calls_in("40/41 traces, 1,097 calls"), calls_in("observed by Jaeger: 7 calls")
    (1097, 7)
    >>> calls_in("3/calls"), calls_in("no count")
    (None, None)
    """
    m = _EVIDENCE_CALLS.search(text) if "call" in text else None
    return _count(m.group(1)) if m else None


def _evidence_text(source: str, detail: str | None) -> Evidence:
    """An entry written as text: counts and a window in the detail are read as fields.

    >>> _evidence_text("traces", "40/41 traces, 1,097 calls, 2026-11-30..2026-12-01")
    Evidence(source='traces', detail='40/41 traces, 1,097 calls, 2026-11-30..2026-12-01', \
calls=1097, traces=40, of=41, first='2026-11-30', last='2026-12-01')
    """
    if not detail:
        return Evidence(source)
    traces = of = None
    first = last = None
    # (the words are looked for first: most details hold none, and manifests hold many)
    if "trace" in detail and (m := _EVIDENCE_COUNT.search(detail)):
        traces = _count(m.group(1))
        of = _count(m.group(2)) if m.group(2) else None
    calls = calls_in(detail)
    if ".." in detail and (m := _EVIDENCE_WINDOW.search(detail)):
        first, last = m.group(1), m.group(2)
    return Evidence(source, detail, calls, traces, of, first, last)
