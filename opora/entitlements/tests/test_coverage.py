"""The coverage date maths: explicit edges (day 90/91, 29 February, time zones) and properties."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opora.entitlements.coverage import (
    Term,
    TermUnit,
    Verdict,
    Window,
    evaluate,
    last_covered_day,
    local_today,
    window,
)

NINETY_DAYS = Term(TermUnit.DAYS, 90)
ONE_YEAR = Term(TermUnit.YEARS, 1)


def test_day_90_is_covered_and_day_91_is_not():
    bought = date(2026, 3, 1)
    span = window("phone", bought, NINETY_DAYS)
    day_90 = bought + timedelta(days=89)
    assert day_90 == date(2026, 5, 29) == span.ends
    assert evaluate([span], day_90).verdict == Verdict.COVERED
    assert evaluate([span], day_90).days_left == 0
    day_91 = day_90 + timedelta(days=1)
    assert evaluate([span], day_91).verdict == Verdict.EXPIRED
    assert evaluate([span], bought).days_left == 89


def test_purchase_on_29_february_with_a_one_year_term():
    assert last_covered_day(date(2024, 2, 29), ONE_YEAR) == date(2025, 2, 28)
    span = window("warranty", date(2024, 2, 29), ONE_YEAR)
    assert evaluate([span], date(2025, 2, 28)).covered
    assert not evaluate([span], date(2025, 3, 1)).covered
    # Four years on, 29 February exists again.
    assert last_covered_day(date(2024, 2, 29), Term(TermUnit.YEARS, 4)) == date(2028, 2, 28)


def test_one_year_term_over_a_leap_day_covers_366_days():
    assert last_covered_day(date(2023, 3, 1), ONE_YEAR) == date(2024, 2, 29)
    assert last_covered_day(date(2023, 1, 1), ONE_YEAR) == date(2023, 12, 31)


def test_month_terms_end_with_a_short_month():
    assert last_covered_day(date(2026, 1, 31), Term(TermUnit.MONTHS, 1)) == date(2026, 2, 28)
    assert last_covered_day(date(2026, 1, 15), Term(TermUnit.MONTHS, 1)) == date(2026, 2, 14)
    assert last_covered_day(date(2026, 11, 30), Term(TermUnit.MONTHS, 3)) == date(2027, 2, 28)


def test_today_is_taken_in_the_customer_time_zone():
    late_evening_utc = datetime(2026, 5, 29, 23, 30, tzinfo=UTC)
    assert local_today(late_evening_utc, "Europe/London") == date(2026, 5, 30)
    assert local_today(late_evening_utc, "Asia/Novosibirsk") == date(2026, 5, 30)
    assert local_today(late_evening_utc, "America/New_York") == date(2026, 5, 29)
    span = window("phone", date(2026, 3, 1), NINETY_DAYS)  # last day 29 May
    assert evaluate([span], local_today(late_evening_utc, "America/New_York")).covered
    assert not evaluate([span], local_today(late_evening_utc, "Asia/Novosibirsk")).covered
    with pytest.raises(ValueError):
        local_today(datetime(2026, 5, 29, 23, 30), "Asia/Novosibirsk")  # noqa: DTZ001


def test_evaluate_prefers_the_longest_current_window_and_reports_expiry_and_future():
    phone = Window("phone", date(2026, 1, 1), date(2026, 3, 31))
    warranty = Window("warranty", date(2026, 1, 1), date(2026, 12, 31))
    later = Window("extended", date(2027, 1, 1), date(2028, 12, 31))
    assert evaluate([phone, warranty], date(2026, 2, 1)).by == "warranty"
    expired = evaluate([phone], date(2026, 4, 1))
    assert (expired.verdict, expired.until, expired.by) == (
        Verdict.EXPIRED,
        date(2026, 3, 31),
        "phone",
    )
    future = evaluate([later], date(2026, 4, 1))
    assert (future.verdict, future.until) == (Verdict.NOT_STARTED, date(2027, 1, 1))
    assert evaluate([], date(2026, 4, 1)).verdict == Verdict.NO_PLAN
    with pytest.raises(ValueError):
        Term(TermUnit.DAYS, 0)


days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
units = st.sampled_from(list(TermUnit))


@given(start=days, unit=units, length=st.integers(1, 120))
def test_a_term_covers_its_start_and_ends_after_it(start, unit, length):
    end = last_covered_day(start, Term(unit, length))
    assert end >= start
    assert evaluate([Window("p", start, end)], start).covered
    assert not evaluate([Window("p", start, end)], end + timedelta(days=1)).covered


@given(start=days, length=st.integers(1, 3650))
def test_a_day_term_covers_exactly_that_many_days(start, length):
    end = last_covered_day(start, Term(TermUnit.DAYS, length))
    assert (end - start).days + 1 == length


@given(start=days, years=st.integers(1, 10))
def test_year_terms_equal_twelve_month_terms_and_last_365_or_366_days_a_year(start, years):
    end = last_covered_day(start, Term(TermUnit.YEARS, years))
    assert end == last_covered_day(start, Term(TermUnit.MONTHS, 12 * years))
    covered_days = (end - start).days + 1
    assert 365 * years <= covered_days <= 366 * years
    if years == 1:
        assert covered_days in (365, 366)


@given(start=days, unit=units, length=st.integers(1, 60))
def test_a_longer_term_never_ends_earlier(start, unit, length):
    shorter = last_covered_day(start, Term(unit, length))
    longer = last_covered_day(start, Term(unit, length + 1))
    assert longer > shorter


@given(start=days, months=st.integers(1, 120))
def test_month_terms_end_the_day_before_the_same_day_of_month(start, months):
    end = last_covered_day(start, Term(TermUnit.MONTHS, months))
    following = end + timedelta(days=1)
    total = start.month - 1 + months
    assert (following.year, following.month) in {
        (start.year + total // 12, total % 12 + 1),
        (start.year + (total + 1) // 12, (total + 1) % 12 + 1),
    }
    if start.day <= 28:
        assert following.day == start.day


@given(
    windows=st.lists(
        st.tuples(days, st.integers(0, 2000)).map(
            lambda pair: Window("p", pair[0], pair[0] + timedelta(days=pair[1]))
        ),
        max_size=5,
    ),
    today=days,
)
def test_evaluate_is_covered_exactly_when_a_window_covers_today(windows, today):
    result = evaluate(windows, today)
    assert result.covered == any(w.covers(today) for w in windows)
    if result.covered:
        assert result.until == max(w.ends for w in windows if w.covers(today))
        assert result.days_left == (result.until - today).days >= 0
