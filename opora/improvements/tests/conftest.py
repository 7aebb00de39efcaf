from datetime import timedelta

import pytest
from django.utils import timezone

from opora.feedback.models import Invitation, Response, Survey, SurveyKind
from opora.tickets.models import ContactReason, Ticket


@pytest.fixture
def led_alpha(team_alpha, lead):
    team_alpha.lead = lead
    team_alpha.save()
    return team_alpha


@pytest.fixture
def reason(db):
    parent = ContactReason.objects.create(name="Доступ", name_en="Access")
    return ContactReason.objects.create(
        name="Сброс пароля", name_en="Password reset", parent=parent
    )


@pytest.fixture
def dated_ticket(make_ticket, carol):
    """A ticket with a given reason created at a given moment (and optionally a CSAT score)."""
    version = Survey.objects.get(kind=SurveyKind.CSAT, audience="everyone").current_version()

    def factory(reason, created_at, csat: int | None = None) -> Ticket:
        ticket = make_ticket(carol, subject="Cannot log in", reason=reason)
        Ticket.objects.filter(pk=ticket.pk).update(created_at=created_at)
        if csat is not None:
            invitation = Invitation.objects.create(
                version=version,
                customer=carol,
                ticket=ticket,
                channel="email",
                expires_at=timezone.now() + timedelta(days=14),
            )
            Response.objects.create(
                invitation=invitation, version=version, kind=SurveyKind.CSAT, score=csat
            )
        return ticket

    return factory
