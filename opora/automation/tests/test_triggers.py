"""Triggers on create and update: field changes, tags, e-mail after commit, signed webhooks,
and the loop protection that keeps rules from setting each other off forever."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from opora.automation.models import Delivery, Trigger, TriggerEvent, WebhookDelivery
from opora.tickets import services
from opora.tickets.models import AuditEvent, Priority, Status, TicketType

pytestmark = pytest.mark.django_db


def make_trigger(name: str, event: str, conditions: dict, actions: list, **fields) -> Trigger:
    trigger = Trigger(name=name, event=event, conditions=conditions, actions=actions, **fields)
    trigger.full_clean()
    trigger.save()
    return trigger


def fired(ticket) -> list[str]:
    return list(
        AuditEvent.objects.filter(ticket=ticket, field="trigger")
        .order_by("pk")
        .values_list("new_value", flat=True)
    )


def test_on_create_sets_fields_and_tags_audited_with_the_rule_name(carol, make_ticket):
    make_trigger(
        "Outages are urgent",
        TriggerEvent.CREATED,
        {"keywords": ["outage"]},
        [
            {"type": "set_field", "field": "priority", "value": "urgent"},
            {"type": "set_field", "field": "type", "value": "incident"},
            {"type": "add_tag", "tag": "Outage"},
        ],
    )
    ticket = make_ticket(carol, subject="Total OUTAGE in Moscow")
    quiet = make_ticket(carol, subject="Invoice copy")
    assert (ticket.priority, ticket.type) == (Priority.URGENT, TicketType.INCIDENT)
    assert list(ticket.tags.values_list("name", flat=True)) == ["outage"]
    assert fired(ticket) == ["Outages are urgent"]
    changes = AuditEvent.objects.filter(ticket=ticket, via="automation", field="priority").get()
    assert (changes.old_value, changes.new_value, changes.actor) == ("normal", "urgent", None)
    assert fired(quiet) == [] and quiet.priority == Priority.NORMAL


def test_on_update_watches_changed_fields_and_status(anna, carol, make_ticket):
    make_trigger(
        "Pending gets a tag",
        TriggerEvent.UPDATED,
        {"changed_fields": ["status"], "statuses": ["pending"]},
        [{"type": "add_tag", "tag": "waiting"}],
    )
    ticket = make_ticket(carol)
    services.update_ticket(ticket, services.Actor(user=anna), {"priority": Priority.HIGH})
    assert fired(ticket) == []
    services.update_ticket(ticket, services.Actor(user=anna), {"status": Status.PENDING})
    assert fired(ticket) == ["Pending gets a tag"]
    assert list(ticket.tags.values_list("name", flat=True)) == ["waiting"]


def test_email_goes_to_the_customer_only_after_commit(
    anna, carol, make_ticket, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    make_trigger(
        "Solved notice",
        TriggerEvent.UPDATED,
        {"statuses": ["solved"], "changed_fields": ["status"]},
        [
            {
                "type": "send_email",
                "subject": "Ticket {{ ticket.number }} solved",
                "body": "Dear {{ customer.first_name }}, {{ ticket.subject }} is solved.",
            }
        ],
    )
    ticket = make_ticket(carol)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_ticket(ticket, services.Actor(user=anna), {"status": Status.SOLVED})
        assert mailoutbox == []
    # Other apps may write too (a satisfaction survey on solving): find the trigger's mail.
    [mail] = [mail for mail in mailoutbox if mail.subject == f"Ticket {ticket.pk} solved"]
    assert mail.to == ["carol@example.com"]
    assert mail.body == "Dear Carol, Printer is on fire is solved."
    notice = AuditEvent.objects.get(ticket=ticket, field="email")
    assert notice.new_value == f"Solved notice: Ticket {ticket.pk} solved"


class _Recorder(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def hook_server():
    """A real HTTP server on 127.0.0.1 that records what it is sent."""
    handler = type("Recorder", (_Recorder,), {"received": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/opora?source=test", handler.received
    server.shutdown()
    server.server_close()


def _webhook_trigger(url: str) -> Trigger:
    return make_trigger(
        "Tell the CRM",
        TriggerEvent.CREATED,
        {},
        [{"type": "webhook", "url": url, "secret_env": "OPORA_TEST_HOOK_SECRET"}],
    )


def test_webhook_is_posted_with_a_valid_signature(
    hook_server, carol, make_ticket, settings, monkeypatch, immediate_tasks,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    url, received = hook_server
    settings.OPORA_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    monkeypatch.setenv("OPORA_TEST_HOOK_SECRET", "s3cret")
    _webhook_trigger(url)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(carol)
        assert received == []
    [(headers, body)] = received
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Opora-Signature"], f"sha256={expected}")
    payload = json.loads(body)
    assert payload["ticket"]["id"] == ticket.pk
    assert payload["rule"] == {"kind": "trigger", "name": "Tell the CRM"}
    assert payload["event"] == "created"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status, delivery.attempts) == (Delivery.SENT, 204, 1)


def test_webhook_to_a_private_address_is_refused(
    hook_server, carol, make_ticket, monkeypatch, immediate_tasks,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    url, received = hook_server
    monkeypatch.setenv("OPORA_TEST_HOOK_SECRET", "s3cret")
    _webhook_trigger(url)
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(carol)
    assert received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Delivery.FAILED and "non-public address" in delivery.last_error


def test_webhook_accepts_only_http_urls():
    trigger = Trigger(
        name="Bad",
        event=TriggerEvent.CREATED,
        actions=[{"type": "webhook", "url": "file:///etc/passwd", "secret_env": "lower"}],
    )
    with pytest.raises(Exception) as error:
        trigger.full_clean()
    assert "0.url:" in str(error.value) and "0.secret_env:" in str(error.value)


def test_rules_do_not_ping_pong(anna, carol, make_ticket):
    """A lowers what B raises and the other way round: each fires once, then it stops."""
    make_trigger(
        "A",
        TriggerEvent.UPDATED,
        {"changed_fields": ["priority"], "priorities": ["high"]},
        [{"type": "set_field", "field": "priority", "value": "low"}],
    )
    make_trigger(
        "B",
        TriggerEvent.UPDATED,
        {"changed_fields": ["priority"], "priorities": ["low"]},
        [{"type": "set_field", "field": "priority", "value": "high"}],
    )
    ticket = make_ticket(carol)
    ticket = services.update_ticket(ticket, services.Actor(user=anna), {"priority": "high"})
    assert fired(ticket) == ["A", "B"]
    assert ticket.priority == Priority.HIGH


def test_chains_stop_at_the_depth_limit(anna, carol, make_ticket, settings):
    settings.OPORA_AUTOMATION_MAX_DEPTH = 2
    make_trigger(
        "1 status → priority",
        TriggerEvent.UPDATED,
        {"changed_fields": ["status"]},
        [{"type": "set_field", "field": "priority", "value": "high"}],
    )
    make_trigger(
        "2 priority → type",
        TriggerEvent.UPDATED,
        {"changed_fields": ["priority"]},
        [{"type": "set_field", "field": "type", "value": "complaint"}],
    )
    make_trigger(
        "3 type → tag",
        TriggerEvent.UPDATED,
        {"changed_fields": ["type"]},
        [{"type": "add_tag", "tag": "deep"}],
    )
    ticket = make_ticket(carol)
    services.update_ticket(ticket, services.Actor(user=anna), {"status": Status.OPEN})
    assert fired(ticket) == ["1 status → priority", "2 priority → type"]
    assert not ticket.tags.exists()


def test_a_refused_trigger_does_not_lose_the_ticket(carol, make_ticket):
    make_trigger(
        "Broken",
        TriggerEvent.CREATED,
        {},
        [{"type": "set_field", "field": "status", "value": "closed"}],
    )
    ticket = make_ticket(carol)
    assert ticket.status == Status.NEW
    refused = AuditEvent.objects.get(ticket=ticket, field="trigger")
    assert refused.new_value == "Broken refused: A ticket cannot go from New to Closed"
