"""The messenger panel on a ticket: who the customer is on the messenger, and replies that have
not reached them (failed or still retrying). Two queries, and none for other channels."""

from django.http import HttpRequest

from opora.tickets.models import Ticket

from .models import DeliveryStatus, Identity, OutboundDelivery
from .services import CHANNEL_OF


def panel(request: HttpRequest, ticket: Ticket) -> dict | None:
    if not request.user.is_agent_like or ticket.channel not in CHANNEL_OF.values():
        return None
    deliveries = list(OutboundDelivery.objects.filter(message__ticket=ticket).order_by("-pk")[:20])
    return {
        "template": "messengers/_ticket_panel.html",
        "identity": Identity.objects.filter(customer_id=ticket.customer_id).order_by("-pk").first(),
        "undelivered": [d for d in deliveries if d.status != DeliveryStatus.SENT],
        "sent": sum(1 for d in deliveries if d.status == DeliveryStatus.SENT),
    }
