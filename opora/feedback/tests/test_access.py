"""Who may see survey results: agents their tickets' responses, managers all, customers none."""

import pytest

from opora.feedback import signing as survey_signing
from opora.feedback.models import FollowUp, Invitation, Response

from .conftest import last_links

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(make_ticket, carol, solve, client):
    """Carol rated Alpha's ticket 2 and commented."""
    ticket = make_ticket(carol)
    solve(ticket)
    survey_url = client.get(last_links()[2]).url
    client.post(survey_url, {"q_score": "2", "q_reason": "speed", "q_comment": "Too slow"})
    return ticket


def test_api_lists_responses_to_staff_who_may_see_the_ticket(answered, api_as, anna, boris, lead):
    mine = api_as(anna).get("/feedback/responses")
    assert mine.status_code == 200
    body = mine.json()
    assert set(body) == {"items", "count", "limit", "offset"} and body["count"] == 1
    item = body["items"][0]
    assert (item["ticket_id"], item["score"], item["comment"]) == (answered.pk, 2, "Too slow")
    assert item["answers"] == {"score": 2, "reason": "speed", "comment": "Too slow"}
    assert api_as(boris).get("/feedback/responses").json()["count"] == 0
    assert api_as(lead).get("/feedback/responses", score_max=2).json()["count"] == 1
    assert api_as(lead).get("/feedback/responses", score_min=3).json()["count"] == 0


def test_api_refuses_customers_and_anonymous(answered, api_as, carol):
    assert api_as(carol.user).get("/feedback/responses").status_code == 403
    assert api_as(carol.user).get("/feedback/scores").status_code == 403
    assert api_as(None).get("/feedback/responses").status_code == 401
    refused = api_as(None).get("/feedback/scores")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"


def test_api_rejects_unknown_filters(answered, api_as, lead):
    response = api_as(lead).get("/feedback/responses", scroe=1)
    assert response.status_code == 400 and "scroe" in response.json()["error"]["fields"]


def test_api_scores_with_confidence_intervals(answered, api_as, anna, boris):
    scores = api_as(anna).get("/feedback/scores").json()
    assert scores["csat"]["responses"] == 1 and scores["csat"]["csat_percent"] == 0
    assert scores["csat"]["confidence_interval"]["high"] > 0
    assert scores["response_rate"] == {"sent": 1, "answered": 1, "rate_percent": 100.0}
    assert scores["nps"]["nps"] is None
    assert api_as(boris).get("/feedback/scores").json()["csat"]["responses"] == 0


def test_api_answer_with_a_signed_token(make_ticket, dave, solve, api_as):
    solve(make_ticket(dave))
    invitation = Invitation.objects.get()
    token = survey_signing.survey_token(invitation)
    missing_score = api_as(None).post(f"/feedback/invitations/{token}/answer", {"answers": {}})
    assert missing_score.status_code == 400
    off_scale = api_as(None).post(
        f"/feedback/invitations/{token}/answer", {"answers": {"score": 9}}
    )
    assert off_scale.status_code == 400
    done = api_as(None).post(
        f"/feedback/invitations/{token}/answer", {"answers": {"score": 1, "comment": "Bad"}}
    )
    assert done.status_code == 200 and done.json()["score"] == 1
    assert FollowUp.objects.count() == 1
    again = api_as(None).post(f"/feedback/invitations/{token}/answer", {"answers": {"score": 5}})
    assert again.status_code == 409
    forged = api_as(None).post("/feedback/invitations/abc:def/answer", {"answers": {"score": 5}})
    assert forged.status_code == 404
    assert Response.objects.get().score == 1


@pytest.mark.parametrize(
    "path",
    [
        "/feedback/",
        "/feedback/verbatims/",
        "/feedback/kudos/",
        "/feedback/follow-ups/",
        "/feedback/responses.csv",
        "/feedback/loyalty/",
    ],
)
def test_staff_pages_refuse_anonymous_and_customers(
    answered, path, client, client_for, carol, lead
):
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and anonymous.url.startswith("/login/")
    assert client_for(carol.user).get(path).status_code == 403
    assert client_for(lead).get(path).status_code == 200


def test_agents_see_only_their_teams_verbatims(answered, client_for, anna, boris):
    assert "Too slow" in client_for(anna).get("/feedback/verbatims/").content.decode()
    assert "Too slow" not in client_for(boris).get("/feedback/verbatims/").content.decode()
    assert client_for(anna).get("/feedback/loyalty/").status_code == 403


def test_boris_cannot_close_alphas_follow_up(answered, client_for, boris):
    follow_up = FollowUp.objects.get()
    refused = client_for(boris).post(
        f"/feedback/follow-ups/{follow_up.pk}/close/", {"outcome": "x"}
    )
    assert refused.status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.status == "open"


def test_dashboard_and_csv_show_the_figures(answered, client_for, lead):
    page = client_for(lead).get("/feedback/")
    assert page.status_code == 200 and page.context["scores"].csat.responses == 1
    csv_text = client_for(lead).get("/feedback/responses.csv").content.decode()
    assert "Too slow" in csv_text and str(answered.pk) in csv_text
