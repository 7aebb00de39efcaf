"""The SLA API: a ticket's targets for those who may see it; configuration for managers.

Calendar: 24/7 (the default promise) unless a test says otherwise.
"""

import pytest

from opora.sla.models import BusinessCalendar, SlaPolicy

pytestmark = pytest.mark.django_db


def test_agent_of_the_ticket_team_sees_every_target(api_as, anna, carol, make_ticket):
    ticket = make_ticket(carol)
    response = api_as(anna).get(f"/tickets/{ticket.pk}/sla")
    assert response.status_code == 200
    body = response.json()
    assert body["ticket_id"] == ticket.pk
    assert [(t["kind"], t["status"]) for t in body["targets"]] == [("first_response", "active")]
    assert body["targets"][0]["due_at"]


def test_customer_sees_only_the_first_response_promise_of_own_ticket(
    api_as, anna, carol, make_ticket
):
    from opora.tickets import services

    ticket = make_ticket(carol)
    services.add_message(ticket, services.Actor(user=anna), "Hi")
    services.add_message(ticket, services.Actor(customer=carol), "More")  # next response starts
    targets = api_as(carol.user).get(f"/tickets/{ticket.pk}/sla").json()["targets"]
    assert [t["kind"] for t in targets] == ["first_response"]
    assert set(targets[0]) == {"kind", "status", "due_at", "achieved_at"}


@pytest.mark.parametrize("who", ["erin", "boris"])
def test_other_customers_and_other_teams_get_404(api_as, carol, make_ticket, erin, boris, who):
    ticket = make_ticket(carol)
    user = {"erin": erin.user, "boris": boris}[who]
    response = api_as(user).get(f"/tickets/{ticket.pk}/sla")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_anonymous_gets_401(api_as, carol, make_ticket):
    ticket = make_ticket(carol)
    assert api_as(None).get(f"/tickets/{ticket.pk}/sla").status_code == 401


def test_agents_cannot_configure_slas(api_as, anna):
    client = api_as(anna)
    assert client.get("/sla/policies").status_code == 403
    assert client.post("/sla/calendars", {"name": "x"}).status_code == 403


def test_manager_creates_a_calendar_and_a_policy(api_as, lead, carol):
    client = api_as(lead)
    calendar = client.post(
        "/sla/calendars",
        {
            "name": "Novosibirsk",
            "time_zone": "Asia/Novosibirsk",
            "weekly_hours": {"monday": [["09:00", "13:00"], ["14:00", "18:00"]]},
            "holidays": ["2026-06-15"],
        },
    )
    assert calendar.status_code == 201, calendar.json()
    assert calendar.json()["weekly_hours"] == {"monday": [["09:00", "13:00"], ["14:00", "18:00"]]}
    policy = client.post(
        "/sla/policies",
        {
            "name": "Acme",
            "position": 5,
            "conditions": {"organisation_ids": [carol.organisation_id], "priorities": ["high"]},
            "first_response_minutes": 60,
            "calendar_id": calendar.json()["id"],
        },
    )
    assert policy.status_code == 201, policy.json()
    assert policy.json()["conditions"] == {
        "organisation_ids": [carol.organisation_id],
        "priorities": ["high"],
    }
    changed = client.patch(f"/sla/policies/{policy.json()['id']}", {"calendar_id": None})
    assert changed.status_code == 200 and changed.json()["calendar_id"] is None
    assert [p["name"] for p in client.get("/sla/policies").json()] == ["Acme"]


def test_calendar_errors_name_the_exact_field(api_as, lead):
    response = api_as(lead).post(
        "/sla/calendars",
        {
            "name": "Broken",
            "time_zone": "Mars/Olympus",
            "weekly_hours": {
                "monday": [["18:00", "09:00"]],
                "tuesday": [["09:00", "13:00"], ["12:00", "18:00"]],
                "wednesday": [["25:00", "26:00"]],
            },
            "country": "XX",
        },
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {
        "time_zone",
        "country",
        "weekly_hours.monday.0",
        "weekly_hours.tuesday.1",
        "weekly_hours.wednesday.0",
    }
    assert not BusinessCalendar.objects.exists()


def test_policy_errors_name_the_exact_field(api_as, lead):
    client = api_as(lead)
    response = client.post(
        "/sla/policies", {"name": "Nothing", "conditions": {"organisation_ids": [424242]}}
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "conditions.organisation_ids.0",
        "first_response_minutes",
    }
    schema_error = client.post(
        "/sla/policies", {"name": "x", "conditions": {"priorities": ["hgh"]}}
    )
    assert schema_error.status_code == 422
    assert "conditions.priorities.0" in schema_error.json()["error"]["fields"]


def test_a_policy_in_use_cannot_be_deleted(api_as, lead, carol, make_ticket, make_policy):
    policy = make_policy("Used", first_response_minutes=30)
    make_ticket(carol)
    response = api_as(lead).delete(f"/sla/policies/{policy.pk}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "in_use"
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()
    unused = make_policy("Unused", first_response_minutes=30, is_active=False)
    assert api_as(lead).delete(f"/sla/policies/{unused.pk}").status_code == 204
