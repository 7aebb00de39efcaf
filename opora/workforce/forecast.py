"""Contact volume forecasting per interval (15/30/60 minutes), with prediction intervals.

A history is an :class:`IntervalSeries`: counts on a regular grid of fixed-length
intervals from a timezone-aware start.  Seasonality is keyed on *local* wall-clock time
in the start's time zone (weekday, slot of the day), so a daylight-saving change does
not shift the intraday profile by an hour.

Candidate models (each a :class:`ForecastModel`):

* :class:`SeasonalNaive` - the same interval one week earlier; the baseline to beat.
* :class:`WeeklyProfile` - recency-weighted average of the same weekday-and-slot over the
  past weeks.
* :class:`DailyEtsIntradayProfile` - the classic contact-centre "top-down" forecast:
  daily totals by a damped-trend Holt-Winters model with a weekly season (statsmodels),
  split into intervals by a recency-weighted intraday profile per weekday.  This covers
  both seasonalities (weekly in the daily model, daily in the profile) and the trend.

:func:`forecast` does not assume which is best: it runs a rolling-origin backtest of
every candidate over the last held-out weeks, keeps the lowest WAPE and sizes the
prediction intervals from that model's backtest errors.

Holidays (local dates) are handled the same way by every model except the baseline:
they are left out of every profile, their daily totals are replaced by the same weekday
of the neighbouring weeks before the daily model is fitted, and a future holiday is the
ordinary forecast for its date times the median ratio "holiday total / neighbouring same
weekdays" observed on past holidays (1, i.e. no adjustment, without precedent).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist
from typing import Final, Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing

FloatArray = NDArray[np.float64]

_MINUTES_PER_DAY: Final = 24 * 60
_DAYS_PER_WEEK: Final = 7
# A candidate needs this many weeks to train on in every backtest fold: the daily model
# fits a weekly season, and statsmodels wants a few full seasons to initialise it.
MIN_TRAINING_WEEKS: Final = 3


# --------------------------------------------------------------------------------------
# Series and accuracy measures
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntervalSeries:
    """Counts per interval: ``counts[i]`` covers [start + i*interval, start + (i+1)*interval).

    ``counts`` is copied into a read-only float array, so a series is immutable.
    """

    start: datetime
    interval_minutes: int
    counts: FloatArray

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise ValueError("start must be timezone-aware")
        if self.interval_minutes <= 0 or _MINUTES_PER_DAY % self.interval_minutes:
            raise ValueError(
                f"interval_minutes must divide a day (15, 30, 60...), got {self.interval_minutes}"
            )
        counts = np.array(self.counts, dtype=np.float64)
        if counts.ndim != 1 or not np.all(np.isfinite(counts)) or np.any(counts < 0):
            raise ValueError("counts must be a flat sequence of finite numbers >= 0")
        counts.setflags(write=False)
        object.__setattr__(self, "counts", counts)

    def __len__(self) -> int:
        return int(self.counts.size)

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.interval_minutes)

    @property
    def intervals_per_day(self) -> int:
        return _MINUTES_PER_DAY // self.interval_minutes

    @property
    def intervals_per_week(self) -> int:
        return _DAYS_PER_WEEK * self.intervals_per_day

    @property
    def end(self) -> datetime:
        """End of the last interval (the start of whatever follows the series)."""
        return self.start_of(len(self))

    def start_of(self, index: int) -> datetime:
        """Start of interval ``index``, in the series' time zone."""
        return _add_elapsed(self.start, index * self.interval)

    def part(self, first: int, stop: int) -> IntervalSeries:
        """Intervals ``first`` to ``stop - 1`` as a series of their own."""
        return IntervalSeries(self.start_of(first), self.interval_minutes, self.counts[first:stop])


