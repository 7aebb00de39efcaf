"""Every metric against the hand-computed desk of conftest.py (numbers worked out in comments)."""

from datetime import date

import pytest

from opora.accounts.models import Role
from opora.analytics import services
from opora.analytics.models import SpanCoverage, WorkingSpan
from opora.core.testing import make_user

from .conftest import NOW, PERIOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(lead):
    return services.viewer_of(lead)


def period_filters(**extra) -> services.Filters:
    return services.Filters(services.DateRange(*PERIOD), **extra)


def tickets_of(viewer, filters=None):
    return services.filtered_tickets(viewer, filters or period_filters())


def test_volume_by_channel_hour_and_weekday(desk, manager):
    tickets = tickets_of(manager)
    period = period_filters().period
    by_channel = {row.key: row.count for row in services.volume(tickets, period, "channel")}
    # T1, T3 e-mail; T2 chat; T4 phone; T5 web. T6 is in the previous period.
    assert by_channel == {"email": 2, "chat": 1, "phone": 1, "web": 1}
    # Moscow hours: T1 12, T2 13, T3 12, T4 12, T5 15.
    by_hour = {row.key: row.count for row in services.volume(tickets, period, "hour")}
    assert by_hour == {12: 3, 13: 1, 15: 1}
    # ISO weekdays: Mon T1, Tue T2, Wed T3, Thu T4, Fri T5.
    by_weekday = {row.key: row.count for row in services.volume(tickets, period, "weekday")}
    assert by_weekday == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    assert [row.label for row in services.volume(tickets, period, "hour")] == [
        "12:00",
        "13:00",
        "15:00",
    ]


def test_first_response_and_resolution_times(desk, manager):
    tickets, period = tickets_of(manager), period_filters().period
    # FRT of T1 1800, T2 300, T3 10800, T5 600: mean 13500/4 = 3375; sorted 300 600 1800 10800,
    # median (600+1800)/2 = 1200; p90 at position 2.7: 1800 + 0.7 × 9000 = 8100.
    frt = services.first_response_times(tickets, period)
    assert frt.count == 4
    assert frt.mean == pytest.approx(3375)
    assert frt.median == pytest.approx(1200)
    assert frt.p90 == pytest.approx(8100)
    # Resolution of T1 7200, T2 86400, T3 86400: mean 60000, median 86400, p90 86400.
    resolution = services.resolution_times(tickets, period)
    assert (resolution.count, resolution.mean, resolution.median, resolution.p90) == (
        3,
        pytest.approx(60000),
        pytest.approx(86400),
        pytest.approx(86400),
    )


def test_business_resolution_time_uses_the_calendar(desk, manager, utc_calendar):
    business = services.business_resolution_times(
        tickets_of(manager), period_filters().period, utc_calendar
    )
    # See utc_calendar: 7200, 32400, 32400.
    assert business.count == 3
    assert business.mean == pytest.approx(24000, abs=0.5)
    assert business.median == pytest.approx(32400, abs=0.5)


def test_working_spans_are_laid_out_once_and_again_after_an_edit(utc_calendar):
    services.ensure_working_spans(utc_calendar, *PERIOD)
    # 2–8 March 2026: five working days, one span each.
    assert WorkingSpan.objects.count() == 5
    services.ensure_working_spans(utc_calendar, PERIOD[0], PERIOD[0])
    assert WorkingSpan.objects.count() == 5
    utc_calendar.weekly_hours = {"monday": [["09:00", "13:00"], ["14:00", "18:00"]]}
    utc_calendar.save()
    services.ensure_working_spans(utc_calendar, *PERIOD)
    assert WorkingSpan.objects.count() == 2  # only Monday, two intervals
    assert SpanCoverage.objects.get().calendar_updated_at == utc_calendar.updated_at


