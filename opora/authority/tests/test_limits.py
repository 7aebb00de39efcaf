"""The pure limit check and calendar periods: edge cases by hand, the rest by hypothesis."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opora.authority.limits import Limit, Outcome, Period, check, period_bounds

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")  # has daylight saving time
REFUND = Limit(Decimal("3000.00"), "RUB", Period.WEEK, max_count=5)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
counts = st.integers(min_value=0, max_value=50)
limits = st.builds(
    Limit,
    max_amount=st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2),
    currency=st.sampled_from(["RUB", "USD"]),
    period=st.sampled_from(list(Period)),
    max_count=st.none() | st.integers(min_value=0, max_value=20),
)
# Hypothesis takes naive bounds and attaches the zone itself.
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


class TestEdges:
    def test_exactly_at_the_amount_limit_is_allowed(self):
        assert check(REFUND, Decimal("3000.00"), "RUB", used=0).allowed

    def test_one_kopeck_over_the_limit_is_not(self):
        decision = check(REFUND, Decimal("3000.01"), "RUB", used=0)
        assert decision.outcome is Outcome.AMOUNT and not decision.allowed

    def test_the_last_grant_of_the_period_is_allowed_the_next_is_not(self):
        assert check(REFUND, Decimal("10"), "RUB", used=4).allowed
        assert check(REFUND, Decimal("10"), "RUB", used=5).outcome is Outcome.COUNT

    def test_no_policy_and_other_currency_mean_no_authority(self):
        assert check(None, Decimal("1"), "RUB", 0).outcome is Outcome.NO_AUTHORITY
        assert check(REFUND, Decimal("1"), "USD", 0).outcome is Outcome.CURRENCY

    def test_no_count_limit(self):
        unlimited = Limit(Decimal("100"), "RUB", Period.DAY, max_count=None)
        assert check(unlimited, Decimal("100"), "RUB", used=10_000).allowed

    @pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5")])
    def test_amount_must_be_positive(self, amount):
        with pytest.raises(ValueError, match="positive"):
            check(REFUND, amount, "RUB", 0)

    def test_week_starts_on_monday_midnight_local_time(self):
        # Sunday 23:30 in Moscow is 20:30 UTC: still the week that began on Monday the 16th.
        sunday_late = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)
        start, end = period_bounds(sunday_late, Period.WEEK, MOSCOW)
        assert start == datetime(2026, 11, 16, tzinfo=MOSCOW)
        assert end == datetime(2026, 11, 23, tzinfo=MOSCOW)
        # Monday 00:00 Moscow (Sunday 21:00 UTC) is the first moment of the next week.
        monday = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
        assert period_bounds(monday, Period.WEEK, MOSCOW)[0] == end

    def test_month_and_day(self):
        moment = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)  # 1 January 01:00 in Moscow
        assert period_bounds(moment, Period.MONTH, MOSCOW) == (
            datetime(2027, 1, 1, tzinfo=MOSCOW),
            datetime(2027, 2, 1, tzinfo=MOSCOW),
        )
        assert period_bounds(moment, Period.DAY, MOSCOW) == (
            datetime(2027, 1, 1, tzinfo=MOSCOW),
            datetime(2027, 1, 2, tzinfo=MOSCOW),
        )

    def test_a_day_across_a_clock_change_is_23_hours(self):
        start, end = period_bounds(datetime(2026, 3, 29, 12, tzinfo=UTC), Period.DAY, BERLIN)
        # Same-zone subtraction is wall-clock; the real length is measured in UTC.
        assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)

    def test_naive_moment_refused(self):
        with pytest.raises(ValueError, match="aware"):
            period_bounds(datetime(2026, 1, 1), Period.DAY, MOSCOW)  # noqa: DTZ001


class TestProperties:
    @given(limit=limits, amount=amounts, currency=st.sampled_from(["RUB", "USD"]), used=counts)
    def test_allowed_exactly_when_every_rule_holds(self, limit, amount, currency, used):
        expected = (
            limit.currency == currency
            and amount <= limit.max_amount
            and (limit.max_count is None or used < limit.max_count)
        )
        assert check(limit, amount, currency, used).allowed == expected

    @given(limit=limits, amount=amounts, smaller=amounts, used=counts, fewer=counts)
    def test_less_is_never_refused_when_more_was_allowed(self, limit, amount, smaller, used, fewer):
        if check(limit, amount, limit.currency, used).allowed:
            assert check(limit, min(amount, smaller), limit.currency, min(used, fewer)).allowed

    @given(
        moment=moments, period=st.sampled_from(list(Period)), zone=st.sampled_from([MOSCOW, BERLIN])
    )
    def test_period_contains_the_moment_and_the_next_starts_at_its_end(self, moment, period, zone):
        start, end = period_bounds(moment, period, zone)
        assert start <= moment < end
        assert period_bounds(end, period, zone)[0] == end
        local = start.astimezone(zone)
        assert (local.hour, local.minute) == (0, 0)
        if period is Period.WEEK:
            assert local.weekday() == 0
        if period is Period.MONTH:
            assert local.day == 1
