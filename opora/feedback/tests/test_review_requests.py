"""Review requests: weeks after a purchase, one e-mail per purchase, never to an unhappy customer."""

import email
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from opora.entitlements.models import Asset, Product
from opora.feedback import reviews
from opora.feedback.models import ReviewRequest, ReviewRequestStatus, SurveyExclusion

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))
TODAY = date(2026, 3, 20)


@pytest.fixture(autouse=True)
def review_site(settings):
    settings.OPORA_REVIEW_URL = "https://market.example/product/{sku}/reviews"
    settings.OPORA_REVIEW_REQUEST_AFTER_DAYS = 21
    settings.OPORA_REVIEW_REQUEST_WINDOW_DAYS = 14


@pytest.fixture
def kettle(db):
    return Product.objects.create(name="Чайник Опора К-1", name_en="Opora K-1 kettle", sku="k-1")


def bought(customer, product, days_ago: int, serial: str) -> Asset:
    return Asset.objects.create(
        serial=serial,
        product=product,
        customer=customer,
        purchased_on=TODAY - timedelta(days=days_ago),
    )


def run(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return reviews.request_reviews(NOW)


def test_asks_once_three_weeks_after_the_purchase(
    carol, kettle, django_capture_on_commit_callbacks
):
    too_early = bought(carol, kettle, 20, "SN-20")
    due = bought(carol, kettle, 21, "SN-21")
    too_old = bought(carol, kettle, 35, "SN-35")
    assert run(django_capture_on_commit_callbacks) == 1
    assert run(django_capture_on_commit_callbacks) == 0  # the job runs hourly: once is once
    assert len(mail.outbox) == 1
    message = email.message_from_bytes(mail.outbox[0].message().as_bytes())
    assert message["To"] == carol.email and message["Auto-Submitted"] == "auto-generated"
    assert "https://market.example/product/k-1/reviews" in mail.outbox[0].body
    assert ReviewRequest.objects.get(asset=due).status == ReviewRequestStatus.SENT
    assert not ReviewRequest.objects.filter(asset__in=[too_early, too_old]).exists()


def test_the_mail_is_in_the_customers_language(erin, kettle, django_capture_on_commit_callbacks):
    erin.language = "en"
    erin.save()
    bought(erin, kettle, 22, "SN-EN")
    run(django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject == "How is your Opora K-1 kettle?"


@pytest.mark.parametrize("trouble", ["open ticket", "low csat", "excluded", "no address"])
def test_never_asks_a_customer_with_a_reason_not_to(
    trouble, carol, kettle, make_ticket, django_capture_on_commit_callbacks
):
    if trouble == "open ticket":
        make_ticket(carol, subject="Чайник не выключается")
        expected = "a ticket is still open"
    elif trouble == "low csat":
        from opora.feedback.models import Invitation, Response, Survey, SurveyKind

        version = Survey.objects.get(kind=SurveyKind.CSAT, audience="everyone").current_version()
        invitation = Invitation.objects.create(
            version=version, customer=carol, channel="email", expires_at=NOW + timedelta(days=14)
        )
        Response.objects.create(
            invitation=invitation,
            version=version,
            kind=SurveyKind.CSAT,
            score=1,
            created_at=NOW - timedelta(days=3),
        )
        expected = "unhappy with support since the purchase"
    elif trouble == "excluded":
        SurveyExclusion.objects.create(customer=carol, reason="purchasing agent")
        expected = "excluded from surveys"
    else:
        carol.email = ""
        carol.save()
        expected = "no e-mail address"
    asset = bought(carol, kettle, 25, "SN-T")
    assert run(django_capture_on_commit_callbacks) == 0
    request = ReviewRequest.objects.get(asset=asset)
    assert (request.status, request.skipped_because) == (ReviewRequestStatus.SKIPPED, expected)
    assert mail.outbox == []


def test_a_retried_send_task_sends_once(carol, kettle, django_capture_on_commit_callbacks):
    bought(carol, kettle, 21, "SN-R")
    run(django_capture_on_commit_callbacks)
    request = ReviewRequest.objects.get()
    assert reviews.deliver_review_request(request.pk) is False
    assert len(mail.outbox) == 1


def test_switched_off_without_a_review_site(
    settings, carol, kettle, django_capture_on_commit_callbacks
):
    settings.OPORA_REVIEW_URL = ""
    bought(carol, kettle, 21, "SN-OFF")
    assert run(django_capture_on_commit_callbacks) == 0
    assert not ReviewRequest.objects.exists()
