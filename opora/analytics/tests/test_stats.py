"""Property tests of the pure helpers, and the SQL percentile against them on this database."""

from datetime import UTC, date, datetime, timedelta

import numpy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opora.analytics import stats
from opora.analytics.sql import Percentile, SecondsBetween

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
fraction = st.floats(min_value=0, max_value=1)


@given(st.lists(finite, min_size=1, max_size=60), fraction)
def test_percentile_matches_numpy_linear_interpolation(values, p):
    ordered = sorted(values)
    assert stats.percentile_cont(ordered, p) == pytest.approx(
        float(numpy.percentile(ordered, p * 100)), rel=1e-9, abs=1e-6
    )


@given(st.lists(finite, min_size=1, max_size=60), fraction, fraction)
def test_percentile_is_monotonic_and_within_the_range(values, p, q):
    ordered = sorted(values)
    low, high = sorted((p, q))
    assert ordered[0] <= stats.percentile_cont(ordered, low) <= stats.percentile_cont(ordered, high)
    assert stats.percentile_cont(ordered, high) <= ordered[-1]


def test_percentile_edges():
    assert stats.percentile_cont([], 0.5) is None
    assert stats.percentile_cont([1, 2, 3, 4], 0.5) == 2.5
    assert stats.percentile_cont([7], 0.9) == 7
    with pytest.raises(ValueError):
        stats.percentile_cont([1], 1.5)


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))


@given(days, st.integers(0, 400))
def test_previous_period_has_the_same_length_and_ends_the_day_before(start, length):
    end = start + timedelta(days=length)
    before_start, before_end = stats.previous_period(start, end)
    assert before_end == start - timedelta(days=1)
    assert (before_end - before_start) == (end - start)


figures = st.integers(-(10**9), 10**9).map(float)


@given(st.one_of(st.none(), figures), st.one_of(st.none(), figures))
def test_compare_delta_and_percent(current, previous):
    change = stats.compare(current, previous)
    if current is None or previous is None:
        assert change.delta is None and change.percent is None
        return
    assert change.delta == pytest.approx(current - previous)
    if previous == 0:
        assert change.percent is None
    else:
        # Going back by the percentage of |previous| returns to the current figure.
        assert previous + change.percent * abs(previous) / 100 == pytest.approx(current, abs=1e-3)


@given(st.integers(0, 10_000), st.integers(1, 400), st.integers(0, 10_000), st.integers(1, 400))
def test_contacts_avoided_is_the_before_rate_over_the_after_days_minus_actual(b, bd, a, ad):
    impact = stats.contacts_avoided(b, bd, a, ad)
    assert impact.avoided == pytest.approx(b / bd * ad - a)
    # Unchanged daily rate → nothing avoided.
    assert stats.contacts_avoided(b * bd, bd, b * ad, ad).avoided == pytest.approx(0, abs=1e-6)


@given(st.integers(0, 1000), st.integers(0, 1000))
def test_ratio_and_per_thousand(part, extra):
    whole = part + extra
    ratio = stats.ratio_percent(part, whole)
    assert ratio is None if whole == 0 else 0 <= ratio <= 100
    assert stats.per_thousand(part, 0) is None
    if whole:
        assert stats.per_thousand(part, whole) == pytest.approx(ratio * 10)


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=30), st.sampled_from([0.1, 0.5, 0.9]))
def test_sql_percentile_equals_the_pure_one(erin, values, p):
    """The database (percentile_cont on PostgreSQL, the registered aggregate on SQLite) gives
    the same percentile of the same seconds as the pure function."""
    from opora.tickets.models import Ticket

    Ticket.objects.all().delete()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    Ticket.objects.bulk_create(
        Ticket(
            subject="x",
            customer=erin,
            created_at=start,
            first_response_at=start + timedelta(seconds=value),
        )
        for value in values
    )
    seconds = SecondsBetween("first_response_at", "created_at")
    result = Ticket.objects.aggregate(value=Percentile(seconds, p))["value"]
    assert result == pytest.approx(stats.percentile_cont(sorted(values), p), abs=0.01)
