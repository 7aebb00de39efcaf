"""Tests for SLA business-hours arithmetic (opora.sla.clock)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from time import perf_counter
from zoneinfo import ZoneInfo

import pytest
from holidays import country_holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from opora.sla.clock import (
    CALENDAR_24_7,
    EVERY_DAY,
    MIDNIGHT,
    BusinessCalendar,
    NoWorkingTimeError,
    WorkingInterval,
    add_business_minutes,
    business_minutes_between,
    business_minutes_between_excluding,
    deadline,
    is_open,
    weekly_hours,
)

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

OFFICE_HOURS = weekly_hours(time(9), time(18))  # Monday to Friday, 09:00-18:00
MOSCOW_OFFICE = BusinessCalendar("Europe/Moscow", OFFICE_HOURS)
MOSCOW_OFFICE_RU_HOLIDAYS = BusinessCalendar.for_country(
    "Europe/Moscow", OFFICE_HOURS, years=[2024, 2025, 2026]
)
ONE_MICROSECOND = timedelta(microseconds=1)


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


# --- Scenarios -------------------------------------------------------------------------


def test_response_due_friday_after_working_hours_lands_monday_morning() -> None:
    # Calendar: Europe/Moscow, Mon-Fri 09:00-18:00, RU public holidays (none on 14-17 March 2025).
    ticket_created = at(MOSCOW, 2025, 3, 14, 19, 30)  # Friday evening, office closed
    due = add_business_minutes(MOSCOW_OFFICE_RU_HOLIDAYS, ticket_created, 60)
    assert due == at(MOSCOW, 2025, 3, 17, 10, 0)  # Monday, an hour after opening
    assert due.tzinfo is UTC


def test_work_finishing_at_closing_time_is_due_at_closing_time() -> None:
    # Calendar: Europe/Moscow, Mon-Fri 09:00-18:00, no holidays.
    # Results land on the earliest instant: Friday 18:00, not Monday 09:00.
    due = add_business_minutes(MOSCOW_OFFICE, at(MOSCOW, 2025, 3, 14, 17, 0), 60)
    assert due == at(MOSCOW, 2025, 3, 14, 18, 0)
    assert not is_open(MOSCOW_OFFICE, due)
    assert add_business_minutes(MOSCOW_OFFICE, due, 1) == at(MOSCOW, 2025, 3, 17, 9, 1)


def test_new_year_holidays_skip_to_january_9() -> None:
    # Calendar: Europe/Moscow, Mon-Fri 09:00-18:00, RU public holidays for 2024-2025 from the
    # holidays package: Saturday 28 Dec 2024 is a transferred working day, 30 Dec 2024 to
    # 8 Jan 2025 are all days off, Thursday 9 Jan 2025 is the first working day of the year.
    official = country_holidays("RU", years=[2024, 2025])
    days_off = [date(2024, 12, 30) + timedelta(days=n) for n in range(10)]
    assert days_off[-1] == date(2025, 1, 8)
    assert all(day in official for day in days_off)
    assert date(2024, 12, 28) in official.weekend_workdays
    assert date(2025, 1, 9) not in official
    assert set(days_off) <= MOSCOW_OFFICE_RU_HOLIDAYS.holidays

    ticket_created = at(MOSCOW, 2024, 12, 28, 17, 30)  # the working Saturday, 30 min left
    due = add_business_minutes(MOSCOW_OFFICE_RU_HOLIDAYS, ticket_created, 120)
    assert due == at(MOSCOW, 2025, 1, 9, 10, 30)
    assert business_minutes_between(MOSCOW_OFFICE_RU_HOLIDAYS, ticket_created, due) == 120


def test_transferred_working_saturday_counts_and_november_holidays_do_not() -> None:
    # Calendar: Europe/Moscow, Mon-Fri 09:00-18:00, RU public holidays for 2025: Saturday
    # 1 Nov 2025 is worked in exchange for Monday 3 Nov; Tuesday 4 Nov is Unity Day.
    official = country_holidays("RU", years=2025)
    assert date(2025, 11, 1) in official.weekend_workdays
    assert date(2025, 11, 3) in official and date(2025, 11, 4) in official

    friday_late = at(MOSCOW, 2025, 10, 31, 17, 0)
    assert add_business_minutes(MOSCOW_OFFICE_RU_HOLIDAYS, friday_late, 120) == at(
        MOSCOW, 2025, 11, 1, 10, 0
    )
    saturday_late = at(MOSCOW, 2025, 11, 1, 17, 0)
    assert add_business_minutes(MOSCOW_OFFICE_RU_HOLIDAYS, saturday_late, 120) == at(
        MOSCOW, 2025, 11, 5, 10, 0
    )


def test_organisation_dates_override_official_ones() -> None:
    # Calendar: Europe/Moscow, Mon-Fri 09:00-18:00, RU holidays 2025, but the organisation
    # works on Russia Day (Thursday 12 June) and stays closed on the working Saturday 1 Nov.
    calendar = BusinessCalendar.for_country(
        "Europe/Moscow",
        OFFICE_HOURS,
        years=[2025],
        extra_holidays=[date(2025, 11, 1)],
        extra_working_days=[date(2025, 6, 12)],
    )
    assert is_open(calendar, at(MOSCOW, 2025, 6, 12, 12))
    assert not is_open(calendar, at(MOSCOW, 2025, 11, 1, 12))
    assert calendar.working_intervals_on(date(2025, 6, 12)) == OFFICE_HOURS[0]


def test_default_promise_of_24_hours_is_calendar_time_across_dst() -> None:
    # Calendar: CALENDAR_24_7 (calendar time). The night Berlin springs forward is one
    # hour short on the wall clock, so 24 real hours later reads 13:00, not 12:00.
    received = at(BERLIN, 2025, 3, 29, 12, 0)
    due = add_business_minutes(CALENDAR_24_7, received, 24 * 60)
    # Adding a timedelta to a Berlin datetime is wall-clock arithmetic in Python; real
    # elapsed time is arithmetic in UTC.
    assert due == received.astimezone(UTC) + timedelta(hours=24)
    assert due.astimezone(BERLIN).hour == 13


def test_office_hours_across_the_spring_forward_weekend() -> None:
    # Calendar: Europe/Berlin, Mon-Fri 09:00-18:00. Clocks go forward on Sunday 30 March
    # 2025; Friday is UTC+1 and Monday UTC+2, and both keep their 09:00-18:00 wall hours.
    calendar = BusinessCalendar("Europe/Berlin", OFFICE_HOURS)
    due = add_business_minutes(calendar, at(BERLIN, 2025, 3, 28, 17, 0), 120)
    assert due == at(BERLIN, 2025, 3, 31, 10, 0)
    assert due == datetime(2025, 3, 31, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sunday", "real_hours"),
    [(date(2025, 3, 9), 5), (date(2025, 3, 16), 6), (date(2025, 11, 2), 7)],
    ids=["spring-forward", "ordinary", "fall-back"],
)
def test_night_shift_on_dst_sunday_has_its_real_length(sunday: date, real_hours: int) -> None:
    # Calendar: America/New_York, Sundays 00:00-06:00 only; clocks change at 02:00.
    calendar = BusinessCalendar("America/New_York", weekly_hours(MIDNIGHT, time(6), [6]))
    shift_start = datetime.combine(sunday, MIDNIGHT, NEW_YORK)
    shift_end = datetime.combine(sunday, time(6), NEW_YORK)
    assert business_minutes_between(calendar, shift_start, shift_end) == real_hours * 60
    assert add_business_minutes(calendar, shift_start, real_hours * 60) == shift_end


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2025, 3, 30), 23), (date(2025, 3, 31), 24), (date(2025, 10, 26), 25)]
)
def test_round_the_clock_in_berlin_counts_real_hours(day: date, hours: int) -> None:
    # Calendar: Europe/Berlin, every day 00:00-24:00.
    calendar = BusinessCalendar("Europe/Berlin", weekly_hours(MIDNIGHT, MIDNIGHT, EVERY_DAY))
    start = datetime.combine(day, MIDNIGHT, BERLIN)
    end = datetime.combine(day + timedelta(days=1), MIDNIGHT, BERLIN)
    assert business_minutes_between(calendar, start, end) == hours * 60


def test_opening_time_skipped_by_spring_forward_opens_when_the_gap_ends() -> None:
    # Calendar: Europe/Berlin, every day 02:30-05:00. On 30 March 2025 the clock jumps
    # from 02:00 to 03:00, so that day's shift opens at 03:00 and lasts two hours.
    calendar = BusinessCalendar("Europe/Berlin", weekly_hours(time(2, 30), time(5), EVERY_DAY))
    day_start = at(BERLIN, 2025, 3, 30)
    assert business_minutes_between(calendar, day_start, at(BERLIN, 2025, 3, 31)) == 120
    assert add_business_minutes(calendar, day_start, 1) == at(BERLIN, 2025, 3, 30, 3, 1)
    assert is_open(calendar, at(BERLIN, 2025, 3, 30, 3, 0))


def test_pending_customer_pauses_the_resolution_clock() -> None:
    # Calendar: Europe/Moscow, Mon-Fri 09:00-18:00, no holidays.
    # Opened Monday 10:00 with a 4-hour target, pending on the customer 11:00-15:00:
    # 1 hour before the pause and 3 hours after it use the target up at 18:00.
    opened = at(MOSCOW, 2025, 3, 17, 10, 0)
    pending = [(at(MOSCOW, 2025, 3, 17, 11, 0), at(MOSCOW, 2025, 3, 17, 15, 0))]
    due = deadline(MOSCOW_OFFICE, opened, 240, pending)
    assert due == at(MOSCOW, 2025, 3, 17, 18, 0)
    assert business_minutes_between_excluding(MOSCOW_OFFICE, opened, due, pending) == 240
    assert deadline(MOSCOW_OFFICE, opened, 240) == at(MOSCOW, 2025, 3, 17, 14, 0)


def test_overlapping_pauses_are_subtracted_once() -> None:
    # Calendar: Europe/Moscow, Mon-Fri 09:00-18:00, no holidays.
    # Two overlapping pending spans cover 11:00-13:00 on Monday: 120 working minutes.
    opened = at(MOSCOW, 2025, 3, 17, 9, 0)
    pending = [
        (at(MOSCOW, 2025, 3, 17, 11, 0), at(MOSCOW, 2025, 3, 17, 12, 30)),
        (at(MOSCOW, 2025, 3, 17, 12, 0), at(MOSCOW, 2025, 3, 17, 13, 0)),
    ]
    closed = at(MOSCOW, 2025, 3, 17, 18, 0)
    assert business_minutes_between_excluding(MOSCOW_OFFICE, opened, closed, pending) == 540 - 120


def test_pause_outside_working_hours_changes_nothing() -> None:
    # Calendar: Europe/Moscow, Mon-Fri 09:00-18:00, no holidays.
    # Pending from Friday 19:00 to Monday 09:00, while the office was closed anyway.
    opened = at(MOSCOW, 2025, 3, 14, 17, 0)
    weekend = [(at(MOSCOW, 2025, 3, 14, 19, 0), at(MOSCOW, 2025, 3, 17, 9, 0))]
    assert deadline(MOSCOW_OFFICE, opened, 120, weekend) == at(MOSCOW, 2025, 3, 17, 10, 0)


def test_ten_thousand_business_minutes_take_no_minute_by_minute_walk() -> None:
    # Calendar: Europe/Moscow, Mon-Fri 09:00-18:00 (540 min/day), no holidays.
    # 10,000 = 18 full days (3 weeks and 3 days) + 280 minutes.
    started = perf_counter()
    due = add_business_minutes(MOSCOW_OFFICE, at(MOSCOW, 2025, 3, 3, 9, 0), 10_000)
    elapsed = perf_counter() - started
    assert due == at(MOSCOW, 2025, 3, 27, 13, 40)
    assert elapsed < 0.5


# --- Errors ----------------------------------------------------------------------------

NAIVE = datetime(2025, 3, 17, 10, 0)  # noqa: DTZ001 - the point is a naive datetime
AWARE = at(MOSCOW, 2025, 3, 17, 10, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_business_minutes(MOSCOW_OFFICE, NAIVE, 10),
        lambda: business_minutes_between(MOSCOW_OFFICE, NAIVE, AWARE),
        lambda: business_minutes_between(MOSCOW_OFFICE, AWARE, NAIVE),
        lambda: business_minutes_between_excluding(MOSCOW_OFFICE, AWARE, AWARE, [(NAIVE, AWARE)]),
        lambda: deadline(MOSCOW_OFFICE, NAIVE, 10),
        lambda: deadline(MOSCOW_OFFICE, AWARE, 10, [(AWARE, NAIVE)]),
        lambda: is_open(MOSCOW_OFFICE, NAIVE),
    ],
    ids=["add", "between-a", "between-b", "excluding-pause", "deadline", "deadline-pause", "open"],
)
def test_naive_datetimes_are_rejected(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_calendar_without_any_working_hours_is_rejected() -> None:
    with pytest.raises(NoWorkingTimeError, match="no working time"):
        BusinessCalendar("Europe/Moscow", ((),) * 7)


def test_calendar_closed_for_years_raises_instead_of_looping() -> None:
    # Calendar: Europe/Moscow, Mondays 09:00-18:00 only, and every Monday of 2025-2028 a holiday.
    first_monday = date(2025, 1, 6)
    mondays = frozenset(first_monday + timedelta(weeks=n) for n in range(4 * 53))
    calendar = BusinessCalendar(
        "Europe/Moscow", weekly_hours(time(9), time(18), [0]), holidays=mondays
    )
    with pytest.raises(NoWorkingTimeError, match="consecutive days"):
        add_business_minutes(calendar, at(MOSCOW, 2025, 1, 1), 1)


@pytest.mark.parametrize("minutes", [-1.0, math.nan, math.inf])
def test_minutes_must_be_finite_and_non_negative(minutes: float) -> None:
    with pytest.raises(ValueError, match="finite and non-negative"):
        add_business_minutes(MOSCOW_OFFICE, AWARE, minutes)


def test_pause_ending_before_it_starts_is_rejected() -> None:
    backwards = [(AWARE, AWARE - timedelta(hours=1))]
    with pytest.raises(ValueError, match="ends before it starts"):
        deadline(MOSCOW_OFFICE, AWARE, 10, backwards)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: WorkingInterval(time(18), time(9)), "end after it starts"),
        (lambda: WorkingInterval(time(9, tzinfo=UTC), time(18)), "without tzinfo"),
        (lambda: BusinessCalendar("Mars/Olympus_Mons", OFFICE_HOURS), "unknown IANA"),
        (lambda: BusinessCalendar("UTC", OFFICE_HOURS[:5]), "7 entries"),
        (
            lambda: BusinessCalendar(
                "UTC",
                (
                    (WorkingInterval(time(9), time(13)), WorkingInterval(time(12), time(18))),
                    *OFFICE_HOURS[1:],
                ),
            ),
            "must not overlap",
        ),
        (
            lambda: BusinessCalendar(
                "UTC",
                OFFICE_HOURS,
                holidays=frozenset({date(2025, 1, 1)}),
                extra_working_days=frozenset({date(2025, 1, 1)}),
                extra_working_day_hours=OFFICE_HOURS[0],
            ),
            "both holidays and extra working days",
        ),
        (
            lambda: BusinessCalendar(
                "UTC", OFFICE_HOURS, extra_working_days=frozenset({date(2025, 1, 4)})
            ),
            "extra_working_day_hours",
        ),
        (lambda: weekly_hours(time(9), time(18), [7]), "0 \\(Monday\\) to 6"),
    ],
)
def test_invalid_calendars_are_rejected(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


# --- Properties ------------------------------------------------------------------------
#
# Random calendars have 0-2 working intervals per weekday with boundaries on half hours
# (which include times skipped or repeated by DST, e.g. 02:30 in Berlin and Lord Howe's
# 30-minute shift), random holidays and transferred working days, in zones with and
# without DST. Amounts of business time are whole seconds, so the microsecond arithmetic
# underneath is exact and associativity can be checked with ==.

DST_ZONES = ["Europe/Berlin", "America/New_York", "America/Santiago", "Australia/Lord_Howe"]
FIXED_OFFSET_ZONES = ["UTC", "Europe/Moscow", "Asia/Kolkata"]
# Days in 2025 on which one of DST_ZONES changes its clocks.
DST_CHANGE_DAYS = [
    date(2025, 3, 9),
    date(2025, 3, 30),
    date(2025, 4, 6),
    date(2025, 9, 7),
    date(2025, 10, 5),
    date(2025, 10, 26),
    date(2025, 11, 2),
]
HALF_HOURS_IN_DAY = 48
PROPERTY_SETTINGS = settings(max_examples=100, deadline=None)


def half_hour(index: int) -> time:
    return MIDNIGHT if index == HALF_HOURS_IN_DAY else time(index // 2, 30 * (index % 2))


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[WorkingInterval, ...]:
    boundaries = sorted(draw(st.sets(st.integers(0, HALF_HOURS_IN_DAY), max_size=4)))
    return tuple(
        WorkingInterval(half_hour(opens), half_hour(closes))
        for opens, closes in zip(boundaries[::2], boundaries[1::2], strict=False)
    )


@st.composite
def calendars(
    draw: st.DrawFn, zones: list[str] = DST_ZONES + FIXED_OFFSET_ZONES
) -> BusinessCalendar:
    # At least one weekday opens, so working time never runs out after the last extra day.
    weekly = tuple(draw(day_hours()) for _ in range(7))
    if not any(weekly):
        weekly = (draw(day_hours().filter(bool)), *weekly[1:])
    special_days = st.sets(st.dates(date(2024, 12, 1), date(2026, 2, 1)), max_size=25)
    holidays = draw(special_days)
    extra_working_days = draw(special_days) - holidays
    extra_hours = draw(day_hours().filter(bool)) if extra_working_days else ()
    return BusinessCalendar(
        draw(st.sampled_from(zones)), weekly, holidays, extra_working_days, extra_hours
    )


# Hypothesis takes naive bounds and attaches the zone from `timezones`.
FIRST_DAY_OF_2025 = datetime(2025, 1, 1)  # noqa: DTZ001
LAST_DAY_OF_2025 = datetime(2025, 12, 31)  # noqa: DTZ001
instants = st.one_of(
    st.datetimes(FIRST_DAY_OF_2025, LAST_DAY_OF_2025, timezones=st.just(UTC)),
    st.builds(
        lambda day, offset: datetime.combine(day, MIDNIGHT, UTC) + offset,
        st.sampled_from(DST_CHANGE_DAYS),
        st.timedeltas(timedelta(days=-2), timedelta(days=2)),
    ),
)
business_minutes = st.integers(0, 3000 * 60).map(lambda seconds: seconds / 60)
round_the_clock = st.sampled_from(DST_ZONES + FIXED_OFFSET_ZONES).map(
    lambda zone: BusinessCalendar(zone, weekly_hours(MIDNIGHT, MIDNIGHT, EVERY_DAY))
)


@PROPERTY_SETTINGS
@given(calendars(), instants, business_minutes)
def test_minutes_between_start_and_result_are_the_minutes_added(
    calendar: BusinessCalendar, start: datetime, minutes: float
) -> None:
    due = add_business_minutes(calendar, start, minutes)
    assert math.isclose(business_minutes_between(calendar, start, due), minutes, abs_tol=1e-6)


@PROPERTY_SETTINGS
@given(calendars(), instants, business_minutes, business_minutes)
def test_adding_in_two_steps_equals_adding_the_sum(
    calendar: BusinessCalendar, start: datetime, first: float, second: float
) -> None:
    in_two_steps = add_business_minutes(
        calendar, add_business_minutes(calendar, start, first), second
    )
    assert in_two_steps == add_business_minutes(calendar, start, first + second)


@PROPERTY_SETTINGS
@given(calendars(), instants, instants, business_minutes, business_minutes)
def test_later_start_or_more_minutes_never_gives_an_earlier_result(
    calendar: BusinessCalendar, start: datetime, other_start: datetime, fewer: float, more: float
) -> None:
    fewer, more = sorted((fewer, more))
    early, late = sorted((start, other_start))
    assert add_business_minutes(calendar, start, fewer) <= add_business_minutes(
        calendar, start, more
    )
    assert add_business_minutes(calendar, early, more) <= add_business_minutes(calendar, late, more)


@PROPERTY_SETTINGS
@given(calendars(), instants, business_minutes)
def test_result_is_start_or_the_end_of_working_time(
    calendar: BusinessCalendar, start: datetime, minutes: float
) -> None:
    due = add_business_minutes(calendar, start, minutes)
    if minutes == 0:
        assert due == start
    else:
        # The clock was running in the last microsecond before the result, so the result
        # never lies inside a holiday or closed hours (it may be a closing instant).
        assert is_open(calendar, due - ONE_MICROSECOND)


@PROPERTY_SETTINGS
@given(calendars(zones=FIXED_OFFSET_ZONES), instants, business_minutes.filter(bool))
def test_result_follows_working_wall_clock_hours_in_zones_without_dst(
    calendar: BusinessCalendar, start: datetime, minutes: float
) -> None:
    # Without DST the wall clock is a plain offset, so the check needs none of the
    # module's instant arithmetic: the last microsecond before the result falls on a
    # working date, within one of its working intervals.
    last_counted = (add_business_minutes(calendar, start, minutes) - ONE_MICROSECOND).astimezone(
        calendar.zone
    )
    since_midnight = last_counted - datetime.combine(
        last_counted.date(), MIDNIGHT, last_counted.tzinfo
    )
    assert any(
        interval.start_offset <= since_midnight < interval.end_offset
        for interval in calendar.working_intervals_on(last_counted.date())
    )


@PROPERTY_SETTINGS
@given(calendars(), instants, instants, instants)
def test_minutes_between_add_up_and_flip_sign(
    calendar: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    a_to_b = business_minutes_between(calendar, a, b)
    assert a_to_b == -business_minutes_between(calendar, b, a)
    assert 0 <= abs(a_to_b) <= abs(b - a) / timedelta(minutes=1)
    assert math.isclose(
        a_to_b + business_minutes_between(calendar, b, c),
        business_minutes_between(calendar, a, c),
        abs_tol=1e-6,
    )


@PROPERTY_SETTINGS
@given(round_the_clock | st.just(CALENDAR_24_7), instants, instants, business_minutes)
def test_round_the_clock_is_plain_timedelta_arithmetic(
    calendar: BusinessCalendar, start: datetime, end: datetime, minutes: float
) -> None:
    assert add_business_minutes(calendar, start, minutes) == start + timedelta(minutes=minutes)
    assert business_minutes_between(calendar, start, end) == (end - start) / timedelta(minutes=1)
    assert is_open(calendar, start)


pause_lists = st.lists(
    st.tuples(
        st.timedeltas(timedelta(days=-3), timedelta(days=30)),
        st.timedeltas(timedelta(0), timedelta(days=5)),
    ),
    max_size=4,
)


@PROPERTY_SETTINGS
@given(calendars(), instants, business_minutes, pause_lists)
def test_deadline_is_reached_after_exactly_the_target_of_unpaused_time(
    calendar: BusinessCalendar,
    start: datetime,
    target: float,
    pause_offsets: list[tuple[timedelta, timedelta]],
) -> None:
    paused = [(start + offset, start + offset + length) for offset, length in pause_offsets]
    due = deadline(calendar, start, target, paused)
    counted = business_minutes_between_excluding(calendar, start, due, paused)
    assert math.isclose(counted, target, abs_tol=1e-6)
    assert due >= add_business_minutes(calendar, start, target)  # pauses only delay
    assert counted <= business_minutes_between(calendar, start, due)
