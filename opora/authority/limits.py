"""The authority-limit check: may this person grant this much, this many times this period?

Pure and typed (no Django): the service counts the grants already made in the period under a
row lock and hands the figures here; the answer is the same on every database and is tested
with hypothesis.

* Amount: a grant of exactly the limit is allowed; one kopeck more is not.
* Count: with ``max_count`` grants already made in the period the next one is refused; the
  period is the calendar day, week (Monday 00:00) or month in the policy's time zone, so the
  count starts again at the boundary.
* No policy, or a policy in another currency, means no authority of one's own: the grant
  becomes an approval request.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

__all__ = ["Decision", "Limit", "Outcome", "Period", "check", "period_bounds"]


class Period(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Outcome(enum.StrEnum):
    ALLOWED = "allowed"
    NO_AUTHORITY = "no_authority"
    CURRENCY = "other_currency"
    AMOUNT = "over_amount"
    COUNT = "count_reached"


@dataclass(frozen=True, slots=True)
class Limit:
    max_amount: Decimal
    currency: str
    period: Period
    max_count: int | None = None  # None: no count limit


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    limit: Limit | None
    used: int

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED


def check(limit: Limit | None, amount: Decimal, currency: str, used: int) -> Decision:
    """Whether a grant of ``amount`` fits ``limit`` when ``used`` grants were already made in
    the current period. ``amount`` must be positive and ``used`` non-negative."""
    if amount <= 0:
        raise ValueError(f"amount must be positive, got {amount}")
    if used < 0:
        raise ValueError(f"used must not be negative, got {used}")
    if limit is None:
        outcome = Outcome.NO_AUTHORITY
    elif limit.currency != currency:
        outcome = Outcome.CURRENCY
    elif amount > limit.max_amount:
        outcome = Outcome.AMOUNT
    elif limit.max_count is not None and used >= limit.max_count:
        outcome = Outcome.COUNT
    else:
        outcome = Outcome.ALLOWED
    return Decision(outcome, limit, used)


def period_bounds(moment: datetime, period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The calendar period containing ``moment`` (aware), as [start, end) in ``zone``."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    local = moment.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period is Period.DAY:
        start, end = midnight, midnight + timedelta(days=1)
    elif period is Period.WEEK:
        start = midnight - timedelta(days=local.weekday())
        end = start + timedelta(days=7)
    else:
        start = midnight.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    # Re-anchor in the zone: across a DST change the wall-clock midnight keeps its own offset.
    return (
        start.replace(tzinfo=None).replace(tzinfo=zone),
        end.replace(tzinfo=None).replace(tzinfo=zone),
    )