def test_first_contact_resolution_and_reopen_rate(desk, manager):
    outcomes = services.outcomes(tickets_of(manager), period_filters().period)
    # Solved: T1, T2, T3. FCR only T1 (T2 had two agent replies, T3 was reopened).
    assert (outcomes.solved, outcomes.first_contact, outcomes.reopened) == (3, 1, 1)
    assert outcomes.fcr_percent == pytest.approx(100 / 3)
    assert outcomes.reopen_percent == pytest.approx(100 / 3)


def test_backlog_and_age(desk, manager):
    backlog = services.backlog(tickets_of(manager), NOW)
    # T4 (4 d 3 h = 356400 s) and T5 (exactly 3 d = 259200 s) are unsolved.
    assert backlog.open == 2
    assert (backlog.older_than_1_day, backlog.older_than_3_days, backlog.older_than_7_days) == (
        2,
        1,
        0,
    )
    assert backlog.median_age_seconds == pytest.approx((356400 + 259200) / 2, abs=0.5)


def test_sla_attainment_per_target(desk, manager):
    rows = {
        row.kind: row
        for row in services.sla_attainment(tickets_of(manager), period_filters().period)
    }
    # First response: T1 met, T3 achieved late → missed: 50 %. Resolution: T2 missed: 0 %.
    assert (rows["first_response"].met, rows["first_response"].missed) == (1, 1)
    assert rows["first_response"].percent == 50
    assert (rows["resolution"].met, rows["resolution"].missed, rows["resolution"].percent) == (
        0,
        1,
        0,
    )
    # T4's running target is due within two hours: at risk.
    assert list(
        services.sla_at_risk(tickets_of(manager), NOW).values_list("ticket__subject", flat=True)
    ) == ["T4"]


def test_chat_and_phone(desk, manager):
    tickets, period = tickets_of(manager), period_filters().period
    chat = services.chat_figures(tickets, period)
    # Two sessions on T2: one waited 120 s and was handled 1800 s, one abandoned.
    assert (chat.offered, chat.answered, chat.abandoned) == (2, 1, 1)
    assert chat.abandonment_percent == 50
    assert chat.wait.median == pytest.approx(120, abs=0.01)
    assert chat.handle_mean_seconds == pytest.approx(1800, abs=0.01)
    phone = services.phone_figures(tickets, period)
    # Inbound: answered after 30 s, one missed. Talk time of answered calls: (300 + 120) / 2.
    assert (phone.offered, phone.answered, phone.abandoned) == (2, 1, 1)
    assert phone.wait.median == pytest.approx(30, abs=0.01)
    assert phone.handle_mean_seconds == pytest.approx(210)


def test_csat_breakdowns_reuse_feedback_definitions(desk, manager):
    by_channel = {
        row.label: row.result
        for row in services.csat_breakdown(manager, period_filters(), "channel")
    }
    # T1 (e-mail) 5 and 4, T3 (e-mail) 2: 2 of 3 satisfied.
    assert list(by_channel) == ["E-mail"]
    assert by_channel["E-mail"].responses == 3
    assert by_channel["E-mail"].csat_percent == pytest.approx(200 / 3)
    by_agent = {
        row.label: row.result.csat_percent
        for row in services.csat_breakdown(manager, period_filters(), "agent")
    }
    assert by_agent == {"Anna": 100.0, "Boris": 0.0}


def test_summary_and_comparison_with_the_previous_period(desk, manager, erin):
    rows = {row.key: row.change for row in services.headlines(manager, period_filters())}
    # Created 5 now, 1 (T6) before: +4, +400 %.
    assert (rows["created"].current, rows["created"].previous, rows["created"].percent) == (
        5,
        1,
        400,
    )
    # Solved 3 vs 1; FCR 33.3 % vs 100 % (T6); CSAT 66.7 % vs 0 %.
    assert rows["solved"].delta == 2
    assert rows["fcr"].previous == 100
    assert rows["csat"].current == pytest.approx(200 / 3)
    assert rows["csat"].previous == 0
    # One customer (Erin) → 5 contacts per customer = 5000 per 1,000.
    assert rows["contacts_per_1000"].current == 5000
    # SLA 1 met of 3 decided.
    assert rows["sla"].current == pytest.approx(100 / 3)


