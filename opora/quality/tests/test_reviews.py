"""Reviews: scoring, strengths, calibration spread, disputes, recognition, sampling, trends."""

from datetime import timedelta

import pytest
from django.utils import timezone

from opora.core.errors import Forbidden, InvalidInput, InvalidTransition
from opora.feedback.models import Invitation, Response, Survey, SurveyKind, SurveyVersion
from opora.quality import services
from opora.quality.models import Dispute, Recognition, Review, SampleReason
from opora.tickets import services as ticket_services
from opora.tickets.models import Channel, Ticket

from .conftest import FLAWLESS, sheet

pytestmark = pytest.mark.django_db


def test_review_scores_with_weights_na_and_keeps_strengths(scorecard, ticket, lead, anna):
    # given: greeting yes, solution 2/4, upsell N/A, identity verified
    review = services.submit_review(
        lead, ticket, scorecard, sheet(scorecard, 1, 2, None, 1), comment="Good start"
    )
    # then: (1 + 3·0.5 + 1) / 5 = 70 %
    assert review.score == 70.0
    assert review.agent == anna and review.team.name == "Alpha"
    strengths, to_fix = services.strengths_and_fixes(review.answers.select_related("criterion"))
    assert [a.criterion.title for a in strengths] == ["Greeting", "Identity verified"]
    assert [a.criterion.title for a in to_fix] == ["Solution"]


def test_auto_fail_zeroes_the_review(scorecard, ticket, lead):
    review = services.submit_review(lead, ticket, scorecard, sheet(scorecard, 1, 4, 1, 0))
    assert review.score == 0 and review.auto_failed


def test_bad_answers_refused_and_nothing_stored(scorecard, ticket, lead):
    answers = sheet(scorecard, 1, 9, None, 1)
    with pytest.raises(InvalidInput) as error:
        services.submit_review(lead, ticket, scorecard, answers)
    assert list(error.value.fields.values()) == ["out_of_range"]
    assert not Review.objects.exists()


def test_second_review_by_same_reviewer_is_refused(scorecard, ticket, lead):
    services.submit_review(lead, ticket, scorecard, sheet(scorecard, *FLAWLESS))
    with pytest.raises(InvalidTransition):
        services.submit_review(lead, ticket, scorecard, sheet(scorecard, *FLAWLESS))
    assert Review.objects.count() == 1


def test_agents_cannot_review_or_self_review(scorecard, ticket, anna, boris, senior, lead):
    with pytest.raises(Forbidden):
        services.submit_review(boris, ticket, scorecard, sheet(scorecard, *FLAWLESS))
    ticket_services.update_ticket(ticket, ticket_services.Actor(user=lead), {"assignee": senior})
    ticket.refresh_from_db()
    with pytest.raises(Forbidden):
        services.submit_review(senior, ticket, scorecard, sheet(scorecard, *FLAWLESS))


def test_reviewer_agent_scores_only_tickets_they_can_see(
    scorecard, ticket, senior, team_beta, lead
):
    assert services.submit_review(senior, ticket, scorecard, sheet(scorecard, *FLAWLESS)).pk
    ticket_services.update_ticket(ticket, ticket_services.Actor(user=lead), {"team": team_beta})
    ticket.refresh_from_db()
    other = services.Scorecard.objects.create(name="Second")
    other.criteria.create(title="Tone")
    with pytest.raises(services.NotFound):
        services.submit_review(senior, ticket, other, sheet(other, 1))


def test_scorecard_for_another_channel_is_refused(scorecard, ticket, lead):
    scorecard.channel = Channel.PHONE
    scorecard.save()
    with pytest.raises(InvalidInput):
        services.submit_review(lead, ticket, scorecard, sheet(scorecard, *FLAWLESS))


def test_calibration_spread_per_criterion_and_total(scorecard, ticket, lead, admin_user, senior):
    calibration = services.start_calibration(lead, ticket, scorecard, "Week 24")
    for reviewer, values in (
        (lead, (1, 4, None, 1)),
        (admin_user, (1, 2, None, 1)),
        (senior, (0, 0, None, 1)),
    ):
        services.submit_review(
            reviewer, ticket, scorecard, sheet(scorecard, *values), calibration=calibration
        )
    total, per_criterion = services.calibration_spread(calibration)
    # Totals: 100, 70, 20 → population std-dev 32.998…
    assert (total.reviewers, total.low, total.high, total.std_dev) == (3, 20.0, 100.0, 33.0)
    solution = next(row for row in per_criterion if row.label == "Solution")
    assert (solution.low, solution.high, solution.std_dev) == (0.0, 100.0, 40.8)
    upsell = next(row for row in per_criterion if row.label == "Upsell offered")
    assert upsell.reviewers == 0 and upsell.low is None
    # Calibration runs are not the agent's reviews and earn no recognition.
    assert not services.visible_reviews(ticket.assignee).exists()
    assert not Review.objects.counted().exists()


def test_dispute_workflow(scorecard, ticket, lead, anna, boris):
    review = services.submit_review(lead, ticket, scorecard, sheet(scorecard, 0, 1, None, 1))
    services.add_comment(anna, review, "I did greet, see message 2")
    with pytest.raises(Forbidden):
        services.open_dispute(lead, review, "not mine")
    with pytest.raises(services.NotFound):
        services.open_dispute(boris, review, "not mine either")
    dispute = services.open_dispute(anna, review, "The greeting is in the first reply")
    with pytest.raises(InvalidTransition):
        services.open_dispute(anna, review, "again")
    with pytest.raises(Forbidden):
        services.decide_dispute(anna, dispute, "overturned")
    assert Review.objects.counted().count() == 1
    services.decide_dispute(lead, dispute, "overturned", "Agreed")
    assert Dispute.objects.get().status == "overturned"
    assert Review.objects.counted().count() == 0
    with pytest.raises(InvalidTransition):
        services.decide_dispute(lead, dispute, "upheld")


