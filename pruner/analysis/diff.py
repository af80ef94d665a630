"""What changes between two versions of a manifest (``pruner diff``): pure analysis.

The old version is evaluated with nothing switched off; the new one with every
service that the old version had and the new one lacks switched off (the loader
turns the references a deletion leaves dangling into placeholder services, see
:func:`pruner.loader.load_sources`). Compared: flow states, single points of
failure of critical flows gained and lost, dependency items (added, removed,
modified, hard <-> soft), services added, removed and renamed, owners and
criticality. Operations (spec §8): added ones, and item changes of operations
in both versions (``owner_kind="operation"``).

Removals are also judged against the *old* model (spec section 11): a flow that is
critical in OLD and BROKEN there with the removed services switched off is a
*masked break* whatever NEW now says about it (requirement dropped, dependency
rewired, flow made non-critical or deleted), unless the removal is accepted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Set
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import BROKEN, DEGRADED, OK, Evaluation, switch_off
from pruner.analysis.explain import OFF, Line, explain_flow
from pruner.analysis.spof import single_points
from pruner.errors import InputError, Location, did_you_mean, display
from pruner.frozen import record
from pruner.model import Flow, Item, Service, through_renames

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = [
    "DIFF_FAIL_ON",
    "SEVERITY",
    "FlowChange",
    "ItemChange",
    "OwnerChange",
    "ManifestDiff",
    "DiffGate",
    "compare",
    "diff_gate",
    "off_causes",
    "GATE_KINDS",
    "AVAILABILITY_FAIL_ON",
    "GATE_REASONS",
    "KIND_ORDER",
    "REASON_ORDER",
]

# Strictness levels of the diff gate, loosest last (see diff_gate); ``pruner diff``
# also takes the availability levels ``target`` and ``extra-nine`` (AVAILABILITY_FAIL_ON).
DIFF_FAIL_ON = ("degraded", "spof", "broken", "never")
# `pruner diff --fail-on` availability levels (issue 12; each also fails what `spof`
# fails), judged by pruner.report.diff with pruner.analysis.availability.
AVAILABILITY_FAIL_ON = ("target", "extra-nine")
SEVERITY = {OK: 0, DEGRADED: 1, BROKEN: 2}
# The kinds of flow change each --fail-on level fails on (for critical flows).
GATE_KINDS = {
    "broken": frozenset({"broken", "masked"}),
    "spof": frozenset({"broken", "masked", "spof"}),
    "degraded": frozenset({"broken", "masked", "spof", "degraded", "deleted", "demoted"}),
    "never": frozenset(),
}
GATE_KINDS["target"] = GATE_KINDS["extra-nine"] = GATE_KINDS["spof"]
# Every reason each --fail-on level fails on: the flow kinds above, a critical flow
# dropping below its availability target (``target``), a new "extra nine" warning on a
# critical flow (``extra-nine``), a new start-up cycle and a critical flow that can no
# longer be brought back after a full outage (issue 13). ``spof`` (the default) fails on
# every regression of a critical flow that the report shows as a failure; ``target`` is
# the same level under its older name.
_STARTUP = frozenset({"startup-cycle", "unbootstrappable"})
GATE_REASONS = {
    "never": frozenset(),
    "broken": GATE_KINDS["broken"] | _STARTUP,
    "spof": GATE_KINDS["spof"] | _STARTUP | {"target"},
    "target": GATE_KINDS["spof"] | _STARTUP | {"target"},
    "extra-nine": GATE_KINDS["spof"] | _STARTUP | {"target", "extra-nine"},
    "degraded": GATE_KINDS["degraded"] | _STARTUP | {"target"},
}
# Every reason, in the order reports list them.
REASON_ORDER = ("broken", "masked", "spof", "degraded", "deleted", "demoted", "target",
                "extra-nine", "unbootstrappable", "startup-cycle")
# Most severe first: the order of changed flows in every report.
KIND_ORDER = ("broken", "masked", "spof", "degraded", "deleted", "demoted", "added",
              "improved", "edited")


@record
class FlowChange:
    """One flow in the old and the new version (``None`` where it does not exist).

    ``new_spofs`` are the single points of failure the flow has in the new version
    and did not have in the old one (computed for flows critical in the new version
    that exist in both); ``removed_spofs`` those it had in the old version and no
    longer has, services removed by the change left out (computed for flows that
    exist in both and are critical in either). ``edited`` says the definition
    changed in a way that matters (items, critical, owner).

    ``masked`` names the removed services whose loss breaks the flow in the *old*
    model while the new model does not show it as a critical break (a masked break,
    spec section 11); ``masked_by`` says what hides it: ``deleted`` (the flow),
    ``demoted`` (made non-critical) or ``rewired`` (its requirements or what they
    depend on were edited). ``accepted`` is true when the accepted removals cover it.
    """

    name: str
    old: Flow | None
    new: Flow | None
    old_state: str | None
    new_state: str | None
    new_spofs: tuple[str, ...] = ()
    edited: bool = False
    removed_spofs: tuple[str, ...] = ()
    masked: tuple[str, ...] = ()
    masked_by: str | None = None
    accepted: bool = False

    @property
    def flow(self) -> Flow:
        """The newest definition."""
        return self.new if self.new is not None else self.old  # type: ignore[return-value]

    @property
    def critical(self) -> bool:
        """Critical in the newest definition (in the old one for a masked break)."""
        if self.masked:
            return True
        return self.flow.critical

    @property
    def kind(self) -> str:
        """The most severe change: broken, masked, spof, degraded, deleted, demoted,
        added, improved, edited or unchanged."""
        if self.masked:
            return "masked"
        return self.visible_kind

    @property
    def visible_kind(self) -> str:
        """The most severe change that the new version shows (masked breaks aside):
        what the gate judges once a masked break is accepted."""
        if self.new is None:
            return "deleted"
        if self.old is None:
            return "added"
        old, new = SEVERITY[self.old_state], SEVERITY[self.new_state]
        if new > old and self.new_state == BROKEN:
            return "broken"
        if self.new_spofs:
            return "spof"
        if new > old:
            return "degraded"
        if self.old.critical and not self.new.critical:
            return "demoted"
        if new < old or self.removed_spofs:
            return "improved"
        return "edited" if self.edited else "unchanged"


@record
class ItemChange:
    """A dependency item of a service (``depends_on``) or flow (``requires``) that was
    ``added``, ``removed``, ``modified`` (a group whose members or quorum changed, or a
    single dependency turned into a group sharing a member: ``before`` holds the old
    item), ``softened`` (hard -> soft) or ``hardened`` (soft -> hard).
    ``item`` is the new item (the old one for ``removed``), ``location`` its place
    (in the old version for ``removed``)."""

    owner_kind: str
    owner: str
    change: str
    item: Item
    location: Location
    before: Item | None = None


@record
class OwnerChange:
    """The ``owner`` of a service or flow changed."""

    kind: str
    name: str
    old: str | None
    new: str | None
    location: Location


@record(slots=False)
class ManifestDiff:
    """Everything :func:`compare` finds; every tuple sorted.

    ``old_evaluation`` is the old version with the removed services (renames left
    out) switched off: the evaluation that masked breaks are judged on.
    """

    removed: tuple[Service, ...]  # as defined in the old version
    dangling: tuple[str, ...]  # removed services the new version still names
    added: tuple[Service, ...]
    renamed: tuple[tuple[str, str], ...]  # (old name, new name)
    flows: tuple[FlowChange, ...]  # every flow of either version, by name
    items: tuple[ItemChange, ...]
    owners: tuple[OwnerChange, ...]
    evaluation: Evaluation  # the new version with the removed services switched off
    old_evaluation: Evaluation | None = None
    accepted: tuple[str, ...] = ()  # removals accepted (``--accept-removal``)
    removed_operations: tuple[str, ...] = ()  # ``S:O`` gone while ``S`` stays
    operations_added: tuple[Service, ...] = ()  # spec §8, as defined in the new version


    @property
    def gone(self) -> tuple[str, ...]:
        """The removed services that were not renamed, then the removed operations of
        services that stay: what the old model is judged without."""
        renamed = {old for old, _ in self.renamed}
        return tuple(s.name for s in self.removed if s.name not in renamed) + (
            self.removed_operations)

    def changed_flows(self) -> tuple[FlowChange, ...]:
        """Flows whose change is worth a line, most severe first, then by name."""
        order = {k: i for i, k in enumerate(KIND_ORDER)}
        found = [f for f in self.flows if f.kind != "unchanged"]
        return tuple(sorted(found, key=lambda f: (order[f.kind], not f.critical, f.name)))


@record(slots=False)
class DiffGate:
    """The verdict of ``pruner diff``: ``failing`` holds ``(flow, reason)`` pairs;
    ``accepted`` the flows whose masked break the accepted removals cover."""

    fail_on: str
    passed: bool
    failing: tuple[tuple[str, str], ...]
    accepted: tuple[str, ...] = ()


def off_causes(lines: Iterable[Line]) -> tuple[str, ...]:
    """The switched-off services an explanation ends at, sorted.

    >>> off_causes((Line(1, "sms-gateway", (), "off"),))
    ('sms-gateway',)
    """
    found = set()
    for line in lines:
        if line.end == OFF and line.subject is not None:
            found.add(line.subject)
        for hop in line.hops:
            if hop.end == OFF and hop.target is not None:
                found.add(hop.target)
    return tuple(sorted(found))


def _referrers(services: Mapping[str, Service], flows: Mapping[str, Flow],
               names: Set[str]) -> dict[str, list[tuple[str, str]]]:
    """Service name (of ``names``) -> the ``(kind, owner)`` pairs whose items name it."""
    refs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for service in services.values():
        for node in (service, *service.operations):
            for item in node.depends_on:
                if not item.implicit:
                    for member in item.members:
                        if member in names:
                            refs[member].append(("service", node.name))
    for name, flow in flows.items():
        for item in flow.requires:
            for member in item.members:
                if member in names:
                    refs[member].append(("flow", name))
    return refs


def _service_of(manifest, name: str) -> str:
    """The service of node ``name``: its own name, or an operation's service (a service
    named ``api:v2`` is not an operation of ``api``)."""
    node = manifest.nodes.get(name)
    return node.operation_of if node is not None and node.operation_of else name


def _items_body(items: Iterable[Item], mapping: Mapping[str, str]) -> tuple:
    return tuple(sorted(
        (i.need, i.soft, tuple(sorted(through_renames(m, mapping) for m in i.members)))
        for i in items if not i.implicit))


def _body(service: Service, mapping: Mapping[str, str]) -> tuple:
    """What a rename keeps: items (members mapped, order ignored, notes ignored),
    operations (by operation name, with their items), description, owner, system,
    tier, tags."""
    operations = tuple(sorted((op.name.rpartition(":")[2], _items_body(op.depends_on, mapping))
                              for op in service.operations))
    return (_items_body(service.depends_on, mapping), operations, service.description,
            service.owner, service.system, service.tier, service.tags)


def _renames(old_services: Mapping[str, Service], new_services: Mapping[str, Service],
             old_refs: Mapping[str, list], new_refs: Mapping[str, list],
             removed: Iterable[str], added: Iterable[str]) -> dict[str, str]:
    """Removed -> added services that are renames: the same body (dependencies mapped
    through the other renames) and the references moved (every owner that named the
    old name now names the new one, and only those). Renames may chain (``a`` renamed
    while ``b``, which it depends on, is renamed too): candidates are paired by a
    shape that ignores the names of removed and added services (unique pairs only),
    then pairs that do not hold under the whole mapping are dropped until the mapping
    is stable (a greatest fixpoint, with a worklist)."""
    removed, added = sorted(removed), sorted(added)
    unknown = set(removed) | set(added)

    def shape(service: Service, refs: list) -> tuple:
        blank = {n: "?" for n in unknown}
        owners = tuple(sorted((k, "?" if k == "service" and o in unknown else o)
                              for k, o in refs))
        return (_body(service, blank), owners)

    olds: dict[tuple, list[str]] = defaultdict(list)
    news: dict[tuple, list[str]] = defaultdict(list)
    for n in removed:
        olds[shape(old_services[n], old_refs.get(n, []))].append(n)
    for n in added:
        news[shape(new_services[n], new_refs.get(n, []))].append(n)
    mapping = {o[0]: news[k][0] for k, o in olds.items()
               if len(o) == 1 and len(news.get(k, ())) == 1}

    def holds(old: str) -> bool:
        new = mapping[old]
        if _body(old_services[old], mapping) != _body(new_services[new], {}):
            return False
        moved = sorted((k, through_renames(o, mapping) if k == "service" else o)
                       for k, o in old_refs.get(old, []))
        return moved == sorted(new_refs.get(new, []))

    # Who must be checked again when a pair is dropped: the services whose body or
    # referrers mention either name.
    inverse = {v: k for k, v in mapping.items()}

    def neighbours(old: str, new: str) -> set[str]:
        near = {m for i in old_services[old].depends_on for m in i.members}
        near |= {o for k, o in old_refs.get(old, []) if k == "service"}
        for name in [m for i in new_services[new].depends_on for m in i.members] + [
                o for k, o in new_refs.get(new, []) if k == "service"]:
            near.add(inverse.get(name, name))
        return near

    work = sorted(mapping)
    while work:
        old = work.pop()
        if old in mapping and not holds(old):
            new = mapping.pop(old)
            del inverse[new]
            work.extend(sorted(n for n in neighbours(old, new) if n in mapping))
    return mapping


def _item_changes(kind: str, owner: str, old: tuple[Item, ...], new: tuple[Item, ...],
                  rename: Mapping[str, str]) -> list[ItemChange]:
    """Items matched by (need, members) -- ``any_of [x]`` equals ``x`` -- old names
    mapped through ``rename``; matched pairs compared on ``soft``. An unmatched new
    item and an unmatched old item that share a member are one modification (the
    old item sharing the most members, the first one on a tie)."""
    # Most owners are untouched by a change: the same items in the same order match
    # one to one with nothing to say (about 0.25 s of keys at 20,000 services).
    if not rename and len(old) == len(new) and all(
            a.need == b.need and a.soft == b.soft and a.members == b.members
            for a, b in zip(old, new, strict=True)):
        return []

    def key(item: Item, mapping: Mapping[str, str]) -> tuple:
        return (item.need, tuple(sorted(through_renames(m, mapping) for m in item.members)))

    pending: dict[tuple, list[tuple[int, Item]]] = defaultdict(list)
    for index, item in enumerate(old):
        pending[key(item, rename)].append((index, item))
    changes = []
    unmatched_new = []
    for item in new:
        bucket = pending.get(key(item, {}))
        if bucket:
            before = bucket.pop(0)[1]
            if before.soft != item.soft:
                change = "softened" if item.soft else "hardened"
                changes.append(ItemChange(kind, owner, change, item, item.location))
        else:
            unmatched_new.append(item)
    left = [item for _, item in sorted(p for bucket in pending.values() for p in bucket)]
    left_ids = list(range(len(left)))
    for item in unmatched_new:
        members = set(item.members)
        best, best_overlap = None, 0
        for i in left_ids:
            overlap = len(members & {through_renames(m, rename) for m in left[i].members})
            if overlap > best_overlap:
                best, best_overlap = i, overlap
        if best is None:
            changes.append(ItemChange(kind, owner, "added", item, item.location))
        else:
            left_ids.remove(best)
            changes.append(ItemChange(kind, owner, "modified", item, item.location, left[best]))
    for i in left_ids:
        changes.append(ItemChange(kind, owner, "removed", left[i], left[i].location))
    return changes


def compare(G_old: nx.DiGraph, G_new: nx.DiGraph, assumed: Iterable[str] = (),
            accept: Iterable[str] = ()) -> ManifestDiff:
    """Compare two versions of a manifest.

    Parameters
    ----------
    G_old, G_new : nx.DiGraph
        Graphs of the old and new version. ``G_new`` may hold placeholder services
        (``assumed``) for removed services it still names.
    assumed : iterable of str
        The placeholder services of ``G_new`` (``LoadResult.assumed``).
    accept : iterable of str
        Removed services whose loss the change accepts (``--accept-removal``): a masked
        break is accepted when the old model breaks with the accepted removals alone
        switched off, and does not with the other removals alone. Each must be a
        service the change removes (:class:`InputError` otherwise).

    Returns
    -------
    ManifestDiff

    Examples
    --------
    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> old = load_sources([("m.yaml", "services: {a: {depends_on: [b]}, b: }\\n"
    ...                                "flows: {f: {requires: [a]}}")]).manifest
    >>> new = load_sources([("m.yaml", "services: {a: {depends_on: [b]}}\\n"
    ...                                "flows: {f: {requires: [a]}}")],
    ...                    assume_services=old.services)
    >>> d = compare(dependency_graph(old), dependency_graph(new.manifest), new.assumed)
    >>> [(f.name, f.kind) for f in d.flows], d.dangling
    ([('f', 'broken')], ('b',))

    The same removal with the dependency dropped hides the break from the new model;
    the old model still shows it:

    >>> new = load_sources([("m.yaml", "services: {a: }\\nflows: {f: {requires: [a]}}")])
    >>> d = compare(dependency_graph(old), dependency_graph(new.manifest))
    >>> [(f.name, f.kind, f.masked, f.masked_by) for f in d.flows]
    [('f', 'masked', ('b',), 'rewired')]
    >>> G_old, G_new = dependency_graph(old), dependency_graph(new.manifest)
    >>> compare(G_old, G_new, accept=["b"]).flows[0].accepted
    True
    """
    old_m, new_m = G_old.graph["manifest"], G_new.graph["manifest"]
    dangling = tuple(sorted(set(assumed)))
    old_services, new_services = old_m.services, new_m.services
    real_new = {n: s for n, s in new_services.items() if n not in dangling}
    # A name that changes kind -- a service in one version, a common-cause group in the
    # other -- is a removal and an addition: a group named like a removed service must
    # not hide the removal. A common-cause group is never "removed": deleting one drops
    # a failure mode (its members lose an item), it switches nothing off.
    retyped = {n for n, s in old_services.items()
               if n in real_new and s.common_cause != real_new[n].common_cause}
    removed = tuple(s for n, s in old_services.items()
                    if not s.common_cause and (n not in real_new or n in retyped))
    added = tuple(s for n, s in real_new.items() if n not in old_services or n in retyped)
    rename_from = {s.name for s in removed if s.name not in dangling and s.name not in retyped}
    rename_to = {s.name for s in added if s.name not in retyped}
    rename: dict[str, str] = {}
    if rename_from and rename_to:  # a rename needs both (most changes have neither)
        rename = _renames(old_services, real_new,
                          _referrers(old_services, old_m.flows, rename_from),
                          _referrers(new_services, new_m.flows, rename_to),
                          rename_from, rename_to)
    # Operations removed from a service that stays (those of a removed service go with it).
    new_nodes = new_m.nodes
    # (One the new version still names is a placeholder there, dangling: gone all the same;
    # so is one replaced by a service literally named ``S:O``: another node, same name.)
    gone_ops = tuple(sorted(n for n, node in old_m.nodes.items()
                            if node.operation_of in real_new
                            and (n not in new_nodes or n in dangling
                                 or new_nodes[n].operation_of is None)))
    gone = tuple(s.name for s in removed if s.name not in rename) + gone_ops
    accept = tuple(sorted(set(accept)))
    for name in accept:
        if name not in gone:
            why = ("it is renamed to " + display(rename[name]) if name in rename else
                   "the new version still defines it" if name in new_nodes else
                   "no version defines it" + did_you_mean(name, gone))
            raise InputError(f"--accept-removal {display(name)}: this change does not remove "
                             f"that service ({why})")

    ev_old = switch_off(G_old, ())
    ev_new = switch_off(G_new, dangling)
    # The old model with the removals: what the change really takes away.
    ev_old_gone = switch_off(G_old, gone) if gone else ev_old
    ev_old_kept = switch_off(G_old, sorted(set(gone) - set(accept))) if accept else ev_old_gone
    ev_old_accepted = switch_off(G_old, accept) if accept else None

    # Single points of failure of flows present in both versions.
    both = [n for n, f in new_m.flows.items()
            if n in old_m.flows and (f.critical or old_m.flows[n].critical)]
    spof_old = single_points(G_old, both).flows
    spof_new = single_points(G_new, both, given_off=dangling).flows

    items: list[ItemChange] = []
    owners: list[OwnerChange] = []
    inverse = {v: k for k, v in rename.items()}
    for name, svc in real_new.items():
        before = old_services.get(inverse.get(name, name))
        if before is None or name in retyped:
            continue
        items += _item_changes("service", name, before.depends_on, svc.depends_on, rename)
        if before.owner != svc.owner:
            owners.append(OwnerChange("service", name, before.owner, svc.owner, svc.location))

    old_ops, new_ops = old_m.operations, new_m.operations
    for name, op in new_ops.items():
        before = old_ops.get(name)
        if before is not None:
            items += _item_changes("operation", name, before.own_items, op.own_items, rename)

    gone_set = set(gone)
    flows = []
    for name in sorted(set(old_m.flows) | set(new_m.flows)):
        old_f, new_f = old_m.flows.get(name), new_m.flows.get(name)
        spofs: tuple[str, ...] = ()
        lost: tuple[str, ...] = ()
        edited = False
        if old_f is not None and new_f is not None:
            changes = _item_changes("flow", name, old_f.requires, new_f.requires, rename)
            items += changes
            if old_f.owner != new_f.owner:
                owners.append(OwnerChange("flow", name, old_f.owner, new_f.owner,
                                          new_f.location))
            edited = (bool(changes) or old_f.owner != new_f.owner
                      or old_f.critical != new_f.critical)
            if name in spof_new:
                before = {through_renames(s, rename) for s in spof_old[name]}
                if new_f.critical:
                    spofs = tuple(s for s in spof_new[name] if s not in before)
                now = set(spof_new[name])
                lost = tuple(sorted(
                    through_renames(s, rename) for s in spof_old[name]
                    if _service_of(old_m, s) not in gone_set
                    and s not in gone_set and through_renames(s, rename) not in now))
        new_state = None if new_f is None else ev_new.flows[name]
        masked: tuple[str, ...] = ()
        masked_by = None
        accepted = False
        shown = new_f is not None and new_f.critical and new_state == BROKEN
        if (old_f is not None and old_f.critical and not shown
                and ev_old_gone.flows[name] == BROKEN):
            masked = off_causes(explain_flow(G_old, ev_old_gone, name)) or gone
            masked_by = ("deleted" if new_f is None else
                         "demoted" if not new_f.critical else "rewired")
            # Accepted only when the accepted removals alone break the flow in the old
            # model (accepting ``a`` does not accept losing a whole ``any_of [a, b]``)
            # and the other removals alone do not (nor a flow that ``b`` breaks too).
            accepted = (ev_old_accepted is not None
                        and ev_old_accepted.flows[name] == BROKEN
                        and ev_old_kept.flows[name] != BROKEN)
        flows.append(FlowChange(
            name, old_f, new_f,
            None if old_f is None else ev_old.flows[name],
            new_state,
            spofs, edited, lost, masked, masked_by, accepted,
        ))
    items.sort(key=lambda c: (c.owner_kind, c.owner, c.change, c.item.describe(), c.location))
    owners.sort(key=lambda c: (c.kind, c.name))
    return ManifestDiff(
        removed=removed,
        dangling=dangling,
        added=added,
        renamed=tuple(sorted(rename.items())),
        flows=tuple(flows),
        items=tuple(items),
        owners=tuple(owners),
        evaluation=ev_new,
        old_evaluation=ev_old_gone,
        accepted=accept,
        removed_operations=gone_ops,
        operations_added=tuple(op for n, op in new_ops.items() if n not in old_ops),
    )


def diff_gate(diff: ManifestDiff, fail_on: str = "spof") -> DiffGate:
    """The gate of ``pruner diff`` over critical flows.

    ``broken``: a critical flow is BROKEN in the new version and was not before, or
    a flow critical in the old version is BROKEN there with the removed services
    switched off while the new version hides it (a masked break) and the removal is
    not accepted. ``spof`` (default): those, or a critical flow gains a single point
    of failure. ``degraded``: those, or a critical flow gets DEGRADED, is deleted,
    or stops being critical. ``never``: always passes. ``target`` and ``extra-nine``
    judge flow changes as ``spof`` does. The reasons that are not flow changes
    (:data:`GATE_REASONS`: availability targets, "extra nine" warnings, start-up
    regressions) are added by :func:`pruner.report.diff.diff_report`.

    >>> from pruner.model import Flow
    >>> f = FlowChange("f", Flow("f"), Flow("f"), "ok", "ok", ("db",))
    >>> d = ManifestDiff((), (), (), (), (f,), (), (), None)
    >>> diff_gate(d).failing, diff_gate(d, "broken").passed
    ((('f', 'spof'),), True)
    >>> m = FlowChange("g", Flow("g"), None, "ok", None, masked=("db",), masked_by="deleted")
    >>> diff_gate(ManifestDiff((), (), (), (), (m,), (), (), None), "broken").failing
    (('g', 'masked'),)
    """
    if fail_on not in GATE_KINDS:
        raise ValueError(f"fail_on must be one of {tuple(GATE_KINDS)}")
    kinds = GATE_KINDS[fail_on]
    failing = []
    accepted = []
    for change in diff.flows:
        kind = change.kind
        critical = change.critical
        if kind == "masked" and change.accepted:
            accepted.append(change.name)
            kind = change.visible_kind  # judged like any other change from here on
            critical = change.flow.critical
        if (critical or kind == "demoted") and kind in kinds:
            failing.append((change.name, kind))
    return DiffGate(fail_on, not failing, tuple(failing), tuple(accepted))
