"""The chat panel on the agent's ticket page: the ticket's chats with their wait and handle
times, and a link to answer a live one. No query for tickets of other channels, one otherwise."""

from datetime import datetime

from django.http import HttpRequest

from opora.tickets.models import Channel, Ticket

from .models import ChatStatus


def clock_time(start: datetime | None, end: datetime | None) -> str | None:
    """ "m:ss" (or "h:mm:ss") from start to end; None when either is missing."""
    if start is None or end is None:
        return None
    seconds = max(0, round((end - start).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def panel(request: HttpRequest, ticket: Ticket) -> dict | None:
    if not request.user.is_agent_like or ticket.channel != Channel.CHAT:
        return None
    sessions = list(ticket.chat_sessions.select_related("agent").order_by("-queued_at")[:5])
    if not sessions:
        return None
    return {
        "template": "chat/_ticket_panel.html",
        "sessions": [
            {
                "session": session,
                "wait": clock_time(session.queued_at, session.accepted_at),
                "handle": clock_time(session.accepted_at, session.ended_at),
            }
            for session in sessions
        ],
        "live": any(session.status != ChatStatus.ENDED for session in sessions),
    }
