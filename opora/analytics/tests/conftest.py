"""A small help desk whose every figure is worked out by hand in the comments below.

All times are UTC; the site's zone is Europe/Moscow (UTC+3), so every time here falls on the
same calendar day there. The report period is Mon 2 – Sun 8 March 2026; the previous period
is 23 Feb – 1 Mar. "Now" is Mon 9 March 12:00 UTC.

ticket  channel team  assignee created      first reply     solved          reopens agent replies
T1      email   Alpha anna     Mar 2 09:00  09:30 (1800 s)  Mar 2 11:00 (7200 s)      0   1  FCR
T2      chat    Alpha anna     Mar 3 10:00  10:05 (300 s)   Mar 4 10:00 (86400 s)     0   2
T3      email   Beta  boris    Mar 4 09:00  12:00 (10800 s) Mar 5 09:00 (86400 s)     1   1  reopened
T4      phone   Beta  —        Mar 5 09:00  —               open
T5      web     Alpha anna     Mar 6 12:00  12:10 (600 s)   pending
T6      email   Alpha anna     Feb 24 09:00 09:15 (900 s)   Feb 24 10:00 (3600 s)     0   1  (previous period)
"""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from opora.chat.models import ChatSession
from opora.feedback.models import Invitation, Response, Survey
from opora.sla.models import BusinessCalendar, SlaTarget, TargetStatus
from opora.telephony.models import Call
from opora.tickets.models import Message, MessageKind, Status, Ticket

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
PERIOD = (date(2026, 3, 2), date(2026, 3, 8))


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def frozen_now(monkeypatch):
    """timezone.now() and localdate() as of NOW, for everything in the analytics app."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def desk(make_ticket, erin, anna, boris, team_alpha, team_beta, frozen_now):
    rows = {
        # name: (channel, team, assignee, created, first reply, solved, status, reopens, replies)
        "T1": ("email", team_alpha, anna, at(2, 9), at(2, 9, 30), at(2, 11), Status.SOLVED, 0, 1),
        "T2": ("chat", team_alpha, anna, at(3, 10), at(3, 10, 5), at(4, 10), Status.SOLVED, 0, 2),
        "T3": ("email", team_beta, boris, at(4, 9), at(4, 12), at(5, 9), Status.SOLVED, 1, 1),
        "T4": ("phone", team_beta, None, at(5, 9), None, None, Status.OPEN, 0, 0),
        "T5": ("web", team_alpha, anna, at(6, 12), at(6, 12, 10), None, Status.PENDING, 0, 1),
        "T6": (
            "email",
            team_alpha,
            anna,
            at(24, 9, month=2),
            at(24, 9, 15, month=2),
            at(24, 10, month=2),
            Status.SOLVED,
            0,
            1,
        ),
    }
    tickets = {}
    for name, (
        channel,
        team,
        assignee,
        created,
        first,
        solved,
        status,
        reopens,
        replies,
    ) in rows.items():
        ticket = make_ticket(erin, subject=name, channel=channel)
        Ticket.objects.filter(pk=ticket.pk).update(
            team=team,
            assignee=assignee,
            created_at=created,
            first_response_at=first,
            solved_at=solved,
            status=status,
            reopen_count=reopens,
        )
        ticket.messages.update(created_at=created)
        for _reply in range(replies):
            Message.objects.create(
                ticket=ticket,
                kind=MessageKind.REPLY,
                channel=channel,
                author_user=assignee,
                body="answer",
                created_at=first,
            )
        # An internal note never counts towards first contact resolution.
        Message.objects.create(
            ticket=ticket, kind=MessageKind.NOTE, channel=channel, author_user=anna, body="n"
        )
        ticket.refresh_from_db()
        tickets[name] = ticket
    # The SLA app may have started targets of its own; the fixture states its own.
    SlaTarget.objects.all().delete()
    sla = [
        # T1 first response met; T2 resolution missed; T3 first response achieved late = missed.
        (tickets["T1"], "first_response", TargetStatus.ACHIEVED, None),
        (tickets["T2"], "resolution", TargetStatus.BREACHED, at(3, 18)),
        (tickets["T3"], "first_response", TargetStatus.ACHIEVED, at(4, 11)),
        # T4 is at risk: running, due within two hours of NOW.
        (tickets["T4"], "first_response", TargetStatus.ACTIVE, None),
    ]
    for ticket, kind, status, breached in sla:
        SlaTarget.objects.create(
            ticket=ticket,
            kind=kind,
            status=status,
            target_minutes=60,
            started_at=ticket.created_at,
            due_at=at(9, 13) if status == TargetStatus.ACTIVE else None,
            breached_at=breached,
        )
    # Chat on T2: one answered after 120 s and handled for 1800 s; one abandoned.
    ChatSession.objects.create(
        ticket=tickets["T2"],
        team=team_alpha,
        agent=anna,
        queued_at=at(3, 9, 58),
        accepted_at=at(3, 10),
        ended_at=at(3, 10, 30),
    )
    ChatSession.objects.create(ticket=tickets["T2"], queued_at=at(3, 9, 50), abandoned=True)
    # Phone on T4: inbound answered after 30 s (300 s talk), inbound missed, outbound 120 s talk.
    Call.objects.create(
        ticket=tickets["T4"],
        direction="inbound",
        started_at=at(5, 9),
        answered_at=at(5, 9, 0, 30),
        ended_at=at(5, 9, 5, 30),
        duration_seconds=300,
        outcome="resolved",
    )
    Call.objects.create(
        ticket=tickets["T4"],
        direction="inbound",
        started_at=at(5, 8, 50),
        duration_seconds=0,
        outcome="missed",
    )
    Call.objects.create(
        ticket=tickets["T4"],
        agent=boris,
        direction="outbound",
        started_at=at(5, 10),
        answered_at=at(5, 10, 0, 10),
        ended_at=at(5, 10, 2, 10),
        duration_seconds=120,
        outcome="follow_up_needed",
    )
    # CSAT answered in the period: T1 5 and 4 (satisfied), T3 2 → 2 of 3 = 66.7 %.
    # Previous period: T6 3 → 0 %.
    Response.objects.all().delete()
    version = Survey.objects.get(kind="csat", audience="everyone").current_version()
    for ticket, score, when in (
        (tickets["T1"], 5, at(2, 12)),
        (tickets["T1"], 4, at(3, 12)),
        (tickets["T3"], 2, at(5, 12)),
        (tickets["T6"], 3, at(25, 12, month=2)),
    ):
        invitation = Invitation.objects.create(
            version=version,
            customer=erin,
            ticket=ticket,
            channel="email",
            sent_at=when,
            expires_at=NOW,
        )
        Response.objects.create(
            invitation=invitation, version=version, kind="csat", score=score, created_at=when
        )
    return tickets


@pytest.fixture
def utc_calendar(db):
    """Mon–Fri 09:00–18:00 UTC, no public holidays.

    Business resolution: T1 2 Mar 09:00→11:00 = 7200 s; T2 3 Mar 10:00→18:00 + 4 Mar
    09:00→10:00 = 9 h = 32400 s; T3 4 Mar 09:00→18:00 + 5 Mar 09:00 = 32400 s.
    Mean 72000/3 = 24000 s, median 32400 s."""
    week = {
        day: [["09:00", "18:00"]]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    }
    return BusinessCalendar.objects.create(
        name="UTC office", time_zone="UTC", weekly_hours=week, country=""
    )
