"""Interval volume forecasting: accuracy against seasonal-naive, intervals, helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opora.workforce.forecast import (
    IntervalForecast,
    IntervalSeries,
    SeasonalNaive,
    backtest,
    contacts_in_window,
    forecast,
    generate_contact_history,
    mape,
    wape,
)

# Tuesday, Thursday and (in the ninth week, i.e. after an eight-week history) a Wednesday.
HOLIDAYS = (date(2025, 1, 21), date(2025, 2, 13), date(2025, 3, 5))
WEEK = 7 * 96  # quarter-hours


@pytest.fixture(scope="module")
def nine_weeks() -> IntervalSeries:
    return generate_contact_history(weeks=9, interval_minutes=15, seed=3, holidays=HOLIDAYS)


@pytest.fixture(scope="module")
def history(nine_weeks: IntervalSeries) -> IntervalSeries:
    return nine_weeks.part(0, 8 * WEEK)


@pytest.fixture(scope="module")
def next_week(history: IntervalSeries) -> IntervalForecast:
    return forecast(history, WEEK, holidays=HOLIDAYS)


# -- accuracy --------------------------------------------------------------------------


def test_chosen_model_beats_seasonal_naive_on_held_out_weeks(next_week: IntervalForecast) -> None:
    chosen, *others = next_week.backtests
    naive = next(result for result in others if result.model_name == SeasonalNaive.name)
    assert chosen.model_name == next_week.model_name != SeasonalNaive.name
    assert chosen.holdout_weeks == 2
    assert chosen.wape < 0.8 * naive.wape
    assert chosen.mape < naive.mape


def test_beats_seasonal_naive_without_holidays_too() -> None:
    # Holidays are where the naive forecast suffers most; it must lose on plain weeks too.
    plain = generate_contact_history(weeks=8, seed=11)
    result = forecast(plain, WEEK)
    naive = backtest(plain, SeasonalNaive())
    assert result.backtests[0].wape < 0.9 * naive.wape


def test_forecast_of_an_unseen_week(
    nine_weeks: IntervalSeries, next_week: IntervalForecast
) -> None:
    actual = nine_weeks.counts[8 * WEEK :]
    naive = np.resize(nine_weeks.counts[7 * WEEK : 8 * WEEK], WEEK)
    assert next_week.point.start == nine_weeks.start_of(8 * WEEK)
    assert wape(actual, next_week.point.counts) < 0.8 * wape(actual, naive)
    inside = (next_week.lower <= actual) & (actual <= next_week.upper)
    assert 0.7 < inside.mean() < 0.92  # an 80 % interval


def test_prediction_interval_surrounds_the_point(next_week: IntervalForecast) -> None:
    point = next_week.point.counts
    assert next_week.coverage == 0.8
    assert np.all(next_week.lower >= 0)
    assert np.all(next_week.lower <= point)
    assert np.all(point <= next_week.upper)
    assert np.all(next_week.upper > next_week.lower)


def test_future_holiday_is_scaled_like_past_holidays(
    nine_weeks: IntervalSeries, next_week: IntervalForecast
) -> None:
    wednesday = slice(2 * 96, 3 * 96)  # 2025-03-05
    actual_holiday = nine_weeks.counts[8 * WEEK :][wednesday].sum()
    assert next_week.point.counts[wednesday].sum() == pytest.approx(actual_holiday, rel=0.1)
    ordinary_tuesday = next_week.point.counts[96 : 2 * 96].sum()
    assert next_week.point.counts[wednesday].sum() < 0.6 * ordinary_tuesday


def test_profile_follows_local_time_across_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # Eight weeks from 17 February: clocks go forward on 30 March, mid-history.
    history = generate_contact_history(weeks=8, seed=5, start=datetime(2025, 2, 17, tzinfo=berlin))
    assert history.end == datetime(2025, 4, 14, 1, 0, tzinfo=berlin)  # 56 days of real time
    result = forecast(history, WEEK)
    monday = datetime(2025, 4, 14, tzinfo=berlin)
    morning_peak = contacts_in_window(
        result.point, monday.replace(hour=10), monday.replace(hour=11)
    )
    night = contacts_in_window(result.point, monday.replace(hour=3), monday.replace(hour=4))
    early = contacts_in_window(result.point, monday.replace(hour=7), monday.replace(hour=8))
    assert morning_peak > 3 * early > 3 * night
    assert result.backtests[0].wape < backtest(history, SeasonalNaive()).wape


def test_backtest_needs_enough_history() -> None:
    with pytest.raises(ValueError):
        backtest(generate_contact_history(weeks=4), SeasonalNaive(), holdout_weeks=2)


# -- how many contacts in a window -----------------------------------------------------


def test_saturday_morning_window(next_week: IntervalForecast) -> None:
    saturday = datetime(2025, 3, 8, tzinfo=UTC)
    assert saturday.weekday() == 5
    first = (saturday.replace(hour=9) - next_week.point.start) // timedelta(minutes=15)
    expected = next_week.point.counts[first : first + 12].sum()  # 9:00-12:00 = 12 quarters
    moscow = ZoneInfo("Europe/Moscow")  # the same window, written in another time zone
    window = (
        saturday.replace(hour=9).astimezone(moscow),
        saturday.replace(hour=12).astimezone(moscow),
    )
    assert contacts_in_window(next_week.point, *window) == pytest.approx(expected)


def test_window_counts_partial_intervals_in_proportion() -> None:
    start = datetime(2025, 1, 6, tzinfo=UTC)
    series = IntervalSeries(start, 15, [40.0, 80.0, 20.0])
    assert contacts_in_window(series, start, start + timedelta(minutes=45)) == pytest.approx(140)
    partial = contacts_in_window(
        series, start + timedelta(minutes=5), start + timedelta(minutes=20)
    )
    assert partial == pytest.approx(40 * 10 / 15 + 80 * 5 / 15)
    assert contacts_in_window(series, start - timedelta(days=1), start) == 0.0
    assert contacts_in_window(series, start + timedelta(hours=1), start + timedelta(hours=2)) == 0.0


@settings(max_examples=50, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=200),
    cuts=st.lists(st.integers(min_value=-100, max_value=3_100), min_size=3, max_size=3),
)
def test_window_sums_add_up(counts: list[int], cuts: list[int]) -> None:
    start = datetime(2025, 1, 6, tzinfo=UTC)
    series = IntervalSeries(start, 15, counts)
    first, middle, last = (start + timedelta(minutes=cut) for cut in sorted(cuts))
    whole = contacts_in_window(series, first, last)
    split = contacts_in_window(series, first, middle) + contacts_in_window(series, middle, last)
    assert whole == pytest.approx(split, abs=1e-9)
    assert contacts_in_window(series, start, series.end) == pytest.approx(sum(counts))


# -- MAPE and WAPE ---------------------------------------------------------------------

# Counts are zero or at least a small fraction; subnormal floats would only test overflow.
volume = st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1e4))
volumes = st.lists(volume, min_size=1, max_size=100)


@given(volumes)
def test_perfect_forecast_scores_zero(actual: list[float]) -> None:
    if any(actual):
        assert wape(actual, actual) == 0.0
        assert mape(actual, actual) == 0.0


@given(volumes, st.floats(min_value=1e-3, max_value=1e3), st.data())
def test_errors_do_not_depend_on_scale(
    actual: list[float], scale: float, data: st.DataObject
) -> None:
    predicted = data.draw(st.lists(volume, min_size=len(actual), max_size=len(actual)))
    if any(actual):
        scaled_actual = np.array(actual) * scale
        scaled_predicted = np.array(predicted) * scale
        assert wape(scaled_actual, scaled_predicted) == pytest.approx(wape(actual, predicted))
        assert mape(scaled_actual, scaled_predicted) == pytest.approx(mape(actual, predicted))
        assert wape(actual, predicted) >= 0.0


def test_mape_skips_zero_actuals_and_wape_weights_by_volume() -> None:
    actual = [0.0, 10.0, 100.0]
    predicted = [5.0, 20.0, 100.0]
    assert mape(actual, predicted) == pytest.approx((1.0 + 0.0) / 2)
    assert wape(actual, predicted) == pytest.approx(15 / 110)
    assert wape(actual, [0.0, 0.0, 0.0]) == 1.0
    assert np.isnan(mape([0.0, 0.0], [1.0, 2.0]))
    assert np.isnan(wape([0.0, 0.0], [1.0, 2.0]))
    with pytest.raises(ValueError):
        wape([1.0, 2.0], [1.0])


# -- series and generator --------------------------------------------------------------


def test_series_is_validated_and_immutable() -> None:
    with pytest.raises(ValueError):
        IntervalSeries(datetime(2025, 1, 6), 15, [1.0])  # noqa: DTZ001 - naive on purpose
    with pytest.raises(ValueError):
        IntervalSeries(datetime(2025, 1, 6, tzinfo=UTC), 7, [1.0])
    with pytest.raises(ValueError):
        IntervalSeries(datetime(2025, 1, 6, tzinfo=UTC), 15, [-1.0])
    source = [1.0, 2.0]
    series = IntervalSeries(datetime(2025, 1, 6, tzinfo=UTC), 15, source)
    source[0] = 99.0
    assert series.counts[0] == 1.0
    with pytest.raises(ValueError):
        series.counts[0] = 5.0


def test_generator_is_deterministic_and_shaped_like_a_contact_centre() -> None:
    first = generate_contact_history(weeks=2, seed=1, holidays=[date(2025, 1, 15)])
    assert np.array_equal(
        first.counts, generate_contact_history(2, seed=1, holidays=[date(2025, 1, 15)]).counts
    )
    assert not np.array_equal(first.counts, generate_contact_history(2, seed=2).counts)
    assert len(first) == 2 * WEEK

    days = first.counts.reshape(14, 96)
    weekday_totals, weekend_totals = (
        days[[0, 1, 3, 4, 7, 8]].sum(axis=1),
        days[[5, 6, 12, 13]].sum(axis=1),
    )
    assert weekend_totals.max() < 0.7 * weekday_totals.min()
    assert days[9].sum() < 0.5 * days[8].sum()  # Wednesday 15 January, a holiday

    monday = days[0]
    morning, lunch, afternoon = monday[40:44].mean(), monday[50:52].mean(), monday[58:60].mean()
    assert morning > lunch < afternoon  # two peaks with a dip between
    assert monday[8:16].mean() < 0.1 * morning  # quiet nights
    assert 5 < monday[8:16].mean() < 20  # the overnight trickle of a 24/7 line
    assert first.counts.max() < 600


def test_generator_scales_to_longer_intervals() -> None:
    quarter_hours = generate_contact_history(weeks=1, interval_minutes=15, seed=4)
    hours = generate_contact_history(weeks=1, interval_minutes=60, seed=4)
    assert len(hours) == 168
    assert hours.counts.sum() == pytest.approx(quarter_hours.counts.sum(), rel=0.02)
