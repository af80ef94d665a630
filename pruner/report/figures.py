"""Availability as figures a person reads: nines and percentages (no dataclass, no
engine: a renderer that only formats numbers imports this alone, for start-up)."""

from __future__ import annotations

import math

__all__ = ["nines", "percent"]


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
