"""The incidents panel on the agent's ticket page: the incidents this ticket belongs to, and the
open ones it can be linked to. One query."""

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest

from opora.tickets.models import Ticket

from .models import Incident, IncidentStatus, IncidentTicket


def panel(request: HttpRequest, ticket: Ticket) -> dict | None:
    if not request.user.is_agent_like:
        return None
    linked = IncidentTicket.objects.filter(incident=OuterRef("pk"), ticket=ticket)
    incidents = list(
        Incident.objects.filter(Q(status=IncidentStatus.OPEN) | Q(links__ticket=ticket))
        .annotate(is_linked=Exists(linked))
        .distinct()
        .order_by("-created_at", "-pk")[:30]
    )
    linked_incidents = [incident for incident in incidents if incident.is_linked]
    if not incidents:
        return None
    return {
        "template": "incidents/_ticket_panel.html",
        "ticket": ticket,
        "linked": linked_incidents,
        "open": [i for i in incidents if not i.is_linked and i.is_open],
        "can_edit": request.user.can_reply_publicly,
    }