def mape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Mean absolute percentage error, as a fraction (0.1 = 10 %).

    mean(|forecast - actual| / |actual|) over intervals whose actual is not zero (a
    percentage of zero is undefined); NaN when every actual is zero.
    """
    actual_values, forecast_values = _paired(actual, forecast)
    nonzero = actual_values != 0
    if not nonzero.any():
        return math.nan
    errors = np.abs(forecast_values[nonzero] - actual_values[nonzero])
    return float(np.mean(errors / np.abs(actual_values[nonzero])))


def wape(actual: ArrayLike, forecast: ArrayLike) -> float:
    """Weighted absolute percentage error, as a fraction: sum|forecast - actual| / sum|actual|.

    Unlike MAPE it is not dominated by quiet night intervals; NaN when all actuals are 0.
    """
    actual_values, forecast_values = _paired(actual, forecast)
    total = float(np.sum(np.abs(actual_values)))
    if total == 0.0:
        return math.nan
    return float(np.sum(np.abs(forecast_values - actual_values))) / total


def contacts_in_window(
    series: IntervalSeries, window_start: datetime, window_end: datetime
) -> float:
    """Contacts in [window_start, window_end), e.g. Saturday 09:00-12:00.

    An interval partly inside the window contributes in proportion to its overlap,
    assuming contacts spread evenly within an interval.
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("window bounds must be timezone-aware")
    if window_end < window_start:
        raise ValueError("window_end must not be before window_start")
    interval_seconds = series.interval_minutes * 60.0
    starts = np.arange(len(series), dtype=np.float64) * interval_seconds
    # Differences of POSIX timestamps are elapsed seconds even across a DST change.
    window_from = window_start.timestamp() - series.start.timestamp()
    window_to = window_end.timestamp() - series.start.timestamp()
    overlap = np.minimum(starts + interval_seconds, window_to) - np.maximum(starts, window_from)
    return float(np.sum(series.counts * np.clip(overlap, 0.0, None)) / interval_seconds)


# --------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------


class ForecastModel(Protocol):
    """Point forecast of the ``horizon`` intervals that follow ``history``."""

    @property
    def name(self) -> str: ...

    def predict(
        self, history: IntervalSeries, horizon: int, holidays: frozenset[date]
    ) -> FloatArray: ...


@dataclass(frozen=True)
class SeasonalNaive:
    """Each interval equals the same interval one week earlier (the last week, repeated).

    The baseline: it knows nothing of holidays, trend or noise.
    """

    name: str = "seasonal-naive"

    def predict(
        self, history: IntervalSeries, horizon: int, holidays: frozenset[date]
    ) -> FloatArray:
        week = history.intervals_per_week
        if len(history) < week:
            raise ValueError("seasonal-naive needs at least one week of history")
        return np.resize(history.counts[-week:], horizon).astype(np.float64)


@dataclass(frozen=True)
class WeeklyProfile:
    """Recency-weighted mean of the same local weekday and slot over past weeks.

    Weeks are weighted 0.5 ** (age in weeks / half_life_weeks); holidays are left out of
    the mean and scaled on the way out (see the module docstring).  It smooths noise
    well but lags a trend by about a half-life.
    """

    half_life_weeks: float = 2.0
    name: str = "weekly-profile"

    def predict(
        self, history: IntervalSeries, horizon: int, holidays: frozenset[date]
    ) -> FloatArray:
        past = _LocalCalendar.of(history.start, history.interval_minutes, len(history))
        future = _LocalCalendar.of(history.end, history.interval_minutes, horizon)
        weights = _recency_weights(history, self.half_life_weeks) * ~past.is_holiday(holidays)
        slots_per_week = history.intervals_per_week
        weighted_counts = np.bincount(
            past.week_slot, weights=weights * history.counts, minlength=slots_per_week
        )
        weight_sums = np.bincount(past.week_slot, weights=weights, minlength=slots_per_week)
        # A slot never observed (only possible around a daylight-saving change in a short
        # history) falls back to the overall weighted mean.
        fallback = weighted_counts.sum() / max(weight_sums.sum(), np.finfo(float).tiny)
        profile = np.full(slots_per_week, fallback)
        np.divide(weighted_counts, weight_sums, out=profile, where=weight_sums > 0)
        daily = _DailyTotals.of(history, past)
        return profile[future.week_slot] * daily.holiday_multiplier(future, holidays)


