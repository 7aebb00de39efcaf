"""SLA clocks driven by ticket events.

Unless a test says otherwise: calendar "Moscow office", Monday to Friday 09:00-18:00
Europe/Moscow with Russian public holidays; "now" starts on Monday 2 March 2026, 10:00.
"""

import pytest

from opora.sla.models import SlaTarget, TargetKind, TargetStatus, TicketSla
from opora.sla.scheduler import run_pass
from opora.tickets import services
from opora.tickets.models import Priority, ResolutionCode, Status

from .conftest import msk

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_policy(make_policy, office_calendar):
    """First response 2 business hours, next response 4, resolution 16 (two working days)."""
    return make_policy(
        "Office hours",
        position=10,
        first_response_minutes=120,
        next_response_minutes=240,
        resolution_minutes=960,
        calendar=office_calendar,
    )


def target(ticket, kind: str) -> SlaTarget:
    return SlaTarget.objects.filter(ticket=ticket, kind=kind).latest("started_at", "pk")


def test_due_dates_are_in_business_hours(office_policy, frozen_now, make_ticket, carol):
    frozen_now.set(msk(2, 17))  # Monday 17:00: one hour left today
    ticket = make_ticket(carol)
    assert target(ticket, TargetKind.FIRST_RESPONSE).due_at == msk(3, 10)  # Tuesday 10:00
    assert target(ticket, TargetKind.RESOLUTION).due_at == msk(4, 15)  # 1 + 9 + 6 hours
    # Warning at 80 %: 96 of 120 minutes, one hour on Monday and 36 minutes on Tuesday.
    assert target(ticket, TargetKind.FIRST_RESPONSE).warn_at == msk(3, 9, 36)


def test_due_dates_skip_public_holidays(office_policy, frozen_now, make_ticket, carol):
    # Friday 6 March 17:00; Monday 9 March 2026 is a holiday (8 March falls on a Sunday).
    frozen_now.set(msk(6, 17))
    ticket = make_ticket(carol)
    assert target(ticket, TargetKind.FIRST_RESPONSE).due_at == msk(10, 10)


def test_first_response_in_time_is_achieved(office_policy, frozen_now, make_ticket, carol, anna):
    ticket = make_ticket(carol)
    frozen_now.advance(minutes=90)
    services.add_message(ticket, services.Actor(user=anna), "We are on it")
    first = target(ticket, TargetKind.FIRST_RESPONSE)
    assert first.status == TargetStatus.ACHIEVED
    assert first.achieved_at == msk(2, 11, 30)
    assert first.breached_at is None


def test_first_response_after_due_is_breached_even_before_the_scheduler_runs(
    office_policy, frozen_now, make_ticket, carol, anna
):
    ticket = make_ticket(carol)  # due Monday 12:00
    frozen_now.set(msk(2, 15))
    services.add_message(ticket, services.Actor(user=anna), "Sorry for the wait")
    first = target(ticket, TargetKind.FIRST_RESPONSE)
    assert first.status == TargetStatus.ACHIEVED
    assert first.breached_at == msk(2, 12)
    assert first.is_late


def test_notes_and_light_agents_do_not_count_as_a_response(
    office_policy, frozen_now, make_ticket, carol, anna
):
    ticket = make_ticket(carol)
    services.add_message(ticket, services.Actor(user=anna), "internal", kind="note")
    assert target(ticket, TargetKind.FIRST_RESPONSE).status == TargetStatus.ACTIVE


def test_pending_pauses_the_clock_and_resuming_pushes_the_deadline(
    office_policy, frozen_now, make_ticket, carol, anna
):
    ticket = make_ticket(carol)  # resolution: 960 business minutes from Monday 10:00
    assert target(ticket, TargetKind.RESOLUTION).due_at == msk(3, 17)
    frozen_now.set(msk(2, 11))
    services.add_message(
        ticket, services.Actor(user=anna), "Which model?", status_after=Status.PENDING
    )
    resolution = target(ticket, TargetKind.RESOLUTION)
    assert resolution.status == TargetStatus.PAUSED
    assert resolution.due_at is None

    # The customer answers on Tuesday at 11:00: a full working day (9 h) passed while pending.
    frozen_now.set(msk(3, 11))
    services.add_message(ticket, services.Actor(customer=carol), "Model X")
    resolution = target(ticket, TargetKind.RESOLUTION)
    assert resolution.status == TargetStatus.ACTIVE
    assert resolution.started_at == msk(2, 10)
    assert resolution.due_at == msk(4, 17)  # one working day later than without the pause
    assert TicketSla.objects.get(ticket=ticket).paused_spans() == [(msk(2, 11), msk(3, 11))]


def test_scheduler_never_breaches_a_paused_clock(
    office_policy, frozen_now, make_ticket, carol, anna
):
    ticket = make_ticket(carol)
    services.add_message(
        ticket, services.Actor(user=anna), "Need logs", status_after=Status.PENDING
    )
    report = run_pass(now=msk(20, 10))  # weeks later, still pending
    assert report.breached == 0
    assert target(ticket, TargetKind.RESOLUTION).status == TargetStatus.PAUSED


