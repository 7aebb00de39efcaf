"""Callback requests: the public form, the portal, agents' queue and attempts, and who sees what."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from opora.telephony import services
from opora.telephony.models import Call, Callback, CallbackSource, CallbackStatus
from opora.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db

FORM = {"name": "Pavel", "phone": "+7 (916) 555-12-34", "topic": "Invoice question"}


def test_public_form_creates_one_phone_ticket_and_callback_even_when_sent_twice(client, team_alpha):
    first = client.post("/phone/callback/", FORM)
    second = client.post("/phone/callback/", {**FORM, "phone": "89165551234"})
    assert first.status_code == second.status_code == 200
    assert "we will call you back" in first.content.decode()
    assert "already have your request" in second.content.decode()
    callback = Callback.objects.get()
    assert callback.phone == "+79165551234" and callback.source == CallbackSource.WEB_FORM
    assert callback.customer.name == "Pavel" and callback.name == "Pavel"
    assert callback.ticket.channel == Channel.PHONE
    assert callback.ticket.subject == "Callback request: Invoice question"
    assert Ticket.objects.count() == 1


def test_public_form_explains_a_bad_number_and_writes_nothing(client, team_alpha):
    response = client.post("/phone/callback/", {**FORM, "phone": "call me maybe"})
    assert response.status_code == 200
    assert "area code" in response.content.decode()
    assert not Callback.objects.exists() and not Ticket.objects.exists()


def test_public_form_refuses_a_preferred_time_in_the_past(client, team_alpha):
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/phone/callback/", {**FORM, "preferred_at": past})
    assert "already passed" in response.content.decode()
    assert not Callback.objects.exists()


def test_preferred_time_is_the_due_time(client, team_alpha):
    wanted = (timezone.localtime() + timedelta(days=1)).replace(second=0, microsecond=0)
    client.post("/phone/callback/", {**FORM, "preferred_at": wanted.strftime("%Y-%m-%dT%H:%M")})
    callback = Callback.objects.get()
    assert callback.due_at == wanted and callback.preferred_at == wanted


def test_public_form_is_rate_limited_per_address(client, settings, team_alpha):
    settings.OPORA_CALLBACK_FORM_LIMIT_PER_HOUR = 2
    for n in range(2):
        assert (
            client.post("/phone/callback/", {**FORM, "phone": f"+7916555000{n}"}).status_code == 200
        )
    refused = client.post("/phone/callback/", {**FORM, "phone": "+79165550009"})
    assert refused.status_code == 429
    assert "Too many callback requests" in refused.content.decode()
    assert Callback.objects.count() == 2


def test_customer_requests_from_the_portal_and_sees_only_their_own(
    client_for, carol, dave, erin, boris, team_alpha
):
    response = client_for(carol.user).post("/phone/my/", {"phone": "+79031112233", "topic": "Bill"})
    callback = Callback.objects.get()
    assert response.url == f"/phone/my/{callback.pk}/"
    assert callback.customer == carol and callback.source == CallbackSource.PORTAL
    assert callback.requested_by == carol.user
    assert client_for(carol.user).get(f"/phone/my/{callback.pk}/").status_code == 200
    # Dave shares Acme's tickets but a callback is Carol's own; Erin is a stranger.
    for other in (dave, erin):
        assert client_for(other.user).get(f"/phone/my/{callback.pk}/").status_code == 404
        assert client_for(other.user).post(f"/phone/my/{callback.pk}/cancel/").status_code == 404
        assert "+79031112233" not in client_for(other.user).get("/phone/my/").content.decode()
    assert client_for(boris).get(f"/phone/my/{callback.pk}/").status_code == 403
    client_for(carol.user).post(f"/phone/my/{callback.pk}/cancel/")
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.CANCELLED


def test_callback_api_for_customers_and_staff(api_as, carol, dave, anna, boris, team_alpha):
    created = api_as(carol.user).post("/callbacks", {"phone": "+79031112233", "topic": "Bill"})
    assert created.status_code == 201, created.content
    again = api_as(carol.user).post("/callbacks", {"phone": "8 903 111 22 33"})
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    pk = created.json()["id"]
    assert api_as(dave.user).get(f"/callbacks/{pk}").status_code == 404
    assert api_as(dave.user).get("/callbacks").json()["count"] == 0
    assert api_as(boris).get(f"/callbacks/{pk}").status_code == 404  # Beta cannot see Alpha's
    assert api_as(anna).get(f"/callbacks/{pk}").status_code == 200
    assert (
        api_as(carol.user).post(f"/callbacks/{pk}/attempts", {"outcome": "busy"}).status_code == 403
    )
    bad = api_as(carol.user).post("/callbacks", {"phone": "nope"})
    assert bad.status_code == 400 and bad.json()["error"]["fields"] == {"phone": "invalid_phone"}


def make_callback(ticket, phone, due_at):
    return Callback.objects.create(
        customer=ticket.customer,
        ticket=ticket,
        phone=phone,
        source=CallbackSource.WEB_FORM,
        due_at=due_at,
    )


def test_queue_shows_overdue_callbacks_first_in_bounded_queries(
    client_for, anna, boris, erin, make_ticket, django_assert_max_num_queries
):
    now = timezone.now()
    later = make_callback(make_ticket(erin), "+79160000001", now + timedelta(hours=2))
    overdue = make_callback(make_ticket(erin), "+79160000002", now - timedelta(hours=1))
    soon = make_callback(make_ticket(erin), "+79160000003", now + timedelta(minutes=10))
    client = client_for(anna)
    client.get("/phone/callbacks/")
    with django_assert_max_num_queries(12):
        response = client.get("/phone/callbacks/")
    assert [row.pk for row in response.context["page"]] == [overdue.pk, soon.pk, later.pk]
    assert response.context["overdue_count"] == 1
    assert "Overdue" in response.content.decode()
    # Boris's team sees none of Alpha's callbacks; a customer may not open the queue.
    assert list(client_for(boris).get("/phone/callbacks/").context["page"]) == []
    assert client_for(erin.user).get("/phone/callbacks/").status_code == 403


def test_attempts_close_a_callback_when_answered_or_after_the_limit(
    client_for, anna, erin, make_ticket, settings
):
    settings.OPORA_CALLBACK_MAX_ATTEMPTS = 2
    first = make_callback(make_ticket(erin), "+79160000001", timezone.now())
    second = make_callback(make_ticket(erin), "+79160000002", timezone.now())
    client = client_for(anna)
    no_answer = {"outcome": "no_answer", "minutes": 0, "seconds": 0}
    client.post(f"/phone/callbacks/{first.pk}/attempt/", no_answer)
    first.refresh_from_db()
    assert first.attempts == 1 and first.is_pending
    client.post(f"/phone/callbacks/{first.pk}/attempt/", no_answer)
    first.refresh_from_db()
    assert first.status == CallbackStatus.FAILED and first.done_at is not None
    client.post(
        f"/phone/callbacks/{second.pk}/attempt/",
        {"outcome": "resolved", "minutes": 2, "seconds": 0},
    )
    second.refresh_from_db()
    assert second.status == CallbackStatus.DONE and second.attempts == 1
    call = Call.objects.get(callback=second)
    assert (
        call.direction == "outbound"
        and call.phone == "+79160000002"
        and call.duration_seconds == 120
    )
    # A closed callback takes no more attempts.
    response = client.post(f"/phone/callbacks/{second.pk}/attempt/", no_answer)
    assert "already Done" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert Call.objects.filter(callback=second).count() == 1


def test_other_teams_agent_cannot_work_a_callback(client_for, boris, erin, make_ticket):
    callback = make_callback(make_ticket(erin), "+79160000001", timezone.now())
    no_answer = {"outcome": "no_answer", "minutes": 0, "seconds": 0}
    assert (
        client_for(boris).post(f"/phone/callbacks/{callback.pk}/attempt/", no_answer).status_code
        == 404
    )
    assert client_for(boris).post(f"/phone/callbacks/{callback.pk}/cancel/").status_code == 404
    assert (
        client_for(erin.user)
        .post(f"/phone/callbacks/{callback.pk}/attempt/", no_answer)
        .status_code
        == 403
    )
    callback.refresh_from_db()
    assert callback.attempts == 0 and callback.is_pending


def test_agent_schedules_a_callback_from_the_ticket(client_for, anna, erin, make_ticket):
    erin.phone = "+7 916 777-88-99"
    erin.save()
    ticket = make_ticket(erin)
    response = client_for(anna).post(f"/phone/tickets/{ticket.pk}/callback/", {"topic": "Refund"})
    assert response.url == f"/desk/tickets/{ticket.pk}/"
    callback = Callback.objects.get()
    assert callback.ticket == ticket and callback.phone == "+79167778899"
    assert callback.source == CallbackSource.AGENT and callback.requested_by == anna
    assert ticket.messages.filter(kind="note", body__contains="Callback to").exists()


def test_simultaneous_requests_for_one_number_leave_one_pending(erin, make_ticket, monkeypatch):
    # The race is decided by the partial unique index: the loser gets the winner's callback.
    winner = make_callback(make_ticket(erin), "+79160000001", timezone.now())
    real_lookup = services.pending_callback_for
    looks = []

    def first_look_misses(phone):
        # As if the winner committed between our first look and our insert.
        looks.append(phone)
        return None if len(looks) == 1 else real_lookup(phone)

    monkeypatch.setattr(services, "pending_callback_for", first_look_misses)
    callback, created = services.request_callback_public(
        services.CallbackRequest("+79160000001", name="Erin")
    )
    assert (callback, created) == (winner, False) and len(looks) == 2
    assert Callback.objects.count() == 1 and Ticket.objects.count() == 1


def test_portal_form_shows_a_bad_number_beside_the_field(client_for, carol, team_alpha):
    response = client_for(carol.user).post("/phone/my/", {"phone": "123", "topic": "Bill"})
    assert response.status_code == 200
    assert "area code" in str(response.context["form"].errors["phone"])
    assert not Callback.objects.exists()


def test_callback_list_api_is_bounded_in_queries(
    api_as, anna, erin, make_ticket, django_assert_max_num_queries
):
    for n in range(8):
        make_callback(make_ticket(erin), f"+7916000000{n}", timezone.now() + timedelta(hours=n + 1))
    client = api_as(anna)
    with django_assert_max_num_queries(6):
        response = client.get("/callbacks", status="pending", overdue="false")
    assert response.json()["count"] == 8
    due = [item["due_at"] for item in response.json()["items"]]
    assert due == sorted(due)
