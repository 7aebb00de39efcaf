"""The demo's rollups: built for every demo day, and the dashboard's figures equal the raw ones."""

from datetime import timedelta

import pytest
from django.utils import timezone

from opora.accounts.models import User
from opora.analytics import demo_data, rollups, services
from opora.analytics.models import RollupDay
from opora.core.demo import seed_demo
from opora.tickets.models import Ticket

from .test_rollups import assert_rollups_equal_raw

pytestmark = pytest.mark.django_db


def test_demo_rollups_cover_every_day_and_equal_the_raw_figures():
    now = timezone.now()
    seed_demo(tickets=200, customers=40, now=now)
    line = demo_data.seed(now)
    first = timezone.localdate(Ticket.objects.earliest("created_at").created_at)
    yesterday = timezone.localdate(now) - timedelta(days=1)
    days = (yesterday - first).days + 1
    assert line == f"Built the daily analytics rollups of {days} days"
    assert RollupDay.objects.count() == days
    manager = services.viewer_of(User.objects.get(username="lead"))  # the demo's manager
    today = timezone.localdate(now)
    last_30 = services.DateRange(today - timedelta(days=29), today)
    assert_rollups_equal_raw(manager, services.Filters(last_30), live_days=1)
    assert rollups.period_report(manager, services.Filters(last_30)).summary().created > 20
