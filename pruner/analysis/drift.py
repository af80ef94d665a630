"""Drift between declared and observed dependencies (``pruner drift``).

The manifest says which services depend on which (the *declared* graph ``G``); traces,
a Jaeger dependency list, or another manifest say which calls really happen (the
*observed* edges, an :class:`Observation`). :func:`drift` compares them and finds

- **undeclared dependencies**: observed calls ``A -> B`` that the manifest lacks. The
  dangerous kind: the manifest may call ``B`` prunable while ``A`` still calls it. Those
  whose caller ``A`` is reached by a critical flow fail the gate by default;
- **stale declarations**: declared edges never observed. Judged only where both ends
  appear in the observation: a service that is absent may simply not have been traced;
- **observed services the manifest does not declare**;
- **traffic to uncovered services**: services that no flow reaches (prune candidates by
  the manifest) yet are active in the observation. Don't prune them before a flow that
  explains the traffic is declared (or the traffic is explained away).

Operations (spec §8): where the observation names a declared operation ``S:O`` (a
trace's span name), calls are compared per (service, operation): ``S:O -> X`` is
declared when ``S:O`` or ``S`` itself declares a dependency on ``X`` (or one of its
operations). Elsewhere the comparison is per service: an operation's dependencies count
as its service's, and a call to ``T`` matches a declared dependency on ``T:O``.

Everything here is pure: the observation is plain data, built by the caller from an
import result (:func:`observation_from_document`) or a loaded manifest
(:func:`observation_from_manifest`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pruner.analysis.evidence import INFERRED, OBSERVED, UNVERIFIED, strongest
from pruner.analysis.lint import reached
from pruner.errors import Location
from pruner.frozen import record
from pruner.loader.grammar import calls_in
from pruner.model import EVIDENCE_SOURCES, SINGLE, Item, Manifest, split_operation

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = [
    "DRIFT_FAIL_ON",
    "ObservedEdge",
    "Observation",
    "Undeclared",
    "Stale",
    "NotObserved",
    "not_observed_reason",
    "confirmed_evidence",
    "UncoveredTraffic",
    "Drift",
    "DriftGate",
    "UndeclaredFlow",
    "undeclared_flows",
    "observation_from_document",
    "observation_from_manifest",
    "merge_observations",
    "drift",
    "drift_gate",
]

#: ``--fail-on`` choices of ``pruner drift``: undeclared calls whose caller a critical
#: flow reaches (default), any undeclared call, or never.
DRIFT_FAIL_ON = ("undeclared-critical", "undeclared-flow", "undeclared", "never")

@record(order=True)
class ObservedEdge:
    """One observed dependency ``source -> target``.

    ``calls`` is the number of calls seen when the observation counts them (traces,
    Jaeger), else ``None``; ``evidence`` says where the edge came from.
    """

    source: str
    target: str
    calls: int | None = None
    evidence: str | None = None
    #: the evidence entry the observation gives (``traces 97 calls, A..B``), if any
    proof: str | None = None


@record(slots=False)
class Observation:
    """What was observed: services seen and ``source -> target`` edges, both sorted."""

    kind: str
    sources: tuple[str, ...]
    services: tuple[str, ...]
    edges: tuple[ObservedEdge, ...]
    notes: tuple[str, ...] = ()
    #: Entry points seen in traces: ``("SERVICE:OPERATION", traces)``, sorted by name.
    entries: tuple[tuple[str, int], ...] = ()


@record
class Undeclared:
    """An observed call the manifest does not declare.

    ``critical_flows`` are the critical flows that reach the caller (empty when the
    caller is not declared or no critical flow reaches it); ``target_uncovered`` is true
    when the callee is declared but no flow reaches it: the manifest calls it prunable.
    An operation the manifest does not declare, of a service that it declares (with
    other operations), stands for its service there: the flows that reach the service
    reach its calls, and a call to it is a call the service serves.
    """

    source: str
    target: str
    calls: int | None
    evidence: str | None
    source_declared: bool
    target_declared: bool
    critical_flows: tuple[str, ...]
    target_uncovered: bool

    @property
    def under_critical_flow(self) -> bool:
        """A critical flow reaches the caller."""
        return bool(self.critical_flows)


@record
class Stale:
    """A declared dependency that the observation never shows, though both ends appear.

    ``location`` is where the dependency item is declared.
    """

    source: str
    target: str
    soft: bool
    group: bool
    note: str | None
    location: Location


@record
class NotObserved(Stale):
    """A declared dependency never observed, that a deployment file or catalogue states
    (its evidence is inferred or unverified): not stale, since there are legitimate
    reasons for traces never to show it; ``why`` names the likeliest, ``evidence`` says
    what states it. (Shaped like :class:`Stale`; :attr:`Drift.stale` never holds one.)"""

    why: str = ""
    evidence: str = ""


def not_observed_reason(item: Item) -> str:
    """Why a declared, never-observed item may still be legitimate (see :class:`NotObserved`).

    >>> from pruner.model import Evidence, SINGLE
    >>> start = Evidence("compose", "f:3 depends_on")
    >>> not_observed_reason(Item(SINGLE, ("db",), evidence=(start,)))
    'a Compose start-order edge (depends_on): it may be needed only at start-up'
    """
    sources = sorted({e.source for e in item.evidence})
    detail = " ".join(e.detail or "" for e in item.evidence)
    if "compose" in sources and "depends_on" in detail:
        return "a Compose start-order edge (depends_on): it may be needed only at start-up"
    if item.soft:
        return "soft (telemetry, or an optional call): it may simply not be traced"
    if "address-book" in sources:
        return "a candidate from an address book: the code may never call it"
    return (f"stated by {', '.join(sources)}: a rare path, or a side that is not traced "
            "or sampled")


@record
class UncoveredTraffic:
    """A declared service no flow reaches that is active in the observation."""

    name: str
    callers: tuple[str, ...]
    callees: tuple[str, ...]
    calls_in: int | None


@record
class UndeclaredFlow:
    """An entry point with traffic that no declared flow requires: a flow nobody declared
    (the two-factor lesson: the SMS login path was used, and in nobody's list)."""

    entry: str
    traces: int
    entry_declared: bool


@record(slots=False)
class Drift:
    """The outcome of :func:`drift`; every tuple is sorted (undeclared: critical first)."""

    undeclared: tuple[Undeclared, ...]
    stale: tuple[Stale, ...]
    unjudged: int
    observed_not_declared: tuple[str, ...]
    uncovered_traffic: tuple[UncoveredTraffic, ...]
    declared_edges: int
    observed_edges: int
    matched: int
    undeclared_flows: tuple[UndeclaredFlow, ...] = ()
    #: declared, never observed, stated by a deployment file or catalogue: not stale
    not_observed: tuple[NotObserved, ...] = ()

    @property
    def undeclared_critical(self) -> tuple[Undeclared, ...]:
        """Undeclared calls whose caller a critical flow reaches."""
        return tuple(u for u in self.undeclared if u.under_critical_flow)


@record
class DriftGate:
    """The verdict of ``pruner drift``: ``failing`` lists ``"A -> B"`` edges."""

    fail_on: str
    passed: bool
    failing: tuple[str, ...]


def _calls(note: Any) -> int | None:
    """``N calls`` in a note or an evidence detail, read as the loader reads it."""
    return calls_in(note) if isinstance(note, str) else None


def _entry_calls(entry: Any) -> int | None:
    """The call count of one evidence entry in plain-data form (text ``SOURCE DETAIL``,
    one key ``{SOURCE: DETAIL}`` or the long form with ``source`` and ``calls``) when
    its source observes traffic (docs/manifest.md, "Evidence"), else None.

    >>> _entry_calls("traces 1,097 calls, in 40 of 40 runs"), _entry_calls({"jaeger": "5 calls"})
    (1097, 5)
    >>> _entry_calls({"source": "servicegraph", "calls": 6}), _entry_calls("compose f 3 calls")
    (6, None)
    """
    if isinstance(entry, str):
        source, _, detail = entry.strip().partition(" ")
        calls = None
    elif isinstance(entry, dict) and "source" in entry:
        source, detail, calls = entry.get("source"), entry.get("detail"), entry.get("calls")
    elif isinstance(entry, dict) and len(entry) == 1:
        [(source, detail)] = entry.items()
        calls = None
    else:
        return None
    if not isinstance(source, str) or EVIDENCE_SOURCES.get(source.rstrip(":")) != OBSERVED:
        return None
    if isinstance(calls, int) and not isinstance(calls, bool) and calls >= 0:
        return calls
    return _calls(detail)


def observation_from_document(
    document: Mapping[str, Any],
    kind: str,
    sources: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> Observation:
    """An observation from a manifest-v1 document in plain-data form (an import result).

    Every member of every item is an edge; its :attr:`ObservedEdge.calls` is the count
    of the item's first observed evidence entry that has one (``traces 97 calls``, as
    the trace importers write it), else a count ``N calls`` in the item's note.

    >>> doc = {"version": 1, "services": {"b": {}, "a": {"depends_on": [
    ...     {"service": "b", "note": "observed by Jaeger: 7 calls"}]}}}
    >>> obs = observation_from_document(doc, "jaeger")
    >>> obs.services, obs.edges[0].calls
    (('a', 'b'), 7)
    """
    found: dict[tuple[str, str], ObservedEdge] = {}
    services = dict(document.get("services") or {})
    owners = []
    for name, svc in services.items():
        owners.append((name, (svc or {}).get("depends_on", ())))
        for op, body in ((svc or {}).get("operations") or {}).items():  # spec §8
            owners.append((f"{name}:{op}", (body or {}).get("depends_on", ())))
    for name, items in owners:
        for item in items or ():
            proof = None
            if isinstance(item, str):
                members, note, entries = [item], None, []
            else:
                members = item.get("any_of") or item.get("of") or [item.get("service")]
                note = item.get("note")
                entries = item.get("evidence")
                entries = entries if isinstance(entries, list) else [entries]
                proof = next((e for e in entries if isinstance(e, str)), None)
            calls = next((c for c in map(_entry_calls, entries) if c is not None), None)
            if calls is None:
                calls = _calls(note)
            for member in members:
                if member is not None and member != name:
                    found[(name, member)] = ObservedEdge(name, member, calls, note, proof)
    names = {n for n, _ in owners} | {n for pair in found for n in pair}
    entries = {}
    for flow in (document.get("flows") or {}).values():
        traces = (flow or {}).get("x-traces")
        requires = (flow or {}).get("requires") or ()
        if isinstance(traces, dict) and requires and isinstance(requires[0], str):
            entries[requires[0]] = entries.get(requires[0], 0) + int(traces.get("count", 0))
    return Observation(kind, tuple(sources), tuple(sorted(names)),
                       tuple(found[k] for k in sorted(found)), tuple(notes),
                       tuple(sorted(entries.items())))


def observation_from_manifest(
    manifest: Manifest, kind: str = "manifest", sources: Sequence[str] = ()
) -> Observation:
    """An observation from a loaded manifest: its services and every declared edge.

    An edge's :attr:`ObservedEdge.calls` is the count of the item's first observed
    evidence entry that has one (``traces: 97 calls``, as ``import`` and ``drift
    --update`` write it), else a count ``N calls`` in its note; its ``proof`` is that
    entry (else the first observed one).

    >>> from pruner.model import Item, Service
    >>> m = Manifest.from_lists([Service("a", (Item(SINGLE, ("b",), note="x"),)), Service("b")])
    >>> observation_from_manifest(m).edges
    (ObservedEdge(source='a', target='b', calls=None, evidence='x', proof=None),)
    """
    found: dict[tuple[str, str], ObservedEdge] = {}
    causes = _common_causes(manifest)  # failing together is no call, a group no service
    for name, svc in manifest.nodes.items():
        for item in svc.own_items:  # an operation's hard item on its service is no call
            for member in item.members:
                if (name, member) not in found and member not in causes:
                    observed = [e for e in item.evidence if e.strength == OBSERVED]
                    counted = next((e for e in observed if e.calls is not None), None)
                    shown = counted or next(iter(observed), None)
                    calls = counted.calls if counted is not None else _calls(item.note)
                    found[(name, member)] = ObservedEdge(
                        name, member, calls, item.note,
                        None if shown is None else shown.describe())
    return Observation(kind, tuple(sources or manifest.sources),
                       tuple(n for n in manifest.nodes if n not in causes),
                       tuple(found[k] for k in sorted(found)))


def _common_causes(manifest: Manifest) -> frozenset[str]:
    """The common-cause groups compiled into nodes (docs/availability.md): the item each
    member holds on its group says the members fail together, not that one calls the
    other, so drift neither counts nor judges it."""
    return frozenset(n for n, s in manifest.services.items() if s.common_cause)


def _merged(old: ObservedEdge, e: ObservedEdge) -> ObservedEdge:
    """Two observations of one call as one: counts summed (unknown stays unknown only
    when both are), evidence joined, the first proof kept (its count the sum)."""
    calls = None if old.calls is None and e.calls is None else (
        (old.calls or 0) + (e.calls or 0))
    evidence = "; ".join(x for x in (old.evidence, e.evidence) if x) or None
    proof = old.proof or e.proof
    if calls is not None and proof and proof.startswith("traces "):
        proof = f"traces {calls:,} calls"  # the sum over the observations merged
    return ObservedEdge(e.source, e.target, calls, evidence, proof)


def _without_undeclared_operations(G: nx.DiGraph, observation: Observation) -> Observation:
    """``observation`` with every ``S:O`` whose service ``S`` declares no operations
    named ``S``: a manifest that says nothing of ``S``'s operations compares ``S``'s
    calls, so a traced call to (or from) one of its operations is a call to (or from)
    ``S`` (docs/importing.md: "Operations' calls count as their services' calls"), not
    an undeclared node. ``S:O`` splits at the last colon (operation names hold none,
    service names may). Calls that become ``S -> S`` are dropped (self-calls, as the
    importers drop them); calls that become one are merged (counts summed)."""
    services = G.graph["manifest"].services
    renamed: dict[str, str] = {}

    def service(name: str) -> str:
        if name in G:
            return name
        found = renamed.get(name)
        if found is None:
            owner, operation = split_operation(name)
            svc = services.get(owner) if operation is not None else None
            found = owner if svc is not None and not svc.operations and not svc.common_cause \
                else name
            renamed[name] = found
        return found

    names = {service(n) for n in observation.services}
    edges: dict[tuple[str, str], ObservedEdge] = {}
    for e in observation.edges:
        a, b = service(e.source), service(e.target)
        if a == b:
            continue
        names.update((a, b))
        if (a, b) != (e.source, e.target):
            e = ObservedEdge(a, b, e.calls, e.evidence, e.proof)
        old = edges.get((a, b))
        edges[(a, b)] = e if old is None else _merged(old, e)
    if all(found == name for name, found in renamed.items()):
        return observation  # nothing named an operation of such a service
    return Observation(observation.kind, observation.sources, tuple(sorted(names)),
                       tuple(edges[k] for k in sorted(edges)), observation.notes,
                       observation.entries)


def merge_observations(observations: Iterable[Observation]) -> Observation:
    """One observation from several: services and edges united, call counts summed.

    >>> a = Observation("zipkin", ("x.json",), ("a", "b"), (ObservedEdge("a", "b", 2),))
    >>> b = Observation("jaeger", ("y.json",), ("a", "b"), (ObservedEdge("a", "b", 3),))
    >>> m = merge_observations([a, b])
    >>> m.kind, m.edges[0].calls
    ('jaeger+zipkin', 5)
    """
    observations = list(observations)
    if len(observations) == 1:
        return observations[0]
    kinds, sources, services, notes = set(), [], set(), []
    edges: dict[tuple[str, str], ObservedEdge] = {}
    entries: dict[str, int] = {}
    for obs in observations:
        for entry, n in obs.entries:
            entries[entry] = entries.get(entry, 0) + n
        kinds.add(obs.kind)
        sources.extend(obs.sources)
        services.update(obs.services)
        notes.extend(n for n in obs.notes if n not in notes)
        for e in obs.edges:
            old = edges.get((e.source, e.target))
            edges[(e.source, e.target)] = e if old is None else _merged(old, e)
    return Observation("+".join(sorted(kinds)), tuple(sources), tuple(sorted(services)),
                       tuple(edges[k] for k in sorted(edges)), tuple(notes),
                       tuple(sorted(entries.items())))


def confirmed_evidence(G: nx.DiGraph, observation: Observation) -> dict[tuple[str, str], str]:
    """``(caller service, callee service)`` -> an evidence entry, for every observed call
    that the manifest declares and the observation proves by traffic (traces, Jaeger,
    servicegraph): what ``pruner drift --update`` records. Operations count as their
    services; an edge the observation gives no evidence for gets ``traces N calls``.
    """
    manifest: Manifest = G.graph["manifest"]

    def service(name: str) -> str:
        node = manifest.nodes.get(name)
        if node is not None:
            return node.operation_of or name
        owner, op = split_operation(name)
        return owner if op is not None and owner in manifest.services else name

    declared: set[tuple[str, str]] = set()
    for name, node in manifest.nodes.items():
        for item in node.own_items:
            declared.update((service(name), service(m)) for m in item.members)
    out: dict[tuple[str, str], str] = {}
    for e in observation.edges:
        key = (service(e.source), service(e.target))
        if key not in declared or key[0] == key[1]:
            continue
        proof = e.proof
        source = proof.split(" ", 1)[0].rstrip(":") if proof else None
        if source is None or EVIDENCE_SOURCES.get(source) != OBSERVED:
            if observation.kind not in ("zipkin", "jaeger", "otlp", "servicegraph") and \
                    "+" not in observation.kind:
                continue
            proof = f"traces {e.calls:,} calls" if e.calls is not None else "traces"
        out.setdefault(key, proof)
    return dict(sorted(out.items()))


def _critical_reach(G: nx.DiGraph, callers: set[str]) -> dict[str, tuple[str, ...]]:
    """For each caller, the critical flows that reach it (one BFS per critical flow)."""
    flows = G.graph["flows"]
    out: dict[str, list[str]] = {c: [] for c in callers}
    for name in sorted(flows):
        if not flows[name].critical:
            continue
        seen = reached(G, [name])
        for caller in callers & seen:
            out[caller].append(name)
    return {c: tuple(v) for c, v in out.items()}


def drift(G: nx.DiGraph, observation: Observation) -> Drift:
    """Compare the declared graph ``G`` with ``observation``.

    Cost: linear in ``G`` and the observation, plus one traversal of ``G`` per critical
    flow when some undeclared call starts at a declared service.

    Examples
    --------
    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {depends_on: [db]}, db: , ads: }
    ... flows: {home: {requires: [web]}}''')]).manifest)
    >>> obs = Observation("zipkin", (), ("ads", "db", "web"),
    ...                   (ObservedEdge("web", "ads", 4),))
    >>> d = drift(G, obs)
    >>> [(u.source, u.target, u.critical_flows, u.target_uncovered) for u in d.undeclared]
    [('web', 'ads', ('home',), True)]
    >>> [(s.source, s.target) for s in d.stale]
    [('web', 'db')]
    >>> [t.name for t in d.uncovered_traffic]
    ['ads']
    """
    manifest: Manifest = G.graph["manifest"]
    observation = _without_undeclared_operations(G, observation)
    seen_services = set(observation.services)
    for e in observation.edges:
        seen_services.update((e.source, e.target))
    observed = {(e.source, e.target): e for e in observation.edges}
    covered = reached(G)
    causes = _common_causes(manifest)
    ops = _Operations(G, seen_services, observed, causes) if manifest.operations else None

    if ops is None:
        missing = [e for key, e in observed.items() if not G.has_edge(*key)]
    else:
        missing = [e for key, e in observed.items() if not ops.declares(*key)]
    # The declared node a name stands for: itself, or the service of an operation the
    # manifest does not declare (``S:O`` of a service ``S`` that declares others): a
    # critical flow that reaches ``S`` reaches the call, and a call to it keeps ``S`` busy.
    def declared_node(name: str) -> str | None:
        if name in G:
            return name
        owner = ops.service(name) if ops is not None else name
        return owner if owner in G else None

    ends = [(e, declared_node(e.source), declared_node(e.target)) for e in missing]
    callers = {a for _e, a, _b in ends if a is not None}
    critical = _critical_reach(G, callers) if callers else {}
    undeclared = [
        Undeclared(
            e.source, e.target, e.calls, e.evidence,
            source_declared=e.source in G,
            target_declared=e.target in G,
            critical_flows=critical.get(a, ()) if a is not None else (),
            target_uncovered=b is not None and b not in covered,
        )
        for e, a, b in ends
    ]
    undeclared.sort(key=lambda u: (not u.under_critical_flow, u.source, u.target))

    stale, unjudged, matched = [], 0, 0
    quiet: list[NotObserved] = []
    for source, target, data in G.edges(data=True):
        if target in causes:  # a common-cause group: a way to fail together, no call
            continue
        if ops is not None:
            verdict = ops.judge(source, target, data)
            if verdict == "implicit":
                continue
            if verdict == "unjudged":
                unjudged += 1
            if verdict != "stale":
                continue
        elif (source, target) in observed:
            matched += 1
            continue
        elif source not in seen_services or target not in seen_services:
            unjudged += 1
            continue
        item = manifest.nodes[source].depends_on[data["items"][0]]
        if item.evidence and strongest(item.evidence) in (INFERRED, UNVERIFIED):
            quiet.append(NotObserved(source, target, data["soft"], data["kind"] != SINGLE,
                                     item.note, item.location, not_observed_reason(item),
                                     "; ".join(e.describe() for e in item.evidence)))
            continue
        stale.append(Stale(source, target, data["soft"], data["kind"] != SINGLE, item.note,
                           item.location))
    stale.sort(key=lambda s: (s.source, s.target))
    quiet.sort(key=lambda s: (s.source, s.target))

    # Sets: with operations, one caller reaches a service through several of its
    # operations (web:home -> cache:get and cache:put), one callee from several.
    callers_of: dict[str, set[str]] = {}
    callees_of: dict[str, set[str]] = {}
    calls_in: dict[str, int | None] = {}
    service = (lambda n: n) if ops is None else ops.service
    for (source, target), e in observed.items():
        callers_of.setdefault(service(target), set()).add(source)
        callees_of.setdefault(service(source), set()).add(target)
        if e.calls is not None:
            calls_in[service(target)] = (calls_in.get(service(target)) or 0) + e.calls
    names = sorted(G) if ops is None else sorted(manifest.services)
    traffic = [
        UncoveredTraffic(name, tuple(sorted(callers_of.get(name, ()))),
                         tuple(sorted(callees_of.get(name, ()))), calls_in.get(name))
        for name in names
        if name not in covered and (name in callers_of or name in callees_of)
    ]
    return Drift(
        undeclared_flows=undeclared_flows(G, observation),
        undeclared=tuple(undeclared),
        stale=tuple(stale),
        unjudged=unjudged,
        observed_not_declared=tuple(sorted(n for n in seen_services if n not in G)),
        uncovered_traffic=tuple(traffic),
        declared_edges=(G.number_of_edges() - sum(len(G._pred[c]) for c in causes)
                        if ops is None else ops.declared_edges),
        observed_edges=len(observed),
        matched=matched if ops is None else len(observed) - len(missing),
        not_observed=tuple(quiet),
    )


class _Operations:
    """Matching observed calls with declared dependencies when the manifest declares
    operations (spec §8): per (service, operation) where the observation names the
    operation, per service elsewhere (see the module docstring)."""

    def __init__(self, G: nx.DiGraph, seen: set[str], observed: Mapping,
                 causes: frozenset[str]) -> None:
        self.G = G
        self.manifest: Manifest = G.graph["manifest"]
        self.seen = seen
        nodes = self.manifest.nodes
        # node -> services its (non-implicit) items name; service -> same over it and its ops
        self.by_node: dict[str, set[str]] = {}
        self.by_service: dict[str, set[str]] = {}
        self.declared_edges = 0
        for name, node in nodes.items():
            members = {m for item in node.own_items for m in item.members if m not in causes}
            targets = {self.service(m) for m in members}
            self.by_node[name] = targets
            self.by_service.setdefault(self.service(name), set()).update(targets)
            self.declared_edges += len(members)
        self.seen_services = {self.service(n) for n in seen}
        self.observed_by_node: dict[str, set[str]] = {}
        self.observed_by_service: dict[str, set[str]] = {}
        for a, b in observed:
            self.observed_by_node.setdefault(a, set()).add(self.service(b))
            self.observed_by_service.setdefault(self.service(a), set()).add(self.service(b))

    def service(self, name: str) -> str:
        """The service a name stands for: an operation's service (declared, or named
        like ``S:O`` after a declared service ``S``), else the name itself."""
        node = self.manifest.nodes.get(name)
        if node is not None:
            return node.operation_of or name
        owner, operation = split_operation(name)
        return owner if operation is not None and owner in self.manifest.services else name

    def is_operation(self, name: str) -> bool:
        node = self.manifest.nodes.get(name)
        return node is not None and node.operation_of is not None

    def declares(self, source: str, target: str) -> bool:
        """Whether the observed call ``source -> target`` is declared."""
        wanted = self.service(target)
        if self.is_operation(source):  # the observation names the operation: per operation
            return (wanted in self.by_node[source]
                    or wanted in self.by_node[self.service(source)])
        return wanted in self.by_service.get(self.service(source), ())

    def judge(self, source: str, target: str, data: dict) -> str:
        """``implicit``, ``matched``, ``unjudged`` or ``stale`` for a declared edge."""
        items = self.manifest.nodes[source].depends_on
        if all(items[i].implicit for i in data["items"]):
            return "implicit"
        wanted = self.service(target)
        if self.is_operation(source) and source in self.seen:  # per operation
            if wanted in self.observed_by_node.get(source, ()):
                return "matched"
            return "stale" if wanted in self.seen_services else "unjudged"
        owner = self.service(source)
        if wanted in self.observed_by_service.get(owner, ()):
            return "matched"
        if owner not in self.seen_services or wanted not in self.seen_services:
            return "unjudged"
        return "stale"


def undeclared_flows(G: nx.DiGraph, observation: Observation) -> tuple[UndeclaredFlow, ...]:
    """Entry points with traffic that no declared flow requires, most traffic first.

    An entry ``S:O`` is covered when a flow's requires names ``S:O``, or names ``S``
    while the manifest declares no operations for ``S`` (a service-level manifest
    cannot say more). ``S:O`` splits at the last colon, as the model splits it: an
    operation name holds no colon, a service name may (``api:v2:GET-users`` is
    ``GET-users`` of ``api:v2``).

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {operations: {login: , sms-login: }}}
    ... flows: {login: {requires: ["web:login"]}}''')]).manifest)
    >>> obs = Observation("otlp", (), ("web",), (), (), (("web:login", 900),
    ...                   ("web:sms-login", 40)))
    >>> [(u.entry, u.traces) for u in undeclared_flows(G, obs)]
    [('web:sms-login', 40)]
    """
    required: set[str] = set()
    for flow in G.graph["flows"].values():
        for item in flow.requires:
            required.update(item.members)
    found = []
    for entry, traces in observation.entries:
        service = split_operation(entry)[0]  # operation names hold no ":", services may
        if entry in required:
            continue
        if service in required and service in G and not _has_operations(G, service):
            continue
        found.append(UndeclaredFlow(entry, traces, entry in G))
    found.sort(key=lambda u: (-u.traces, u.entry))
    return tuple(found)


def _has_operations(G: nx.DiGraph, service: str) -> bool:
    return bool(getattr(G.nodes[service]["service"], "operations", ()))


def drift_gate(result: Drift, fail_on: str = "undeclared-critical") -> DriftGate:
    """The verdict: fail on undeclared calls under a critical flow (or any, or never).

    >>> d = Drift((Undeclared("a", "b", None, None, True, True, ("f",), False),), (), 0, (),
    ...           (), 0, 1, 0)
    >>> drift_gate(d)
    DriftGate(fail_on='undeclared-critical', passed=False, failing=('a -> b',))
    >>> drift_gate(d, "never").passed
    True
    """
    if fail_on not in DRIFT_FAIL_ON:
        raise ValueError(f"fail_on must be one of {DRIFT_FAIL_ON}")
    if fail_on == "never":
        bad = ()
    elif fail_on == "undeclared":
        bad = result.undeclared
    else:
        bad = result.undeclared_critical
    failing = tuple(f"{u.source} -> {u.target}" for u in bad)
    if fail_on in ("undeclared-flow", "undeclared"):
        failing += tuple(f"undeclared flow {u.entry}" for u in result.undeclared_flows)
    return DriftGate(fail_on, not failing, failing)
