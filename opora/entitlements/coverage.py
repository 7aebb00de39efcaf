"""Coverage date maths: when a support plan's term ends, and whether a day falls inside it.

Pure and typed (no Django): the services feed it plain dates and the rules of each plan.

Conventions, stated once because support and finance both read them:
- A term starts on its start date (usually the purchase date) and that day counts as day 1. A
  90-day plan bought on 1 March covers 1 March … 29 May (day 90); 30 May (day 91) is not covered.
- Month and year terms run to the same day of the month n months later, exclusive. Where that
  day does not exist (29 February in a common year, 31 April) the term runs to the end of the
  month before the missing day: a 1-year warranty bought on 29 Feb 2024 covers up to and including
  28 Feb 2025, one bought on 1 Mar 2023 up to and including 29 Feb 2024.
- Dates are local dates in the customer's time zone, and "today" is taken in that zone too: a
  check at 23:30 UTC is already the next day in Asia/Novosibirsk (UTC+7).
"""

import calendar
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


class TermUnit(enum.StrEnum):
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"


@dataclass(frozen=True)
class Term:
    unit: TermUnit
    length: int

    def __post_init__(self) -> None:
        if self.length < 1:
            raise ValueError("a term lasts at least one unit")


def _add_months_exclusive(start: date, months: int) -> date:
    """The first day no longer covered by a term of `months` months from `start`."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if start.day <= last_day:
        return date(year, month, start.day)
    # The same day does not exist in that month: the term ends with the month.
    return date(year, month, last_day) + timedelta(days=1)


def last_covered_day(start: date, term: Term) -> date:
    """The last day (inclusive) a term starting on `start` covers."""
    if term.unit == TermUnit.DAYS:
        return start + timedelta(days=term.length - 1)
    months = term.length * (12 if term.unit == TermUnit.YEARS else 1)
    return _add_months_exclusive(start, months) - timedelta(days=1)


def local_today(now: datetime, time_zone: str) -> date:
    """Today's date where the customer is; `now` must be time-zone aware."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    return now.astimezone(ZoneInfo(time_zone)).date()


@dataclass(frozen=True)
class Window:
    """One plan's coverage of one asset: covered from `starts` to `ends` inclusive."""

    plan: str
    starts: date
    ends: date

    def covers(self, day: date) -> bool:
        return self.starts <= day <= self.ends


def window(plan: str, start: date, term: Term) -> Window:
    return Window(plan=plan, starts=start, ends=last_covered_day(start, term))


class Verdict(enum.StrEnum):
    COVERED = "covered"
    EXPIRED = "expired"
    NOT_STARTED = "not_started"
    NO_PLAN = "no_plan"


@dataclass(frozen=True)
class Coverage:
    verdict: Verdict
    # Covered: the latest day any current window reaches, and that window's plan.
    # Expired: when and by what the last coverage ended. Not started: the earliest start.
    until: date | None
    by: str
    days_left: int | None

    @property
    def covered(self) -> bool:
        return self.verdict == Verdict.COVERED


def evaluate(windows: Iterable[Window], today: date) -> Coverage:
    """Whether `today` is covered by any window, and until when (the longest current one)."""
    windows = list(windows)
    if not windows:
        return Coverage(Verdict.NO_PLAN, None, "", None)
    current = [w for w in windows if w.covers(today)]
    if current:
        best = max(current, key=lambda w: (w.ends, w.plan))
        return Coverage(Verdict.COVERED, best.ends, best.plan, (best.ends - today).days)
    past = [w for w in windows if w.ends < today]
    if past:
        last = max(past, key=lambda w: (w.ends, w.plan))
        return Coverage(Verdict.EXPIRED, last.ends, last.plan, None)
    first = min(windows, key=lambda w: (w.starts, w.plan))
    return Coverage(Verdict.NOT_STARTED, first.starts, first.plan, None)
