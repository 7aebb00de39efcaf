"""Agent replies and acknowledgements out as real mail, threaded into the customer's conversation."""

import logging
import smtplib
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from opora.tickets.models import AuditAction, AuditEvent, Message, Ticket

from .models import Delivery, Direction, EmailEnvelope, InboundMail, Mailbox

logger = logging.getLogger(__name__)

# Threading only needs the recent history; some servers refuse very long References headers.
MAX_REFERENCES = 20


def new_message_id(ticket: Ticket) -> str:
    return make_msgid(idstring=f"opora.{ticket.pk}", domain=settings.OPORA_MAIL_DOMAIN).strip("<>")


def sender_for(ticket: Ticket) -> str:
    """Reply from the mailbox the customer wrote to, so their reply comes back to it."""
    inbound = (
        InboundMail.objects.filter(ticket=ticket, mailbox__isnull=False)
        .select_related("mailbox")
        .first()
    )
    mailbox = (
        inbound.mailbox
        if inbound
        else Mailbox.objects.filter(is_active=True).order_by("pk").first()
    )
    if mailbox is None:
        return settings.DEFAULT_FROM_EMAIL
    return f"{mailbox.name} <{mailbox.address}>"


def subject_for(ticket: Ticket) -> str:
    subject = (
        ticket.subject
        if ticket.reference in ticket.subject
        else f"{ticket.subject} {ticket.reference}"
    )
    return f"Re: {subject}"


def queue_reply(message: Message) -> EmailEnvelope | None:
    """Called inside the reply's transaction; the mail leaves only after it commits."""
    ticket = message.ticket
    if not ticket.customer.email:
        return None
    envelope = EmailEnvelope.objects.create(
        message=message,
        rfc_message_id=new_message_id(ticket),
        direction=Direction.OUTBOUND,
        recipient=ticket.customer.email,
        delivery=Delivery.QUEUED,
    )
    from .tasks import send_envelope

    transaction.on_commit(lambda: send_envelope.enqueue(envelope.pk))
    return envelope


def _thread_headers(ticket: Ticket, own_id: str) -> dict[str, str]:
    earlier = list(
        EmailEnvelope.objects.filter(message__ticket=ticket)
        .exclude(rfc_message_id=own_id)
        .order_by("message__created_at", "pk")
        .values_list("rfc_message_id", "direction")
    )
    headers = {"Message-ID": f"<{own_id}>", "X-Opora-Ticket": str(ticket.pk)}
    if earlier:
        inbound = [
            message_id for message_id, direction in earlier if direction == Direction.INBOUND
        ]
        headers["In-Reply-To"] = f"<{(inbound or [earlier[-1][0]])[-1]}>"
        headers["References"] = " ".join(
            f"<{message_id}>" for message_id, _ in earlier[-MAX_REFERENCES:]
        )
    return headers


def build_reply(envelope: EmailEnvelope) -> EmailMessage:
    message = envelope.message
    ticket = message.ticket
    customer = ticket.customer
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        body = render_to_string(
            "mail/reply.txt", {"message": message, "ticket": ticket, "customer": customer}
        )
    mail = EmailMessage(
        subject=subject_for(ticket),
        body=body,
        from_email=sender_for(ticket),
        to=[envelope.recipient],
        headers=_thread_headers(ticket, envelope.rfc_message_id),
    )
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            mail.attach(attachment.filename, handle.read(), attachment.content_type)
    return mail


def deliver(envelope_id: int) -> str:
    """Send one queued reply. Safe to call twice: a sent or failed envelope is left alone."""
    envelope = EmailEnvelope.objects.select_related("message__ticket__customer").get(pk=envelope_id)
    if envelope.delivery in {Delivery.SENT, Delivery.FAILED}:
        return envelope.delivery
    try:
        build_reply(envelope).send()
    except (smtplib.SMTPException, OSError) as error:
        envelope.attempts += 1
        envelope.last_error = str(error)[:2000]
        final = envelope.attempts >= settings.OPORA_MAIL_MAX_SEND_ATTEMPTS
        envelope.delivery = Delivery.FAILED if final else Delivery.RETRYING
        envelope.save(update_fields=["attempts", "last_error", "delivery"])
        if not final:
            from .tasks import send_envelope

            retry = send_envelope
            if retry.get_backend().supports_defer:
                retry = retry.using(
                    run_after=timezone.now() + timedelta(minutes=2**envelope.attempts)
                )
            retry.enqueue(envelope.pk)
        return envelope.delivery
    envelope.attempts += 1
    envelope.delivery = Delivery.SENT
    envelope.sent_at = timezone.now()
    envelope.last_error = ""
    envelope.save(update_fields=["attempts", "delivery", "sent_at", "last_error"])
    return envelope.delivery


class AcknowledgementsNotSent(Exception):
    """Some acknowledgements of a batch could not be sent; the job fails with their list (the
    others went out, and running the job again sends only what is missing)."""


def send_acknowledgements(ticket_ids: list[int]) -> int:
    """Acknowledge the tickets one ingest batch created; returns how many were sent."""
    sent, failed = 0, []
    for ticket_id in ticket_ids:
        try:
            sent += send_acknowledgement(ticket_id)
        except (smtplib.SMTPException, OSError) as error:
            logger.warning("acknowledgement of ticket #%s not sent: %s", ticket_id, error)
            failed.append(f"#{ticket_id}: {error}")
    if failed:
        raise AcknowledgementsNotSent("; ".join(failed))
    return sent


def send_acknowledgement(ticket_id: int) -> bool:
    """The automatic "we have your request" mail, once per ticket. It is marked Auto-Submitted so
    that the customer's own autoresponder does not answer it (RFC 3834)."""
    ticket = Ticket.objects.select_related("customer").get(pk=ticket_id)
    if (
        not ticket.customer.email
        or AuditEvent.objects.filter(
            ticket=ticket, action=AuditAction.NOTIFIED, field="acknowledgement"
        ).exists()
    ):
        return False
    first = ticket.messages.select_related("email").first()
    own_id = new_message_id(ticket)
    headers = {
        **_thread_headers(ticket, own_id),
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
    }
    if first is not None and hasattr(first, "email"):
        headers["In-Reply-To"] = f"<{first.email.rfc_message_id}>"
    with translation.override(ticket.customer.language or settings.LANGUAGE_CODE):
        body = render_to_string(
            "mail/acknowledgement.txt",
            {
                "ticket": ticket,
                "customer": ticket.customer,
                "hours": settings.OPORA_FIRST_REPLY_PROMISE_HOURS,
            },
        )
    EmailMessage(
        subject_for(ticket), body, sender_for(ticket), [ticket.customer.email], headers=headers
    ).send()
    AuditEvent.objects.create(
        ticket=ticket,
        via="email",
        action=AuditAction.NOTIFIED,
        field="acknowledgement",
        new_value=ticket.customer.email,
    )
    return True
