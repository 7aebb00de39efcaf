"""Audit events for routing and automation decisions, beside the field changes the ticket
services record: they say which rule acted (``field`` names the kind of rule, ``new_value``
its name), so the timeline explains why a ticket changed."""

from opora.tickets.models import AuditAction, AuditEvent, Ticket
from opora.tickets.services import Actor, audit


def record_decision(
    ticket: Ticket, actor: Actor, kind: str, decision: str, action: str = AuditAction.CHANGED
) -> AuditEvent:
    return audit(ticket, actor, action, kind, new=decision[:2000])
