"""The report of `pruner availability` (issue 12): each flow's exact availability,
its target, and which service to harden first."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pruner.analysis.availability import FlowAvailability

__all__ = ["AvailabilityReport", "availability_report", "nines", "percent"]


@dataclass(frozen=True)
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


def nines(availability: float) -> float:
    """How many nines: ``-log10(1 - availability)`` (``inf`` when it never fails).

    >>> round(nines(0.999), 6), nines(1.0)
    (3.0, inf)
    """
    u = 1.0 - availability
    return math.inf if u <= 0.0 else -math.log10(u)


def percent(availability: float) -> str:
    """The availability as a percentage with two significant digits of downtime.

    >>> percent(0.99880021), percent(0.5), percent(1.0), percent(0.9999999)
    ('99.88%', '50.00%', '100%', '99.999990%')
    """
    u = float(f"{1.0 - availability:.6g}")
    if u <= 0.0:
        return "100%"
    decimals = max(2, -1 - math.floor(math.log10(u)))
    return f"{100 * availability:.{min(decimals, 12)}f}%"
