"""Business-hours arithmetic for SLA clocks.

An SLA target such as "first response within 8 business hours" is measured on a
:class:`BusinessCalendar`: weekly opening hours in one IANA time zone, minus holidays,
plus extra working days (Russia moves days off and works some Saturdays instead).

Conventions shared by every function here:

* Instants are timezone-aware ``datetime`` objects; a naive datetime raises ``ValueError``
  because an SLA clock cannot guess which zone a bare wall-clock time was meant in.
  Results are aware datetimes in UTC.
* Opening hours are wall-clock times. An interval runs from the first moment the wall
  clock shows its opening time to the first moment it shows its closing time, so on a
  daylight-saving day it has its real length: 00:00-06:00 is 5 hours on a spring-forward
  day and 7 hours on a fall-back day. A time the clock skips (02:30 in Berlin on the last
  Sunday of March) is reached when the gap ends, at 03:00.
* ``add_business_minutes`` lands on the *earliest* instant at which the requested business
  time has elapsed. Work that finishes exactly at closing time is due at closing time
  (Friday 18:00), not at the next opening (Monday 09:00); adding zero minutes returns the
  start unchanged, even when the start is outside working hours. This makes addition
  associative: ``add(add(t, a), b) == add(t, a + b)``.

The arithmetic walks the calendar one day at a time (a day has at most a handful of
working intervals), never minute by minute.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from holidays import country_holidays

__all__ = [
    "CALENDAR_24_7",
    "EVERY_DAY",
    "MAX_CONSECUTIVE_CLOSED_DAYS",
    "MIDNIGHT",
    "MONDAY_TO_FRIDAY",
    "BusinessCalendar",
    "NoWorkingTimeError",
    "PausedSpan",
    "WeeklyHours",
    "WorkingInterval",
    "add_business_minutes",
    "business_minutes_between",
    "business_minutes_between_excluding",
    "deadline",
    "is_open",
    "weekly_hours",
]

MIDNIGHT = time(0)
"""As a :class:`WorkingInterval` end, midnight means the end of the day (24:00)."""

MONDAY_TO_FRIDAY = frozenset(range(5))
EVERY_DAY = frozenset(range(7))

MAX_CONSECUTIVE_CLOSED_DAYS = 3 * 366
"""How many closed days in a row the search accepts before deciding the calendar has no
working time left (a misconfigured calendar must fail loudly, not spin forever)."""

_ONE_MINUTE = timedelta(minutes=1)
_WHOLE_DAY = timedelta(days=1)

PausedSpan: TypeAlias = tuple[datetime, datetime]
"""A span ``(start, end)`` during which the SLA clock was stopped (ticket pending on the
customer)."""


class NoWorkingTimeError(ValueError):
    """The calendar has no working time in which the requested business time could pass."""


@dataclass(frozen=True, slots=True)
class WorkingInterval:
    """Opening hours within one day, ``[start, end)`` in the calendar's wall-clock time.

    ``end == MIDNIGHT`` means the end of the day (24:00), so ``WorkingInterval(MIDNIGHT,
    MIDNIGHT)`` is the whole day. Overnight shifts are two intervals on consecutive days.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError(
                "WorkingInterval takes wall-clock times without tzinfo; "
                "the time zone belongs to the BusinessCalendar"
            )
        if self.start_offset >= self.end_offset:
            raise ValueError(
                f"WorkingInterval must end after it starts (use two intervals for an "
                f"overnight shift): {self.start.isoformat()}-{self.end.isoformat()}"
            )

    @property
    def start_offset(self) -> timedelta:
        """Wall-clock time of the opening, as an offset from the day's midnight."""
        return _offset_from_midnight(self.start)

    @property
    def end_offset(self) -> timedelta:
        """Wall-clock time of the closing, as an offset from the day's midnight (24:00 is 1 day)."""
        return _WHOLE_DAY if self.end == MIDNIGHT else _offset_from_midnight(self.end)


WeeklyHours: TypeAlias = tuple[tuple[WorkingInterval, ...], ...]
"""Working intervals for each weekday, Monday first (index = ``date.weekday()``)."""


