"""Feedback tests run tasks at once and keep mail in memory (pytest-django's locmem outbox)."""

import re

import pytest
from django.core import mail

from opora.feedback.models import Invitation
from opora.tickets import services as ticket_services

LINK = re.compile(r"^(\d+): (\S+)$", re.MULTILINE)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OPORA_PUBLIC_URL = "http://testserver"


@pytest.fixture
def solve(django_capture_on_commit_callbacks, anna):
    """Solve a ticket as Anna, running what waits for the commit (the survey mail)."""

    def solve_ticket(ticket):
        with django_capture_on_commit_callbacks(execute=True):
            return ticket_services.update_ticket(
                ticket, ticket_services.Actor(user=anna), {"status": "solved"}
            )

    return solve_ticket


@pytest.fixture
def led_alpha(team_alpha, lead):
    team_alpha.lead = lead
    team_alpha.save()
    return team_alpha


def score_links(message) -> dict[int, str]:
    """The one-click links of a survey mail, by score, as paths."""
    return {
        int(score): url.removeprefix("http://testserver")
        for score, url in LINK.findall(message.body)
    }


def last_links() -> dict[int, str]:
    return score_links(mail.outbox[-1])


def invitation_of(ticket) -> Invitation:
    return Invitation.objects.get(ticket=ticket)