@dataclass(frozen=True)
class DailyEtsIntradayProfile:
    """Top-down forecast: daily totals by Holt-Winters, split by an intraday profile.

    * Daily totals of complete local days, holidays replaced by their neighbouring same
      weekdays, are fitted on log(1 + total) by additive Holt-Winters with a damped
      trend and a 7-day season (statsmodels ``ExponentialSmoothing``).  The log makes
      the weekly season multiplicative and copes with days the centre is closed.
    * Each weekday's intraday profile is the recency-weighted share of the day's total
      falling in each slot (a ratio of weighted sums, so noisy quiet days do not
      dominate), holidays excluded, weeks weighted 0.5 ** (age / half_life_weeks).
    """

    half_life_weeks: float = 3.0
    name: str = "daily-ets x intraday-profile"

    def predict(
        self, history: IntervalSeries, horizon: int, holidays: frozenset[date]
    ) -> FloatArray:
        past = _LocalCalendar.of(history.start, history.interval_minutes, len(history))
        future = _LocalCalendar.of(history.end, history.interval_minutes, horizon)
        daily = _DailyTotals.of(history, past)
        # The first and last day of a history may be partial and left out.
        if daily.dates.size < MIN_TRAINING_WEEKS * _DAYS_PER_WEEK - 2:
            raise ValueError(f"{self.name} needs about {MIN_TRAINING_WEEKS} weeks of history")

        days_ahead = (future.local_date - daily.dates[-1]).astype(np.int64)
        with warnings.catch_warnings():
            # Short or very regular histories make the optimiser report non-convergence
            # although the fitted smoothing parameters are fine for forecasting.
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted = ExponentialSmoothing(
                np.log1p(daily.with_holidays_imputed(holidays)),
                trend="add",
                damped_trend=True,
                seasonal="add",
                seasonal_periods=_DAYS_PER_WEEK,
                initialization_method="estimated",
            ).fit()
        daily_forecast = np.expm1(np.asarray(fitted.forecast(int(days_ahead.max()))))
        day_totals = np.clip(daily_forecast[days_ahead - 1], 0.0, None)

        share = self._intraday_share(history, past, daily, holidays)
        return day_totals * share[future.week_slot] * daily.holiday_multiplier(future, holidays)

    def _intraday_share(
        self,
        history: IntervalSeries,
        past: _LocalCalendar,
        daily: _DailyTotals,
        holidays: frozenset[date],
    ) -> FloatArray:
        """Share of its day's total per (weekday, slot); each weekday's shares sum to 1."""
        in_complete_day = np.isin(past.local_date, daily.dates)
        weights = (
            _recency_weights(history, self.half_life_weeks)
            * in_complete_day
            * ~past.is_holiday(holidays)
        )
        day_total_of_interval = np.zeros(len(history))
        day_position = np.searchsorted(daily.dates, past.local_date[in_complete_day])
        day_total_of_interval[in_complete_day] = daily.totals[day_position]

        slots_per_week = history.intervals_per_week
        slot_counts = np.bincount(
            past.week_slot, weights=weights * history.counts, minlength=slots_per_week
        )
        slot_day_totals = np.bincount(
            past.week_slot, weights=weights * day_total_of_interval, minlength=slots_per_week
        )
        share = np.zeros(slots_per_week)
        np.divide(slot_counts, slot_day_totals, out=share, where=slot_day_totals > 0)
        per_weekday = share.reshape(_DAYS_PER_WEEK, history.intervals_per_day)
        weekday_sums = per_weekday.sum(axis=1, keepdims=True)
        np.divide(per_weekday, weekday_sums, out=per_weekday, where=weekday_sums > 0)
        return per_weekday.reshape(-1)


DEFAULT_CANDIDATES: Final[tuple[ForecastModel, ...]] = (
    DailyEtsIntradayProfile(),
    WeeklyProfile(),
    SeasonalNaive(),
)