def test_each_customer_reply_starts_one_next_response_target(
    office_policy, frozen_now, make_ticket, carol, anna
):
    ticket = make_ticket(carol)
    services.add_message(ticket, services.Actor(user=anna), "Hello")
    frozen_now.set(msk(2, 12))
    services.add_message(ticket, services.Actor(customer=carol), "Still broken")
    frozen_now.set(msk(2, 13))
    services.add_message(ticket, services.Actor(customer=carol), "Really broken")  # same wait
    waiting = SlaTarget.objects.filter(ticket=ticket, kind=TargetKind.NEXT_RESPONSE)
    assert [(t.started_at, t.due_at) for t in waiting] == [(msk(2, 12), msk(2, 16))]

    frozen_now.set(msk(2, 14))
    services.add_message(ticket, services.Actor(user=anna), "Fixed?")
    frozen_now.set(msk(3, 9, 30))
    services.add_message(ticket, services.Actor(customer=carol), "Yes, one more thing")
    kinds = SlaTarget.objects.filter(ticket=ticket, kind=TargetKind.NEXT_RESPONSE)
    assert [t.status for t in kinds] == [TargetStatus.ACHIEVED, TargetStatus.ACTIVE]
    assert kinds.last().due_at == msk(3, 13, 30)


def test_reopen_keeps_the_original_start_and_counts_the_solved_time_as_paused(
    office_policy, frozen_now, make_ticket, carol, anna
):
    ticket = make_ticket(carol)  # resolution due Tuesday 17:00
    frozen_now.set(msk(2, 12))
    services.add_message(ticket, services.Actor(user=anna), "Done", status_after=Status.SOLVED)
    resolution = target(ticket, TargetKind.RESOLUTION)
    assert resolution.status == TargetStatus.ACHIEVED
    assert resolution.achieved_at == msk(2, 12)

    # Reopened by the customer on Wednesday 10:00: solved for 15 business hours in between.
    frozen_now.set(msk(4, 10))
    services.add_message(ticket, services.Actor(customer=carol), "It broke again")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.reopen_count == 1
    resolution = target(ticket, TargetKind.RESOLUTION)
    assert resolution.pk == SlaTarget.objects.get(ticket=ticket, kind=TargetKind.RESOLUTION).pk
    assert resolution.status == TargetStatus.ACTIVE
    assert resolution.started_at == msk(2, 10)  # never reset
    assert resolution.achieved_at is None
    # 2 business hours were used before the solve; 14 remain from Wednesday 10:00.
    assert resolution.due_at == msk(5, 15)


def test_solving_stops_response_targets(office_policy, frozen_now, make_ticket, carol, lead):
    ticket = make_ticket(carol, type="question")
    services.update_ticket(ticket, services.Actor(user=lead), {"status": Status.SOLVED})
    statuses = dict(SlaTarget.objects.filter(ticket=ticket).values_list("kind", "status"))
    assert statuses == {
        TargetKind.FIRST_RESPONSE: TargetStatus.STOPPED,
        TargetKind.RESOLUTION: TargetStatus.ACHIEVED,
    }


def test_priority_change_rematches_and_recomputes_from_the_original_start(
    office_policy, make_policy, office_calendar, frozen_now, make_ticket, carol, lead
):
    make_policy(
        "Urgent",
        position=0,
        first_response_minutes=30,
        resolution_minutes=240,
        calendar=office_calendar,
        conditions={"priorities": ["urgent"]},
    )
    ticket = make_ticket(carol)  # Monday 10:00, office policy
    frozen_now.set(msk(2, 10, 20))
    services.update_ticket(ticket, services.Actor(user=lead), {"priority": Priority.URGENT})

    assert TicketSla.objects.get(ticket=ticket).policy.name == "Urgent"
    first = target(ticket, TargetKind.FIRST_RESPONSE)
    assert (first.started_at, first.due_at, first.target_minutes) == (
        msk(2, 10),
        msk(2, 10, 30),
        30,
    )
    assert target(ticket, TargetKind.RESOLUTION).due_at == msk(2, 14)


def test_a_breach_survives_a_later_priority_drop(
    office_policy, make_policy, frozen_now, make_ticket, carol, lead
):
    make_policy("Low", position=0, first_response_minutes=2400, conditions={"priorities": ["low"]})
    ticket = make_ticket(carol)
    run_pass(now=msk(2, 13))  # first response was due 12:00
    frozen_now.set(msk(2, 13))
    services.update_ticket(ticket, services.Actor(user=lead), {"priority": Priority.LOW})
    first = target(ticket, TargetKind.FIRST_RESPONSE)
    assert first.status == TargetStatus.BREACHED
    assert (first.breached_at, first.target_minutes) == (msk(2, 12), 120)
    assert not SlaTarget.objects.filter(
        ticket=ticket, kind=TargetKind.RESOLUTION, status="active"
    ).exists()


def test_incident_solve_with_resolution_code_achieves_resolution(
    office_policy, frozen_now, make_ticket, carol, lead
):
    ticket = make_ticket(carol, type="incident")
    services.update_ticket(
        ticket,
        services.Actor(user=lead),
        {"status": Status.SOLVED, "resolution_code": ResolutionCode.SOFTWARE_FIX},
    )
    assert target(ticket, TargetKind.RESOLUTION).status == TargetStatus.ACHIEVED
