"""E-mails to customers from triggers and automations, sent by the task workers after commit."""

import logging
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_customer_email(subject: str, body: str, recipient: str) -> bool:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    except (SMTPException, OSError):
        # The audit trail records that the rule sent it; a failure is logged for the admin.
        logger.exception("Automation e-mail to %s failed", recipient)
        return False
    return True
