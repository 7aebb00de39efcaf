"""From a ticket to a completed visit: create, propose, book (override needs a reason), the
customer's mail and signed link, reschedule, arrival, sign-off, the ticket solved and surveyed."""

import base64
import re

import pytest
from django.core import mail
from django.utils import timezone

from opora.entitlements.models import Asset, Product
from opora.feedback.models import Invitation
from opora.fieldservice import services
from opora.fieldservice.models import Absence, WorkOrderStatus
from opora.tickets.models import MessageKind, Status

from .conftest import MONDAY, slot_after

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://testserver(/field/a/\S+/)")
PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 40).decode()


@pytest.fixture
def crew(make_technician, moscow, zelenograd, ekaterinburg, printers):
    return {
        "centre": make_technician("pavel", moscow, [printers]),
        "north": make_technician("yuri", zelenograd, [printers], areas=[moscow, zelenograd]),
        "unskilled": make_technician("oleg", moscow, []),
        "ural": make_technician("ilya", ekaterinburg, [printers]),
    }


@pytest.fixture
def order(repair_ticket, lead, moscow, printers):
    return services.create_work_order(
        repair_ticket,
        lead,
        services.NewWorkOrder("repair", "Replace the fuser", moscow, "Tverskaya 1", [printers]),
    )


def book_first(order, user, django_capture_on_commit_callbacks):
    offer = services.proposals(order, now=MONDAY)[0]
    with django_capture_on_commit_callbacks(execute=True):
        return services.book(order, user, offer.technician, offer.proposal.slot.start, now=MONDAY)


def test_work_order_links_the_customers_asset_by_serial(repair_ticket, lead, moscow, carol):
    product = Product.objects.create(name="LaserJet")
    asset = Asset.objects.create(
        serial="SN-1", product=product, customer=carol, purchased_on="2030-01-01"
    )
    order = services.create_work_order(
        repair_ticket, lead, services.NewWorkOrder("repair", "Fix", moscow, "Tverskaya 1")
    )
    assert order.asset == asset and order.serial_number == "SN-1"
    assert repair_ticket.audit_events.filter(field="work_order").exists()


def test_invalid_work_order_is_refused_with_fields(repair_ticket, lead, moscow):
    with pytest.raises(services.InvalidInput) as error:
        services.create_work_order(
            repair_ticket,
            lead,
            services.NewWorkOrder("teleport", " ", moscow, "", duration_minutes=5),
        )
    assert set(error.value.fields) == {"kind", "description", "address", "duration_minutes"}


def test_proposes_the_nearest_qualified_technician_first(order, crew):
    offers = services.proposals(order, now=MONDAY)
    assert [offer.technician for offer in offers] == [crew["centre"], crew["north"]]
    assert offers[0].proposal.slot.start == MONDAY.replace(hour=9)


def test_an_absent_technician_moves_back_then_drops_out(order, crew):
    Absence.objects.create(
        technician=crew["centre"], starts_at=MONDAY, ends_at=MONDAY.replace(hour=18)
    )
    offers = {offer.technician: offer.proposal for offer in services.proposals(order, now=MONDAY)}
    # Monday is gone: Pavel (in town) still wins with Tuesday 09:00 over Yuri (37 km) on Monday.
    assert offers[crew["centre"]].slot.start == MONDAY.replace(day=4, hour=9)
    assert offers[crew["north"]].slot.start == MONDAY.replace(hour=9)
    Absence.objects.create(
        technician=crew["centre"], starts_at=MONDAY, ends_at=slot_after(MONDAY, 24 * 8)
    )
    assert [offer.technician for offer in services.proposals(order, now=MONDAY)] == [crew["north"]]


def test_booking_sends_the_appointment_in_the_customers_language(
    order, crew, lead, carol, django_capture_on_commit_callbacks
):
    carol.language = "ru"
    carol.save()
    booked = book_first(order, lead, django_capture_on_commit_callbacks)
    assert booked.status == WorkOrderStatus.SCHEDULED and booked.override_reason == ""
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carol@example.com"] and "Здравствуйте, Carol!" in message.body
    assert "03.06.2030 09:00" in message.body and LINK.search(message.body)
    # The task run again sends nothing twice.
    assert services.deliver_appointment(booked.pk) is False and len(mail.outbox) == 1


def test_override_needs_a_reason_and_double_booking_is_refused(
    order, crew, lead, repair_ticket, moscow, printers, django_capture_on_commit_callbacks
):
    later = MONDAY.replace(hour=14)
    with pytest.raises(services.InvalidInput) as error:
        services.book(order, lead, crew["north"], later, now=MONDAY)
    assert error.value.fields == {"override_reason": "required"}
    booked = services.book(
        order, lead, crew["north"], later, override_reason="Knows the site", now=MONDAY
    )
    assert booked.technician == crew["north"] and booked.override_reason == "Knows the site"
    other = services.create_work_order(
        repair_ticket,
        lead,
        services.NewWorkOrder("maintenance", "Check", moscow, "Arbat 2", [printers]),
    )
    with pytest.raises(services.InvalidInput) as clash:
        services.book(
            other, lead, crew["north"], slot_after(later, 1), override_reason="x", now=MONDAY
        )
    assert clash.value.fields == {"start": "busy"}
    # The booked hour is now taken in the next proposals for the same technician.
    offers = {o.technician: o.proposal.slot for o in services.proposals(other, now=MONDAY, limit=5)}
    assert not offers[crew["north"]].overlaps(
        services.dispatch.Interval(booked.scheduled_start, booked.scheduled_end)
    )