def weekly_hours(
    opens: time, closes: time, weekdays: Iterable[int] = MONDAY_TO_FRIDAY
) -> WeeklyHours:
    """The same opening hours on each of ``weekdays`` (0 = Monday), closed on the others.

    ``weekly_hours(MIDNIGHT, MIDNIGHT, EVERY_DAY)`` is round-the-clock.
    """
    open_days = frozenset(weekdays)
    if not open_days <= EVERY_DAY:
        raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), got {sorted(open_days)}")
    interval = WorkingInterval(opens, closes)
    return tuple((interval,) if weekday in open_days else () for weekday in range(7))


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """When the SLA clock runs.

    A date's working intervals are, in order of precedence: none if the date is in
    ``holidays``; ``extra_working_day_hours`` if it is in ``extra_working_days`` (a Saturday
    worked in exchange for a day off); otherwise ``weekly_hours[date.weekday()]``.
    Each day's intervals must be sorted and must not overlap.
    """

    time_zone: str
    weekly_hours: WeeklyHours
    holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    extra_working_day_hours: tuple[WorkingInterval, ...] = ()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {self.time_zone!r}") from error
        if len(self.weekly_hours) != 7:
            raise ValueError(
                f"weekly_hours needs 7 entries (Monday to Sunday), got {len(self.weekly_hours)}"
            )
        for intervals in (*self.weekly_hours, self.extra_working_day_hours):
            _check_sorted_without_overlap(intervals)
        if both := self.holidays & self.extra_working_days:
            raise ValueError(
                f"dates cannot be both holidays and extra working days: {sorted(both)}"
            )
        if self.extra_working_days and not self.extra_working_day_hours:
            raise ValueError("extra_working_days need extra_working_day_hours")
        if not any(self.weekly_hours) and not self.extra_working_days:
            raise NoWorkingTimeError(
                "BusinessCalendar has no working time: every weekday is closed "
                "and there are no extra working days"
            )

    @classmethod
    def for_country(
        cls,
        time_zone: str,
        weekly_hours: WeeklyHours,
        years: Iterable[int],
        country: str = "RU",
        subdivision: str | None = None,
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        extra_working_day_hours: tuple[WorkingInterval, ...] | None = None,
    ) -> BusinessCalendar:
        """A calendar with the public holidays and transferred working days of ``country``.

        Official data comes from the ``holidays`` package for ``years`` only; dates in other
        years follow the plain weekly hours. Its "weekend workdays" (Saturdays worked in
        exchange for a day off) become extra working days. The organisation's own dates win
        over the official ones: a date in ``extra_working_days`` is worked even on a public
        holiday, a date in ``extra_holidays`` is off even if officially transferred.
        Extra working days keep Monday's hours unless ``extra_working_day_hours`` is given,
        because a transferred working day is a full ordinary working day.
        """
        official = country_holidays(country, subdiv=subdivision, years=tuple(years))
        own_holidays = frozenset(extra_holidays)
        own_working_days = frozenset(extra_working_days)
        return cls(
            time_zone=time_zone,
            weekly_hours=weekly_hours,
            holidays=(frozenset(official) | own_holidays) - own_working_days,
            extra_working_days=(frozenset(official.weekend_workdays) | own_working_days)
            - own_holidays,
            extra_working_day_hours=(
                weekly_hours[0] if extra_working_day_hours is None else extra_working_day_hours
            ),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)  # ZoneInfo caches instances per key

    def working_intervals_on(self, day: date) -> tuple[WorkingInterval, ...]:
        """The wall-clock working intervals of ``day`` (a date in the calendar's zone)."""
        if day in self.holidays:
            return ()
        if day in self.extra_working_days:
            return self.extra_working_day_hours
        return self.weekly_hours[day.weekday()]


def _offset_from_midnight(wall_time: time) -> timedelta:
    return timedelta(
        hours=wall_time.hour,
        minutes=wall_time.minute,
        seconds=wall_time.second,
        microseconds=wall_time.microsecond,
    )


