"""Agents log calls on tickets (panel and API); nobody else can, and the timeline shows them."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.utils import timezone

from opora.telephony import ticket_panel
from opora.telephony.models import Call, Direction, Outcome
from opora.tickets.models import Channel, Message, MessageKind, Ticket

pytestmark = pytest.mark.django_db

ANSWERED = {
    "direction": "outbound",
    "outcome": "resolved",
    "minutes": "3",
    "seconds": "20",
    "phone": "+7 495 123-45-67",
    "notes": "Explained the reset procedure",
}


@pytest.fixture
def ticket(make_ticket, erin):
    return make_ticket(erin, channel=Channel.PHONE)


def test_agent_logs_a_call_from_the_ticket_panel(client_for, anna, ticket):
    response = client_for(anna).post(f"/phone/tickets/{ticket.pk}/calls/", ANSWERED)
    assert response.status_code == 302 and response.url == f"/desk/tickets/{ticket.pk}/"
    call = Call.objects.get(ticket=ticket)
    assert call.agent == anna and call.direction == Direction.OUTBOUND
    assert call.duration_seconds == 200 and call.outcome == Outcome.RESOLVED
    assert call.ended_at - call.answered_at == timedelta(seconds=200)
    assert call.phone == "+74951234567"
    note = Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE).get()
    assert note.channel == Channel.PHONE and "3 min 20 s" in note.body
    assert "Explained the reset procedure" in note.body


def test_the_phone_panel_shows_calls_and_forms_in_two_queries(
    client_for, anna, erin, ticket, rf, django_assert_max_num_queries
):
    client_for(anna).post(f"/phone/tickets/{ticket.pk}/calls/", ANSWERED)
    request = rf.get(f"/desk/tickets/{ticket.pk}/")
    request.user = anna
    with django_assert_max_num_queries(2):
        context = ticket_panel.panel(request, ticket)
    html = render_to_string(context["template"], {"panel": context, "ticket": ticket}, request)
    assert 'id="phone-panel"' in html and "Resolved on the call" in html
    assert f"/phone/tickets/{ticket.pk}/callback/" in html
    request.user = erin.user
    assert ticket_panel.panel(request, ticket) is None


def flashed(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"outcome": "no_answer"}, "has no talk time"),
        ({"minutes": "0", "seconds": "0"}, "needs its talk time"),
        ({"direction": "outbound", "outcome": "missed", "minutes": "0", "seconds": "0"}, "inbound"),
        ({"phone": "12"}, "area code"),
    ],
)
def test_an_impossible_call_is_refused_and_nothing_is_written(
    client_for, anna, ticket, change, message
):
    response = client_for(anna).post(f"/phone/tickets/{ticket.pk}/calls/", {**ANSWERED, **change})
    assert message in flashed(response)
    assert not Call.objects.exists()
    assert not Message.objects.filter(kind=MessageKind.NOTE).exists()


def test_forbidden_call_logging_is_refused(client_for, carol, erin, boris, lena, ticket, client):
    url = f"/phone/tickets/{ticket.pk}/calls/"
    assert client.post(url, ANSWERED).status_code == 302  # to the login page
    assert client_for(erin.user).post(url, ANSWERED).status_code == 403  # a customer, even its own
    assert client_for(carol.user).post(url, ANSWERED).status_code == 403
    assert client_for(boris).post(url, ANSWERED).status_code == 404  # another team's ticket
    light = client_for(lena).post(url, ANSWERED)
    assert "cannot change tickets" in flashed(light)  # a light agent is refused by the service
    assert not Call.objects.exists()


def test_api_logs_a_call_on_a_visible_ticket_only(api_as, anna, boris, erin, ticket):
    payload = {
        "ticket_id": ticket.pk,
        "direction": "inbound",
        "outcome": "follow_up_needed",
        "duration_seconds": 95,
    }
    response = api_as(anna).post("/calls", payload)
    assert response.status_code == 201, response.content
    assert response.json()["duration_seconds"] == 95
    assert response.json()["answered_at"] is not None
    assert api_as(boris).post("/calls", payload).status_code == 404
    assert api_as(erin.user).post("/calls", payload).status_code == 403
    assert api_as(None).post("/calls", payload).status_code == 401
    assert Call.objects.count() == 1
    assert api_as(boris).get("/calls", ticket_id=ticket.pk).json()["count"] == 0
    assert api_as(anna).get("/calls", ticket_id=ticket.pk).json()["count"] == 1
    assert api_as(erin.user).get("/calls").status_code == 403


def test_api_call_with_no_ticket_opens_a_phone_ticket(api_as, anna, erin, team_alpha):
    response = api_as(anna).post(
        "/calls",
        {
            "customer_id": erin.pk,
            "subject": "Router",
            "direction": "inbound",
            "outcome": "resolved",
            "duration_seconds": 300,
            "notes": "Rebooted it together",
        },
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["ticket_id"])
    assert ticket.channel == Channel.PHONE and ticket.customer == erin
    assert ticket.assignee == anna


def test_api_rejects_a_future_or_naive_start(api_as, anna, ticket):
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    response = api_as(anna).post(
        "/calls",
        {
            "ticket_id": ticket.pk,
            "direction": "inbound",
            "outcome": "no_answer",
            "started_at": future,
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"started_at": "future"}
    response = api_as(anna).post(
        "/calls", {"ticket_id": ticket.pk, "direction": "sideways", "outcome": "no_answer"}
    )
    assert response.status_code == 422
    assert not Call.objects.exists()


def test_the_ticket_page_carries_the_phone_panel(client_for, anna, ticket):
    client_for(anna).post(f"/phone/tickets/{ticket.pk}/calls/", ANSWERED)
    html = client_for(anna).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'id="phone-panel"' in html and "3:20" in html
