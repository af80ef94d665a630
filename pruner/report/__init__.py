"""Reports: everything a renderer needs, computed once, as plain frozen data.

One module per command's report; renderers (:mod:`pruner.render`) only format them.
The names below are loaded on first use (PEP 562), so a command imports only the
report modules it needs: ``pruner check`` does not pay for the diff or drift ones.
"""

from __future__ import annotations

from importlib import import_module

# report module under pruner.report -> the names it exports here.
_EXPORTS = {
    "bootstrap": ("BootstrapReport", "bootstrap_report"),
    "check": ("STATE_ORDER", "CheckReport", "FlowResult", "ServiceResult", "ValidateReport",
              "check_report", "validate_report"),
    "cuts": ("EXPLAIN_BUDGET", "EXPLAIN_LIMIT", "CutsReport", "EssentialReport",
             "FlowCutsResult", "RankReport", "cuts_report", "essential_report",
             "explain_limit", "rank_report"),
    "diff": ("DiffReport", "FlowDiff", "diff_report"),
    "drift": ("DriftReport", "drift_report"),
    "availability": ("AvailabilityReport", "availability_report"),
    "rpc": ("RPC_FAIL_ON", "FlowRpc", "RpcReport", "rpc_report"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pruner.report' has no attribute {name!r}")
    value = getattr(import_module(f"pruner.report.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
