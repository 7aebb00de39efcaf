"""The ticket lifecycle, tested on the services directly."""

import pytest
from django.db import transaction

from opora.core.errors import AttachmentRejected, Forbidden, InvalidInput, InvalidTransition
from opora.tickets import services
from opora.tickets.attachments import IncomingFile
from opora.tickets.models import (
    AuditAction,
    AuditEvent,
    CustomField,
    CustomFieldKind,
    LinkKind,
    Message,
    MessageKind,
    Status,
    Ticket,
    TicketLink,
    TicketType,
)

pytestmark = pytest.mark.django_db


def agent(user):
    return services.Actor(user=user)


def as_customer(customer):
    return services.Actor(customer=customer, user=customer.user)


class TestCreate:
    def test_creates_ticket_first_message_and_audit_in_default_team(
        self, make_ticket, carol, team_alpha
    ):
        # when
        ticket = make_ticket(carol, tags=["Urgent Fix", "urgent fix", ""])
        # then
        assert ticket.status == Status.NEW
        assert ticket.team == team_alpha
        assert ticket.organisation == carol.organisation
        assert [t.name for t in ticket.tags.all()] == ["urgent-fix"]
        message = ticket.messages.get()
        assert message.author_customer == carol and message.channel == "email"
        assert ticket.audit_events.filter(action=AuditAction.CREATED).count() == 1

    def test_empty_subject_is_refused_with_field(self, make_ticket, carol):
        with pytest.raises(InvalidInput) as error:
            make_ticket(carol, subject="   ")
        assert error.value.fields == {"subject": "required"}
        assert Ticket.objects.count() == 0

    def test_rejected_attachment_leaves_nothing_behind(self, make_ticket, carol, settings):
        settings.OPORA_MAX_ATTACHMENT_BYTES = 10
        with pytest.raises(AttachmentRejected) as error:
            make_ticket(carol, files=[IncomingFile("big.pdf", b"x" * 11, "application/pdf")])
        assert "big.pdf" in error.value.message and "10" in error.value.message
        assert Ticket.objects.count() == 0 and Message.objects.count() == 0

    def test_disallowed_type_is_refused(self, make_ticket, carol):
        with pytest.raises(AttachmentRejected) as error:
            make_ticket(carol, files=[IncomingFile("run.exe", b"MZ", "application/x-msdownload")])
        assert error.value.code == "attachment_type"

    def test_attachment_is_stored_with_checksum(self, make_ticket, carol):
        ticket = make_ticket(
            carol, files=[IncomingFile("счёт.pdf", b"%PDF-1.4 test", "application/pdf")]
        )
        attachment = ticket.messages.get().attachments.get()
        assert attachment.filename == "счёт.pdf"
        assert attachment.size == 13
        assert attachment.file.read() == b"%PDF-1.4 test"

    def test_custom_fields_are_validated_against_definitions(self, make_ticket, carol):
        CustomField.objects.create(
            key="plan", name="Тариф", kind=CustomFieldKind.CHOICE, choices=["basic", "pro"]
        )
        ticket = make_ticket(carol, custom_fields={"plan": "pro"})
        assert ticket.custom_fields == {"plan": "pro"}
        with pytest.raises(InvalidInput) as error:
            make_ticket(carol, custom_fields={"plan": "gold", "nope": 1})
        assert error.value.fields == {
            "custom_fields.plan": "not_a_choice",
            "custom_fields.nope": "unknown_field",
        }


