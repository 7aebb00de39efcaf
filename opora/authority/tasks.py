"""Mail to staff about their requests and hand-offs, sent by the task workers after commit."""

import logging
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_staff_mail(subject: str, body: str, recipient: str) -> bool:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    except (SMTPException, OSError):
        # The ticket's history and the approvals / hand-off pages already show the change.
        logger.exception("Authority e-mail to %s failed", recipient)
        return False
    return True
