from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opora.chat.waiting import estimated_wait_seconds, mean_accept_interval

moments = st.lists(
    st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
        max_value=datetime(2026, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    max_size=30,
)


def test_one_accept_every_two_minutes_puts_third_in_line_six_minutes_away():
    start = datetime(2026, 11, 23, 9, tzinfo=UTC)
    accepts = [start + timedelta(minutes=2 * i) for i in range(5)]
    assert mean_accept_interval(accepts) == 120
    assert estimated_wait_seconds(3, accepts) == 360


def test_no_history_no_estimate():
    assert estimated_wait_seconds(1, []) is None
    assert estimated_wait_seconds(4, [datetime(2026, 1, 1, tzinfo=UTC)]) is None


def test_position_starts_at_one():
    with pytest.raises(ValueError):
        estimated_wait_seconds(0, [])


@given(moments, st.integers(min_value=1, max_value=500))
def test_estimate_is_non_negative_and_grows_with_position(accepts, position):
    now = estimated_wait_seconds(position, accepts)
    later = estimated_wait_seconds(position + 1, accepts)
    if len(accepts) < 2:
        assert now is None and later is None
    else:
        assert 0 <= now <= later


@given(moments)
def test_interval_does_not_depend_on_order(accepts):
    assert mean_accept_interval(accepts) == mean_accept_interval(list(reversed(accepts)))
