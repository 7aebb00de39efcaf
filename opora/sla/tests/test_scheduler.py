"""The scheduler pass: warnings, breaches and escalations, once each, in set-based SQL.

Calendar: 24/7 (no calendar on the policy) unless a test says otherwise, so due times are
plain offsets; "now" starts on Monday 2 March 2026, 10:00 Moscow.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from opora.sla.models import SlaTarget, TargetKind, TargetStatus
from opora.sla.scheduler import run_pass
from opora.sla.tasks import evaluate_sla_targets
from opora.tickets.models import AuditEvent, Priority

from .conftest import msk

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha_lead(team_alpha, lead):
    team_alpha.lead = lead
    team_alpha.save()
    return lead


@pytest.fixture
def one_hour_policy(make_policy):
    """First response within 60 minutes, calendar time; warn at 80 % (48 minutes)."""
    return make_policy("One hour", first_response_minutes=60)


def first_response(ticket) -> SlaTarget:
    return SlaTarget.objects.get(ticket=ticket, kind=TargetKind.FIRST_RESPONSE)


def test_running_twice_warns_breaches_escalates_and_mails_once(
    one_hour_policy,
    frozen_now,
    make_ticket,
    carol,
    anna,
    alpha_lead,
    immediate_tasks,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    ticket = make_ticket(carol, assignee=anna)

    with django_capture_on_commit_callbacks(execute=True):
        at_warning = [run_pass(now=msk(2, 10, 50)) for _ in range(2)]
    assert [report.warned for report in at_warning] == [1, 0]
    assert first_response(ticket).warned_at == msk(2, 10, 50)

    with django_capture_on_commit_callbacks(execute=True):
        at_breach = [run_pass(now=msk(2, 11, 5)) for _ in range(2)]
    assert [(r.breached, r.escalated, r.emails) for r in at_breach] == [(1, 1, 2), (0, 0, 0)]
    target = first_response(ticket)
    assert (target.status, target.breached_at, target.escalated_at) == (
        TargetStatus.BREACHED,
        msk(2, 11),
        msk(2, 11, 5),
    )
    assert target.warned_at == msk(2, 10, 50)
    # One e-mail to each of the assignee and the team lead, not one per pass.
    assert sorted(message.to[0] for message in mailoutbox) == [
        "anna@example.com",
        "lead@example.com",
    ]
    assert str(ticket.pk) in mailoutbox[0].subject  # in the recipient's language


def test_a_late_run_records_the_breach_at_its_due_time_without_a_stale_warning(
    one_hour_policy, frozen_now, make_ticket, carol, anna
):
    ticket = make_ticket(carol, assignee=anna)
    report = run_pass(now=msk(3, 9))  # the scheduler was down overnight
    assert (report.breached, report.warned) == (1, 0)
    target = first_response(ticket)
    assert target.breached_at == msk(2, 11)
    assert target.warned_at is None


def test_a_reply_before_a_late_run_is_never_escalated(
    one_hour_policy, frozen_now, make_ticket, carol, anna, mailoutbox
):
    from opora.tickets import services

    ticket = make_ticket(carol, assignee=anna)
    frozen_now.set(msk(2, 11, 30))
    services.add_message(ticket, services.Actor(user=anna), "Late, sorry")
    report = run_pass(now=msk(2, 12))
    assert (report.breached, report.escalated) == (0, 0)
    assert first_response(ticket).breached_at == msk(2, 11)  # late, and on record as such
    assert mailoutbox == []


def test_breach_raises_priority_and_moves_to_the_next_line_audited_as_sla(
    make_policy, frozen_now, make_ticket, carol, anna, team_beta
):
    make_policy(
        "Strict",
        first_response_minutes=60,
        raise_priority_on_breach=True,
        escalate_line_on_breach=True,
    )
    ticket = make_ticket(carol, assignee=anna, priority=Priority.NORMAL)
    report = run_pass(now=msk(2, 12))
    run_pass(now=msk(2, 13))

    ticket.refresh_from_db()
    assert report.tickets_changed == [ticket.pk]
    assert ticket.priority == Priority.HIGH  # one step, once
    assert ticket.team == team_beta
    events = AuditEvent.objects.filter(ticket=ticket, via="sla")
    assert sorted(events.values_list("action", "field", "new_value")) == [
        ("changed", "priority", "high"),
        ("escalated", "team", "Beta"),
    ]
    assert ticket.messages.filter(kind="note", body__contains="SLA").exists()


def test_notify_only_policy_changes_nothing_on_the_ticket(
    one_hour_policy, frozen_now, make_ticket, carol, anna
):
    ticket = make_ticket(carol, assignee=anna)
    report = run_pass(now=msk(2, 12))
    ticket.refresh_from_db()
    assert report.tickets_changed == []
    assert ticket.priority == Priority.NORMAL
    assert not AuditEvent.objects.filter(ticket=ticket, via="sla").exists()


def test_targets_of_a_ticket_closed_without_an_event_are_stopped(
    one_hour_policy, frozen_now, make_ticket, carol, anna
):
    from opora.tickets import services

    source, target = make_ticket(carol), make_ticket(carol, subject="the same")
    services.merge(source, target, services.Actor(user=anna))  # closes the source silently
    report = run_pass(now=msk(2, 12))
    assert report.stopped == 1
    assert first_response(source).status == TargetStatus.STOPPED
    assert first_response(target).status == TargetStatus.BREACHED


def _pass_queries(now) -> int:
    with CaptureQueriesContext(connection) as captured:
        run_pass(now=now)
    return len(captured.captured_queries)


def test_query_count_of_a_pass_does_not_grow_with_tickets(
    one_hour_policy, frozen_now, make_ticket, carol, anna, alpha_lead, erin
):
    def queries_for(count: int, day: int) -> tuple[int, int]:
        SlaTarget.objects.update(status=TargetStatus.STOPPED)
        frozen_now.set(msk(day, 10))
        for index in range(count):
            make_ticket(carol if index % 2 else erin, assignee=anna, subject=f"t{index}")
        warning = _pass_queries(msk(day, 10, 50))
        breach_and_notify = _pass_queries(msk(day, 11, 30))
        assert SlaTarget.objects.filter(status=TargetStatus.BREACHED).count() == count
        return warning, breach_and_notify

    assert queries_for(3, 2) == queries_for(30, 3)


def test_escalations_that_change_tickets_cost_a_constant_per_ticket(
    make_policy, frozen_now, make_ticket, carol, anna
):
    make_policy("Raise", first_response_minutes=60, raise_priority_on_breach=True)

    def queries_for(count: int, day: int) -> int:
        SlaTarget.objects.update(status=TargetStatus.STOPPED)
        frozen_now.set(msk(day, 10))
        for index in range(count):
            make_ticket(carol, assignee=anna, subject=f"t{index}")
        return _pass_queries(msk(day, 12))

    few, many = queries_for(2, 2), queries_for(12, 3)
    per_ticket = (many - few) / 10
    assert per_ticket == int(per_ticket) and per_ticket <= 20


def test_the_task_and_the_command_run_a_pass(
    one_hour_policy, frozen_now, make_ticket, carol, capsys
):
    ticket = make_ticket(carol)
    frozen_now.set(msk(2, 12))
    assert evaluate_sla_targets.call()["breached"] == 1
    assert first_response(ticket).status == TargetStatus.BREACHED

    call_command("sla_tick")
    assert "0 breached" in capsys.readouterr().out
    call_command("sla_tick", "--enqueue")
    assert "enqueued SLA pass" in capsys.readouterr().out
    assert DBTaskResult.objects.filter(task_path="opora.sla.tasks.evaluate_sla_targets").exists()
