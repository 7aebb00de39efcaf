"""Ticket signals → routing and triggers. Connected in AutomationConfig.ready(); the work is in
:mod:`.routing` and :mod:`.services`. Both run inside the transaction that changed the ticket."""

import logging
from typing import Any

from django.db import transaction

from opora.core.errors import OporaError
from opora.tickets.models import Message, Ticket
from opora.tickets.services import Actor

from . import routing, services
from .models import TriggerEvent

logger = logging.getLogger(__name__)


def on_ticket_created(
    sender: type, *, ticket: Ticket, message: Message, actor: Actor, **kwargs: Any
) -> None:
    # Routing is part of the creation: its own changes fire no update triggers.
    routed = False
    try:
        with transaction.atomic(), services.quiet():
            routed = routing.route_new_ticket(ticket, actor, message.body)
    except OporaError:
        # A customer's ticket is never lost to a routing problem: it stays where it was created.
        logger.exception("Routing ticket #%s failed", ticket.pk)
    fired = services.run_triggers(ticket, TriggerEvent.CREATED, first_message_body=message.body)
    if routed or fired:
        # The creator's ticket object shows where routing and triggers put the ticket.
        ticket.refresh_from_db()


def on_ticket_changed(
    sender: type, *, ticket: Ticket, changes: dict[str, tuple[Any, Any]], **kwargs: Any
) -> None:
    if services.run_triggers(ticket, TriggerEvent.UPDATED, changes):
        ticket.refresh_from_db()
