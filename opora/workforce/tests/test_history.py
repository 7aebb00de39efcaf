"""Interval history: one aggregation in the database, the same counts on every backend."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from opora.tickets.models import Channel, ContactReason
from opora.workforce.history import VolumeFilter, interval_history, interval_history_by_segment

pytestmark = pytest.mark.django_db

MOSCOW = ZoneInfo("Europe/Moscow")  # UTC+3 all year
DAY_START = datetime(2025, 3, 3, tzinfo=MOSCOW)  # a Monday, local midnight


def at(hour: int, minute: int) -> datetime:
    return DAY_START + timedelta(hours=hour, minutes=minute)


@pytest.fixture
def one_day(place_tickets):
    place_tickets([at(9, 0), at(9, 14), at(9, 15), at(9, 59), at(23, 50)])
    place_tickets([at(9, 31)], channel=Channel.CHAT)
    # Outside the day on either side: not counted.
    place_tickets([at(-1, 0), at(24, 0)])


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        (15, {36: 2, 37: 1, 38: 1, 39: 1, 95: 1}),
        (30, {18: 3, 19: 2, 47: 1}),
        (60, {9: 5, 23: 1}),
    ],
)
def test_counts_per_local_interval(one_day, interval, expected):
    history = interval_history(DAY_START, DAY_START + timedelta(days=1), interval)
    assert len(history) == 24 * 60 // interval
    assert history.start == DAY_START
    assert {i: int(c) for i, c in enumerate(history.counts) if c} == expected


def test_buckets_follow_the_local_clock_not_utc(place_tickets):
    # 22:10 UTC on Sunday is 01:10 on Monday in Moscow.
    place_tickets([datetime(2025, 3, 2, 22, 10, tzinfo=UTC)])
    history = interval_history(DAY_START, DAY_START + timedelta(days=1), 60)
    assert np.flatnonzero(history.counts).tolist() == [1]


def test_channel_and_reason_filters(one_day, place_tickets):
    billing = ContactReason.objects.create(name="Оплата", name_en="Billing")
    refund = ContactReason.objects.create(name="Возврат", name_en="Refund", parent=billing)
    place_tickets([at(12, 0)], reason=billing)
    place_tickets([at(12, 1)], reason=refund)
    day = (DAY_START, DAY_START + timedelta(days=1), 60)
    assert interval_history(*day, VolumeFilter(channel=Channel.CHAT)).counts.sum() == 1
    assert interval_history(*day, VolumeFilter(reason_id=billing.pk)).counts[12] == 2
    assert interval_history(*day, VolumeFilter(reason_id=refund.pk)).counts[12] == 1


def test_history_per_channel_and_reason_in_one_query(one_day, django_assert_num_queries):
    with django_assert_num_queries(1):
        segments = interval_history_by_segment(DAY_START, DAY_START + timedelta(days=1), 30)
    assert set(segments) == {(Channel.EMAIL, None), (Channel.CHAT, None)}
    assert segments[(Channel.EMAIL, None)].counts.sum() == 5
    assert segments[(Channel.CHAT, None)].counts[19] == 1


def test_query_count_does_not_grow_with_tickets(place_tickets, django_assert_num_queries):
    week = (DAY_START, DAY_START + timedelta(days=7), 15)
    place_tickets([at(10, 0)])
    with django_assert_num_queries(1):
        interval_history(*week)
    place_tickets(at(hour % 24, minute) for hour in range(7 * 24) for minute in (5, 35))
    with django_assert_num_queries(1):
        history = interval_history(*week)
    assert history.counts.sum() == 1 + 7 * 24 * 2


def test_start_needs_a_named_time_zone():
    with pytest.raises(ValueError, match="ZoneInfo"):
        interval_history(datetime(2025, 3, 3, tzinfo=UTC), datetime(2025, 3, 4, tzinfo=UTC), 60)
