"""Demo analytics: the daily rollups of every demo day, so the manager dashboard reads them from
the first page view (the hourly job, opora.analytics.tasks.queue_rollup_refresh, keeps them
current). Runs after every other app's demo data: analytics is last in INSTALLED_APPS."""

from datetime import datetime

from .rollups import refresh_rollups


def seed(now: datetime) -> str:
    days = refresh_rollups(now)
    return f"Built the daily analytics rollups of {days} days"