class TestReplies:
    def test_first_agent_reply_opens_assigns_and_stamps_first_response(
        self, make_ticket, carol, anna
    ):
        ticket = make_ticket(carol)
        services.add_message(ticket, agent(anna), "Looking into it")
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN
        assert ticket.assignee == anna
        first = ticket.first_response_at
        assert first is not None
        services.add_message(ticket, agent(anna), "Second reply")
        ticket.refresh_from_db()
        assert ticket.first_response_at == first

    def test_internal_note_does_not_count_as_first_response(self, make_ticket, carol, anna):
        ticket = make_ticket(carol)
        services.add_message(ticket, agent(anna), "Checking logs", kind=MessageKind.NOTE)
        ticket.refresh_from_db()
        assert ticket.first_response_at is None
        assert ticket.status == Status.NEW

    def test_customer_reply_reopens_solved_ticket_and_counts_it(self, make_ticket, carol, anna):
        ticket = make_ticket(carol)
        services.add_message(ticket, agent(anna), "Fixed", status_after=Status.SOLVED)
        services.add_message(ticket, as_customer(carol), "Still broken")
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN
        assert ticket.reopen_count == 1
        assert ticket.solved_at is None
        assert ticket.audit_events.filter(action=AuditAction.REOPENED).count() == 1

    def test_customer_reply_to_pending_ticket_reopens_without_counting_reopen(
        self, make_ticket, carol, anna
    ):
        ticket = make_ticket(carol)
        services.add_message(ticket, agent(anna), "Which order?", status_after=Status.PENDING)
        services.add_message(ticket, as_customer(carol), "Order 42")
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN and ticket.reopen_count == 0

    def test_customer_reply_to_closed_ticket_opens_linked_follow_up(self, make_ticket, carol, anna):
        ticket = make_ticket(carol)
        services.add_message(ticket, agent(anna), "Fixed", status_after=Status.SOLVED)
        services.update_ticket(ticket, agent(anna), {"status": Status.CLOSED})
        message = services.add_message(ticket, as_customer(carol), "It broke again")
        follow_up = message.ticket
        assert follow_up.pk != ticket.pk
        assert TicketLink.objects.filter(
            source=follow_up, target=ticket, kind=LinkKind.FOLLOW_UP
        ).exists()
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED and ticket.reopen_count == 0

    def test_agent_cannot_reply_on_closed_ticket(self, make_ticket, carol, anna):
        ticket = make_ticket(carol)
        services.update_ticket(ticket, agent(anna), {"status": Status.SOLVED})
        services.update_ticket(ticket, agent(anna), {"status": Status.CLOSED})
        with pytest.raises(InvalidTransition):
            services.add_message(ticket, agent(anna), "hello?")

    def test_light_agent_cannot_reply_publicly_but_can_note(self, make_ticket, carol, lena):
        ticket = make_ticket(carol)
        with pytest.raises(Forbidden):
            services.add_message(ticket, agent(lena), "Hi customer")
        services.add_message(ticket, agent(lena), "FYI", kind=MessageKind.NOTE)
        assert ticket.messages.filter(kind=MessageKind.NOTE).count() == 1

    def test_customer_cannot_write_internal_notes(self, make_ticket, carol):
        ticket = make_ticket(carol)
        with pytest.raises(Forbidden):
            services.add_message(ticket, as_customer(carol), "secret", kind=MessageKind.NOTE)


class TestUpdates:
    def test_every_changed_field_is_audited_old_to_new(self, make_ticket, carol, anna):
        ticket = make_ticket(carol)
        services.update_ticket(
            ticket, agent(anna), {"priority": "urgent", "status": Status.OPEN, "subject": "Fire!"}
        )
        changes = {
            e.field: (e.old_value, e.new_value)
            for e in AuditEvent.objects.filter(ticket=ticket, action=AuditAction.CHANGED)
        }
        assert changes == {
            "priority": ("normal", "urgent"),
            "status": ("new", "open"),
            "subject": ("Printer is on fire", "Fire!"),
        }
        assert all(
            e.actor == anna
            for e in AuditEvent.objects.filter(ticket=ticket, action=AuditAction.CHANGED)
        )

    def test_unchanged_values_write_no_audit(self, make_ticket, carol, anna):
        ticket = make_ticket(carol)
        services.update_ticket(ticket, agent(anna), {"priority": "normal"})
        assert not AuditEvent.objects.filter(ticket=ticket, action=AuditAction.CHANGED).exists()

    @pytest.mark.parametrize(
        ("start", "target"),
        [(Status.NEW, Status.CLOSED), (Status.OPEN, Status.NEW), (Status.OPEN, Status.CLOSED)],
    )
    def test_invalid_transitions_are_refused(self, make_ticket, carol, anna, start, target):
        ticket = make_ticket(carol)
        Ticket.objects.filter(pk=ticket.pk).update(status=start)
        with pytest.raises(InvalidTransition) as error:
            services.update_ticket(ticket, agent(anna), {"status": target})
        assert error.value.fields == {"status": "invalid_transition"}
        ticket.refresh_from_db()
        assert ticket.status == start

    def test_solving_an_incident_needs_a_resolution_code(self, make_ticket, carol, anna):
        ticket = make_ticket(carol, type=TicketType.INCIDENT)
        with pytest.raises(InvalidInput):
            services.update_ticket(ticket, agent(anna), {"status": Status.SOLVED})
        services.update_ticket(
            ticket, agent(anna), {"status": Status.SOLVED, "resolution_code": "software_fix"}
        )
        ticket.refresh_from_db()
        assert ticket.status == Status.SOLVED and ticket.solved_at is not None

    def test_agent_reopening_a_solved_ticket_counts(self, make_ticket, carol, anna):
        ticket = make_ticket(carol)
        services.update_ticket(ticket, agent(anna), {"status": Status.SOLVED})
        services.update_ticket(ticket, agent(anna), {"status": Status.OPEN})
        ticket.refresh_from_db()
        assert ticket.reopen_count == 1

    def test_only_staff_can_be_assigned(self, make_ticket, carol, anna):
        ticket = make_ticket(carol)
        with pytest.raises(InvalidInput):
            services.update_ticket(ticket, agent(anna), {"assignee": carol.user})

    def test_failed_update_changes_nothing(self, make_ticket, carol, anna):
        ticket = make_ticket(carol)
        with pytest.raises(InvalidTransition), transaction.atomic():
            services.update_ticket(
                ticket, agent(anna), {"priority": "high", "status": Status.CLOSED}
            )
        ticket.refresh_from_db()
        assert ticket.priority == "normal"
        assert not AuditEvent.objects.filter(ticket=ticket, field="priority").exists()

    def test_bulk_update_applies_what_it_can_and_reports_the_rest(self, make_ticket, carol, anna):
        ok = make_ticket(carol)
        closed = make_ticket(carol)
        Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
        done, refused = services.bulk_update(
            Ticket.objects.filter(pk__in=[ok.pk, closed.pk]),
            agent(anna),
            {"status": Status.PENDING},
        )
        assert done == [ok.pk]
        assert list(refused) == [closed.pk]


