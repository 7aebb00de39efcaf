"""The coverage panel on the agent's ticket page: the flag of the ticket's serial number and a
form to link one. One query (the stored flag with its asset)."""

from django.http import HttpRequest

from opora.tickets.models import Ticket

from .models import TicketCoverage


def panel(request: HttpRequest, ticket: Ticket) -> dict | None:
    if not request.user.is_agent_like:
        return None
    flag = (
        TicketCoverage.objects.filter(ticket=ticket)
        .select_related("asset", "asset__product", "asset__customer", "plan")
        .first()
    )
    return {
        "template": "entitlements/_ticket_panel.html",
        "ticket": ticket,
        "flag": flag,
        "can_edit": request.user.can_reply_publicly,
    }
