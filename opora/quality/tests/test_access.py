"""Every QA and audit page and endpoint, tried by someone who must be refused."""

import pytest
from django.urls import reverse

from opora.quality import services
from opora.quality.models import Calibration, Dispute, Evidence, SampleRun

from .conftest import FLAWLESS, sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(lead, anna, boris, ticket, scorecard, programme, scenario, store, wave, shopper):
    review = services.submit_review(lead, ticket, scorecard, sheet(scorecard, 0, 4, None, 1))
    dispute = services.open_dispute(anna, review, "I greeted")
    visit = services.assign_visit(lead, wave, store, scenario, shopper)
    evidence = services.add_evidence(shopper.user, visit, "photo", "a.png", b"\x89PNG")
    calibration = services.start_calibration(lead, ticket, scorecard, "c")
    from datetime import date

    run = services.draw_sample(lead, scorecard, date(2000, 1, 1), date(2100, 1, 1))
    return {
        "review": review,
        "dispute": dispute,
        "visit": visit,
        "evidence": evidence,
        "calibration": calibration,
        "run": run,
    }


MANAGER_ONLY = [
    ("quality:sample_new", None),
    ("quality:sample", "run"),
    ("quality:calibration_new", None),
    ("quality:audits", None),
    ("quality:audit_report", "programme"),
    ("quality:decide", "dispute"),
]


def url(name, world, key, programme=None):
    if key is None:
        return reverse(name)
    target = programme if key == "programme" else world[key]
    return reverse(name, args=[target.pk])


@pytest.mark.parametrize(("name", "key"), MANAGER_ONLY)
def test_agents_and_shoppers_refused_manager_pages(
    name, key, world, programme, anna, shopper, client_for
):
    for user in (anna, shopper.user):
        for method in ("get", "post"):
            response = getattr(client_for(user), method)(url(name, world, key, programme))
            assert response.status_code in {403, 405}, (user, method, name)


def test_other_agent_cannot_see_comment_or_dispute_a_review(world, boris, client_for):
    client = client_for(boris)
    review = world["review"]
    assert client.get(reverse("quality:review", args=[review.pk])).status_code == 404
    assert (
        client.post(reverse("quality:comment", args=[review.pk]), {"body": "x"}).status_code == 404
    )
    assert (
        client.post(reverse("quality:dispute", args=[review.pk]), {"reason": "x"}).status_code
        == 404
    )
    assert world["review"].comments.count() == 0


def test_agent_reviews_list_shows_only_own(world, boris, anna, client_for):
    assert (
        world["review"].ticket.reference.encode()
        not in client_for(boris).get(reverse("quality:reviews")).content
    )
    assert (
        world["review"].ticket.reference.encode()
        in client_for(anna).get(reverse("quality:reviews")).content
    )


def test_non_reviewers_cannot_score_or_see_calibration(world, anna, boris, shopper, client_for):
    ticket = world["review"].ticket
    for user in (anna, boris):
        assert client_for(user).get(reverse("quality:score", args=[ticket.pk])).status_code == 403
        assert (
            client_for(user)
            .get(reverse("quality:calibration", args=[world["calibration"].pk]))
            .status_code
            == 403
        )
    assert (
        client_for(shopper.user).get(reverse("quality:score", args=[ticket.pk])).status_code == 403
    )


def test_customers_and_anonymous_refused_staff_pages(world, carol, client, client_for):
    for name in ("quality:home", "quality:reviews", "quality:recognition"):
        assert client_for(carol.user).get(reverse(name)).status_code == 403
        assert client.get(reverse(name)).status_code == 302


