"""Daily rollups equal the raw aggregation: on the hand-computed desk and on a random help desk,
for several filters and periods, with and without a live (unbuilt) day."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from opora.analytics import histogram, rollups, services, tasks
from opora.analytics.models import DailyResponseRollup, DailyTicketRollup, RollupDay
from opora.chat.models import ChatSession
from opora.feedback import reports as feedback_reports
from opora.feedback.models import Invitation, Response, Survey
from opora.sla.models import SlaTarget, TargetStatus
from opora.telephony.models import Call
from opora.tickets.models import Message, MessageKind, Ticket

from .conftest import NOW, PERIOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(lead):
    return services.viewer_of(lead)


def close(rolled: float | None, raw: float | None) -> bool:
    """Within the histogram's documented bound: 2 % of the true figure plus one second."""
    if raw is None or rolled is None:
        return rolled is raw
    return abs(rolled - raw) <= (histogram.RATIO - 1) * abs(raw) + 1.0 + 1e-6


def assert_same_durations(rolled: services.Durations | None, raw: services.Durations | None):
    if raw is None:
        assert rolled is None
        return
    assert rolled.count == raw.count
    assert rolled.mean == (pytest.approx(raw.mean) if raw.mean is not None else None)
    assert close(rolled.median, raw.median), (rolled, raw)
    assert close(rolled.p90, raw.p90), (rolled, raw)


def assert_same_channel(rolled: services.LiveChannel, raw: services.LiveChannel):
    assert (rolled.offered, rolled.answered, rolled.abandoned) == (
        raw.offered,
        raw.answered,
        raw.abandoned,
    )
    assert_same_durations(rolled.wait, raw.wait)
    expected = raw.handle_mean_seconds
    assert rolled.handle_mean_seconds == (pytest.approx(expected) if expected is not None else None)


def assert_rollups_equal_raw(viewer, filters, live_days: int = 0):
    report = rollups.period_report(viewer, filters)
    assert isinstance(report, rollups.RollupReport), "rollups should serve this report"
    assert len(report.cover.live) == live_days
    raw = services.RawReport(viewer, filters)
    rolled_summary, raw_summary = report.summary(), raw.summary()
    for name in (
        "created",
        "solved",
        "outcomes",
        "csat_percent",
        "csat_responses",
        "sla",
        "sla_percent",
        "contacts_per_1000_customers",
        "deflected",
    ):
        assert getattr(rolled_summary, name) == getattr(raw_summary, name), name
    for name in ("frt", "resolution", "business_resolution"):
        assert_same_durations(getattr(rolled_summary, name), getattr(raw_summary, name))
    assert report.trend() == raw.trend()
    for by in ("channel", "reason", "hour", "weekday", "day", "team"):
        assert report.volume(by) == raw.volume(by), by
    assert_same_channel(report.chat(), raw.chat())
    assert_same_channel(report.phone(), raw.phone())
    responses = services.responses_in(viewer, filters)
    for by in feedback_reports.BREAKDOWNS:
        assert rollups.csat_breakdown(viewer, filters, by) == feedback_reports.csat_breakdown(
            responses, by
        ), by
    raw_trends = {
        kind: feedback_reports.weekly(responses, kind)
        for kind in ("csat", "nps", "ces")
        if kind in feedback_reports.FROM_COUNTS
    }
    assert rollups.score_trends(viewer, filters) == raw_trends


def test_rollups_equal_raw_on_the_hand_computed_desk(desk, manager, utc_calendar, team_alpha):
    built = rollups.refresh_rollups(NOW)
    # The last REFRESH_DAYS (14) days before NOW: 23 Feb – 8 Mar, T6's day (24 Feb) included.
    assert built == rollups.REFRESH_DAYS == 14
    period = services.DateRange(*PERIOD)
    for extra in (
        {},
        {"team": team_alpha.pk},
        {"channel": "email"},
        {"team": team_alpha.pk, "channel": "email"},
    ):
        assert_rollups_equal_raw(manager, services.Filters(period, **extra))
    # The hand-computed figures themselves, read from the rollups.
    summary = rollups.period_report(manager, services.Filters(period)).summary()
    assert (summary.created, summary.solved, summary.outcomes.first_contact) == (5, 3, 1)
    assert summary.frt.mean == pytest.approx(3375)
    assert close(summary.frt.median, 1200)
    assert summary.business_resolution.mean == pytest.approx(24000)
    assert summary.csat_responses == 3


