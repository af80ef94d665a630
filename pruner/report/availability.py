"""The report of `pruner availability` (issue 12): each flow's exact availability,
its target, and which service to harden first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pruner.frozen import record
from pruner.report.figures import nines, percent

if TYPE_CHECKING:  # annotations only: rendering a report loads no engine (start-up)
    from pruner.analysis.availability import FlowAvailability

__all__ = ["AvailabilityReport", "availability_report", "nines", "percent"]


@record(slots=False)
class AvailabilityReport:
    """The outcome of ``pruner availability``: flows by name."""

    source: str
    flows: tuple[FlowAvailability, ...]

    @property
    def missed(self) -> tuple[FlowAvailability, ...]:
        """Critical flows below their target: these fail the gate."""
        return tuple(f for f in self.flows if f.critical and f.meets_target is False)

    @property
    def passed(self) -> bool:
        return not self.missed


def availability_report(results: dict[str, FlowAvailability], *,
                        source: str = "") -> AvailabilityReport:
    """Wrap the results of :func:`~pruner.analysis.availability.flow_availability`."""
    return AvailabilityReport(source, tuple(results[name] for name in sorted(results)))
