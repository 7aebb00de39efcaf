"""Forbidden access, tried: technicians see only their own work orders, customers only their own
appointments, agents only work orders on tickets they may see; every page and endpoint."""

import pytest

from opora.core.testing import make_customer
from opora.fieldservice import services
from opora.fieldservice.models import WorkOrderStatus

from .conftest import MONDAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(repair_ticket, lead, moscow, make_technician, printers):
    mine = make_technician("pavel", moscow, [printers])
    make_technician("yuri", moscow, [printers])
    order = services.create_work_order(
        repair_ticket,
        lead,
        services.NewWorkOrder("repair", "Fix", moscow, "Tverskaya 1", [printers]),
    )
    return services.book(order, lead, mine, MONDAY.replace(hour=9), now=MONDAY)


def other_technician(booked):
    from opora.fieldservice.models import Technician

    return Technician.objects.exclude(pk=booked.technician_id).get().user


STAFF_PAGES = ["/field/{pk}/", "/field/{pk}/visit/"]


def test_technician_sees_only_their_own_work_orders(booked, client_for, api_as):
    stranger = other_technician(booked)
    assert client_for(stranger).get(f"/field/{booked.pk}/").status_code == 404
    assert client_for(stranger).get(f"/field/{booked.pk}/visit/").status_code == 404
    assert booked.reference not in client_for(stranger).get("/field/").content.decode()
    assert api_as(stranger).get(f"/field/work-orders/{booked.pk}").status_code == 404
    assert api_as(stranger).get("/field/work-orders").json()["count"] == 0
    assert api_as(stranger).post(f"/field/work-orders/{booked.pk}/arrival").status_code == 404
    owner = booked.technician.user
    assert api_as(owner).get("/field/work-orders").json()["count"] == 1
    assert client_for(owner).get(f"/field/{booked.pk}/visit/").status_code == 200


def test_technician_cannot_dispatch_or_create(booked, client_for, api_as, repair_ticket, moscow):
    owner = booked.technician.user
    assert api_as(owner).get(f"/field/work-orders/{booked.pk}/proposals").status_code == 403
    booking = {
        "technician_id": booked.technician_id,
        "start": "2030-06-04T09:00:00+03:00",
        "override_reason": "x",
    }
    assert api_as(owner).post(f"/field/work-orders/{booked.pk}/booking", booking).status_code == 403
    assert client_for(owner).post(f"/field/{booked.pk}/cancel/").status_code == 403
    created = api_as(owner).post(
        "/field/work-orders",
        {
            "ticket_id": repair_ticket.pk,
            "kind": "repair",
            "description": "x",
            "area_id": moscow.pk,
            "address": "y",
        },
    )
    assert created.status_code in (403, 404)


def test_only_the_assigned_technician_records_the_visit(booked, lead, api_as):
    assert api_as(lead).post(f"/field/work-orders/{booked.pk}/arrival").status_code == 403
    booked.refresh_from_db()
    assert booked.status == WorkOrderStatus.SCHEDULED


def test_agents_of_another_team_and_customers_are_refused(booked, boris, carol, client_for, api_as):
    for user in (boris, carol.user):
        for page in STAFF_PAGES:
            assert client_for(user).get(page.format(pk=booked.pk)).status_code in (403, 404)
        assert client_for(user).post(f"/field/{booked.pk}/book/").status_code in (403, 404)
        assert client_for(user).get(f"/field/ticket/{booked.ticket_id}/new/").status_code in (
            403,
            404,
        )
        assert api_as(user).get(f"/field/work-orders/{booked.pk}").status_code in (403, 404)
    assert client_for(carol.user).get("/field/").status_code == 403
    assert booked.reference not in client_for(boris).get("/field/").content.decode()
    assert api_as(carol.user).get("/field/work-orders").status_code == 403
    assert api_as(boris).get("/field/work-orders").json()["count"] == 0


def test_customers_see_only_their_own_appointments(booked, carol, erin, client_for, api_as, client):
    assert client_for(carol.user).get(f"/field/my/{booked.pk}/").status_code == 200
    assert api_as(carol.user).get("/field/appointments").json()["count"] == 1
    # Dave shares Acme's tickets but the appointment is Carol's; Erin is a stranger.
    dave = make_customer("dave2")
    for stranger in (erin.user, dave.user):
        assert client_for(stranger).get(f"/field/my/{booked.pk}/").status_code == 404
        assert (
            client_for(stranger).post(f"/field/my/{booked.pk}/", {"action": "confirm"}).status_code
            == 404
        )
        assert api_as(stranger).get("/field/appointments").json()["count"] == 0
        assert (
            api_as(stranger).post(f"/field/appointments/{booked.pk}/confirmation").status_code
            == 404
        )
    booked.refresh_from_db()
    assert booked.status == WorkOrderStatus.SCHEDULED
    assert client.get("/field/my/").status_code == 302  # anonymous: to the login page
    assert api_as(None).get("/field/appointments").status_code == 401
    # Staff are not customers here.
    assert api_as(booked.technician.user).get("/field/appointments").status_code == 403
    confirmed = api_as(carol.user).post(f"/field/appointments/{booked.pk}/confirmation")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"


def test_ticket_panel_lists_work_orders_for_staff_only(
    booked, lead, client_for, django_assert_max_num_queries
):
    from django.test import RequestFactory

    from opora.fieldservice.ticket_panel import panel

    request = RequestFactory().get("/")
    request.user = lead
    with django_assert_max_num_queries(2):
        context = panel(request, booked.ticket)
    assert context["orders"] == [booked] and context["can_create"]
    request.user = booked.ticket.customer.user
    assert panel(request, booked.ticket) is None


def test_board_and_pages_keep_their_query_count(
    booked, lead, client_for, repair_ticket, moscow, printers, django_assert_max_num_queries
):
    for _ in range(5):
        services.create_work_order(
            repair_ticket,
            lead,
            services.NewWorkOrder("maintenance", "Check", moscow, "Arbat 2", [printers]),
        )
    desk = client_for(lead)
    desk.get("/field/")
    with django_assert_max_num_queries(12):
        assert desk.get("/field/").status_code == 200
    with django_assert_max_num_queries(25):
        assert desk.get(f"/field/{booked.pk}/").status_code == 200