# --------------------------------------------------------------------------------------
# Backtest, selection and prediction intervals
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backtest:
    """Rolling-origin backtest: each of the last ``holdout_weeks`` weeks forecast from
    the history before it, then compared with what happened."""

    model_name: str
    holdout_weeks: int
    actual: FloatArray = field(repr=False)
    predicted: FloatArray = field(repr=False)

    @property
    def mape(self) -> float:
        return mape(self.actual, self.predicted)

    @property
    def wape(self) -> float:
        return wape(self.actual, self.predicted)

    @property
    def dispersion(self) -> float:
        """Quasi-Poisson dispersion of the errors: sum (y - yhat)^2 / sum max(yhat, 1).

        1 means the errors are as large as pure Poisson noise; prediction intervals use
        variance = dispersion x forecast.
        """
        scale = np.maximum(self.predicted, 1.0)
        return float(np.sum((self.actual - self.predicted) ** 2) / np.sum(scale))


def backtest(
    history: IntervalSeries,
    model: ForecastModel,
    *,
    holdout_weeks: int = 2,
    holidays: Iterable[date] = (),
) -> Backtest:
    """Forecast each of the last ``holdout_weeks`` weeks from everything before it."""
    week = history.intervals_per_week
    if holdout_weeks < 1:
        raise ValueError("holdout_weeks must be >= 1")
    if len(history) < (holdout_weeks + MIN_TRAINING_WEEKS) * week:
        raise ValueError(
            f"backtesting {holdout_weeks} weeks needs at least "
            f"{holdout_weeks + MIN_TRAINING_WEEKS} weeks of history"
        )
    holiday_dates = frozenset(holidays)
    origins = [len(history) - weeks_back * week for weeks_back in range(holdout_weeks, 0, -1)]
    predicted = [model.predict(history.part(0, origin), week, holiday_dates) for origin in origins]
    return Backtest(
        model_name=model.name,
        holdout_weeks=holdout_weeks,
        actual=np.array(history.counts[origins[0] :]),
        predicted=np.concatenate(predicted),
    )


@dataclass(frozen=True)
class IntervalForecast:
    """Point forecast with a central prediction interval of probability ``coverage``.

    ``backtests`` holds every candidate's backtest, best (chosen) first.
    """

    point: IntervalSeries
    lower: FloatArray = field(repr=False)
    upper: FloatArray = field(repr=False)
    coverage: float
    model_name: str
    backtests: tuple[Backtest, ...]


def forecast(
    history: IntervalSeries,
    horizon: int,
    *,
    holidays: Iterable[date] = (),
    holdout_weeks: int = 2,
    coverage: float = 0.8,
    candidates: Sequence[ForecastModel] = DEFAULT_CANDIDATES,
) -> IntervalForecast:
    """Forecast the next ``horizon`` intervals with the candidate that backtests best.

    The winner (lowest WAPE over the last ``holdout_weeks`` weeks) is refitted on the
    whole history.  Its prediction interval is point +/- z * sqrt(dispersion * max(point,
    1)), with the quasi-Poisson dispersion of its own backtest errors, clipped at 0.
    """
    if horizon < 1:
        raise ValueError("horizon must be >= 1")
    if not 0.0 < coverage < 1.0:
        raise ValueError("coverage must be in (0, 1)")
    holiday_dates = frozenset(holidays)
    ranked = sorted(
        (
            backtest(history, model, holdout_weeks=holdout_weeks, holidays=holiday_dates)
            for model in candidates
        ),
        key=lambda result: result.wape,
    )
    best = ranked[0]
    chosen = next(model for model in candidates if model.name == best.model_name)
    point = np.clip(chosen.predict(history, horizon, holiday_dates), 0.0, None)
    z = NormalDist().inv_cdf(0.5 + coverage / 2.0)
    half_width = z * np.sqrt(best.dispersion * np.maximum(point, 1.0))
    return IntervalForecast(
        point=IntervalSeries(history.end, history.interval_minutes, point),
        lower=np.clip(point - half_width, 0.0, None),
        upper=point + half_width,
        coverage=coverage,
        model_name=chosen.name,
        backtests=tuple(ranked),
    )


# --------------------------------------------------------------------------------------
# Synthetic history
# --------------------------------------------------------------------------------------

DEFAULT_HISTORY_START: Final = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday
# Monday is the busiest day; weekends are quiet.
_WEEKDAY_VOLUME: Final = (1.15, 1.05, 1.0, 1.0, 0.92, 0.55, 0.45)