def test_customer_confirms_from_the_mail_link(
    order, crew, lead, client, django_capture_on_commit_callbacks
):
    book_first(order, lead, django_capture_on_commit_callbacks)
    path = LINK.search(mail.outbox[0].body).group(1)
    assert client.get(path).status_code == 200
    client.post(path, {"action": "confirm"})
    client.post(path, {"action": "confirm"})  # a second click changes nothing
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.CONFIRMED and order.confirmed_at


def test_reschedule_releases_the_slot_and_kills_the_old_link(
    order, crew, lead, client, django_capture_on_commit_callbacks
):
    book_first(order, lead, django_capture_on_commit_callbacks)
    path = LINK.search(mail.outbox[0].body).group(1)
    client.post(path, {"action": "reschedule", "note": "Mornings are bad"})
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.RESCHEDULE and order.customer_note == "Mornings are bad"
    assert client.get(path).status_code == 404
    assert client.get("/field/a/forged:token/").status_code == 404
    # Dispatch can book again; the customer gets a new mail with a new link.
    book_first(order, lead, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2 and LINK.search(mail.outbox[1].body).group(1) != path


def test_visit_completion_solves_the_ticket_and_sends_the_survey(
    order, crew, lead, repair_ticket, django_capture_on_commit_callbacks
):
    booked = book_first(order, lead, django_capture_on_commit_callbacks)
    technician = booked.technician.user
    with pytest.raises(services.InvalidTransition):
        services.complete(booked, technician, services.Completion("Done", "Carol", PNG))
    services.record_arrival(booked, technician)
    with pytest.raises(services.InvalidInput) as error:
        services.complete(booked, technician, services.Completion("Done", "Carol"))
    assert error.value.fields == {"signature": "sign_or_confirm"}
    with pytest.raises(services.InvalidInput):
        services.complete(
            booked, technician, services.Completion("Done", "Carol", "data:image/png;base64,AAAA")
        )
    with django_capture_on_commit_callbacks(execute=True):
        done = services.complete(
            booked,
            technician,
            services.Completion(
                "Fuser replaced", "Carol", PNG, parts=[services.PartUsed("Fuser", 1, "RM1")]
            ),
        )
    assert done.status == WorkOrderStatus.COMPLETED and done.parts.get().part_number == "RM1"
    repair_ticket.refresh_from_db()
    assert repair_ticket.status == Status.SOLVED
    note = repair_ticket.messages.filter(kind=MessageKind.NOTE).get()
    assert "Fuser replaced" in note.body and "1 × Fuser" in note.body
    assert Invitation.objects.filter(ticket=repair_ticket).exists()


def test_visit_page_records_arrival_and_sign_off_by_checkbox(
    order, crew, lead, client_for, repair_ticket, django_capture_on_commit_callbacks
):
    booked = book_first(order, lead, django_capture_on_commit_callbacks)
    phone = client_for(booked.technician.user)
    page = phone.get(f"/field/{booked.pk}/visit/")
    assert page.status_code == 200 and b"I have arrived" in page.content
    phone.post(f"/field/{booked.pk}/visit/", {"action": "arrive"})
    assert b"signature-pad" in phone.get(f"/field/{booked.pk}/visit/").content
    phone.post(
        f"/field/{booked.pk}/visit/",
        {
            "action": "complete",
            "work_done": "Cleaned",
            "signed_by": "Carol",
            "customer_confirmed": "on",
            "part_name": ["Roller", ""],
            "part_quantity": ["2", "1"],
            "part_number": ["", ""],
        },
    )
    booked.refresh_from_db()
    assert booked.status == WorkOrderStatus.COMPLETED and booked.customer_confirmed
    assert booked.parts.get().quantity == 2


def test_dispatch_pages_create_and_book(
    repair_ticket, crew, lead, client_for, moscow, printers, django_capture_on_commit_callbacks
):
    desk = client_for(lead)
    ticket_page = desk.get(f"/desk/tickets/{repair_ticket.pk}/")
    assert b"New work order" in ticket_page.content  # the ticket-page panel
    response = desk.post(
        f"/field/ticket/{repair_ticket.pk}/new/",
        {
            "kind": "repair",
            "description": "Fix",
            "area": moscow.pk,
            "address": "Tverskaya 1",
            "skills": [printers.pk],
            "duration_minutes": "60",
        },
    )
    order = repair_ticket.work_orders.get()
    assert response.url == f"/field/{order.pk}/"
    page = desk.get(response.url)
    assert page.status_code == 200 and b"Proposed technicians" in page.content
    start = timezone.now().replace(microsecond=0) + timezone.timedelta(days=400)
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            f"/field/{order.pk}/book/", {"technician": crew["ural"].pk, "start": start.isoformat()}
        )
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.NEW  # refused: no reason given for the override
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            f"/field/{order.pk}/book/",
            {
                "technician": crew["ural"].pk,
                "start": start.isoformat(),
                "override_reason": "VIP asked for Ilya",
            },
        )
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.SCHEDULED and len(mail.outbox) == 1
