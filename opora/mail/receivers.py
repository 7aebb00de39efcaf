"""The e-mail channel listens to ticket events: replies go out by mail. (New e-mail tickets are
acknowledged by the ingest itself, one job per batch: opora/mail/ingest.py.)"""

from django.dispatch import receiver

from opora.messengers import services as messengers
from opora.tickets.models import Channel, MessageKind
from opora.tickets.signals import message_added

from . import outbound


@receiver(message_added, dispatch_uid="mail.reply_by_email")
def reply_by_email(sender, ticket, message, actor, **kwargs) -> None:
    # Only a person's public reply to the customer travels; notes and the customer's own words don't.
    # Live chat lines are already in front of the customer, and a messenger conversation's
    # replies go back through its own adapter: neither is mailed as well.
    if (
        message.kind == MessageKind.REPLY
        and message.author_user_id is not None
        and message.author_customer_id is None
        and message.channel != Channel.CHAT
        and ticket.channel not in messengers.CHANNEL_OF.values()
    ):
        outbound.queue_reply(message)
