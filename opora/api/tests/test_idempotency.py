"""Idempotency-Key on creates: a retry after a lost response makes nothing new."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from opora.accounts.models import ApiToken
from opora.api.idempotency import forget_old_keys
from opora.api.models import IdempotentRequest
from opora.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def post(client: Client, token: str, path: str, payload: dict, key: str | None):
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1{path}", payload, content_type="application/json", headers=headers)


@pytest.fixture
def anna_token(anna):
    return ApiToken.issue(anna, "retrying client")[1]


def test_a_retried_create_returns_the_first_ticket(anna_token, carol):
    payload = {
        "subject": "Двойное списание",
        "body": "Деньги списали дважды",
        "customer_id": carol.pk,
    }
    first = post(Client(), anna_token, "/tickets", payload, "order-77-complaint")
    again = post(Client(), anna_token, "/tickets", payload, "order-77-complaint")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Ticket.objects.filter(subject="Двойное списание").count() == 1
    # Without a key, the same payload is a new ticket: the key is what says "the same request".
    assert post(Client(), anna_token, "/tickets", payload, None).status_code == 201
    assert Ticket.objects.filter(subject="Двойное списание").count() == 2


def test_a_retried_reply_is_added_once(anna_token, carol, make_ticket):
    ticket = make_ticket(carol)
    before = ticket.messages.count()
    for _attempt in range(3):
        response = post(
            Client(),
            anna_token,
            f"/tickets/{ticket.pk}/messages",
            {"body": "Вернули деньги"},
            "r-1",
        )
        assert response.status_code == 201
    assert ticket.messages.count() == before + 1
    assert Message.objects.get(pk=response.json()["id"]).body == "Вернули деньги"


def test_the_same_key_for_a_different_request_is_refused(anna_token, carol):
    post(
        Client(),
        anna_token,
        "/tickets",
        {"subject": "A", "body": "a", "customer_id": carol.pk},
        "k",
    )
    response = post(
        Client(),
        anna_token,
        "/tickets",
        {"subject": "B", "body": "b", "customer_id": carol.pk},
        "k",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert not Ticket.objects.filter(subject="B").exists()


def test_keys_belong_to_their_user(anna_token, lead, carol):
    lead_token = ApiToken.issue(lead, "other")[1]
    payload = {"subject": "Same key, two people", "body": "x", "customer_id": carol.pk}
    first = post(Client(), anna_token, "/tickets", payload, "shared-key")
    second = post(Client(), lead_token, "/tickets", payload, "shared-key")
    assert first.json()["id"] != second.json()["id"]


def test_a_failed_create_leaves_no_key_behind(anna_token):
    response = post(Client(), anna_token, "/tickets", {"subject": "No customer", "body": "x"}, "f")
    assert response.status_code == 400
    assert not IdempotentRequest.objects.exists()


def test_an_overlong_key_is_a_clear_error(anna_token, carol):
    payload = {"subject": "x", "body": "x", "customer_id": carol.pk}
    response = post(Client(), anna_token, "/tickets", payload, "k" * 101)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["message"]
    assert not Ticket.objects.filter(subject="x").exists()


def test_old_keys_are_forgotten(anna_token, carol):
    post(
        Client(),
        anna_token,
        "/tickets",
        {"subject": "x", "body": "x", "customer_id": carol.pk},
        "o",
    )
    assert forget_old_keys(timezone.now() + timedelta(hours=1)) == 0
    assert forget_old_keys(timezone.now() + timedelta(hours=25)) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
def test_two_simultaneous_retries_make_one_ticket(anna_token, carol):
    payload = {"subject": "Гонка", "body": "двойной клик", "customer_id": carol.pk}
    start = threading.Barrier(4)
    statuses, ids = [], []

    def send() -> None:
        try:
            start.wait()
            response = post(Client(), anna_token, "/tickets", payload, "double-click")
            statuses.append(response.status_code)
            ids.append(response.json()["id"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 4
    assert len(set(ids)) == 1
    assert Ticket.objects.filter(subject="Гонка").count() == 1
