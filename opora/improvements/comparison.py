"""Before and after an improvement: contact volume and CSAT over two equal windows.

Pure and typed (no Django). The windows are [done - d, done) and [done, done + d); when less
than the chosen window has passed since completion, both shrink to the time that has passed,
so the two sides always cover the same number of days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from opora.feedback.metrics import CsatResult, csat_from_counts

__all__ = ["Comparison", "Window", "WindowFigures", "compare", "windows"]


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime  # exclusive

    @property
    def days(self) -> float:
        return (self.end - self.start) / timedelta(days=1)


def windows(completed_at: datetime, now: datetime, days: int) -> tuple[Window, Window]:
    """The equal windows either side of ``completed_at``; empty ones before it has passed."""
    if days <= 0:
        raise ValueError("the window must be at least one day")
    length = max(timedelta(0), min(timedelta(days=days), now - completed_at))
    return (
        Window(completed_at - length, completed_at),
        Window(completed_at, completed_at + length),
    )


@dataclass(frozen=True, slots=True)
class WindowFigures:
    contacts: int
    csat_counts: Mapping[int, int]  # CSAT score -> responses


@dataclass(frozen=True, slots=True)
class Comparison:
    contacts_before: int
    contacts_after: int
    contacts_change: int  # after - before: negative means fewer contacts
    contacts_change_percent: float | None  # None when there were none before
    csat_before: CsatResult
    csat_after: CsatResult
    csat_change_points: float | None  # percentage points; None when a side has no responses

    @property
    def contacts_avoided(self) -> int:
        return max(0, -self.contacts_change)


def compare(before: WindowFigures, after: WindowFigures) -> Comparison:
    if before.contacts < 0 or after.contacts < 0:
        raise ValueError("contact counts cannot be negative")
    change = after.contacts - before.contacts
    csat_before = csat_from_counts(before.csat_counts)
    csat_after = csat_from_counts(after.csat_counts)
    points = (
        round(csat_after.csat_percent - csat_before.csat_percent, 2)
        if csat_before.csat_percent is not None and csat_after.csat_percent is not None
        else None
    )
    return Comparison(
        contacts_before=before.contacts,
        contacts_after=after.contacts,
        contacts_change=change,
        contacts_change_percent=round(100.0 * change / before.contacts, 2)
        if before.contacts
        else None,
        csat_before=csat_before,
        csat_after=csat_after,
        csat_change_points=points,
    )