def test_flawless_routine_streak_earns_one_recognition(scorecard, assigned_ticket, lead, settings):
    streak = services.FLAWLESS_STREAK
    tickets = [assigned_ticket(subject=f"Routine {i}") for i in range(streak * 2)]
    for ticket in tickets[: streak - 1]:
        services.submit_review(lead, ticket, scorecard, sheet(scorecard, *FLAWLESS))
    assert not Recognition.objects.exists()
    last = services.submit_review(lead, tickets[streak - 1], scorecard, sheet(scorecard, *FLAWLESS))
    assert Recognition.objects.get().last_review == last
    # A slip breaks the next streak: the next one needs N flawless reviews after it.
    services.submit_review(lead, tickets[streak], scorecard, sheet(scorecard, 1, 3, None, 1))
    for ticket in tickets[streak + 1 :]:
        services.submit_review(lead, ticket, scorecard, sheet(scorecard, *FLAWLESS))
    assert Recognition.objects.count() == 1


def test_urgent_tickets_are_not_routine(scorecard, assigned_ticket, lead):
    for i in range(services.FLAWLESS_STREAK):
        ticket = assigned_ticket(subject=f"Fire {i}", priority="urgent")
        assert not services.submit_review(
            lead, ticket, scorecard, sheet(scorecard, *FLAWLESS)
        ).routine
    assert not Recognition.objects.exists()


def _csat(ticket, score):
    survey, _ = Survey.objects.get_or_create(kind=SurveyKind.CSAT, defaults={"name": "CSAT"})
    version = SurveyVersion.objects.filter(survey=survey).first() or SurveyVersion.objects.create(
        survey=survey, number=1, questions=[]
    )
    invitation = Invitation.objects.create(
        version=version,
        ticket=ticket,
        customer=ticket.customer,
        channel="email",
        expires_at=timezone.now() + timedelta(days=7),
    )
    Response.objects.create(
        invitation=invitation, version=version, kind=SurveyKind.CSAT, score=score
    )


def test_sample_is_stratified_deterministic_and_adds_rule_matches(
    scorecard, assigned_ticket, lead, django_assert_max_num_queries
):
    tickets = [
        assigned_ticket(subject=f"T{i}", channel=[Channel.EMAIL, Channel.CHAT][i % 2])
        for i in range(12)
    ]
    _csat(tickets[0], 1)
    _csat(tickets[1], 5)
    Ticket.objects.filter(pk=tickets[2].pk).update(reopen_count=1)
    today = timezone.localdate()
    args = (lead, scorecard, today - timedelta(days=1), today)
    with django_assert_max_num_queries(8):
        run = services.draw_sample(*args, per_agent=4, seed=7, csat_at_most=2, reopened=True)
    reasons = dict(run.items.values_list("ticket_id", "reason"))
    assert reasons[tickets[0].pk] == SampleReason.LOW_CSAT
    assert reasons[tickets[2].pk] == SampleReason.REOPENED
    randoms = [pk for pk, reason in reasons.items() if reason == SampleReason.RANDOM]
    assert len(randoms) == 4
    channels = Ticket.objects.filter(pk__in=randoms).values_list("channel", flat=True)
    assert sorted(channels) == ["chat", "chat", "email", "email"]
    again = services.draw_sample(*args, per_agent=4, seed=7, csat_at_most=2, reopened=True)
    assert dict(again.items.values_list("ticket_id", "reason")) == reasons
    # Scoring a sampled ticket links the review to its sample.
    review = services.submit_review(lead, tickets[0], scorecard, sheet(scorecard, *FLAWLESS))
    assert review.sampled.run == again


def test_only_managers_draw_samples(scorecard, anna):
    today = timezone.localdate()
    with pytest.raises(Forbidden):
        services.draw_sample(anna, scorecard, today, today)
    with pytest.raises(InvalidInput):
        services.draw_sample(
            services.User.objects.create(username="m", role="manager"),
            scorecard,
            today,
            today - timedelta(days=1),
        )


def test_trend_groups_in_sql(scorecard, assigned_ticket, lead, django_assert_num_queries):
    for values in ((1, 4, None, 1), (1, 2, None, 1)):
        services.submit_review(lead, assigned_ticket(), scorecard, sheet(scorecard, *values))
    with django_assert_num_queries(1):
        by_agent = services.score_trend(Review.objects.all(), "agent")
    assert [(row["agent__username"], row["mean"], row["reviews"]) for row in by_agent] == [
        ("anna", 85.0, 2)
    ]
    assert services.score_trend(Review.objects.all(), "team")[0]["team__name"] == "Alpha"


def test_reviewer_may_score_a_ticket_again_inside_a_calibration(scorecard, ticket, lead):
    services.submit_review(lead, ticket, scorecard, sheet(scorecard, *FLAWLESS))
    calibration = services.start_calibration(lead, ticket, scorecard, "Again")
    services.submit_review(
        lead, ticket, scorecard, sheet(scorecard, *FLAWLESS), calibration=calibration
    )
    with pytest.raises(InvalidTransition):
        services.submit_review(
            lead, ticket, scorecard, sheet(scorecard, *FLAWLESS), calibration=calibration
        )
    assert Review.objects.count() == 2
