"""Placeholders in canned responses and macros: a fixed list, not a template language,
so an agent-written template can never reach data it should not."""

import re

from opora.accounts.models import User

from .models import Ticket

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")


def placeholder_values(ticket: Ticket, agent: User) -> dict[str, str]:
    customer = ticket.customer
    return {
        "customer.name": customer.name,
        "customer.first_name": customer.name.split()[0] if customer.name.split() else customer.name,
        "customer.email": customer.email,
        "organisation.name": ticket.organisation.name if ticket.organisation_id else "",
        "ticket.number": str(ticket.pk),
        "ticket.subject": ticket.subject,
        "agent.name": agent.get_full_name() or agent.username,
        "agent.first_name": agent.first_name or agent.username,
    }


def fill_placeholders(template: str, values: dict[str, str]) -> str:
    """Unknown placeholders are left as written, so the agent sees what did not fill."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template)