def test_today_is_read_live_and_late_changes_are_picked_up(desk, manager, make_ticket, erin):
    rollups.refresh_rollups(NOW)
    # A ticket created today (9 March) is not in any rollup, yet counts: today is read live.
    today_ticket = make_ticket(erin, subject="today", channel="web")
    Ticket.objects.filter(pk=today_ticket.pk).update(created_at=NOW - timedelta(hours=1))
    with_today = services.Filters(services.DateRange(date(2026, 3, 2), date(2026, 3, 9)))
    assert_rollups_equal_raw(manager, with_today, live_days=1)
    # T1 (solved 2 March) is reopened late: the next run rebuilds the recent days.
    Ticket.objects.filter(pk=desk["T1"].pk).update(reopen_count=1)
    period = services.Filters(services.DateRange(*PERIOD))
    assert rollups.period_report(manager, period).summary().outcomes.reopened == 1
    rollups.refresh_rollups(NOW)
    assert rollups.period_report(manager, period).summary().outcomes.reopened == 2
    assert_rollups_equal_raw(manager, period)


def test_refresh_is_idempotent(desk):
    rollups.refresh_rollups(NOW)
    first = sorted(
        DailyTicketRollup.objects.values_list(
            "day", "grain", "team", "channel", "reason", "created", "solved"
        )
    )
    responses = DailyResponseRollup.objects.count()
    rollups.refresh_rollups(NOW)
    again = sorted(
        DailyTicketRollup.objects.values_list(
            "day", "grain", "team", "channel", "reason", "created", "solved"
        )
    )
    assert first == again
    assert DailyResponseRollup.objects.count() == responses == 4
    assert RollupDay.objects.count() == 14


def test_raw_tables_answer_when_rollups_cannot(desk, manager, anna, lead):
    period = services.Filters(services.DateRange(*PERIOD))
    # Nothing built yet.
    assert rollups.period_report(manager, period) is None
    rollups.refresh_rollups(NOW)
    # An agent filter, or an agent reading "my stats": not in the rollups.
    assert rollups.period_report(manager, services.Filters(period.period, agent=anna.pk)) is None
    assert rollups.period_report(services.viewer_of(anna), period) is None
    # More unbuilt days than LIVE_DAYS_MAX (a period reaching into the future).
    future = services.DateRange(date(2026, 3, 2), date(2026, 3, 20))
    assert rollups.period_report(manager, services.Filters(future)) is None
    # services dispatches: the dashboard's figures are the same either way.
    assert services.summary(manager, period).created == 5


def test_the_dashboard_reads_rollups(desk, lead, client_for, django_assert_max_num_queries):
    rollups.refresh_rollups(NOW)
    client = client_for(lead)
    with django_assert_max_num_queries(60):
        response = client.get("/analytics/?since=2026-03-02&until=2026-03-08")
    assert response.status_code == 200


# ---------------------------------------------------------------- a random help desk

