"""Why a flow is broken or degraded: the chain of failed requirements down to the
switched-off services.

An explanation is a list of :class:`Line`. A line is a chain of :class:`Hop`
("requires twofactor-api -> requires sms-sender -> requires sms-gateway"); a group
that failed ends its line and each of its DOWN members gets a line of its own one
level deeper. Each service is explained once per flow; a second mention says
"see above". Built with an explicit stack: a chain of 100,000 services is one
long line, not 100,000 stack frames.

Cost: the first cause of each DOWN or DEGRADED service (the item through which
trouble reached it) is looked up once per evaluation when the callers share a
``causes`` dict (:func:`first_causes` fills it for every service in one pass), so
explaining every flow of an evaluation costs the services each explanation
shows, and ``explain_service(..., shared=True)`` explains a service by its own
step only, pointing at the services it stands on ("see above") instead of
repeating their chains: explaining every service of a 100,000-service chain is
then linear, not 100,000 chains of up to 100,000 hops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pruner.analysis.evaluate import Evaluation, ItemStatus, flow_items, item_status
from pruner.frozen import record

if TYPE_CHECKING:  # `check` starts without networkx (see pruner.graph.LightGraph)
    import networkx as nx

__all__ = ["Hop", "Line", "explain_flow", "explain_service", "first_causes", "hurts"]

OFF = "off"  # the hop reached a switched-off service
SEEN = "seen"  # the hop reached a service explained earlier in this explanation


@record
class Hop:
    """One requirement followed: ``status`` of the item, and the member followed
    (``None`` when a group branches into lines of its own)."""

    status: ItemStatus
    target: str | None
    end: str | None = None


@record
class Line:
    """A chain of hops at an indentation ``depth``; ``subject`` is the group member
    the line explains (``None`` on top-level lines); ``end`` is set when the subject
    itself is switched off or explained above."""

    depth: int
    subject: str | None
    hops: tuple[Hop, ...]
    end: str | None = None


def explain_flow(G: nx.DiGraph, ev: Evaluation, flow: str,
                 causes: dict | None = None, shown: dict | None = None) -> tuple[Line, ...]:
    """Explain why ``flow`` is BROKEN (its failing items) or DEGRADED (its troubled items).

    Returns an empty tuple for an OK flow. ``causes``: a dict shared by every
    explanation of the same evaluation (see :func:`first_causes`). ``shown``: a dict
    shared by the explanations of several flows under the same evaluation: flows
    broken by the same items get the same explanation, built once.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> from pruner.analysis.evaluate import switch_off
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {depends_on: [api]}, api: {depends_on: [db]}, db: }
    ... flows: {f: {requires: [web]}}''')]).manifest)
    >>> [(h.target, h.end) for h in explain_flow(G, switch_off(G, ["db"]), "f")[0].hops]
    [('web', None), ('api', None), ('db', 'off')]
    """
    # Failing items need only what is DOWN: judged first, so that a BROKEN flow's
    # explanation never asks what is DEGRADED (switch_off_lazily defers that).
    down = ev.cause
    failing = tuple(i for i in G.graph["flows"][flow].requires if not i.soft and (
        i.members[0] in down if len(i.members) == 1  # the common case, without a generator
        else len(i.members) - sum(1 for m in i.members if m in down) < i.need))
    if not failing:
        chosen = [s for s in flow_items(G, ev, flow) if s.troubled]
        return _explain(G, ev, [(None, s) for s in chosen], causes=causes)
    found = None if shown is None else shown.get(failing)
    if found is None:
        chosen = [item_status(i, down, ev.via) for i in failing]
        found = _explain(G, ev, [(None, s) for s in chosen], causes=causes)
        if shown is not None:
            shown[failing] = found
    return found


def explain_service(G: nx.DiGraph, ev: Evaluation, service: str, causes: dict | None = None,
                    *, shared: bool = False) -> tuple[Line, ...]:
    """Explain why ``service`` is DOWN or DEGRADED (empty for UP or switched off); a
    DEGRADED service gets one line per item that hurts it.

    With ``shared``, the explanation stops at every other DOWN or DEGRADED service
    it reaches ("see above": that service has an explanation of its own), so that
    explaining every service costs each one its own items, not its whole chain.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> from pruner.analysis.evaluate import switch_off
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {depends_on: [api]}, api: {depends_on: [db]}, db: }
    ... flows: {f: {requires: [web]}}''')]).manifest)
    >>> ev = switch_off(G, ["db"])
    >>> [(h.target, h.end) for h in explain_service(G, ev, "web")[0].hops]
    [('api', None), ('db', 'off')]
    >>> [(h.target, h.end) for h in explain_service(G, ev, "web", shared=True)[0].hops]
    [('api', 'seen')]
    """
    found = _causes(G, ev, service, causes)
    if not found:
        return ()
    seen = _Troubled(ev, service) if shared else {service}
    return _explain(G, ev, [(service, s) for s in found], seen, causes)


def _causes(G: nx.DiGraph, ev: Evaluation, service: str,
            table: dict | None = None) -> list[ItemStatus]:
    """Every item through which trouble reached ``service``: the failed hard item of a
    DOWN service; each item of a DEGRADED one with a member that :func:`hurts` it."""
    if service in ev.cause or service not in ev.via:
        status = _next_status(G, ev, service, table)
        return [] if status is None else [status]
    found = [item_status(item, ev.cause, ev.via)
             for item in G.nodes[service]["service"].depends_on
             if any(hurts(ev, m, service) for m in item.members)]
    return found or [_next_status(G, ev, service, table)]


def hurts(ev: Evaluation, dep: str, service: str) -> bool:
    """True when the trouble of ``dep`` (DOWN, or DEGRADED) is a cause of DEGRADED
    ``service``'s: ``dep`` is DOWN (a DEGRADED service takes nothing down), or its trouble
    came by a path that avoids ``service`` — not back round a cycle through it. Checked
    in constant time from the propagation order: ``dep`` was hurt first, or the
    dependency that hurt ``dep`` was.
    """
    if dep in ev.cause:
        return True
    parent = ev.via.get(dep)
    return parent is not None and (ev.before(dep, service) or ev.before(parent, service))


class _Troubled:
    """The DOWN and DEGRADED services except ``subject`` and the switched-off ones,
    as the ``seen`` set of a shared explanation (``add`` is a no-op)."""

    def __init__(self, ev: Evaluation, subject: str):
        self.ev = ev
        self.subject = subject

    def __contains__(self, name: str) -> bool:
        ev = self.ev
        if name == self.subject:
            return True
        if name in ev.cause:
            return ev.cause[name] is not None
        return name in ev.via

    def add(self, name: str) -> None:
        pass


def first_causes(G: nx.DiGraph, ev: Evaluation) -> dict[str, ItemStatus | None]:
    """The item through which trouble first reached each DOWN or DEGRADED service
    (``None`` for a switched-off one), in one pass: the table every explanation of
    ``ev`` follows, to be passed to them as ``causes``."""
    causes: dict[str, ItemStatus | None] = {}
    for name in (*ev.cause, *ev.via):
        _next_status(G, ev, name, causes)
    return causes


_MISSING = object()


def _next_status(G: nx.DiGraph, ev: Evaluation, service: str,
                 causes: dict | None = None) -> ItemStatus | None:
    """The item through which trouble reached ``service`` (None if switched off or up),
    memoised in ``causes`` when given."""
    if causes is not None:
        found = causes.get(service, _MISSING)
        if found is _MISSING:
            found = causes[service] = _first_status(G, ev, service)
        return found
    return _first_status(G, ev, service)


def _first_status(G: nx.DiGraph, ev: Evaluation, service: str) -> ItemStatus | None:
    items = G._node[service]["service"].depends_on  # the table: no view per hop
    index = ev.cause.get(service)
    if index is not None:
        return item_status(items[index], ev.cause, ev.via)
    if service in ev.cause or service not in ev.via:
        return None
    dep = ev.via[service]
    # The first item naming the dependency through which trouble arrived.
    index = G._succ[service][dep]["items"][0]
    return item_status(items[index], ev.cause, ev.via)


def _explain(G, ev, starts, seen=None, causes=None) -> tuple[Line, ...]:
    seen = set() if seen is None else seen
    lines: list[Line] = []
    # Work items: (depth, subject, first status); a stack gives depth-first order.
    stack = [(0, subject, status) for subject, status in reversed(starts)]
    while stack:
        entry = stack.pop()
        if isinstance(entry, Line):  # a member that needs no walking: off, or seen
            lines.append(entry)
            continue
        depth, subject, status = entry
        hops: list[Hop] = []
        branches: list[str] = []
        several: list[ItemStatus] = []  # a DEGRADED target hurt through several items
        owner = subject  # whose item ``status`` is (None: the flow's own item)
        while status is not None:
            item = status.item
            if item.is_group:
                # Branch only into members hurt before the owner: the owner's own
                # failure may have reached the others later, through a cycle.
                branches = [m for m in item.members if (m in ev.cause or m in ev.via)
                            and (owner is None or ev.before(m, owner))]
                hops.append(Hop(status, None))
                break
            target = item.members[0]
            if target in seen:
                hops.append(Hop(status, target, SEEN))
                break
            seen.add(target)
            if ev.cause.get(target, 0) is None:
                hops.append(Hop(status, target, OFF))
                break
            hops.append(Hop(status, target))
            several = _causes(G, ev, target, causes)
            if len(several) > 1:  # name every cause: one line each, one level deeper
                break
            status = several[0] if several else None
            owner = target
        lines.append(Line(depth, subject, tuple(hops)))
        children: list = [(depth + 1, target, s) for s in several] if len(several) > 1 else []
        for member in branches:
            if member in seen:
                children.append(Line(depth + 1, member, (), SEEN))
            elif ev.cause.get(member, 0) is None:
                seen.add(member)
                children.append(Line(depth + 1, member, (), OFF))
            else:
                seen.add(member)
                children.append((depth + 1, member, _next_status(G, ev, member, causes)))
        stack.extend(reversed(children))
    return tuple(lines)
