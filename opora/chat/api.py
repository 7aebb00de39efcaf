"""Chat sessions with their wait and handle times, and a chat's numbered lines, for staff.

Reads go through opora.tickets.access: an agent sees the chats of tickets they may see;
customers are refused (their side of a chat is the widget)."""

from datetime import datetime

from ninja import Query, Router, Schema
from ninja.errors import AuthorizationError

from opora.api.pagination import page_of, reject_unknown_params
from opora.api.schemas import ErrorOut, Id, Page, PageParams
from opora.core.errors import NotFound
from opora.tickets.access import visible_tickets

from .models import ChatSession, ChatStatus

router = Router(tags=["chat"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ChatSessionOut(Schema):
    id: int
    ticket_id: int
    team_id: int | None
    agent_id: int | None
    status: str
    queued_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    abandoned: bool
    wait_seconds: float | None
    handle_seconds: float | None

    @staticmethod
    def resolve_wait_seconds(session: ChatSession) -> float | None:
        if session.accepted_at is None:
            return None
        return (session.accepted_at - session.queued_at).total_seconds()

    @staticmethod
    def resolve_handle_seconds(session: ChatSession) -> float | None:
        if session.accepted_at is None or session.ended_at is None:
            return None
        return (session.ended_at - session.accepted_at).total_seconds()


class ChatLineOut(Schema):
    seq: int
    kind: str
    author_name: str
    body: str
    message_id: int | None
    created_at: datetime


class ChatFilters(Schema):
    status: ChatStatus | None = None
    ticket_id: Id | None = None
    agent_id: Id | None = None


def _visible_sessions(request):
    if not request.auth.is_agent_like:
        raise AuthorizationError
    return ChatSession.objects.filter(ticket__in=visible_tickets(request.auth))


def _session(request, chat_id: int) -> ChatSession:
    session = _visible_sessions(request).filter(pk=chat_id).first()
    if session is None:
        raise NotFound(f"Chat {chat_id} not found")
    return session


@router.get("/chat/sessions", response={200: Page[ChatSessionOut], **ERRORS})
def list_sessions(request, page: Query[PageParams], filters: Query[ChatFilters]):
    reject_unknown_params(request, PageParams, ChatFilters)
    sessions = _visible_sessions(request).order_by("-queued_at", "-pk")
    for name in ("status", "ticket_id", "agent_id"):
        value = getattr(filters, name)
        if value is not None:
            sessions = sessions.filter(**{name: value})
    return page_of(sessions, page)


@router.get("/chat/sessions/{chat_id}", response={200: ChatSessionOut, **ERRORS})
def get_session(request, chat_id: Id):
    return _session(request, chat_id)


@router.get("/chat/sessions/{chat_id}/lines", response={200: list[ChatLineOut], **ERRORS})
def session_lines(request, chat_id: Id, after: int = 0):
    """The chat's lines numbered above ``after`` (what a client that saw ``after`` missed)."""
    return list(_session(request, chat_id).lines.filter(seq__gt=after).order_by("seq"))
