"""The report of ``pruner rpc``: per flow (or root operation) the RPC fan-out, the
critical path and the batching candidates, judged against the flows' budgets."""

from __future__ import annotations

from pruner.analysis.rpc import RootProfile, RpcAccumulator, flow_roots
from pruner.errors import Location
from pruner.frozen import record

__all__ = ["RPC_FAIL_ON", "FlowRpc", "RpcReport", "rpc_report"]

RPC_FAIL_ON = ("never", "over-budget")


@record(slots=False)
class FlowRpc:
    """One flow of the manifest (``flow`` true) or one root operation no flow requires.

    ``over`` lists what the p99 exceeds: ``"rpcs"`` (more RPCs per request than
    ``rpc_budget``) and ``"latency"`` (slower than ``latency_budget_ms``).
    """

    name: str
    profile: RootProfile
    flow: bool = False
    critical: bool = False
    rpc_budget: int | None = None
    latency_budget_ms: float | None = None
    over: tuple[str, ...] = ()
    location: Location | None = None

    @property
    def fails(self) -> bool:
        """Over budget on a critical flow: what ``--fail-on over-budget`` fails on."""
        return bool(self.over) and self.flow and self.critical


@record(slots=False)
class RpcReport:
    """Everything the ``rpc`` renderers show.

    ``entries`` are sorted by name; ``unseen`` names the flows with a budget that no
    trace reached, ``untraced`` the critical ones among them (budgets not checked: they
    fail the gate, fail closed, when ``require_traces``); ``warnings`` what was wrong
    with the input (each naming the file and trace), ``more_warnings`` how many more were
    not kept.
    """

    entries: tuple[FlowRpc, ...]
    sources: tuple[str, ...]
    files: int
    spans: int
    traces: int
    min_calls: int
    manifest: str | None = None
    unseen: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    more_warnings: int = 0
    fail_on: str = "never"
    untraced: tuple[str, ...] = ()
    require_traces: bool = False
    untraced_at: tuple[Location | None, ...] = ()  # where each of ``untraced`` is defined

    @property
    def failing(self) -> tuple[FlowRpc, ...]:
        return tuple(e for e in self.entries if e.fails)

    @property
    def failing_untraced(self) -> tuple[str, ...]:
        """Critical flows whose budgets no trace reached, failing the gate (fail closed)
        under ``require_traces``: a budget that could not be checked is not met."""
        if self.fail_on == "never" or not self.require_traces:
            return ()
        return self.untraced

    @property
    def passed(self) -> bool:
        """Whether the gate holds (always under ``--fail-on never``)."""
        return self.fail_on == "never" or not (self.failing or self.failing_untraced)


def rpc_report(acc: RpcAccumulator, *, manifest=None, manifest_path: str | None = None,
               sources: tuple[str, ...] = (), files: int = 0, fail_on: str = "never",
               notes: tuple[str, ...] = (), require_traces: bool = False) -> RpcReport:
    """Summarise ``acc`` per root operation, or with ``manifest`` per flow that requires
    a root (roots no flow requires stay under their own ``S:O``), and judge budgets.

    >>> from pruner.analysis.discover import Span, SERVER
    >>> from pruner.analysis.rpc import rpc_profile
    >>> acc = rpc_profile([[Span("t", "r", None, "web", "home", SERVER, 0, end=10**6)]])
    >>> [e.name for e in rpc_report(acc).entries]
    ['web:home']
    """
    entries: list[FlowRpc] = []
    unseen: list[str] = []
    untraced: list[str] = []
    if manifest is None:
        entries = [FlowRpc(name, p) for name, p in acc.profiles().items()]
    else:
        buckets = flow_roots(manifest, acc.roots)
        claimed = {r for roots in buckets.values() for r in roots}
        for name, p in acc.profiles(buckets).items():
            flow = manifest.flows[name]
            over = []
            if flow.rpc_budget is not None and p.rpcs.p99 > flow.rpc_budget:
                over.append("rpcs")
            if flow.latency_budget_ms is not None and p.latency_ms.p99 > flow.latency_budget_ms:
                over.append("latency")
            entries.append(FlowRpc(name, p, True, flow.critical, flow.rpc_budget,
                                   flow.latency_budget_ms, tuple(over), flow.location))
        for name, p in acc.profiles({r: (r,) for r in acc.roots if r not in claimed}).items():
            if name not in manifest.flows:
                entries.append(FlowRpc(name, p))
        unseen = [n for n, f in sorted(manifest.flows.items()) if n not in buckets and (
            f.rpc_budget is not None or f.latency_budget_ms is not None)]
        untraced = [n for n in unseen if manifest.flows[n].critical]
    entries.sort(key=lambda e: e.name)
    warnings = (*notes, *acc.warnings)
    return RpcReport(tuple(entries), tuple(sources), files, acc.spans, acc.traces,
                     acc.min_calls, manifest_path, tuple(unseen), warnings,
                     acc.more_warnings, fail_on, tuple(untraced), require_traces,
                     tuple(manifest.flows[n].location for n in untraced))