RANDOM_NOW = datetime(2026, 5, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def random_desk(monkeypatch, erin, anna, boris, team_alpha, team_beta):
    """Seeded random tickets over 30 days with replies, reopens, SLA targets, chats, calls and
    surveys; some times fall near midnight in the site's zone (Europe/Moscow)."""
    monkeypatch.setattr(timezone, "now", lambda: RANDOM_NOW)
    rng = random.Random(20260520)
    from opora.tickets.models import ContactReason

    reasons = [
        ContactReason.objects.create(name=f"Причина {n}", name_en=f"Reason {n}") for n in range(3)
    ]
    csat = Survey.objects.get(kind="csat", audience="everyone").current_version()
    nps = Survey.objects.get(kind="nps", audience="everyone").current_version()
    channels = ["email", "web", "chat", "phone"]
    SlaTarget.objects.all().delete()
    Response.objects.all().delete()
    for number in range(80):
        created = RANDOM_NOW - timedelta(minutes=rng.randrange(0, 30 * 24 * 60))
        first = (
            created + timedelta(seconds=rng.randrange(0, 40000)) if rng.random() < 0.85 else None
        )
        solved = (
            created + timedelta(seconds=rng.randrange(60, 400000)) if rng.random() < 0.7 else None
        )
        if solved and solved > RANDOM_NOW:
            solved = None
        if first and first > RANDOM_NOW:
            first = None
        ticket = Ticket.objects.create(
            subject=f"Random {number}",
            customer=erin,
            channel=rng.choice(channels),
            team=rng.choice([team_alpha, team_beta, None]),
            assignee=rng.choice([anna, boris, None]),
            reason=rng.choice([*reasons, None]),
            status="solved" if solved else "open",
            reopen_count=rng.choice([0, 0, 0, 1, 2]),
            created_at=created,
            first_response_at=first,
            solved_at=solved,
        )
        for _reply in range(rng.randrange(0, 4)):
            Message.objects.create(
                ticket=ticket,
                kind=rng.choice([MessageKind.REPLY, MessageKind.REPLY, MessageKind.NOTE]),
                channel=ticket.channel,
                author_user=ticket.assignee or anna,
                body="answer",
            )
        if rng.random() < 0.6:
            status = rng.choice([TargetStatus.ACHIEVED, TargetStatus.BREACHED, TargetStatus.ACTIVE])
            SlaTarget.objects.create(
                ticket=ticket,
                kind=rng.choice(["first_response", "resolution"]),
                status=status,
                target_minutes=60,
                started_at=created,
                breached_at=created + timedelta(hours=1)
                if status == TargetStatus.BREACHED
                else None,
            )
        if ticket.channel == "chat":
            queued = created - timedelta(seconds=rng.randrange(0, 600))
            accepted = (
                queued + timedelta(seconds=rng.randrange(1, 900)) if rng.random() < 0.8 else None
            )
            ChatSession.objects.create(
                ticket=ticket,
                queued_at=queued,
                accepted_at=accepted,
                ended_at=accepted + timedelta(seconds=rng.randrange(60, 3000))
                if accepted
                else None,
                abandoned=accepted is None,
            )
        if ticket.channel == "phone":
            answered = (
                created + timedelta(seconds=rng.randrange(1, 120)) if rng.random() < 0.75 else None
            )
            Call.objects.create(
                ticket=ticket,
                direction=rng.choice(["inbound", "inbound", "outbound"]),
                started_at=created,
                answered_at=answered,
                duration_seconds=rng.randrange(30, 900) if answered else 0,
                outcome="resolved" if answered else "missed",
            )
        if solved and rng.random() < 0.5:
            version = rng.choice([csat, nps])
            when = min(solved + timedelta(hours=rng.randrange(1, 72)), RANDOM_NOW)
            invitation = Invitation.objects.create(
                version=version,
                customer=erin,
                ticket=ticket,
                channel="email",
                sent_at=solved,
                expires_at=RANDOM_NOW + timedelta(days=14),
            )
            Response.objects.create(
                invitation=invitation,
                version=version,
                kind=version.survey.kind,
                score=rng.randint(1, 5) if version == csat else rng.randint(0, 10),
                created_at=when,
            )
    # A relationship (ticketless) NPS answer: counted for a manager without filters only.
    when = RANDOM_NOW - timedelta(days=3)
    invitation = Invitation.objects.create(
        version=nps, customer=erin, channel="email", sent_at=when, expires_at=RANDOM_NOW
    )
    Response.objects.create(
        invitation=invitation, version=nps, kind="nps", score=9, created_at=when
    )
    return reasons


def test_rollups_equal_raw_on_a_random_desk(random_desk, manager, team_beta, utc_calendar):
    rollups.refresh_rollups(RANDOM_NOW)
    today = timezone.localdate(RANDOM_NOW)
    reason = random_desk[1]
    for days in (1, 7, 30):
        past = services.DateRange(today - timedelta(days=days), today - timedelta(days=1))
        with_today = services.DateRange(today - timedelta(days=days - 1), today)
        for extra in (
            {},
            {"team": team_beta.pk},
            {"channel": "chat"},
            {"reason": reason.pk},
            {"team": team_beta.pk, "reason": reason.pk},
            {"channel": "phone", "team": team_beta.pk, "reason": reason.pk},
        ):
            assert_rollups_equal_raw(manager, services.Filters(past, **extra))
            assert_rollups_equal_raw(manager, services.Filters(with_today, **extra), live_days=1)
    # The comparison is not vacuous: every kind of figure has data in the 30 days.
    report = rollups.period_report(manager, services.Filters(with_today))
    summary = report.summary()
    assert summary.created >= 70 and summary.solved >= 30 and summary.sla
    assert summary.business_resolution.count == summary.solved
    assert report.chat().offered and report.phone().offered and summary.csat_responses
    assert 0 < summary.outcomes.first_contact < summary.solved


def test_the_periodic_job_queues_the_refresh_task(desk, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    tasks.queue_rollup_refresh()
    # The frozen clock (NOW, 9 March): the 14 days before it are built.
    assert sorted(RollupDay.objects.values_list("day", flat=True))[-1] == date(2026, 3, 8)
    assert RollupDay.objects.count() == rollups.REFRESH_DAYS
