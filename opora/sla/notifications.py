"""Breach e-mails to the assignee and the team lead.

The scheduler composes them in its transaction and hands them to the task workers on commit:
a pass over many tickets never waits on a mail server, and nothing is sent for a pass that
rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from smtplib import SMTPException
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from opora.accounts.models import User
from opora.tickets.models import Ticket

from .models import SlaTarget

logger = logging.getLogger(__name__)

# Mails per background task: small enough to retry cheaply, large enough to batch a backlog.
MAILS_PER_TASK = 500


@dataclass(frozen=True)
class BreachMail:
    subject: str
    body: str
    recipient: str


def _recipients(ticket: Ticket) -> list[User]:
    people = [ticket.assignee, ticket.team.lead if ticket.team else None]
    unique = {p.pk: p for p in people if p is not None and p.is_active and p.email}
    return list(unique.values())


def compose(ticket: Ticket, targets: Sequence[SlaTarget]) -> list[BreachMail]:
    """One mail per person, in their language and time zone. Callers select_related the
    ticket's assignee and team lead."""
    mails = []
    for person in _recipients(ticket):
        zone = ZoneInfo(person.time_zone)
        with translation.override(person.language):
            lines = [
                _("%(target)s was due %(due)s")
                % {
                    "target": target.get_kind_display(),
                    "due": target.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"),
                }
                for target in targets
            ]
            subject = _("SLA breached on ticket #%(number)s: %(subject)s") % {
                "number": ticket.pk,
                "subject": ticket.subject,
            }
            heading = _("Ticket #%(number)s «%(subject)s» missed its SLA:") % {
                "number": ticket.pk,
                "subject": ticket.subject,
            }
        body = "\n".join([heading, *(f"- {line}" for line in lines)])
        mails.append(BreachMail(subject, body, person.email))
    return mails


def send_on_commit(mails: Sequence[BreachMail]) -> None:
    payloads = [asdict(mail) for mail in mails]
    for start in range(0, len(payloads), MAILS_PER_TASK):
        batch = payloads[start : start + MAILS_PER_TASK]
        transaction.on_commit(lambda batch=batch: send_breach_mails.enqueue(batch))


@task()
def send_breach_mails(mails: list[dict[str, str]]) -> int:
    """Send composed breach mails; returns how many went out."""
    sent = 0
    for mail in map(lambda payload: BreachMail(**payload), mails):
        try:
            send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.recipient])
            sent += 1
        except (SMTPException, OSError):
            # The breach is recorded and shown on the ticket; one bad address or a mail
            # server hiccup must not stop the other notifications.
            logger.exception("SLA breach e-mail to %s failed", mail.recipient)
    return sent
