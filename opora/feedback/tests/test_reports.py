"""Reports count in SQL and hand the counts to the pure metrics module; both paths agree."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opora.customers.models import Customer
from opora.feedback import loyalty, metrics, reports, services
from opora.feedback.models import (
    CustomerProfile,
    Invitation,
    Response,
    Survey,
)

pytestmark = pytest.mark.django_db

SCALES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
answer = st.sampled_from(sorted(SCALES)).flatmap(
    lambda kind: st.tuples(
        st.just(kind), st.integers(*SCALES[kind]), st.integers(0, 1), st.integers(0, 20)
    )
)


def store(rows, customer, tickets) -> None:
    """Responses (kind, score, which ticket, days ago) straight into the tables."""
    versions = {
        survey.kind: survey.current_version() for survey in Survey.objects.exclude(kind="custom")
    }
    now = timezone.now()
    invitations = Invitation.objects.bulk_create(
        Invitation(
            version=versions[kind],
            customer=customer,
            ticket=tickets[which],
            channel="email",
            sent_at=now,
            expires_at=now,
        )
        for kind, _score, which, _days in rows
    )
    Response.objects.bulk_create(
        Response(
            invitation=invitation,
            version=invitation.version,
            kind=kind,
            score=score,
            created_at=now - timedelta(days=days),
        )
        for invitation, (kind, score, _which, days) in zip(invitations, rows, strict=True)
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(answer, max_size=40))
def test_sql_grouped_figures_equal_the_pure_module(rows, make_ticket, carol, team_beta):
    Response.objects.all().delete()
    Invitation.objects.all().delete()
    tickets = [make_ticket(carol), make_ticket(carol, team=team_beta)]
    store(rows, carol, tickets)
    responses = Response.objects.all()

    by_kind = defaultdict(list)
    for kind, score, _which, _days in rows:
        by_kind[kind].append(score)
    figures = reports.scores(responses)
    assert figures.csat == metrics.csat(by_kind["csat"])
    assert figures.nps == metrics.nps(by_kind["nps"])
    assert figures.ces == metrics.ces(by_kind["ces"])

    per_team = defaultdict(list)
    for kind, score, which, _days in rows:
        if kind == "csat":
            per_team[tickets[which].team.name].append(score)
    breakdown = {row.label: row.result for row in reports.csat_breakdown(responses, "team")}
    assert breakdown == {team: metrics.csat(scores) for team, scores in per_team.items()}

    weekly_total = sum(row.result.responses for row in reports.weekly(responses, "nps"))
    assert weekly_total == len(by_kind["nps"])


def test_figures_come_from_one_grouped_query(make_ticket, carol, django_assert_num_queries):
    store([("csat", 5, 0, 0), ("csat", 2, 0, 1), ("nps", 10, 0, 0)], carol, [make_ticket(carol)])
    with django_assert_num_queries(1):
        figures = reports.scores(Response.objects.all())
    assert figures.csat.csat_percent == 50 and figures.nps.nps == 100


def test_response_rate_counts_sent_and_answered(make_ticket, carol):
    store([("csat", 5, 0, 0)], carol, [make_ticket(carol)])
    version = Survey.objects.get(kind="csat").current_version()
    Invitation.objects.create(
        version=version, customer=carol, sent_at=timezone.now(), expires_at=timezone.now()
    )
    Invitation.objects.filter(response__isnull=False).update(answered_at=timezone.now())
    rate = reports.response_rate(Invitation.objects.all(), reports.DateRange.last_days(7))
    assert (rate.sent, rate.answered, rate.rate_percent) == (2, 1, 50.0)


def test_nps_sends_are_spread_across_the_period(settings, db):
    settings.OPORA_NPS_PERIOD_DAYS = 30
    Customer.objects.bulk_create(
        Customer(name=f"c{n}", email=f"c{n}@example.com") for n in range(300)
    )
    start = date(2026, 1, 1)
    per_day = [len(services.schedule_nps(start + timedelta(days=day))) for day in range(30)]
    assert sum(per_day) == 300  # everyone once in the period
    assert Invitation.objects.values("customer").distinct().count() == 300
    assert max(per_day) <= 25 and sum(1 for count in per_day if count) >= 25  # never all at once
    assert services.schedule_nps(start + timedelta(days=30)) == []  # fatigue holds them off


@given(purchases=st.integers(0, 30), nps=st.none() | st.integers(0, 10))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_loyalty_stage_sql_and_python_agree(purchases, nps, erin):
    CustomerProfile.objects.update_or_create(customer=erin, defaults={"purchase_count": purchases})
    Response.objects.all().delete()
    Invitation.objects.all().delete()
    if nps is not None:
        version = Survey.objects.get(kind="nps").current_version()
        invitation = Invitation.objects.create(
            version=version, customer=erin, expires_at=timezone.now()
        )
        Response.objects.create(invitation=invitation, version=version, kind="nps", score=nps)
    stage = reports.customers_with_loyalty().get(pk=erin.pk).stage
    assert stage == loyalty.loyalty_stage(purchases, nps)


def test_loyalty_rules():
    assert loyalty.loyalty_stage(1, 10) == loyalty.LoyaltyStage.ONE_TIME
    assert loyalty.loyalty_stage(3, None) == loyalty.LoyaltyStage.BUYER
    assert loyalty.loyalty_stage(8, 3) == loyalty.LoyaltyStage.REGULAR  # a detractor is not loyal
    assert loyalty.loyalty_stage(8, None) == loyalty.LoyaltyStage.LOYAL
    assert loyalty.loyalty_stage(8, 9) == loyalty.LoyaltyStage.ADHERENT
    assert loyalty.loyalty_stage(15, 10) == loyalty.LoyaltyStage.FAN


def test_quadrants_use_mean_csat_and_revenue(make_ticket, carol, dave, erin, settings):
    settings.OPORA_QUADRANT_REVENUE_CUTOFF = Decimal("1000")
    store([("csat", 5, 0, 0)], carol, [make_ticket(carol)])
    store([("csat", 1, 0, 0)], dave, [make_ticket(dave)])
    store([("csat", 2, 0, 0)], erin, [make_ticket(erin)])
    CustomerProfile.objects.create(customer=carol, annual_revenue=5000)
    CustomerProfile.objects.create(customer=dave, annual_revenue=5000)
    quadrants = dict(reports.customers_by_quadrant().values_list("name", "quadrant"))
    assert quadrants == {"Carol": "model", "Dave": "at_risk", "Erin": "hangers_on"}
    assert loyalty.quadrant(4.5, Decimal(10), 4.0, Decimal(1000)) == loyalty.Quadrant.GROWTH


def test_kudos_are_positive_verbatims_credited_to_agent_and_team(make_ticket, carol, anna):
    ticket = make_ticket(carol, assignee=anna)
    store([("csat", 5, 0, 0), ("csat", 2, 0, 0)], carol, [ticket])
    Response.objects.update(comment="Thanks!")
    assert [r.score for r in reports.kudos(Response.objects.all())] == [5]
    assert reports.kudos_counts(Response.objects.all(), "invitation__ticket__assignee") == [
        ("Anna", 1)
    ]


def test_nps_command_invites_todays_share(db, capsys):
    Customer.objects.bulk_create(Customer(name=f"c{n}", email=f"c{n}@x.org") for n in range(200))
    call_command("feedback_nps", "--date", "2026-03-01")
    invited = Invitation.objects.count()
    assert 0 < invited < 200
    assert capsys.readouterr().out.strip() == f"{invited} NPS invitations"
