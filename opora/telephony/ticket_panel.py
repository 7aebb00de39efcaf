"""The phone panel on the ticket page: recent calls, the pending callback, and the forms to log a
call or promise a callback (outbound contact is always possible from the ticket). Two queries."""

from django.http import HttpRequest
from django.utils import timezone

from opora.tickets.models import Ticket

from .forms import AgentCallbackForm, CallLogForm
from .models import Call, Callback

RECENT_CALLS = 5


def panel(request: HttpRequest, ticket: Ticket) -> dict | None:
    user = request.user
    if not user.is_agent_like:
        return None
    return {
        "template": "telephony/_ticket_panel.html",
        "calls": list(Call.objects.filter(ticket=ticket).select_related("agent")[:RECENT_CALLS]),
        "pending_callback": Callback.objects.pending().filter(ticket=ticket).first(),
        "now": timezone.now(),
        "can_log": user.can_reply_publicly,
        "call_form": CallLogForm(
            auto_id="call_%s", initial={"phone": ticket.customer.phone, "direction": "outbound"}
        ),
        "callback_form": AgentCallbackForm(auto_id="callback_%s"),
    }
