import pytest
from django.utils import timezone

from opora.chat import demo_data
from opora.chat.models import ChatLine, ChatSession
from opora.core.demo import seed_demo
from opora.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db


def test_every_chat_ticket_gets_a_plausible_session_once(django_assert_max_num_queries):
    seed_demo(tickets=200, customers=40)
    now = timezone.now()
    with django_assert_max_num_queries(20):
        summary = demo_data.seed(now)
    chat_tickets = Ticket.objects.filter(channel=Channel.CHAT).count()
    sessions = list(ChatSession.objects.all())
    assert chat_tickets > 0 and len(sessions) == chat_tickets
    assert summary.startswith(f"Seeded {chat_tickets} chat sessions")
    for session in sessions:
        assert session.ended_at <= now
        if session.abandoned:
            assert session.accepted_at is None and session.agent_id is None
        else:
            assert session.queued_at < session.accepted_at < session.ended_at
            assert session.agent_id == session.ticket.assignee_id
        seqs = list(session.lines.values_list("seq", flat=True))
        assert seqs == list(range(1, session.last_seq + 1))
    assert ChatLine.objects.filter(message__isnull=True).count() == 0
    # Seeding again adds nothing.
    demo_data.seed(now)
    assert ChatSession.objects.count() == chat_tickets
