"""Time-based automations: once per stay in a status, however late or often the pass runs."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from opora.automation.models import Automation, AutomationRun
from opora.automation.services import run_automations
from opora.tickets import services
from opora.tickets.models import AuditEvent, MessageKind, Status

pytestmark = pytest.mark.django_db

CLOSE_PENDING = [
    {"type": "reply", "body": "{{ customer.first_name }}, we close ticket {{ ticket.number }}."},
    {"type": "set_field", "field": "status", "value": "solved"},
]


@pytest.fixture
def close_pending(db) -> Automation:
    automation = Automation(
        name="Close pending after 5 days", status=Status.PENDING, hours=120, actions=CLOSE_PENDING
    )
    automation.full_clean()
    automation.save()
    return automation


@pytest.fixture
def pending_ticket(anna, carol, make_ticket):
    ticket = make_ticket(carol)
    return services.update_ticket(ticket, services.Actor(user=anna), {"status": Status.PENDING})


def days(count: float):
    return timezone.now() + timedelta(days=count)


def test_fires_after_the_time_once_with_a_message(close_pending, pending_ticket):
    assert run_automations(days(4)).fired == 0
    report = run_automations(days(6))
    assert (report.fired, report.tickets) == (1, [pending_ticket.pk])
    pending_ticket.refresh_from_db()
    assert pending_ticket.status == Status.SOLVED
    reply = pending_ticket.messages.get(author_user=None, author_customer=None)
    assert reply.kind == MessageKind.REPLY
    assert reply.body == f"Carol, we close ticket {pending_ticket.pk}."
    rule = AuditEvent.objects.get(ticket=pending_ticket, field="automation")
    assert (rule.new_value, rule.via) == ("Close pending after 5 days", "automation")
    assert AuditEvent.objects.get(ticket=pending_ticket, field="status", via="automation")
    assert run_automations(days(7)).fired == 0
    assert AutomationRun.objects.count() == 1


def test_a_late_pass_fires_once(close_pending, pending_ticket):
    assert run_automations(days(30)).fired == 1
    assert run_automations(days(31)).fired == 0


def test_a_new_stay_in_the_status_is_a_new_episode(close_pending, pending_ticket, anna):
    run_automations(days(6))
    # The customer answers (reopening), the agent asks again: a new stay begins now.
    pending_ticket.refresh_from_db()
    services.update_ticket(pending_ticket, services.Actor(user=anna), {"status": Status.OPEN})
    services.update_ticket(pending_ticket, services.Actor(user=anna), {"status": Status.PENDING})
    assert run_automations(days(4)).fired == 0
    assert run_automations(days(6)).fired == 1
    assert AutomationRun.objects.count() == 2


def test_conditions_narrow_the_tickets(close_pending, pending_ticket):
    close_pending.conditions = {"priorities": ["urgent"]}
    close_pending.save()
    assert run_automations(days(6)).fired == 0


def test_refused_actions_are_recorded_once(close_pending, pending_ticket, anna):
    services.update_ticket(pending_ticket, services.Actor(user=anna), {"type": "incident"})
    report = run_automations(days(6))
    assert (report.fired, report.refused) == (0, 1)
    assert AutomationRun.objects.get().error == "Solving an incident needs a resolution code"
    pending_ticket.refresh_from_db()
    assert pending_ticket.status == Status.PENDING
    assert run_automations(days(7)).refused == 0


def test_management_command_runs_a_pass(close_pending, pending_ticket, capsys):
    call_command("automation_tick")
    assert "0 fired" in capsys.readouterr().out
