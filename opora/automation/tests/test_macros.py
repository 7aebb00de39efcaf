"""Macros: field changes and a templated reply in one click, audited as the agent's."""

import pytest

from opora.automation.models import Macro
from opora.tickets.models import AuditEvent, MessageKind, Priority, Status

pytestmark = pytest.mark.django_db

ASK_FOR_DETAILS = [
    {"type": "set_field", "field": "status", "value": "pending"},
    {"type": "set_field", "field": "priority", "value": "high"},
    {"type": "add_tag", "tag": "needs-info"},
    {"type": "reply", "body": "Hello {{ customer.first_name }}, {{ agent.first_name }} here."},
]


def make_macro(name: str, actions: list, **fields) -> Macro:
    macro = Macro(name=name, actions=actions, **fields)
    macro.full_clean()
    macro.save()
    return macro


def assert_applied(ticket, agent) -> None:
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == (Status.PENDING, Priority.HIGH)
    assert list(ticket.tags.values_list("name", flat=True)) == ["needs-info"]
    reply = ticket.messages.get(author_user=agent)
    assert (reply.kind, reply.body) == (MessageKind.REPLY, "Hello Carol, Anna here.")
    used = AuditEvent.objects.get(ticket=ticket, field="macro")
    assert (used.new_value, used.actor) == ("Ask for details", agent)
    assert AuditEvent.objects.filter(ticket=ticket, field="priority", actor=agent).exists()


def test_apply_from_the_ticket_page(anna, carol, make_ticket, client_for):
    ticket = make_ticket(carol)
    macro = make_macro("Ask for details", ASK_FOR_DETAILS)
    client = client_for(anna)
    assert "Ask for details" in client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    response = client.post(f"/desk/automation/tickets/{ticket.pk}/macro/", {"macro": macro.pk})
    assert response.status_code == 302
    assert_applied(ticket, anna)


def test_apply_through_the_api(anna, carol, make_ticket, api_as):
    ticket = make_ticket(carol)
    macro = make_macro("Ask for details", ASK_FOR_DETAILS)
    response = api_as(anna).post(f"/tickets/{ticket.pk}/macros/{macro.pk}/apply")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    assert_applied(ticket, anna)


def test_customers_cannot_apply_macros(carol, make_ticket, api_as, client_for):
    ticket = make_ticket(carol)
    macro = make_macro("Ask for details", ASK_FOR_DETAILS)
    assert (
        api_as(carol.user).post(f"/tickets/{ticket.pk}/macros/{macro.pk}/apply").status_code == 403
    )
    page = client_for(carol.user).post(
        f"/desk/automation/tickets/{ticket.pk}/macro/", {"macro": macro.pk}
    )
    assert page.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_light_agent_cannot_send_a_public_reply_by_macro(lena, carol, make_ticket, api_as):
    ticket = make_ticket(carol)
    public = make_macro("Public", [{"type": "reply", "body": "Hello"}])
    note = make_macro("Note", [{"type": "reply", "body": "Checked the logs", "internal": True}])
    client = api_as(lena)
    assert client.post(f"/tickets/{ticket.pk}/macros/{public.pk}/apply").status_code == 403
    assert client.post(f"/tickets/{ticket.pk}/macros/{note.pk}/apply").status_code == 200
    assert list(ticket.messages.values_list("kind", flat=True)) == [
        MessageKind.REPLY,
        MessageKind.NOTE,
    ]


def test_other_peoples_personal_macros_are_not_offered(anna, boris, carol, make_ticket, api_as):
    ticket = make_ticket(carol)
    mine = make_macro("Boris's", ASK_FOR_DETAILS, owner=boris)
    assert api_as(anna).post(f"/tickets/{ticket.pk}/macros/{mine.pk}/apply").status_code == 404


def test_a_failing_macro_changes_nothing(anna, carol, make_ticket, api_as):
    ticket = make_ticket(carol)
    macro = make_macro(
        "Solve incident",
        [
            {"type": "set_field", "field": "type", "value": "incident"},
            {"type": "set_field", "field": "status", "value": "solved"},
        ],
    )
    response = api_as(anna).post(f"/tickets/{ticket.pk}/macros/{macro.pk}/apply")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"resolution_code": "required"}
    ticket.refresh_from_db()
    assert (ticket.type, ticket.status) == ("question", Status.NEW)
    assert not AuditEvent.objects.filter(ticket=ticket, field="macro").exists()
