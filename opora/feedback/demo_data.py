"""Demo survey history: CSAT after solved tickets, CES on some of them, a staggered NPS wave,
follow-ups on low scores, and the commercial facts the loyalty and quadrant views need.

Scores are drawn from fixed distributions with a fixed seed, so the dashboard's NPS and CES can be
checked by hand against the rows (opora/feedback/tests/test_demo_data.py does exactly that)."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q

from opora.customers.models import Customer
from opora.tickets.models import Status, Ticket

from . import reports
from .models import (
    CustomerProfile,
    FollowUp,
    FollowUpStatus,
    Invitation,
    InvitationChannel,
    Response,
    Survey,
    SurveyKind,
)
from .services import audience_of, survey_for_audience

CSAT_WEIGHTS = {5: 55, 4: 22, 3: 10, 2: 7, 1: 6}
CES_WEIGHTS = {7: 30, 6: 25, 5: 18, 4: 10, 3: 8, 2: 5, 1: 4}
NPS_WEIGHTS = {10: 22, 9: 20, 8: 15, 7: 12, 6: 8, 5: 6, 4: 5, 3: 4, 2: 3, 1: 2, 0: 3}
INVITED_SHARE = 0.6  # of solved tickets
ANSWERED_SHARE = 0.4  # of invitations

PRAISE = {
    "ru": [
        "Спасибо, {agent} всё объяснила быстро и понятно!",
        "Очень вежливо и по делу. {agent}, спасибо!",
        "Решили за один звонок, так бы всегда.",
    ],
    "en": [
        "{agent} sorted it out in minutes, thank you!",
        "Clear, friendly and quick. Thanks {agent}.",
    ],
}
COMPLAINTS = {
    "ru": [
        "Ждал ответа три дня.",
        "Пришлось объяснять одно и то же три раза.",
        "Проблема так и не решена.",
    ],
    "en": ["Waited three days for an answer.", "I had to repeat myself to three people."],
}


def _draw(rng: random.Random, weights: dict[int, int]) -> int:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _comment(rng: random.Random, kind: str, score: int, language: str, agent: str) -> str:
    good = (kind == SurveyKind.CSAT and score == 5) or (kind == SurveyKind.NPS and score >= 9)
    bad = (kind == SurveyKind.CSAT and score <= 2) or (kind == SurveyKind.NPS and score <= 6)
    if good and rng.random() < 0.5:
        return rng.choice(PRAISE[language]).format(agent=agent or "support")
    if bad and rng.random() < 0.7:
        return rng.choice(COMPLAINTS[language])
    return ""


def _surveys() -> dict[tuple[str, str], Survey]:
    """The active survey per (kind, audience), with its current version loaded once."""
    chosen = {}
    for kind in (SurveyKind.CSAT, SurveyKind.CES, SurveyKind.NPS):
        for audience in ("end_customers", "partners"):
            survey = survey_for_audience(kind, audience)
            if survey is not None:
                survey.version = survey.current_version()
                chosen[kind, audience] = survey
    return chosen


def seed(now: datetime) -> str:
    rng = random.Random(42)
    surveys = _surveys()
    customers = list(Customer.objects.select_related("organisation"))
    audiences = {customer.pk: audience_of(customer) for customer in customers}

    CustomerProfile.objects.bulk_create(
        CustomerProfile(
            customer=customer,
            annual_revenue=Decimal(rng.randrange(20, 5000) * 1000),
            purchase_count=min(20, int(rng.expovariate(1 / 4))),
        )
        for customer in customers
    )

    # (invitation, kind, score, comment) — responses are created after their invitations get ids.
    planned: list[tuple[Invitation, str, int, str]] = []
    solved = Ticket.objects.filter(
        status__in=[Status.SOLVED, Status.CLOSED], solved_at__isnull=False, merged_into=None
    ).select_related("customer", "assignee", "team__lead")
    for ticket in solved.order_by("pk"):
        if rng.random() >= INVITED_SHARE:
            continue
        kind = SurveyKind.CES if rng.random() < 0.3 else SurveyKind.CSAT
        survey = surveys.get((kind, audiences[ticket.customer_id]))
        if survey is None:
            continue
        sent_at = ticket.solved_at + timedelta(minutes=rng.randrange(5, 120))
        invitation = Invitation(
            version=survey.version,
            customer=ticket.customer,
            ticket=ticket,
            channel=InvitationChannel.EMAIL,
            created_at=sent_at,
            sent_at=sent_at,
            expires_at=sent_at + timedelta(days=14),
        )
        if rng.random() < ANSWERED_SHARE:
            score = _draw(rng, CES_WEIGHTS if kind == SurveyKind.CES else CSAT_WEIGHTS)
            agent = ticket.assignee.first_name if ticket.assignee else ""
            planned.append(
                (
                    invitation,
                    kind,
                    score,
                    _comment(rng, kind, score, ticket.customer.language, agent),
                )
            )
        else:
            Invitation.objects.bulk_create([invitation])

    # The relationship survey, staggered over the last 60 days rather than sent all at once.
    for customer in customers:
        survey = surveys.get((SurveyKind.NPS, audiences[customer.pk]))
        if survey is None or rng.random() >= 0.5:
            continue
        sent_at = now - timedelta(days=rng.randrange(2, 60), minutes=rng.randrange(0, 600))
        invitation = Invitation(
            version=survey.version,
            customer=customer,
            channel=InvitationChannel.EMAIL,
            created_at=sent_at,
            sent_at=sent_at,
            expires_at=sent_at + timedelta(days=14),
        )
        score = _draw(rng, NPS_WEIGHTS)
        planned.append(
            (
                invitation,
                SurveyKind.NPS,
                score,
                _comment(rng, SurveyKind.NPS, score, customer.language, ""),
            )
        )

    answered_at = {}
    for invitation, *_rest in planned:
        answered_at[id(invitation)] = min(
            now - timedelta(minutes=1), invitation.sent_at + timedelta(hours=rng.randrange(1, 48))
        )
        invitation.answered_at = answered_at[id(invitation)]
    Invitation.objects.bulk_create([invitation for invitation, *_rest in planned])
    responses = Response.objects.bulk_create(
        Response(
            invitation=invitation,
            version=invitation.version,
            kind=kind,
            score=score,
            answers={"score": score, **({"comment": comment} if comment else {})},
            comment=comment,
            created_at=invitation.answered_at,
            completed_at=invitation.answered_at,
        )
        for invitation, kind, score, comment in planned
    )

    # Low scores opened follow-ups for the team lead; the older ones were closed with an outcome.
    low = [
        response
        for response in responses
        if response.score <= (response.version.survey.alert_at_or_below or -1)
    ]
    FollowUp.objects.bulk_create(
        FollowUp(
            response=response,
            ticket=response.invitation.ticket,
            owner=response.invitation.ticket.team.lead
            if response.invitation.ticket and response.invitation.ticket.team
            else None,
            due_at=response.created_at + timedelta(days=2),
            created_at=response.created_at,
            **(
                {
                    "status": FollowUpStatus.DONE,
                    "closed_at": response.created_at + timedelta(days=1),
                    "outcome": "Позвонили клиенту, извинились, проблему решили.",
                }
                if response.created_at < now - timedelta(days=7)
                else {}
            ),
        )
        for response in low
    )

    totals = reports.scores(Response.objects.filter(~Q(kind=SurveyKind.CUSTOM)))
    return (
        f"Seeded {len(responses)} survey responses: CSAT {totals.csat.csat_percent:.1f}%, "
        f"NPS {totals.nps.nps:+.1f}, CES {totals.ces.mean_score:.2f}"
    )