def generate_contact_history(
    weeks: int,
    interval_minutes: int = 15,
    seed: int = 0,
    *,
    start: datetime = DEFAULT_HISTORY_START,
    busiest_quarter_hour: float = 450.0,
    night_quarter_hour: float = 10.0,
    weekly_growth: float = 0.01,
    day_to_day_noise: float = 0.05,
    holidays: Iterable[date] = (),
    holiday_factor: float = 0.35,
) -> IntervalSeries:
    """A realistic, reproducible contact history (same ``seed``, same counts).

    Expected contacts per 15 minutes run from ``night_quarter_hour`` overnight to
    ``busiest_quarter_hour`` at the first Monday's late-morning peak; longer intervals
    scale in proportion.  Weekdays have a late-morning and a mid-afternoon peak,
    weekends one broad early-afternoon hump at roughly half the level.  On top: a
    compound ``weekly_growth`` trend, a log-normal day effect of ``day_to_day_noise``
    (days are busier or quieter as a whole), holidays at ``holiday_factor`` of a normal
    day, and Poisson noise per interval.
    """
    if weeks < 1:
        raise ValueError("weeks must be >= 1")
    grid = IntervalSeries(start, interval_minutes, np.zeros(0))  # validates the grid
    length = weeks * grid.intervals_per_week
    calendar = _LocalCalendar.of(start, interval_minutes, length)
    rng = np.random.default_rng(seed)

    hour = (calendar.week_slot % grid.intervals_per_day + 0.5) * interval_minutes / 60.0
    weekend = calendar.weekday >= 5
    daytime = np.where(
        weekend,
        0.75 * _bump(hour, 13.0, 2.6) + 0.15 * _bump(hour, 18.0, 2.0),
        _bump(hour, 10.5, 1.5) + 0.85 * _bump(hour, 14.75, 1.7) + 0.3 * _bump(hour, 19.0, 1.5),
    ) * np.take(_WEEKDAY_VOLUME, calendar.weekday)
    daytime /= daytime.max()

    day_numbers, day_of_interval = np.unique(calendar.local_date, return_inverse=True)
    day_effect = np.exp(rng.normal(0.0, day_to_day_noise, day_numbers.size))[day_of_interval]
    holiday_effect = np.where(calendar.is_holiday(frozenset(holidays)), holiday_factor, 1.0)
    weeks_elapsed = np.arange(length) / grid.intervals_per_week
    trend = (1.0 + weekly_growth) ** weeks_elapsed

    per_interval = interval_minutes / 15.0
    expected = per_interval * (
        night_quarter_hour
        + (busiest_quarter_hour - night_quarter_hour)
        * daytime
        * trend
        * day_effect
        * holiday_effect
    )
    return IntervalSeries(start, interval_minutes, rng.poisson(expected).astype(np.float64))