def _check_sorted_without_overlap(intervals: tuple[WorkingInterval, ...]) -> None:
    for earlier, later in pairwise(intervals):
        if later.start_offset < earlier.end_offset:
            raise ValueError(
                "working intervals of a day must be sorted and must not overlap: "
                f"{earlier.start}-{earlier.end} then {later.start}-{later.end}"
            )


CALENDAR_24_7 = BusinessCalendar(
    time_zone="UTC", weekly_hours=weekly_hours(MIDNIGHT, MIDNIGHT, EVERY_DAY)
)
"""Calendar time: the clock always runs, so SLA targets "in calendar time" use the same API."""


def add_business_minutes(calendar: BusinessCalendar, start: datetime, minutes: float) -> datetime:
    """The earliest instant at which ``minutes`` of working time have passed since ``start``.

    ``minutes`` must be finite and non-negative; it is resolved to the microsecond.
    Raises :class:`NoWorkingTimeError` if the calendar stays closed for more than
    ``MAX_CONSECUTIVE_CLOSED_DAYS`` days in a row before the time has passed.
    """
    return _add_working_time(calendar, _as_utc(start, "start"), _minutes_to_timedelta(minutes))


def business_minutes_between(calendar: BusinessCalendar, a: datetime, b: datetime) -> float:
    """Working minutes in ``[a, b]``; negative when ``b`` is before ``a``."""
    return _working_time_between(calendar, _as_utc(a, "a"), _as_utc(b, "b")) / _ONE_MINUTE


def business_minutes_between_excluding(
    calendar: BusinessCalendar, a: datetime, b: datetime, paused: Sequence[PausedSpan]
) -> float:
    """Working minutes in ``[a, b]`` during which the SLA clock was not paused.

    Paused spans may overlap each other and may reach outside ``[a, b]``; each working
    minute is subtracted at most once. Negative when ``b`` is before ``a``.
    """
    a_utc, b_utc = _as_utc(a, "a"), _as_utc(b, "b")
    if b_utc < a_utc:
        return -business_minutes_between_excluding(calendar, b, a, paused)
    running = _working_time_between(calendar, a_utc, b_utc)
    for pause_start, pause_end in _merged_pauses(paused, a_utc, b_utc):
        running -= _working_time_between(calendar, pause_start, pause_end)
    return running / _ONE_MINUTE


def deadline(
    calendar: BusinessCalendar,
    start: datetime,
    target_minutes: float,
    paused_spans_so_far: Sequence[PausedSpan] = (),
) -> datetime:
    """When an SLA clock started at ``start`` reaches ``target_minutes`` of working time.

    The clock does not run during ``paused_spans_so_far``. Those spans are closed; while a
    ticket is still pending on the customer the deadline is not known yet, and passing
    ``(pause_start, now)`` gives the deadline if the clock resumes now. The result lands on
    the earliest instant, as with :func:`add_business_minutes`.
    """
    cursor = _as_utc(start, "start")
    remaining = _minutes_to_timedelta(target_minutes)
    for pause_start, pause_end in _merged_pauses(paused_spans_so_far, cursor, None):
        running_until_pause = _working_time_between(calendar, cursor, pause_start)
        if remaining <= running_until_pause:
            break
        remaining -= running_until_pause
        cursor = pause_end
    return _add_working_time(calendar, cursor, remaining)


def is_open(calendar: BusinessCalendar, instant: datetime) -> bool:
    """Whether the SLA clock runs at ``instant`` (the closing instant itself is closed)."""
    moment = _as_utc(instant, "instant")
    return any(
        opens <= moment < closes
        for day in _days_around(calendar, moment, moment)
        for opens, closes in working_spans(calendar, day)
    )


def _add_working_time(calendar: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    if not amount:
        return start
    remaining = amount
    closed_days_in_a_row = 0
    # Start one day early for the same reason as _days_around.
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)
    while closed_days_in_a_row <= MAX_CONSECUTIVE_CLOSED_DAYS:
        spans = working_spans(calendar, day)
        for opens, closes in spans:
            counted_from = max(opens, start)
            if closes <= counted_from:
                continue
            if remaining <= closes - counted_from:
                return counted_from + remaining
            remaining -= closes - counted_from
        closed_days_in_a_row = 0 if spans else closed_days_in_a_row + 1
        day += timedelta(days=1)
    raise NoWorkingTimeError(
        f"no working time in {MAX_CONSECUTIVE_CLOSED_DAYS} consecutive days up to {day} "
        f"({amount / _ONE_MINUTE:g} business minutes from {start.isoformat()} "
        f"still had {remaining / _ONE_MINUTE:g} to go)"
    )


