"""Forecast runs kept for later: forecast vs actual once the intervals have passed."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Abs

from opora.accounts.models import User

from .history import VolumeFilter, interval_history
from .models import ForecastInterval, ForecastRun
from .planning import WeekForecast, planning_zone


def _stored(value: float) -> float | None:
    """Accuracy measures are NaN without contacts; the database keeps NULL instead."""
    return None if math.isnan(value) else value


@transaction.atomic
def save_forecast_run(week: WeekForecast, created_by: User | None) -> ForecastRun:
    plan = week.settings
    run = ForecastRun.objects.create(
        created_by=created_by,
        channel=plan.volume.channel or "",
        reason_id=plan.volume.reason_id,
        interval_minutes=plan.interval_minutes,
        model_name=week.chosen.model_name,
        backtest_wape=_stored(week.chosen.wape),
        backtest_mape=_stored(week.chosen.mape),
        baseline_wape=_stored(week.baseline.wape),
        baseline_mape=_stored(week.baseline.mape),
    )
    ForecastInterval.objects.bulk_create(
        ForecastInterval(
            run=run,
            starts_at=week.start_of(index),
            forecast=float(point),
            lower=float(lower),
            upper=float(upper),
        )
        for index, (point, lower, upper) in enumerate(
            zip(week.point, week.lower, week.upper, strict=True)
        )
    )
    return run


def fill_actuals(run: ForecastRun, now: datetime) -> int:
    """Record the actual contacts of the run's intervals that have ended; returns how many.

    One history query and one bulk update per run, however many intervals or tickets."""
    pending = list(run.intervals.filter(actual__isnull=True).order_by("starts_at"))
    interval = timedelta(minutes=run.interval_minutes)
    ended = [row for row in pending if row.starts_at + interval <= now]
    if not ended:
        return 0
    start = ended[0].starts_at.astimezone(planning_zone())
    history = interval_history(
        start,
        ended[-1].starts_at + interval,
        run.interval_minutes,
        VolumeFilter(channel=run.channel or None, reason_id=run.reason_id),
    )
    step = run.interval_minutes * 60
    for row in ended:
        row.actual = float(history.counts[round((row.starts_at - start).total_seconds() / step)])
    ForecastInterval.objects.bulk_update(ended, ["actual"])
    return len(ended)


def recent_runs(limit: int = 5) -> list[ForecastRun]:
    """The latest runs, each with ``wape_so_far`` against the actuals recorded (None before
    any), in one query."""
    runs = ForecastRun.objects.select_related("reason").annotate(
        absolute_error=Sum(Abs(F("intervals__actual") - F("intervals__forecast"))),
        actual_total=Sum("intervals__actual"),
        intervals_with_actual=Count("intervals__actual"),
    )[:limit]
    for run in runs:
        run.wape_so_far = run.absolute_error / run.actual_total if run.actual_total else None
    return list(runs)