def test_shopper_pages_refuse_staff_other_shoppers_and_plain_customers(
    world, anna, lead, other_shopper, carol, client_for
):
    visit, evidence = world["visit"], world["evidence"]
    visit_url = reverse("quality:shopper_visit", args=[visit.pk])
    upload = reverse("quality:shopper_upload", args=[visit.pk])
    assert client_for(other_shopper.user).get(visit_url).status_code == 404
    assert client_for(other_shopper.user).post(upload, {"kind": "photo"}).status_code == 404
    assert client_for(carol.user).get(reverse("quality:shopper_visits")).status_code == 403
    assert client_for(anna).get(visit_url).status_code == 403
    evidence_url = reverse("quality:shopper_evidence", args=[evidence.pk])
    for user in (other_shopper.user, anna, carol.user):
        assert client_for(user).get(evidence_url).status_code == 404
    assert Evidence.objects.count() == 1


# ---- API ----------------------------------------------------------------------------------


def test_api_reviews_are_scoped(world, anna, boris, lead, carol, api_as):
    review = world["review"]
    assert api_as(anna).get("/quality/reviews").json()["count"] == 1
    assert api_as(boris).get("/quality/reviews").json()["count"] == 0
    assert api_as(boris).get(f"/quality/reviews/{review.pk}").status_code == 404
    assert api_as(carol.user).get("/quality/reviews").status_code == 403
    assert api_as(carol.user).get("/quality/scorecards").status_code == 403
    assert api_as(None).get("/quality/reviews").status_code == 401
    body = api_as(lead).get(f"/quality/reviews/{review.pk}").json()
    assert (
        body["score"] == 80.0 and len(body["strengths"]) == 2 and body["dispute_status"] == "open"
    )


def test_api_review_creation_refused_to_non_reviewers(
    world, boris, anna, scorecard, api_as, assigned_ticket, lead
):
    ticket = assigned_ticket(subject="Another")
    payload = {
        "ticket_id": ticket.pk,
        "scorecard_id": scorecard.pk,
        "answers": [
            {"criterion_id": pk, "value": v} for pk, v in sheet(scorecard, *FLAWLESS).items()
        ],
    }
    assert api_as(boris).post("/quality/reviews", payload).status_code == 403
    created = api_as(lead).post("/quality/reviews", payload)
    assert created.status_code == 201 and created.json()["score"] == 100.0
    again = api_as(lead).post("/quality/reviews", payload)
    assert again.status_code == 409 and again.json()["error"]["fields"] == {
        "ticket": "already_reviewed"
    }


def test_api_disputes_scoped_and_decided_by_managers_only(world, anna, boris, lead, api_as):
    dispute = world["dispute"]
    review = world["review"]
    assert (
        api_as(boris).post(f"/quality/reviews/{review.pk}/dispute", {"reason": "x"}).status_code
        == 404
    )
    assert (
        api_as(anna).post(f"/quality/reviews/{review.pk}/dispute", {"reason": "again"}).status_code
        == 409
    )
    assert api_as(boris).get("/quality/disputes").json()["count"] == 0
    assert (
        api_as(anna)
        .post(f"/quality/disputes/{dispute.pk}/decision", {"outcome": "overturned"})
        .status_code
        == 403
    )
    decided = api_as(lead).post(
        f"/quality/disputes/{dispute.pk}/decision", {"outcome": "upheld", "note": "Stands"}
    )
    assert decided.status_code == 200 and Dispute.objects.get().status == "upheld"


def test_api_audit_results_for_managers_and_own_visits_for_shoppers(
    world, programme, anna, shopper, other_shopper, lead, api_as
):
    assert api_as(shopper.user).get("/quality/audits/visits").json()["count"] == 1
    assert api_as(other_shopper.user).get("/quality/audits/visits").json()["count"] == 0
    assert api_as(anna).get("/quality/audits/visits").status_code == 403
    report = f"/quality/audits/programmes/{programme.pk}/report"
    assert api_as(shopper.user).get(report).status_code == 403
    assert api_as(anna).get(report).status_code == 403
    assert api_as(lead).get(report).status_code == 200


def test_world_objects_exist(world):
    assert SampleRun.objects.exists() and Calibration.objects.exists()
