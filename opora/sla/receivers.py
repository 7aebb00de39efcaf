"""Ticket signals → SLA clocks. Connected in SlaConfig.ready(); the work is in services."""

from typing import Any

from opora.tickets.models import Message, Ticket
from opora.tickets.services import Actor

from . import services


def on_ticket_created(sender: type, *, ticket: Ticket, **kwargs: Any) -> None:
    services.start_clock(ticket)


def on_message_added(
    sender: type, *, ticket: Ticket, message: Message, actor: Actor, **kwargs: Any
) -> None:
    services.record_message(ticket, message, actor)


def on_ticket_changed(
    sender: type, *, ticket: Ticket, changes: dict[str, tuple[Any, Any]], **kwargs: Any
) -> None:
    services.record_change(ticket, changes)
