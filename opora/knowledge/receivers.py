"""Keeps the ticket search index in step with the ticket services' domain events, and the
attachment files in step with their rows."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from opora.tickets import signals
from opora.tickets.models import Ticket

from . import search
from .models import ArticleAttachment


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


@receiver(post_delete, sender=ArticleAttachment, dispatch_uid="knowledge_attachment_file")
def remove_attachment_file(sender, instance: ArticleAttachment, **kwargs) -> None:
    # Also when a deleted article takes its attachments along. After commit: a rolled-back
    # delete must still find its file.
    transaction.on_commit(lambda: instance.file.delete(save=False))
