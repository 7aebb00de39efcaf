"""Before/after comparison against a fixture computed by hand."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opora.improvements.comparison import WindowFigures, compare, windows

DONE = datetime(2026, 10, 1, 12, tzinfo=UTC)


def test_hand_computed_fixture():
    # Before: 40 contacts; CSAT 5,5,5,5,5,5,4,4,2,2 -> 8 of 10 satisfied = 80 %.
    # After: 30 contacts; CSAT 5 x9, 3 x1 -> 9 of 10 = 90 %.
    # Change: 30 - 40 = -10 contacts = -25 %; 10 avoided; CSAT +10 points.
    result = compare(
        WindowFigures(40, {5: 6, 4: 2, 2: 2}),
        WindowFigures(30, {5: 9, 3: 1}),
    )
    assert (result.contacts_before, result.contacts_after) == (40, 30)
    assert result.contacts_change == -10 and result.contacts_change_percent == -25.0
    assert result.contacts_avoided == 10
    assert result.csat_before.csat_percent == 80.0 and result.csat_after.csat_percent == 90.0
    assert result.csat_change_points == 10.0


def test_no_data_is_not_zero():
    result = compare(WindowFigures(0, {}), WindowFigures(3, {4: 1}))
    assert result.contacts_change_percent is None
    assert result.csat_before.csat_percent is None and result.csat_change_points is None
    assert result.contacts_avoided == 0


def test_windows_are_equal_and_shrink_to_the_time_passed():
    before, after = windows(DONE, DONE + timedelta(days=60), 28)
    assert (before.start, before.end, after.start, after.end) == (
        DONE - timedelta(days=28),
        DONE,
        DONE,
        DONE + timedelta(days=28),
    )
    before, after = windows(DONE, DONE + timedelta(days=10), 28)
    assert before.days == after.days == 10
    before, after = windows(DONE, DONE - timedelta(days=1), 28)
    assert before.days == after.days == 0
    with pytest.raises(ValueError):
        windows(DONE, DONE, 0)


@given(st.integers(0, 400), st.integers(1, 366))
def test_windows_always_equal_and_touching(days_since, days):
    before, after = windows(DONE, DONE + timedelta(days=days_since), days)
    assert before.end == after.start == DONE
    assert before.days == after.days <= days


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_change_is_after_minus_before(before, after):
    result = compare(WindowFigures(before, {}), WindowFigures(after, {}))
    assert result.contacts_change == after - before
    assert result.contacts_avoided == max(0, before - after)
