"""Pure arithmetic behind the analytics reports: percentiles, period comparison and the
before/after estimate of contacts an improvement avoided. No Django imports: the SQLite
percentile aggregate and the reports both call these, and hypothesis tests them alone."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "Change",
    "Impact",
    "compare",
    "contacts_avoided",
    "per_thousand",
    "percentile_cont",
    "previous_period",
    "ratio_percent",
]


def percentile_cont(sorted_values: Sequence[float], fraction: float) -> float | None:
    """The continuous percentile of already sorted values, as PostgreSQL's ``percentile_cont``.

    Linear interpolation between the two values around position ``fraction × (n − 1)``;
    ``None`` for no values (a report shows "no data", not 0)."""
    if not 0.0 <= fraction <= 1.0 or math.isnan(fraction):
        raise ValueError(f"percentile fraction {fraction!r} is outside 0..1")
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    below = math.floor(position)
    above = min(below + 1, len(sorted_values) - 1)
    weight = position - below
    low, high = float(sorted_values[below]), float(sorted_values[above])
    if not weight or low == high:
        return low
    # PostgreSQL's formula; rounding must not carry it outside [low, high].
    return min(max(low + (high - low) * weight, low), high)


def ratio_percent(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``; ``None`` when there is nothing to divide."""
    if part < 0 or whole < 0 or part > whole:
        raise ValueError(f"{part} of {whole} is not a share")
    return None if whole == 0 else part * 100.0 / whole


def per_thousand(count: int, population: int) -> float | None:
    """Contacts per 1,000 customers."""
    if count < 0 or population < 0:
        raise ValueError("counts cannot be negative")
    return None if population == 0 else count * 1000.0 / population


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length ending the day before ``start`` (days inclusive)."""
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Change:
    """A figure now and in the previous period, with the difference both ways."""

    current: float | None
    previous: float | None
    delta: float | None
    percent: float | None  # relative change; None when the previous figure is 0 or missing


def compare(current: float | None, previous: float | None) -> Change:
    if current is None or previous is None:
        return Change(current, previous, None, None)
    delta = current - previous
    percent = None if previous == 0 else delta * 100.0 / abs(previous)
    return Change(current, previous, delta, percent)


@dataclass(frozen=True, slots=True)
class Impact:
    """Contacts before and after an improvement, as daily rates, and the contacts avoided:
    what the after-period would have had at the before-rate, minus what it had."""

    before_per_day: float | None
    after_per_day: float | None
    avoided: float | None


def contacts_avoided(before: int, before_days: int, after: int, after_days: int) -> Impact:
    if min(before, before_days, after, after_days) < 0:
        raise ValueError("counts and lengths cannot be negative")
    before_rate = before / before_days if before_days else None
    after_rate = after / after_days if after_days else None
    if before_rate is None or after_rate is None:
        return Impact(before_rate, after_rate, None)
    return Impact(before_rate, after_rate, before_rate * after_days - after)
