"""The pages, used the way people use them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from opora.quality import services
from opora.quality.models import Dispute, Evidence, Review
from opora.quality.ticket_panel import panel

from .conftest import FLAWLESS, sheet

pytestmark = pytest.mark.django_db


def form_for(card, values) -> dict:
    data = {"scorecard": card.pk, "comment": "Nice"}
    for pk, value in sheet(card, *values).items():
        data[f"c_{pk}"] = "na" if value is None else str(value)
    return data


def render_panel(user, ticket) -> str:
    """The QA panel as the ticket page renders it (other areas' panels are theirs to test)."""
    request = RequestFactory().get("/")
    request.user = user
    context = panel(request, ticket)
    return "" if context is None else render_to_string(context["template"], context, request)


def test_ticket_page_panel_links_reviewer_to_scoring_form(
    lead, ticket, scorecard, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        html = render_panel(lead, ticket)
    assert 'id="qa-panel"' in html
    assert reverse("quality:score", args=[ticket.pk]) in html


def test_agent_sees_own_review_in_ticket_panel_but_not_the_score_link(
    anna, boris, lead, ticket, scorecard
):
    assert render_panel(anna, ticket) == ""
    services.submit_review(lead, ticket, scorecard, sheet(scorecard, *FLAWLESS))
    html = render_panel(anna, ticket)
    assert "Support basics: 100.0%" in html
    assert reverse("quality:score", args=[ticket.pk]) not in html
    assert render_panel(boris, ticket) == ""


def test_reviewer_scores_from_the_form(client_for, lead, ticket, scorecard):
    client = client_for(lead)
    url = reverse("quality:score", args=[ticket.pk])
    assert b"Greeting" in client.get(url).content
    bad = client.post(url, form_for(scorecard, (1, 4, None, None)))
    assert bad.status_code == 200 and b"N/A is not allowed" in bad.content
    # The refused form comes back as filled in: nothing typed is lost.
    greeting = scorecard.criteria.get(title="Greeting").pk
    assert f'name="c_{greeting}" value="1" required checked'.encode() in bad.content
    assert b">Nice</textarea>" in bad.content
    response = client.post(url, form_for(scorecard, (1, 2, None, 1)))
    review = Review.objects.get()
    assert response.url == reverse("quality:review", args=[review.pk])
    page = client.get(response.url)
    assert b"70.0%" in page.content and b"What went right" in page.content


def test_agent_comments_and_disputes_manager_decides(client_for, anna, lead, ticket, scorecard):
    review = services.submit_review(lead, ticket, scorecard, sheet(scorecard, 0, 4, None, 1))
    agent = client_for(anna)
    agent.post(reverse("quality:comment", args=[review.pk]), {"body": "See my first reply"})
    agent.post(reverse("quality:dispute", args=[review.pk]), {"reason": "I greeted"})
    dispute = Dispute.objects.get()
    assert (
        client_for(anna)
        .post(reverse("quality:decide", args=[dispute.pk]), {"outcome": "overturned"})
        .status_code
        == 403
    )
    client_for(lead).post(
        reverse("quality:decide", args=[dispute.pk]), {"outcome": "overturned", "note": "Yes"}
    )
    dispute.refresh_from_db()
    assert dispute.status == "overturned"
    assert b"See my first reply" in agent.get(reverse("quality:review", args=[review.pk])).content


def test_manager_overview_draws_sample_and_starts_calibration(client_for, lead, ticket, scorecard):
    client = client_for(lead)
    assert client.get(reverse("quality:home")).status_code == 200
    response = client.post(
        reverse("quality:sample_new"),
        {
            "scorecard": scorecard.pk,
            "period_start": "2000-01-01",
            "period_end": "2100-01-01",
            "per_agent": "3",
            "seed": "4",
        },
    )
    assert ticket.reference.encode() in client.get(response.url).content
    response = client.post(
        reverse("quality:calibration_new"),
        {"scorecard": scorecard.pk, "ticket": ticket.pk, "title": "Week 1"},
    )
    assert b"Week 1" in client.get(response.url).content


def test_shopper_fills_questionnaire_and_uploads_evidence(
    client_for, programme, scenario, store, wave, shopper, lead, monkeypatch
):
    visit = services.assign_visit(lead, wave, store, scenario, shopper)
    client = client_for(shopper.user)
    assert b"Tverskaya store" in client.get(reverse("quality:shopper_visits")).content
    url = reverse("quality:shopper_visit", args=[visit.pk])
    data = {
        f"c_{pk}": v
        for pk, v in zip(
            programme.checklist.values_list("pk", flat=True), ("1", "5", "na"), strict=True
        )
    }
    client.post(url, data | {"summary": "Friendly"})
    visit.refresh_from_db()
    assert visit.status == "submitted" and visit.score == 100.0
    monkeypatch.setattr(services, "EVIDENCE_MAX_BYTES", 100)
    upload = reverse("quality:shopper_upload", args=[visit.pk])
    page = client.post(
        upload,
        {"kind": "photo", "file": SimpleUploadedFile("big.jpg", b"x" * 500, "image/jpeg")},
        follow=True,
    )
    assert b"the limit is 100" in page.content
    client.post(
        upload, {"kind": "photo", "file": SimpleUploadedFile("shop.jpg", b"x" * 50, "image/jpeg")}
    )
    evidence = Evidence.objects.get()
    download = client.get(reverse("quality:shopper_evidence", args=[evidence.pk]))
    assert b"".join(download.streaming_content) == b"x" * 50
    assert (
        client_for(lead).get(reverse("quality:shopper_evidence", args=[evidence.pk])).status_code
        == 200
    )
