"""What changes between two versions of a manifest (``pruner diff``): pure analysis.

The old version is evaluated with nothing switched off; the new one with every
service that the old version had and the new one lacks switched off (the loader
turns the references a deletion leaves dangling into placeholder services, see
:func:`pruner.loader.load_sources`). Compared: flow states, new single points of
failure of critical flows, dependency items (added, removed, hard <-> soft),
services added, removed and renamed, owners and criticality.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import BROKEN, DEGRADED, OK, Evaluation, switch_off
from pruner.analysis.spof import single_points
from pruner.errors import Location
from pruner.model import Flow, Item, Service

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
]

# Strictness levels of the diff gate, loosest last (see diff_gate).
DIFF_FAIL_ON = ("degraded", "spof", "broken", "never")
SEVERITY = {OK: 0, DEGRADED: 1, BROKEN: 2}


@dataclass(frozen=True, slots=True)
class FlowChange:
    """One flow in the old and the new version (``None`` where it does not exist).

    ``new_spofs`` are the single points of failure the flow has in the new version
    and did not have in the old one (computed for flows critical in the new version
    that exist in both). ``edited`` says the definition changed in a way that matters
    (items, critical, owner).
    """

    name: str
    old: Flow | None
    new: Flow | None
    old_state: str | None
    new_state: str | None
    new_spofs: tuple[str, ...] = ()
    edited: bool = False

    @property
    def flow(self) -> Flow:
        """The newest definition."""
        return self.new if self.new is not None else self.old  # type: ignore[return-value]

    @property
    def critical(self) -> bool:
        return self.flow.critical

    @property
    def kind(self) -> str:
        """The most severe change: broken, spof, degraded, deleted, demoted, added,
        improved, edited or unchanged."""
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
        if new < old:
            return "improved"
        return "edited" if self.edited else "unchanged"


@dataclass(frozen=True, slots=True)
class ItemChange:
    """A dependency item of a service (``depends_on``) or flow (``requires``) that was
    ``added``, ``removed``, ``softened`` (hard -> soft) or ``hardened`` (soft -> hard).
    ``item`` is the new item (the old one for ``removed``), ``location`` its place."""

    owner_kind: str
    owner: str
    change: str
    item: Item
    location: Location


@dataclass(frozen=True, slots=True)
class OwnerChange:
    """The ``owner`` of a service or flow changed."""

    kind: str
    name: str
    old: str | None
    new: str | None
    location: Location


@dataclass(frozen=True)
class ManifestDiff:
    """Everything :func:`compare` finds; every tuple sorted."""

    removed: tuple[Service, ...]  # as defined in the old version
    dangling: tuple[str, ...]  # removed services the new version still names
    added: tuple[Service, ...]
    renamed: tuple[tuple[str, str], ...]  # (old name, new name)
    flows: tuple[FlowChange, ...]  # every flow of either version, by name
    items: tuple[ItemChange, ...]
    owners: tuple[OwnerChange, ...]
    evaluation: Evaluation  # the new version with the removed services switched off

    def changed_flows(self) -> tuple[FlowChange, ...]:
        """Flows whose change is worth a line, most severe first, then by name."""
        order = {k: i for i, k in enumerate(
            ("broken", "spof", "degraded", "deleted", "demoted", "added", "improved", "edited"))}
        found = [f for f in self.flows if f.kind != "unchanged"]
        return tuple(sorted(found, key=lambda f: (order[f.kind], not f.critical, f.name)))


@dataclass(frozen=True)
class DiffGate:
    """The verdict of ``pruner diff``: ``failing`` holds ``(flow, reason)`` pairs."""

    fail_on: str
    passed: bool
    failing: tuple[tuple[str, str], ...]


def _signature(service: Service) -> tuple:
    items = tuple((i.kind, i.members, i.need, i.soft) for i in service.depends_on)
    return (items, service.description, service.owner, service.system, service.tier,
            service.tags)


def _renames(removed: Iterable[Service], added: Iterable[Service]) -> dict[str, str]:
    """Removed -> added services with an identical definition, where the match is unique."""
    olds: dict[tuple, list[str]] = defaultdict(list)
    news: dict[tuple, list[str]] = defaultdict(list)
    for s in removed:
        olds[_signature(s)].append(s.name)
    for s in added:
        news[_signature(s)].append(s.name)
    return {o[0]: news[k][0] for k, o in olds.items() if len(o) == 1 and len(news.get(k, ())) == 1}


def _item_changes(kind: str, owner: str, old: tuple[Item, ...], new: tuple[Item, ...],
                  rename: Mapping[str, str]) -> list[ItemChange]:
    """Items matched by (need, members) -- ``any_of [x]`` equals ``x`` -- old names
    mapped through ``rename``; matched pairs compared on ``soft``."""
    def key(item: Item, mapping: Mapping[str, str]) -> tuple:
        return (item.need, tuple(sorted(mapping.get(m, m) for m in item.members)))

    pending: dict[tuple, list[Item]] = defaultdict(list)
    for item in old:
        pending[key(item, rename)].append(item)
    changes = []
    for item in new:
        bucket = pending.get(key(item, {}))
        if bucket:
            before = bucket.pop(0)
            if before.soft != item.soft:
                change = "softened" if item.soft else "hardened"
                changes.append(ItemChange(kind, owner, change, item, item.location))
        else:
            changes.append(ItemChange(kind, owner, "added", item, item.location))
    for bucket in pending.values():
        for item in bucket:
            changes.append(ItemChange(kind, owner, "removed", item, item.location))
    return changes


def compare(G_old: nx.DiGraph, G_new: nx.DiGraph, assumed: Iterable[str] = ()) -> ManifestDiff:
    """Compare two versions of a manifest.

    Parameters
    ----------
    G_old, G_new : nx.DiGraph
        Graphs of the old and new version. ``G_new`` may hold placeholder services
        (``assumed``) for removed services it still names.
    assumed : iterable of str
        The placeholder services of ``G_new`` (``LoadResult.assumed``).

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
    """
    old_m, new_m = G_old.graph["manifest"], G_new.graph["manifest"]
    dangling = tuple(sorted(set(assumed)))
    old_services, new_services = old_m.services, new_m.services
    real_new = {n: s for n, s in new_services.items() if n not in dangling}
    removed = tuple(s for n, s in old_services.items() if n not in real_new)
    added = tuple(s for n, s in real_new.items() if n not in old_services)
    rename = _renames(removed, added)

    ev_old = switch_off(G_old, ())
    ev_new = switch_off(G_new, dangling)

    # New single points of failure: critical flows of the new version that exist in both.
    both = [n for n, f in new_m.flows.items() if f.critical and n in old_m.flows]
    spof_old = single_points(G_old, both).flows
    spof_new = single_points(G_new, both, given_off=dangling).flows

    items: list[ItemChange] = []
    owners: list[OwnerChange] = []
    inverse = {v: k for k, v in rename.items()}
    for name, svc in real_new.items():
        before = old_services.get(inverse.get(name, name))
        if before is None:
            continue
        items += _item_changes("service", name, before.depends_on, svc.depends_on, rename)
        if before.owner != svc.owner:
            owners.append(OwnerChange("service", name, before.owner, svc.owner, svc.location))

    flows = []
    for name in sorted(set(old_m.flows) | set(new_m.flows)):
        old_f, new_f = old_m.flows.get(name), new_m.flows.get(name)
        spofs: tuple[str, ...] = ()
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
                before = {rename.get(s, s) for s in spof_old[name]}
                spofs = tuple(s for s in spof_new[name] if s not in before)
        flows.append(FlowChange(
            name, old_f, new_f,
            None if old_f is None else ev_old.flows[name],
            None if new_f is None else ev_new.flows[name],
            spofs, edited,
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
    )


def diff_gate(diff: ManifestDiff, fail_on: str = "spof") -> DiffGate:
    """The gate of ``pruner diff`` over critical flows.

    ``broken``: a critical flow is BROKEN in the new version and was not before.
    ``spof`` (default): that, or a critical flow gains a single point of failure.
    ``degraded``: those, or a critical flow gets DEGRADED, is deleted, or stops
    being critical. ``never``: always passes.

    >>> from pruner.model import Flow
    >>> f = FlowChange("f", Flow("f"), Flow("f"), "ok", "ok", ("db",))
    >>> d = ManifestDiff((), (), (), (), (f,), (), (), None)
    >>> diff_gate(d).failing, diff_gate(d, "broken").passed
    ((('f', 'spof'),), True)
    """
    if fail_on not in DIFF_FAIL_ON:
        raise ValueError(f"fail_on must be one of {DIFF_FAIL_ON}")
    kinds = {
        "broken": {"broken"},
        "spof": {"broken", "spof"},
        "degraded": {"broken", "spof", "degraded", "deleted", "demoted"},
        "never": set(),
    }[fail_on]
    failing = []
    for change in diff.flows:
        kind = change.kind
        if (change.critical or kind == "demoted") and kind in kinds:
            failing.append((change.name, kind))
    return DiffGate(fail_on, not failing, tuple(failing))
