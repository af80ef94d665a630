"""The reports of `pruner cuts`, `pruner essential` and `pruner rank` (issue 3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pruner.analysis import evidence
from pruner.analysis.cuts import FlowCuts
from pruner.analysis.essential import Essential
from pruner.analysis.evaluate import switch_off
from pruner.analysis.explain import Line, explain_flow
from pruner.analysis.focus import support_graph
from pruner.analysis.rank import Ranking
from pruner.model import Flow

if TYPE_CHECKING:  # annotations only: commands start without networkx
    import networkx as nx

__all__ = [
    "EXPLAIN_LIMIT",
    "FlowCutsResult",
    "CutsReport",
    "EssentialReport",
    "RankReport",
    "cuts_report",
    "essential_report",
    "rank_report",
]

EXPLAIN_LIMIT = 20  # cut sets explained per flow; explaining is one evaluation each


@dataclass(frozen=True)
class FlowCutsResult:
    """A flow's minimal cut sets, the first ``EXPLAIN_LIMIT`` with their explanation."""

    flow: Flow
    cuts: FlowCuts
    explanations: tuple[tuple[Line, ...], ...]

    @property
    def name(self) -> str:
        return self.flow.name


@dataclass(frozen=True)
class CutsReport:
    """The outcome of ``pruner cuts``: flows by name."""

    source: str
    max_order: int
    among: tuple[str, ...] | None
    flows: tuple[FlowCutsResult, ...]
    #: services a cut set search treats like any other though nothing is known about
    #: who uses them (pruner.analysis.evidence.verdict_warnings)
    warnings: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return all(f.cuts.complete for f in self.flows)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class RankReport:
    """The outcome of ``pruner rank``."""

    source: str
    ranking: Ranking


def cuts_report(G: nx.DiGraph, results: dict[str, FlowCuts], *, source: str = "",
                among=None, explain: bool = True) -> CutsReport:
    """Assemble the cuts report; ``explain`` adds why each of the first cut sets
    breaks its flow (text output only needs it).

    Each explanation evaluates the cut set on the part of the graph its flow stands
    on (:func:`~pruner.analysis.focus.support_graph`, built once per flow): a
    service's state depends only on what it stands on, so the explanation is the one
    a full evaluation gives, at the cost of the services between the flow and the
    cut set, not of the whole manifest (a hub's thousands of dependants elsewhere
    are never looked at).
    """
    table = G.graph["flows"]
    flows = []
    max_order = 0
    position = None
    for name in sorted(results):
        cuts = results[name]
        max_order = cuts.max_order
        explanations = ()
        if explain and cuts.cut_sets:
            if position is None:
                position = {n: i for i, n in enumerate(G)}
            H = support_graph(G, [name], position)
            explanations = tuple(
                explain_flow(H, switch_off(H, c), name) for c in cuts.cut_sets[:EXPLAIN_LIMIT]
            )
        flows.append(FlowCutsResult(table[name], cuts, explanations))
    return CutsReport(source, max_order, None if among is None else tuple(sorted(among)),
                      tuple(flows),
                      evidence.verdict_warnings(G.graph["manifest"], None, source or "MANIFEST"))


def essential_report(G: nx.DiGraph, result: Essential, *, source: str = "") -> EssentialReport:
    """Wrap an :class:`Essential` result, noting whether its flows are all critical."""
    table = G.graph["flows"]
    manifest = G.graph["manifest"]
    unknown = evidence.unknown(manifest, result.prunable)
    known = tuple(n for n in result.prunable if n not in set(unknown))
    return EssentialReport(source, result, all(table[f].critical for f in result.flows),
                           known, unknown,
                           evidence.verdict_warnings(manifest, result.prunable,
                                                     source or "MANIFEST"))


def rank_report(ranking: Ranking, *, source: str = "") -> RankReport:
    """Wrap a :class:`Ranking`."""
    return RankReport(source, ranking)
