"""Agents' public replies on messenger tickets travel back to the customer's chat."""

from django.dispatch import receiver

from opora.tickets.models import MessageKind
from opora.tickets.signals import message_added

from . import services


@receiver(message_added, dispatch_uid="messengers.reply_to_chat")
def reply_to_chat(sender, ticket, message, actor, **kwargs) -> None:
    # Only a person's public reply travels; notes and the customer's own words don't.
    if (
        ticket.channel in services.CHANNEL_OF.values()
        and message.kind == MessageKind.REPLY
        and message.author_user_id is not None
        and message.author_customer_id is None
    ):
        services.queue_reply(message)
