"""Tickets with a serial number get their coverage flag when created or when the serial changes."""

from typing import Any

from django.dispatch import receiver

from opora.tickets.models import Ticket
from opora.tickets.signals import ticket_changed, ticket_created

from . import services


@receiver(ticket_created, dispatch_uid="entitlements.flag_new_ticket")
def flag_new_ticket(sender: type, *, ticket: Ticket, actor, **kwargs: Any) -> None:
    if ticket.serial_number.strip():
        services.flag_ticket(ticket, checked_by=actor.user)


@receiver(ticket_changed, dispatch_uid="entitlements.flag_changed_serial")
def flag_changed_serial(
    sender: type, *, ticket: Ticket, actor, changes: dict[str, tuple[Any, Any]], **kwargs: Any
) -> None:
    if "serial_number" in changes:
        services.flag_ticket(ticket, checked_by=actor.user)
