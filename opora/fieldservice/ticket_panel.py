"""The ticket page's field-service panel: the ticket's work orders and a way to create one."""

from django.http import HttpRequest

from opora.tickets.models import Ticket

from . import services


def panel(request: HttpRequest, ticket: Ticket) -> dict | None:
    user = request.user
    if not user.is_authenticated or not user.is_agent_like:
        return None
    orders = list(
        services.visible_work_orders(user)
        .filter(ticket=ticket)
        .select_related("technician__user")
        .order_by("-pk")[:10]
    )
    can_create = services.may_dispatch(user)
    if not orders and not can_create:
        return None
    return {
        "template": "fieldservice/_ticket_panel.html",
        "orders": orders,
        "can_create": can_create,
        "ticket": ticket,
    }
