"""The provider's missed-call webhook: signed, validated, idempotent, and it leaves a callback due."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from opora.customers.models import Customer
from opora.telephony.models import Call, Callback, CallbackSource, Direction, Outcome
from opora.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db

MISSED = {
    "call_id": "prov-0001",
    "from": "8 (916) 123-45-67",
    "to": "+74950000000",
    "started_at": "2026-11-23T10:15:00+03:00",
    "ended_at": "2026-11-23T10:15:40+03:00",
}


def counts():
    return Call.objects.count(), Callback.objects.count(), Ticket.objects.count()


def test_missed_call_opens_a_phone_ticket_with_a_callback_due_within_the_sla(
    post_missed_call, team_alpha
):
    before = timezone.now()
    response = post_missed_call(MISSED)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["duplicate"] is False
    call = Call.objects.get(pk=body["call_id"])
    assert call.direction == Direction.INBOUND and call.outcome == Outcome.MISSED
    assert call.answered_at is None and call.duration_seconds == 0
    assert call.phone == "+79161234567" and call.provider_call_id == "prov-0001"
    ticket = Ticket.objects.get(pk=body["ticket_id"])
    assert ticket.channel == Channel.PHONE and ticket.customer.phone == "+79161234567"
    callback = Callback.objects.get(pk=body["callback_id"])
    assert callback.source == CallbackSource.MISSED_CALL and callback.is_pending
    assert before + timedelta(minutes=59) < callback.due_at <= timezone.now() + timedelta(hours=1)


def test_the_same_delivery_twice_changes_nothing(post_missed_call, team_alpha):
    first = post_missed_call(MISSED).json()
    after_first = counts()
    again = post_missed_call(MISSED)
    assert again.status_code == 200
    assert again.json() == {**first, "duplicate": True}
    assert counts() == after_first


def test_a_second_missed_call_from_a_waiting_number_joins_its_callback(
    post_missed_call, team_alpha
):
    first = post_missed_call(MISSED).json()
    second = post_missed_call({**MISSED, "call_id": "prov-0002", "from": "+79161234567"}).json()
    assert second["callback_id"] == first["callback_id"]
    assert second["ticket_id"] == first["ticket_id"]
    assert Call.objects.filter(callback_id=first["callback_id"]).count() == 2


def test_a_known_customers_number_finds_the_customer(post_missed_call, team_alpha, erin):
    erin.phone = "+7 916 123-45-67"  # as the demo and people write it
    erin.save()
    ticket = Ticket.objects.get(pk=post_missed_call(MISSED).json()["ticket_id"])
    assert ticket.customer == erin
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"secret": None}, 401, "bad_signature"),
        ({"secret": "wrong-secret"}, 401, "bad_signature"),
        ({"timestamp": time.time() - 3600}, 401, "bad_signature"),
        ({"raw": b"{not json"}, 400, "malformed_json"),
        ({"raw": b"[1, 2]"}, 400, "malformed_json"),
    ],
)
def test_bad_deliveries_are_refused_with_a_precise_code(
    post_missed_call, team_alpha, kwargs, status, code
):
    response = post_missed_call(MISSED, **kwargs)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"call_id": ""}, "call_id"),
        ({"from": "not a number"}, "from"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": "2026-11-23T10:15:00"}, "started_at"),  # no time zone
    ],
)
def test_invalid_payload_names_the_field_and_writes_nothing(
    post_missed_call, team_alpha, change, field
):
    response = post_missed_call({**MISSED, **change})
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert counts() == (0, 0, 0)


def test_without_a_configured_secret_the_webhook_accepts_nothing(
    post_missed_call, settings, team_alpha
):
    settings.OPORA_PHONE_WEBHOOK_SECRET = ""
    response = post_missed_call(MISSED, secret="")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "not_configured"


def test_only_post_is_allowed(client):
    assert client.get("/phone/webhooks/missed-call").status_code == 405
