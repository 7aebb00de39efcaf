"""The demo's survey figures, checked by hand: the dashboard must say what counting the rows says."""

import pytest
from django.utils import timezone

from opora.core.demo import seed_demo
from opora.feedback import demo_data, reports
from opora.feedback.models import CustomerProfile, FollowUp, Invitation, Response, SurveyKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    seed_demo(tickets=400, customers=60)
    return demo_data.seed(now=timezone.now())


def test_nps_and_ces_match_counting_the_rows_by_hand(demo):
    nps_scores = list(Response.objects.filter(kind=SurveyKind.NPS).values_list("score", flat=True))
    ces_scores = list(Response.objects.filter(kind=SurveyKind.CES).values_list("score", flat=True))
    csat_scores = list(
        Response.objects.filter(kind=SurveyKind.CSAT).values_list("score", flat=True)
    )
    assert len(nps_scores) >= 20 and len(ces_scores) >= 10 and len(csat_scores) >= 20

    promoters = sum(1 for score in nps_scores if score >= 9)
    detractors = sum(1 for score in nps_scores if score <= 6)
    by_hand_nps = 100 * promoters / len(nps_scores) - 100 * detractors / len(nps_scores)
    by_hand_ces = sum(ces_scores) / len(ces_scores)
    by_hand_easy = 100 * sum(1 for score in ces_scores if score >= 5) / len(ces_scores)
    by_hand_csat = 100 * sum(1 for score in csat_scores if score >= 4) / len(csat_scores)

    figures = reports.scores(Response.objects.all())
    assert figures.nps.nps == pytest.approx(by_hand_nps)
    assert figures.ces.mean_score == pytest.approx(by_hand_ces)
    assert figures.ces.easy_percent == pytest.approx(by_hand_easy)
    assert figures.csat.csat_percent == pytest.approx(by_hand_csat)
    # The line the newcomer reads after `make demo` carries the same figures.
    assert f"NPS {by_hand_nps:+.1f}" in demo and f"CES {by_hand_ces:.2f}" in demo


def test_demo_history_is_consistent(demo):
    # Every response belongs to an answered invitation of the same kind, answered after it was sent.
    for response in Response.objects.select_related("invitation", "version__survey")[:300]:
        assert response.invitation.answered_at == response.created_at
        assert response.invitation.sent_at < response.created_at
        assert response.version.survey.kind == response.kind
    assert Invitation.objects.filter(answered_at=None).exists()  # not everyone answers
    # Each score at or below the CSAT alert threshold (2) has its follow-up; none above it.
    low_csat = Response.objects.filter(kind=SurveyKind.CSAT, score__lte=2)
    assert FollowUp.objects.filter(response__in=low_csat).count() == low_csat.count() > 0
    assert not FollowUp.objects.filter(response__kind=SurveyKind.CSAT, response__score__gt=2)
    # NPS invitations are spread over the period, not sent on one day.
    nps_days = {
        invitation.sent_at.date()
        for invitation in Invitation.objects.filter(version__survey__kind=SurveyKind.NPS)
    }
    assert len(nps_days) > 10
    assert CustomerProfile.objects.count() == 60