def _working_time_between(calendar: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    if b < a:
        return -_working_time_between(calendar, b, a)
    total = timedelta(0)
    for day in _days_around(calendar, a, b):
        for opens, closes in working_spans(calendar, day):
            total += max(timedelta(0), min(closes, b) - max(opens, a))
    return total


def _days_around(calendar: BusinessCalendar, first: datetime, last: datetime) -> Iterable[date]:
    """Every calendar date whose working spans can overlap ``[first, last]``.

    One day of margin on each side: where a zone falls back across midnight, an instant
    can carry one date on the wall clock while lying inside another date's span.
    """
    zone = calendar.zone
    day = first.astimezone(zone).date() - timedelta(days=1)
    end = last.astimezone(zone).date() + timedelta(days=1)
    while day <= end:
        yield day
        day += timedelta(days=1)


def working_spans(calendar: BusinessCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """The UTC spans ``[opens, closes)`` of ``day``'s working intervals, in order."""
    midnight = datetime.combine(day, MIDNIGHT)
    zone = calendar.zone
    spans = []
    for interval in calendar.working_intervals_on(day):
        opens = _wall_clock_to_utc(midnight + interval.start_offset, zone)
        closes = _wall_clock_to_utc(midnight + interval.end_offset, zone)
        if opens < closes:  # an interval wholly inside a spring-forward gap never shows that day
            spans.append((opens, closes))
    return spans


def _wall_clock_to_utc(wall_time: datetime, zone: ZoneInfo) -> datetime:
    """The earliest instant at which the wall clock in ``zone`` shows ``wall_time`` or later.

    fold=0 picks the first occurrence of a repeated wall time. A wall time inside a
    spring-forward gap never shows; fold=0 would map it past the gap by the offset jump,
    out of order with the times just after the gap, so it maps to the end of the gap.
    """
    instant = wall_time.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall_time:
        return instant
    return _end_of_gap(wall_time, zone)


def _end_of_gap(wall_time: datetime, zone: ZoneInfo) -> datetime:
    """The transition instant of the spring-forward gap that contains ``wall_time``.

    fold=1 reads the gap time with the offset from after the transition, which gives an
    instant before the transition; fold=0 gives one after it. Bisect between the two on
    whole seconds (tzdata transitions fall on whole seconds) for the change of offset.
    """
    after = wall_time.replace(tzinfo=zone, fold=0).astimezone(UTC)
    before = wall_time.replace(tzinfo=zone, fold=1).astimezone(UTC)
    offset_after = after.astimezone(zone).utcoffset()
    low, high = math.floor(before.timestamp()), math.ceil(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset_after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _merged_pauses(
    paused: Sequence[PausedSpan], window_start: datetime, window_end: datetime | None
) -> list[tuple[datetime, datetime]]:
    """Paused spans clipped to the window (open-ended if ``window_end`` is None), sorted,
    with overlapping or touching spans merged so no instant is counted twice."""
    clipped = []
    for index, (pause_start, pause_end) in enumerate(paused):
        start = _as_utc(pause_start, f"paused[{index}] start")
        end = _as_utc(pause_end, f"paused[{index}] end")
        if end < start:
            raise ValueError(
                f"paused[{index}] ends before it starts: {start.isoformat()} > {end.isoformat()}"
            )
        start = max(start, window_start)
        end = end if window_end is None else min(end, window_end)
        if start < end:
            clipped.append((start, end))
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(clipped):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _as_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}; "
            "SLA clocks never guess a time zone"
        )
    return value.astimezone(UTC)


def _minutes_to_timedelta(minutes: float) -> timedelta:
    if not math.isfinite(minutes) or minutes < 0:
        raise ValueError(f"business minutes must be finite and non-negative, got {minutes}")
    return timedelta(minutes=minutes)
