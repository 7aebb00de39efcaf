"""The "improvements" panel on the ticket page: what this ticket is linked to, propose a new
item from it, or add it to an open one. Two queries."""

from django.http import HttpRequest

from opora.tickets.models import Ticket

from .models import OPEN_STATUSES, ImprovementItem

OPEN_ITEMS_SHOWN = 100


def panel(request: HttpRequest, ticket: Ticket) -> dict | None:
    if not request.user.is_agent_like:
        return None
    linked = list(ImprovementItem.objects.filter(ticket_links__ticket=ticket).order_by("-pk"))
    linked_ids = {item.pk for item in linked}
    open_items = [
        item
        for item in ImprovementItem.objects.filter(status__in=OPEN_STATUSES).only(
            "pk", "title", "is_safety", "score"
        )[:OPEN_ITEMS_SHOWN]
        if item.pk not in linked_ids
    ]
    return {
        "template": "improvements/_ticket_panel.html",
        "linked": linked,
        "open_items": open_items,
    }
