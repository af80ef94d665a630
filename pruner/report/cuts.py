"""The reports of `pruner cuts`, `pruner essential` and `pruner rank` (issue 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pruner.analysis import evidence
from pruner.analysis.cuts import FlowCuts
from pruner.analysis.evaluate import switch_off_lazily
from pruner.analysis.explain import Line, explain_flow
from pruner.analysis.focus import focus
from pruner.frozen import record
from pruner.model import Flow

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

    from pruner.analysis.essential import Essential  # each command imports only its own
    from pruner.analysis.rank import Ranking

__all__ = [
    "EXPLAIN_BUDGET",
    "EXPLAIN_LIMIT",
    "FlowCutsResult",
    "CutsReport",
    "EssentialReport",
    "RankReport",
    "cuts_report",
    "explain_limit",
    "essential_report",
    "rank_report",
]

EXPLAIN_LIMIT = 20  # cut sets explained per flow; explaining is one evaluation each
# Cut sets explained in one report: with more than 500 flows each gets fewer than
# EXPLAIN_LIMIT (at least one). 2,000 flows explained 20 each were 40,000 explanations,
# 160,000 lines, half the run; `--flow` or `pruner check --off` explains any other.
EXPLAIN_BUDGET = 10_000


def explain_limit(flows: int) -> int:
    """Cut sets explained per flow in a report of ``flows`` flows.

    >>> explain_limit(200), explain_limit(2000), explain_limit(50_000)
    (20, 5, 1)
    """
    return max(1, min(EXPLAIN_LIMIT, EXPLAIN_BUDGET // max(1, flows)))


@record(slots=False)
class FlowCutsResult:
    """A flow's minimal cut sets, the first :func:`explain_limit` with their explanation."""

    flow: Flow
    cuts: FlowCuts
    explanations: tuple[tuple[Line, ...], ...]

    @property
    def name(self) -> str:
        return self.flow.name


@record(slots=False)
class CutsReport:
    """The outcome of ``pruner cuts``: flows by name."""

    source: str
    max_order: int
    among: tuple[str, ...] | None
    flows: tuple[FlowCutsResult, ...]
    #: services a cut set search treats like any other though nothing is known about
    #: who uses them (pruner.analysis.evidence.verdict_warnings)
    warnings: tuple[str, ...] = ()
    #: cut sets explained per flow (:func:`explain_limit` of the number of flows)
    explain_limit: int = EXPLAIN_LIMIT

    @property
    def complete(self) -> bool:
        return all(f.cuts.complete for f in self.flows)


@record(slots=False)
class EssentialReport:
    """The outcome of ``pruner essential``."""

    source: str
    result: Essential
    all_critical: bool = True  # every flow covered is critical (the headline says so)
    #: prunable services whose verdict rests on evidence (declared, observed, inferred)
    prunable_known: tuple[str, ...] = ()
    #: prunable only because nothing is known (pruner.analysis.evidence: unknown/unverified)
    prunable_unknown: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@record(slots=False)
class RankReport:
    """The outcome of ``pruner rank``."""

    source: str
    ranking: Ranking


def cuts_report(G: nx.DiGraph, results: dict[str, FlowCuts], *, source: str = "",
                among=None, explain: bool = True) -> CutsReport:
    """Assemble the cuts report; ``explain`` adds why each of the first cut sets
    breaks its flow (text output only needs it).

    Each distinct cut set is evaluated once, for every flow whose explanations show it
    (flows that share a core share its cut sets), with
    :func:`~pruner.analysis.evaluate.switch_off_lazily`: what goes DOWN at once, what is
    DEGRADED only if an explanation asks (one walking into a quorum's surviving
    members), and only inside what the explained flows stand on (``within``): the
    states, causes and propagation order their support graph
    (:func:`~pruner.analysis.focus.support_graph`) would give, since nothing outside
    a flow's support is a dependency of anything in it. So an explanation costs the
    services the cut set takes down under those flows, not every service that can
    reach it.
    """
    table = G.graph["flows"]
    limit = explain_limit(len(results))
    explained: dict[tuple[str, int], tuple[Line, ...]] = {}
    if explain:
        users: dict[tuple[str, ...], list[tuple[str, int]]] = {}
        for name in sorted(results):
            for i, cut in enumerate(results[name].cut_sets[:limit]):
                users.setdefault(tuple(cut), []).append((name, i))
        owners: dict = {}  # shared by the evaluations (switch_off's owners)
        # what the explained flows stand on: no propagation needs to leave it
        within = focus(G, {name for shown in users.values() for name, _ in shown})
        for cut, shown in users.items():  # first seen first: deterministic
            ev = switch_off_lazily(G, cut, owners=owners, within=within)
            causes: dict = {}  # one table per evaluation, shared by its explanations
            same: dict = {}  # flows broken by the same items: one explanation
            for name, i in shown:
                explained[name, i] = explain_flow(G, ev, name, causes, same)
    flows = []
    max_order = 0
    for name in sorted(results):
        cuts = results[name]
        max_order = cuts.max_order
        explanations = tuple(explained[name, i]
                             for i in range(min(len(cuts.cut_sets), limit))
                             if (name, i) in explained)
        flows.append(FlowCutsResult(table[name], cuts, explanations))
    return CutsReport(source, max_order, None if among is None else tuple(sorted(among)),
                      tuple(flows),
                      evidence.verdict_warnings(G.graph["manifest"], None, source or "MANIFEST"),
                      limit)


def essential_report(G: nx.DiGraph, result: Essential, *, source: str = "") -> EssentialReport:
    """Wrap an :class:`Essential` result, noting whether its flows are all critical."""
    table = G.graph["flows"]
    manifest = G.graph["manifest"]
    unknown, warnings = evidence.unknown_and_warnings(manifest, result.prunable,
                                                      source or "MANIFEST")
    unknown_set = set(unknown)
    known = tuple(n for n in result.prunable if n not in unknown_set)
    return EssentialReport(source, result, all(table[f].critical for f in result.flows),
                           known, unknown, warnings)


def rank_report(ranking: Ranking, *, source: str = "") -> RankReport:
    """Wrap a :class:`Ranking`."""
    return RankReport(source, ranking)
