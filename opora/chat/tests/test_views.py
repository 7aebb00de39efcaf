"""The widget's public endpoints, the agents' pages and the API: who gets in and who is refused."""

import json
import sys
import types
from zoneinfo import ZoneInfo

import pytest
from django.urls import get_resolver
from django.utils import timezone

from opora.chat import services
from opora.chat.models import ChatSession, ChatSettings
from opora.sla.models import BusinessCalendar
from opora.tickets.models import Ticket

pytestmark = pytest.mark.django_db
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def post_json(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def test_widget_script_is_one_public_cross_origin_file(client):
    response = client.get("/chat/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert b"/ws/chat/visitor/" in response.content


def test_widget_config_speaks_the_asked_language_and_shows_outage_banners(client, monkeypatch):
    fake = types.ModuleType("opora.incidents.services")
    fake.active_banners = lambda: [{"title": "Payments down", "body": "We are on it"}]
    monkeypatch.setitem(sys.modules, "opora.incidents.services", fake)
    english = client.get("/chat/widget/config/?lang=en").json()
    assert english["open"] is True
    assert english["banners"] == [{"title": "Payments down", "body": "We are on it"}]
    assert english["strings"]["start"] == "Start chat"


def test_widget_config_works_without_the_incidents_banners(client, monkeypatch):
    # The URLconf (which imports the incidents API) is loaded before the import is made to fail;
    # a test run first on its worker would otherwise fail while loading it.
    get_resolver().url_patterns  # noqa: B018
    monkeypatch.setitem(sys.modules, "opora.incidents.services", None)  # import fails
    assert client.get("/chat/widget/config/?lang=en").json()["banners"] == []


def test_widget_start_returns_a_token_for_that_chat_only(client, team_alpha):
    response = post_json(client, "/chat/widget/start/", {"name": "Ann", "body": "Hi", "lang": "en"})
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert services.session_for_token(data["token"]).pk == data["chat"]
    assert ChatSession.objects.get().ticket.customer.name == "Ann"


def test_widget_start_refuses_bad_input_with_the_error_shape(client, team_alpha):
    for payload in ({"name": "", "body": "Hi"}, {"name": ["x"], "body": 5}, []):
        response = post_json(client, "/chat/widget/start/", payload)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid"
    assert client.get("/chat/widget/start/").status_code == 405
    assert client.options("/chat/widget/start/").status_code == 200
    assert not Ticket.objects.exists()


def test_offline_widget_is_a_ticket_form(client, team_alpha):
    # Open on one weekday only, and not today.
    today = timezone.localtime(timezone.now(), ZoneInfo("Europe/Moscow")).weekday()
    other_day = DAYS[(today + 3) % 7]
    ChatSettings.objects.create(
        hours=BusinessCalendar.objects.create(
            name="Rarely", country="", weekly_hours={other_day: [["09:00", "18:00"]]}
        )
    )
    assert client.get("/chat/widget/config/").json()["open"] is False
    refused = post_json(client, "/chat/widget/start/", {"name": "Ann", "body": "Hi"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "chat_closed")
    left = post_json(
        client,
        "/chat/widget/message/",
        {"name": "Ann", "email": "ann@example.com", "subject": "Help", "body": "Call me"},
    )
    assert left.status_code == 201
    assert Ticket.objects.get(pk=left.json()["ticket"]).subject == "Help"


def test_demo_page_is_public_and_embeds_the_widget_with_one_tag(client):
    response = client.get("/chat/demo/")
    assert response.status_code == 200
    assert response.content.count(b'src="/chat/widget.js"') == 1


def test_workspace_is_for_staff_only(client, client_for, anna, carol):
    for url in ("/chat/", "/chat/queue/"):
        assert client.get(url).status_code == 302
        assert client_for(carol.user).get(url).status_code == 403
        assert client_for(anna).get(url).status_code == 200


def test_queue_panel_lists_only_my_teams_chats(
    client_for, anna, boris, team_alpha, django_assert_max_num_queries
):
    for n in range(5):
        services.start_chat(f"Guest {n}", "", f"question {n}")
    agent_client = client_for(anna)
    agent_client.get("/chat/queue/")  # the login's own queries happen once
    with django_assert_max_num_queries(10):
        mine = agent_client.get("/chat/queue/").content.decode()
    assert mine.count("data-waiting-chat") == 5
    others = client_for(boris).get("/chat/queue/").content.decode()
    assert "data-waiting-chat" not in others


def test_api_lists_chats_with_times_to_agents_who_may_see_them(
    api_as, anna, boris, carol, team_alpha
):
    session = services.start_chat("Ann", "", "hello")
    services.accept(session, anna)
    services.post_line(session, "more")
    listed = api_as(anna).get("/chat/sessions")
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert (item["id"], item["agent_id"], item["status"]) == (session.pk, anna.pk, "active")
    assert item["wait_seconds"] >= 0 and item["handle_seconds"] is None
    lines = api_as(anna).get(f"/chat/sessions/{session.pk}/lines", after=2).json()
    assert [line["body"] for line in lines] == ["more"]
    # Boris (another team) and a customer are refused.
    assert api_as(boris).get("/chat/sessions").json()["count"] == 0
    assert api_as(boris).get(f"/chat/sessions/{session.pk}").status_code == 404
    assert api_as(boris).get(f"/chat/sessions/{session.pk}/lines").status_code == 404
    assert api_as(carol.user).get("/chat/sessions").status_code == 403
    assert api_as(None).get("/chat/sessions").status_code == 401
    assert api_as(anna).get("/chat/sessions", colour="red").status_code == 400


def test_ticket_page_shows_the_chats_times_to_staff_only(
    client_for, anna, boris, team_alpha, make_ticket, carol
):
    session = services.start_chat("Ann", "", "hello")
    services.accept(session, anna)
    services.end_chat(session, agent=anna)
    page = client_for(anna).get(f"/desk/tickets/{session.ticket_id}/").content.decode()
    assert "Queue wait" in page and "Handle time" in page
    # Another team's agent does not get the ticket page at all; other channels get no panel.
    assert client_for(boris).get(f"/desk/tickets/{session.ticket_id}/").status_code == 404
    email_ticket = make_ticket(carol)
    assert (
        "Queue wait"
        not in client_for(anna).get(f"/desk/tickets/{email_ticket.pk}/").content.decode()
    )


def test_the_anonymous_widget_is_rate_limited_per_address(client, team_alpha, settings):
    settings.OPORA_CHAT_WIDGET_LIMIT_PER_HOUR = 2
    start = {"name": "Ann", "body": "Hi", "lang": "en"}
    message = {
        "name": "Ann",
        "email": "ann@example.com",
        "subject": "Hi",
        "body": "Hi",
        "lang": "en",
    }
    assert post_json(client, "/chat/widget/start/", start).status_code == 201
    assert post_json(client, "/chat/widget/message/", message).status_code == 201
    refused = post_json(client, "/chat/widget/start/", start)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert Ticket.objects.count() == 2  # the refused request wrote nothing