# --------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LocalCalendar:
    """Local wall-clock position of each interval of a grid (in the start's time zone)."""

    local_date: NDArray[np.datetime64]
    weekday: NDArray[np.int64]  # Monday = 0
    week_slot: NDArray[np.int64]  # weekday * intervals per day + slot of the day

    @classmethod
    def of(cls, start: datetime, interval_minutes: int, length: int) -> _LocalCalendar:
        # Fixed steps in absolute time, then read on the local clock.
        stamps = pd.date_range(start, periods=length, freq=pd.Timedelta(minutes=interval_minutes))
        wall = stamps.tz_localize(None)
        weekday = np.asarray(wall.weekday, dtype=np.int64)
        minute_of_day = np.asarray(wall.hour * 60 + wall.minute, dtype=np.int64)
        return cls(
            local_date=wall.normalize().to_numpy().astype("datetime64[D]"),
            weekday=weekday,
            week_slot=weekday * (_MINUTES_PER_DAY // interval_minutes)
            + minute_of_day // interval_minutes,
        )

    def is_holiday(self, holidays: frozenset[date]) -> NDArray[np.bool_]:
        return np.isin(self.local_date, np.array(sorted(holidays), dtype="datetime64[D]"))


@dataclass(frozen=True)
class _DailyTotals:
    """Totals of the complete local days of a history (a partial first or last day is
    left out), in date order."""

    dates: NDArray[np.datetime64]
    totals: FloatArray

    @classmethod
    def of(cls, history: IntervalSeries, calendar: _LocalCalendar) -> _DailyTotals:
        dates, day_of_interval = np.unique(calendar.local_date, return_inverse=True)
        totals = np.bincount(day_of_interval, weights=history.counts, minlength=dates.size)
        complete = np.ones(dates.size, dtype=bool)
        after_end = _LocalCalendar.of(history.end, history.interval_minutes, 1)
        complete[0] = calendar.week_slot[0] % history.intervals_per_day == 0
        complete[-1] &= after_end.week_slot[0] % history.intervals_per_day == 0
        return cls(dates[complete], totals[complete])

    def with_holidays_imputed(self, holidays: frozenset[date]) -> FloatArray:
        """Totals with each holiday replaced by its neighbouring same weekdays."""
        imputed = self.totals.copy()
        for index in np.flatnonzero(self._holiday_mask(holidays)):
            imputed[index] = self._reference_total(index, holidays)
        return imputed

    def holiday_multiplier(self, calendar: _LocalCalendar, holidays: frozenset[date]) -> FloatArray:
        """Per interval of ``calendar``: the historical holiday ratio on holidays, else 1."""
        return np.where(calendar.is_holiday(holidays), self._holiday_ratio(holidays), 1.0)

    def _holiday_ratio(self, holidays: frozenset[date]) -> float:
        ratios = [
            self.totals[index] / reference
            for index in np.flatnonzero(self._holiday_mask(holidays))
            if (reference := self._reference_total(index, holidays)) > 0
        ]
        return float(np.median(ratios)) if ratios else 1.0

    def _holiday_mask(self, holidays: frozenset[date]) -> NDArray[np.bool_]:
        return np.isin(self.dates, np.array(sorted(holidays), dtype="datetime64[D]"))

    def _reference_total(self, index: int, holidays: frozenset[date]) -> float:
        """Mean total of the same weekday one week before and after (ordinary days only);
        failing those, of every ordinary same weekday in the history."""
        ordinary = ~self._holiday_mask(holidays)
        day_gap = (self.dates - self.dates[index]).astype(np.int64)
        same_weekday = (day_gap % _DAYS_PER_WEEK == 0) & ordinary
        neighbours = same_weekday & (np.abs(day_gap) == _DAYS_PER_WEEK)
        for candidates in (neighbours, same_weekday):
            if candidates.any():
                return float(self.totals[candidates].mean())
        return float(self.totals[index])


def _add_elapsed(moment: datetime, elapsed: timedelta) -> datetime:
    """``moment`` plus ``elapsed`` real time, in ``moment``'s time zone.

    Plain ``moment + elapsed`` adds wall-clock time within one tzinfo, which is an hour
    off across a daylight-saving change; going through UTC adds elapsed time.
    """
    return (moment.astimezone(UTC) + elapsed).astimezone(moment.tzinfo)


def _recency_weights(history: IntervalSeries, half_life_weeks: float) -> FloatArray:
    """0.5 ** (age / half-life) per interval, age in whole weeks back from the end."""
    age_in_weeks = (len(history) - 1 - np.arange(len(history))) // history.intervals_per_week
    return np.power(0.5, age_in_weeks / half_life_weeks)


def _bump(hour: FloatArray, peak_hour: float, width_hours: float) -> FloatArray:
    return np.exp(-0.5 * ((hour - peak_hour) / width_hours) ** 2)


def _paired(actual: ArrayLike, forecast: ArrayLike) -> tuple[FloatArray, FloatArray]:
    actual_values = np.asarray(actual, dtype=np.float64)
    forecast_values = np.asarray(forecast, dtype=np.float64)
    if actual_values.shape != forecast_values.shape:
        raise ValueError(
            f"actual and forecast differ in shape: {actual_values.shape} vs {forecast_values.shape}"
        )
    return actual_values, forecast_values
