"""Feedback listens to ticket events: a solved ticket gets its satisfaction survey."""

from django.dispatch import receiver

from opora.tickets.models import Status
from opora.tickets.signals import ticket_changed

from . import services


@receiver(ticket_changed, dispatch_uid="feedback.survey_after_solve")
def survey_after_solve(sender, ticket, actor, changes, **kwargs) -> None:
    status = changes.get("status")
    if status is not None and status[1] == Status.SOLVED:
        services.invite_after_solve(ticket)
