"""The workspace side: apply a macro from the ticket page, set one's own availability."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opora.core.errors import OporaError
from opora.core.web import staff_required
from opora.tickets.access import get_visible_ticket, visible_tickets
from opora.tickets.services import Actor

from . import services
from .models import Availability


@staff_required
@require_POST
def apply_macro(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_visible_ticket(request.user, pk)
    macro = services.macros_for(request.user).filter(pk=request.POST.get("macro") or 0).first()
    if macro is None:
        messages.error(request, _("Choose a macro"))
        return redirect("desk:ticket", pk=pk)
    try:
        services.apply_macro(ticket, macro, Actor(user=request.user, via="web"))
    except OporaError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Macro «%(name)s» applied") % {"name": macro.name})
    # A macro may move the ticket to a team the agent does not see.
    if visible_tickets(request.user).filter(pk=pk).exists():
        return redirect("desk:ticket", pk=pk)
    return redirect("desk:tickets")


@staff_required
@require_POST
def set_status(request: HttpRequest) -> HttpResponse:
    status = request.POST.get("status", "")
    if status in Availability.values:
        services.set_agent_status(request.user, status)
        messages.success(
            request, _("Your status: %(status)s") % {"status": Availability(status).label}
        )
    else:
        messages.error(request, _("Unknown status"))
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
    return redirect(back if back and safe else "desk:tickets")
