"""SLA test fixtures: a controllable clock, a Moscow office calendar and policies.

The project has no time-freezing library, so ``frozen_now`` moves "now" itself: it replaces
``django.utils.timezone.now`` (read at call time by services and ``auto_now`` fields) and the
``created_at`` defaults of tickets, messages and audit events (Django captures those callables
when the models are defined).
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from opora.sla.models import BusinessCalendar, SlaPolicy
from opora.tickets.models import AuditEvent, Message, Ticket

MOSCOW = ZoneInfo("Europe/Moscow")


def msk(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A wall-clock time in Moscow in 2026 (March by default: Monday 2 March is a working day)."""
    return datetime(2026, month, day, hour, minute, tzinfo=MOSCOW)


class FrozenClock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def frozen_now(monkeypatch) -> FrozenClock:
    clock = FrozenClock(msk(2, 10))  # Monday 2 March 2026, 10:00 Moscow
    monkeypatch.setattr(timezone, "now", clock)
    for model in (Ticket, Message, AuditEvent):
        monkeypatch.setattr(model._meta.get_field("created_at"), "_get_default", clock)
    return clock


@pytest.fixture
def office_calendar(db) -> BusinessCalendar:
    """Moscow, Monday to Friday 09:00-18:00, Russian public holidays."""
    return BusinessCalendar.objects.create(name="Moscow office", time_zone="Europe/Moscow")


@pytest.fixture
def make_policy(db) -> Callable[..., SlaPolicy]:
    def factory(name: str, **fields) -> SlaPolicy:
        policy = SlaPolicy(name=name, **fields)
        policy.full_clean()
        policy.save()
        return policy

    return factory


@pytest.fixture
def immediate_tasks(settings) -> None:
    """Run enqueued tasks (breach e-mails) at once instead of leaving them for a worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
