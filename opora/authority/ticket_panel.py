"""The compensation and hand-off panel on the ticket page.

It costs the ticket page no query: the panel's body (limits, grants, hand-off) loads by htmx
from authority:ticket_panel once the page is shown."""

from django.http import HttpRequest

from opora.tickets.models import Ticket


def panel(request: HttpRequest, ticket: Ticket) -> dict | None:
    if not request.user.can_reply_publicly:
        return None
    return {"template": "authority/_ticket_panel.html"}
