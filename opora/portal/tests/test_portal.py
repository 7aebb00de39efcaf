"""The customer portal: sign up, prove the address, submit, follow and reply."""

import re

import pytest
from django.core import mail

from opora.accounts.models import Role, User
from opora.customers.models import Customer
from opora.tickets.models import Channel, MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db


def test_sign_up_with_new_address_links_a_customer_at_once(client):
    response = client.post(
        "/portal/signup/",
        {"name": "Пётр", "email": "petr@example.com", "password": "long-enough-pass"},
    )
    assert response.url == "/portal/"
    user = User.objects.get(email="petr@example.com")
    assert user.role == Role.CUSTOMER
    assert Customer.objects.get(email="petr@example.com").user == user


def test_sign_up_with_known_address_needs_the_emailed_link(client, make_ticket, erin):
    erin.user.delete()  # erin wrote in by e-mail and has no login yet
    erin.refresh_from_db()
    make_ticket(erin, subject="Erin's old request")
    client.post(
        "/portal/signup/",
        {"name": "Someone", "email": "ERIN@example.com", "password": "long-enough-pass"},
    )
    # Before confirming, the new login sees nothing of the earlier tickets.
    assert "Erin&#x27;s old request" not in client.get("/portal/").content.decode()
    link = re.search(r"http://testserver(/portal/verify/\S+/)", mail.outbox[0].body).group(1)
    client.get(link)
    assert "Erin&#x27;s old request" in client.get("/portal/").content.decode()


def test_forged_verification_link_is_refused(client, erin):
    erin.user.delete()  # erin wrote in by e-mail and has no login yet
    erin.refresh_from_db()
    client.post(
        "/portal/signup/",
        {"name": "Mallory", "email": "erin@example.com", "password": "long-enough-pass"},
    )
    response = client.get("/portal/verify/eyJ1c2VyIjoxfQ:forged:sig/", follow=True)
    assert "invalid" in response.content.decode() or "недействительна" in response.content.decode()
    erin.refresh_from_db()
    assert erin.user is None


def test_weak_password_and_taken_address_are_explained(client, carol):
    page = client.post(
        "/portal/signup/", {"name": "X", "email": "x@example.com", "password": "12345678"}
    ).content.decode()
    assert "password" in page.lower() or "пароль" in page.lower()
    page = client.post(
        "/portal/signup/", {"name": "X", "email": carol.email, "password": "long-enough-pass"}
    ).content.decode()
    assert "already exists" in page or "уже существует" in page


def test_submit_follow_and_reply(carol, client_for, anna):
    client = client_for(carol.user)
    response = client.post(
        "/portal/tickets/new/", {"subject": "Не работает вход", "body": "Пишет «неверный пароль»"}
    )
    ticket = Ticket.objects.get()
    assert response.url == f"/portal/tickets/{ticket.pk}/"
    assert ticket.channel == Channel.PORTAL and ticket.customer == carol
    client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "Уточнение: с телефона"})
    assert ticket.messages.filter(author_customer=carol).count() == 2
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Уточнение: с телефона" in page


def test_organisation_scope_lists_colleagues_tickets(carol, dave, make_ticket, client_for):
    make_ticket(dave, subject="Dave's request")
    client = client_for(carol.user)
    assert "Dave&#x27;s request" not in client.get("/portal/?scope=mine").content.decode()
    assert "Dave&#x27;s request" in client.get("/portal/?scope=organisation").content.decode()


def test_reply_to_closed_request_opens_a_new_one(carol, make_ticket, client_for):
    ticket = make_ticket(carol)
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    response = client_for(carol.user).post(
        f"/portal/tickets/{ticket.pk}/reply/", {"body": "Снова сломалось"}
    )
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert response.url == f"/portal/tickets/{follow_up.pk}/"
    assert follow_up.messages.get(kind=MessageKind.REPLY).body == "Снова сломалось"


def test_staff_cannot_use_the_portal_as_a_customer(anna, client_for):
    assert client_for(anna).get("/portal/").status_code == 403
