"""Keeps the ticket search index in step with the ticket services' domain events."""

from django.dispatch import receiver

from opora.tickets import signals
from opora.tickets.models import Ticket

from . import search


@receiver(signals.ticket_created, sender=Ticket, dispatch_uid="knowledge_index_new_ticket")
def index_new_ticket(sender, ticket, message, **kwargs) -> None:
    search.index_messages([message.pk])


@receiver(signals.message_added, sender=Ticket, dispatch_uid="knowledge_index_message")
def index_message(sender, ticket, message, **kwargs) -> None:
    search.index_messages([message.pk])


@receiver(signals.ticket_changed, sender=Ticket, dispatch_uid="knowledge_index_subject")
def reindex_subject(sender, ticket, changes, **kwargs) -> None:
    # The subject lives in the first message's entry.
    if "subject" in changes:
        first = ticket.messages.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            search.index_messages([first])