class TestEscalateMergeSplit:
    def test_escalation_keeps_history_and_previous_owner_as_collaborator(
        self, make_ticket, carol, anna, team_beta
    ):
        ticket = make_ticket(carol)
        services.add_message(ticket, agent(anna), "Let me check")
        services.escalate(ticket, agent(anna), team_beta, "Needs a DBA")
        ticket.refresh_from_db()
        assert ticket.team == team_beta
        assert ticket.assignee is None
        assert anna in ticket.collaborators.all()
        assert ticket.messages.count() == 3  # customer, reply, escalation note
        assert ticket.audit_events.filter(
            action=AuditAction.ESCALATED, old_value="Alpha", new_value="Beta"
        ).exists()

    def test_escalation_needs_a_note(self, make_ticket, carol, anna, team_beta):
        with pytest.raises(InvalidInput):
            services.escalate(make_ticket(carol), agent(anna), team_beta, " ")

    def test_merge_moves_messages_and_closes_source(self, make_ticket, carol, anna):
        source, target = make_ticket(carol, subject="one"), make_ticket(carol, subject="two")
        services.merge(source, target, agent(anna))
        source.refresh_from_db()
        assert source.status == Status.CLOSED and source.merged_into == target
        assert target.messages.count() == 2
        assert TicketLink.objects.filter(
            source=source, target=target, kind=LinkKind.MERGED
        ).exists()

    def test_cannot_merge_into_itself(self, make_ticket, carol, anna):
        ticket = make_ticket(carol)
        with pytest.raises(InvalidInput):
            services.merge(ticket, ticket, agent(anna))

    def test_split_moves_one_message_to_a_linked_ticket(self, make_ticket, carol, anna):
        ticket = make_ticket(carol)
        second = services.add_message(ticket, as_customer(carol), "Also, my invoice is wrong")
        new_ticket = services.split(ticket, second, agent(anna), "Invoice is wrong")
        assert list(new_ticket.messages.all()) == [second]
        assert ticket.messages.count() == 1
        assert TicketLink.objects.filter(
            source=new_ticket, target=ticket, kind=LinkKind.SPLIT
        ).exists()

    def test_link_is_idempotent(self, make_ticket, carol, anna):
        a, b = make_ticket(carol), make_ticket(carol)
        services.link(a, b, agent(anna))
        services.link(a, b, agent(anna))
        assert TicketLink.objects.filter(source=a, target=b).count() == 1


def test_collision_notice_lists_other_viewers(make_ticket, carol, anna, lead):
    ticket = make_ticket(carol)
    assert services.mark_viewing(ticket, anna) == []
    others = services.mark_viewing(ticket, lead, replying=True)
    assert [viewer.user for viewer in others] == [anna]
    assert [(v.user, v.is_replying) for v in services.mark_viewing(ticket, anna)] == [(lead, True)]
