"""Demo chat history: a ChatSession with plausible wait and handle times for every chat ticket
of the core demo, its lines numbered from the ticket's messages, and chat settings that keep the
widget open around the clock (so a newcomer can try /chat/demo/ at any hour)."""

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Prefetch

from opora.tickets.models import Channel, Message, MessageKind, Ticket

from .models import ChatLine, ChatSession, ChatSettings, ChatStatus, LineKind

ABANDON_SHARE = 0.08
# Median queue wait about 40 s with a long tail; handle time 4–20 minutes.
WAIT_MEDIAN_SECONDS = 40
WAIT_SPREAD = 0.9


def _wait(rng: random.Random) -> timedelta:
    return timedelta(seconds=min(900, rng.lognormvariate(0, WAIT_SPREAD) * WAIT_MEDIAN_SECONDS))


@transaction.atomic
def seed(now: datetime) -> str:
    rng = random.Random(42)
    if not ChatSettings.objects.exists():
        ChatSettings.objects.create(max_chats_per_agent=3)
    public = (
        Message.objects.filter(kind=MessageKind.REPLY)
        .select_related("author_user")
        .order_by("created_at", "pk")
    )
    tickets = (
        Ticket.objects.filter(channel=Channel.CHAT, chat_sessions__isnull=True)
        .select_related("customer", "assignee")
        .prefetch_related(Prefetch("messages", queryset=public, to_attr="public_messages"))
        .order_by("created_at", "pk")
    )
    sessions, lines_by_session = [], []
    for ticket in tickets:
        queued_at = ticket.created_at
        wait = _wait(rng)
        answered = ticket.assignee_id is not None and rng.random() >= ABANDON_SHARE
        if answered:
            accepted_at = queued_at + wait
            ended_at = min(now, accepted_at + timedelta(minutes=rng.uniform(4, 20)))
        else:
            accepted_at, ended_at = None, min(now, queued_at + wait)
        messages = ticket.public_messages if answered else ticket.public_messages[:1]
        sessions.append(
            ChatSession(
                ticket=ticket,
                team_id=ticket.team_id,
                agent_id=ticket.assignee_id if answered else None,
                status=ChatStatus.ENDED,
                queued_at=queued_at,
                accepted_at=accepted_at,
                ended_at=ended_at,
                abandoned=not answered,
                last_seq=len(messages),
            )
        )
        lines_by_session.append(messages)
    ChatSession.objects.bulk_create(sessions)
    lines = []
    for session, messages in zip(sessions, lines_by_session, strict=True):
        for seq, message in enumerate(messages, start=1):
            from_agent = message.author_user_id is not None
            author = message.author_user if from_agent else session.ticket.customer
            lines.append(
                ChatLine(
                    session=session,
                    seq=seq,
                    kind=LineKind.AGENT if from_agent else LineKind.CUSTOMER,
                    author_name=(author.first_name or author.username)
                    if from_agent
                    else author.name,
                    body=message.body,
                    message=message,
                    created_at=message.created_at,
                )
            )
    ChatLine.objects.bulk_create(lines, batch_size=500)
    abandoned = sum(session.abandoned for session in sessions)
    return f"Seeded {len(sessions)} chat sessions ({abandoned} abandoned), {len(lines)} chat lines"
