"""Routing rules, triggers and macros over the API (managers and admins), agent status (staff,
for themselves), and validation errors that name the exact path inside the JSON."""

import pytest
from django.core.exceptions import ValidationError

from opora.automation.models import AgentStatus, Macro, RoutingRule, Trigger

pytestmark = pytest.mark.django_db


def test_manager_creates_and_updates_a_trigger(lead, api_as):
    client = api_as(lead)
    created = client.post(
        "/automation/triggers",
        {
            "name": "Tag VIPs",
            "event": "created",
            "conditions": {"tiers": ["vip"]},
            "actions": [{"type": "add_tag", "tag": "vip"}],
        },
    )
    assert created.status_code == 201, created.content
    trigger_id = created.json()["id"]
    updated = client.patch(f"/automation/triggers/{trigger_id}", {"is_active": False})
    assert updated.status_code == 200 and updated.json()["is_active"] is False
    assert [t["name"] for t in client.get("/automation/triggers").json()] == ["Tag VIPs"]


def test_invalid_actions_and_conditions_name_their_paths(lead, api_as):
    response = api_as(lead).post(
        "/automation/triggers",
        {
            "name": "Broken",
            "event": "updated",
            "conditions": {"statuses": ["open", "sleeping"], "changed_fields": ["colour"]},
            "actions": [
                {"type": "add_tag", "tag": "ok"},
                {"type": "set_field", "field": "priority", "value": "extreme"},
                {"type": "explode"},
            ],
        },
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "conditions.statuses.1",
        "conditions.changed_fields.0",
        "actions.1.value",
        "actions.2.type",
    }
    assert not Trigger.objects.exists()


def test_routing_rules_over_the_api(admin_user, team_beta, api_as):
    client = api_as(admin_user)
    bad = client.post(
        "/automation/routing-rules",
        {"name": "Refunds", "team_id": team_beta.pk, "conditions": {"keywords": [""]}},
    )
    assert bad.json()["error"]["fields"] == {
        "conditions.keywords.0": "must be a non-empty text of at most 100 characters"
    }
    created = client.post(
        "/automation/routing-rules",
        {"name": "Refunds", "team_id": team_beta.pk, "conditions": {"keywords": ["refund"]}},
    )
    assert created.status_code == 201
    rule_id = created.json()["id"]
    patched = client.patch(f"/automation/routing-rules/{rule_id}", {"priority": "high"})
    assert patched.json()["priority"] == "high"
    assert RoutingRule.objects.get().priority == "high"
    missing = client.patch(f"/automation/routing-rules/{rule_id}", {"team_id": 999})
    assert missing.json()["error"]["fields"] == {"team_id": "not_found"}


def test_macros_over_the_api(lead, anna, team_alpha, api_as):
    client = api_as(lead)
    both = client.post(
        "/automation/macros",
        {
            "name": "X",
            "owner_id": anna.pk,
            "team_id": team_alpha.pk,
            "actions": [{"type": "reply", "body": "Hi"}],
        },
    )
    assert both.json()["error"]["fields"] == {
        "team": "a macro belongs to a person or a team, not both"
    }
    webhook = client.post(
        "/automation/macros",
        {
            "name": "X",
            "actions": [{"type": "webhook", "url": "https://x.example", "secret_env": "S"}],
        },
    )
    assert "actions.0.type" in webhook.json()["error"]["fields"]
    created = client.post(
        "/automation/macros",
        {"name": "Thanks", "team_id": team_alpha.pk, "actions": [{"type": "reply", "body": "Hi"}]},
    )
    assert created.status_code == 201
    assert (
        client.patch(f"/automation/macros/{created.json()['id']}", {"name": "Thank you"}).json()[
            "name"
        ]
        == "Thank you"
    )


@pytest.mark.parametrize(
    "path", ["/automation/triggers", "/automation/routing-rules", "/automation/macros"]
)
def test_agents_and_customers_cannot_configure(path, anna, carol, api_as):
    assert api_as(anna).get(path).status_code == 403
    assert api_as(carol.user).get(path).status_code == 403
    assert api_as(anna).post(path, {"name": "x"}).status_code in {403, 422}


def test_agents_set_their_own_status(anna, carol, api_as):
    client = api_as(anna)
    assert client.get("/agents/me/status").json()["status"] == "off"
    response = client._call("put", "/agents/me/status", {"status": "online"})
    assert response.status_code == 200 and response.json()["status"] == "online"
    assert AgentStatus.objects.get(user=anna).status == "online"
    assert api_as(carol.user).get("/agents/me/status").status_code == 403
    assert client._call("put", "/agents/me/status", {"status": "asleep"}).status_code == 422


def test_status_from_the_workspace(anna, client_for):
    response = client_for(anna).post(
        "/desk/automation/status/", {"status": "away", "next": "/desk/"}
    )
    assert response.status_code == 302 and response.url == "/desk/"
    assert AgentStatus.objects.get(user=anna).status == "away"


def test_model_validation_names_paths_for_the_admin(db):
    macro = Macro(name="X", actions=[{"type": "set_field", "field": "colour", "value": 1}])
    with pytest.raises(ValidationError) as error:
        macro.full_clean()
    assert error.value.message_dict["actions"] == [
        "0.field: use one of: status, priority, type, team, assignee"
    ]


def test_admin_shows_the_path_under_the_field(admin_user, client_for, team_beta):
    response = client_for(admin_user).post(
        "/admin/automation/routingrule/add/",
        {
            "name": "Bad",
            "position": 0,
            "is_active": "on",
            "conditions": '{"channels": ["pigeon"]}',
            "team": team_beta.pk,
            "priority": "",
        },
    )
    assert response.status_code == 200
    assert "channels.0: &#x27;pigeon&#x27; is not a channel" in response.content.decode()
