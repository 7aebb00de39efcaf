"""Authority tests: tasks run at once, mail stays in memory, Alpha is led by `lead`."""

from decimal import Decimal

import pytest

from opora.accounts.models import Role
from opora.authority.models import AuthorityLimit, CompensationKind, LimitPeriod


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def led_alpha(team_alpha, lead):
    team_alpha.lead = lead
    team_alpha.save()
    return team_alpha


@pytest.fixture
def policy(db):
    """Agents refund up to 3 000 ₽, five a week; leads up to 20 000 ₽, three a week."""
    return [
        AuthorityLimit.objects.create(
            role=Role.AGENT,
            kind=CompensationKind.REFUND,
            max_amount=Decimal("3000"),
            max_count=5,
            period=LimitPeriod.WEEK,
        ),
        AuthorityLimit.objects.create(
            role=Role.MANAGER,
            kind="",
            max_amount=Decimal("20000"),
            max_count=3,
            period=LimitPeriod.WEEK,
        ),
    ]


@pytest.fixture
def ticket(make_ticket, carol, anna):
    """Carol's ticket in Alpha, assigned to Anna."""
    from opora.tickets import services

    created = make_ticket(carol)
    return services.update_ticket(created, services.Actor(user=anna), {"assignee": anna})
