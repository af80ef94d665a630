"""Reports: everything a renderer needs, computed once, as plain frozen data.

One module per command's report; renderers (:mod:`pruner.render`) only format them.
"""

from pruner.report.bootstrap import BootstrapReport, bootstrap_report
from pruner.report.check import (
    STATE_ORDER,
    CheckReport,
    FlowResult,
    ServiceResult,
    ValidateReport,
    check_report,
    validate_report,
)
from pruner.report.cuts import (
    EXPLAIN_LIMIT,
    CutsReport,
    EssentialReport,
    FlowCutsResult,
    RankReport,
    cuts_report,
    essential_report,
    rank_report,
)
from pruner.report.diff import DiffReport, FlowDiff, diff_report
from pruner.report.drift import DriftReport, drift_report

__all__ = [
    "BootstrapReport",
    "bootstrap_report",
    "EXPLAIN_LIMIT",
    "CutsReport",
    "EssentialReport",
    "FlowCutsResult",
    "RankReport",
    "cuts_report",
    "essential_report",
    "rank_report",
    "DiffReport",
    "FlowDiff",
    "diff_report",
    "DriftReport",
    "drift_report",
    "STATE_ORDER",
    "CheckReport",
    "FlowResult",
    "ServiceResult",
    "ValidateReport",
    "check_report",
    "validate_report",
]
