"""The e-mail channel listens to ticket events: replies go out by mail, new e-mail tickets are acknowledged."""

from django.db import transaction
from django.dispatch import receiver

from opora.tickets.models import Channel, MessageKind
from opora.tickets.signals import message_added, ticket_created

from . import outbound


@receiver(message_added, dispatch_uid="mail.reply_by_email")
def reply_by_email(sender, ticket, message, actor, **kwargs) -> None:
    # Only a person's public reply to the customer travels; notes and the customer's own words don't.
    if (
        message.kind == MessageKind.REPLY
        and message.author_user_id is not None
        and message.author_customer_id is None
    ):
        outbound.queue_reply(message)


@receiver(ticket_created, dispatch_uid="mail.acknowledge")
def acknowledge(sender, ticket, message, actor, **kwargs) -> None:
    if ticket.channel == Channel.EMAIL and actor.via == "email" and ticket.customer.email:
        from .tasks import send_acknowledgement

        transaction.on_commit(lambda: send_acknowledgement.enqueue(ticket.pk))