def test_an_agent_sees_only_their_own_tickets(desk, anna):
    viewer = services.viewer_of(anna)
    assert viewer.level == "agent"
    summary = services.summary(viewer, period_filters())
    # Anna's: T1, T2, T5 created; T1, T2 solved; FCR T1 → 50 %.
    assert (summary.created, summary.solved) == (3, 2)
    assert summary.outcomes.fcr_percent == 50
    assert summary.contacts_per_1000_customers is None  # organisation-wide figures are not hers


def test_a_team_lead_sees_their_team(desk, team_beta, boris):
    boss = make_user("beta_lead", Role.AGENT)
    team_beta.members.add(boss)
    team_beta.lead = boss
    team_beta.save()
    viewer = services.viewer_of(boss)
    assert viewer.level == "teams"
    # Beta: T3 and T4.
    assert (
        services.created_in(
            services.filtered_tickets(viewer, period_filters()), period_filters().period
        ).count()
        == 2
    )
    # A filter for another team finds nothing rather than widening the scope.
    assert services.filtered_tickets(viewer, period_filters(team=desk["T1"].team_id)).count() == 0


def test_product_view_top_reasons_and_improvement_effect(
    desk, manager, erin, make_ticket, frozen_now
):
    from opora.tickets.models import ContactReason, Ticket

    billing = ContactReason.objects.create(name="Счёт", name_en="Billing")
    Ticket.objects.filter(subject__in=["T1", "T2", "T3"]).update(reason=billing)
    rows = services.top_reasons(manager, period_filters())
    assert [(row.label, row.change.current) for row in rows] == [("Billing", 3), ("—", 2)]
    # Improvement on 5 March, window 3 days: before = 2–4 March (T1, T2, T3 = 1/day);
    # after = 5–7 March (none with the reason) → 3 contacts avoided.
    effect = services.improvement_effect(
        manager, period_filters(reason=billing.pk), date(2026, 3, 5), 3
    )
    assert (effect.before_count, effect.after_count) == (3, 0)
    assert effect.impact.avoided == 3


def test_drill_down_lists_the_tickets_behind_a_figure(desk, manager, anna):
    subjects = lambda rows: sorted(rows.values_list("subject", flat=True))  # noqa: E731
    assert subjects(services.drill_tickets(manager, period_filters(), "fcr")) == ["T1"]
    assert subjects(services.drill_tickets(manager, period_filters(), "reopened")) == ["T3"]
    assert subjects(services.drill_tickets(manager, period_filters(), "unsolved")) == ["T4", "T5"]
    assert subjects(services.drill_tickets(manager, period_filters(), "sla_missed")) == ["T2", "T3"]
    assert subjects(
        services.drill_tickets(manager, period_filters(), "created", "channel", "email")
    ) == ["T1", "T3"]
    assert subjects(services.drill_tickets(manager, period_filters(), "created", "hour", "12")) == [
        "T1",
        "T3",
        "T4",
    ]
    # Anna's drill-down never shows Beta's tickets.
    assert subjects(
        services.drill_tickets(services.viewer_of(anna), period_filters(), "created")
    ) == ["T1", "T2", "T5"]


def test_filters_are_validated():
    from opora.core.errors import InvalidInput

    for bad in (
        {"since": "2026-13-01"},
        {"team": "x"},
        {"channel": "fax"},
        {"since": "2026-03-09", "until": "2026-03-01"},
    ):
        with pytest.raises(InvalidInput):
            services.parse_filters(bad)
    filters = services.parse_filters(
        {"since": "2026-03-02", "until": "2026-03-08", "channel": "email"}
    )
    assert filters.previous().period == services.DateRange(date(2026, 2, 23), date(2026, 3, 1))
