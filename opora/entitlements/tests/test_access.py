"""Pages, panel and API: staff check any serial, customers only their own assets."""

from datetime import date

import pytest

from opora.entitlements.models import Asset, TicketCoverage

pytestmark = pytest.mark.django_db


def test_lookup_page_for_staff_only(carol_router, client_for, lena, carol, client):
    page = client_for(lena).get("/entitlements/", {"serial": "SN-CAROL-1"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Router X1" in text and "Carol" in text and "Limited hardware warranty" in text
    assert (
        "Serial number not registered"
        in client_for(lena).get("/entitlements/", {"serial": "X"}).content.decode()
    )
    assert client_for(carol.user).get("/entitlements/", {"serial": "SN-CAROL-1"}).status_code == 403
    assert client.get("/entitlements/").status_code == 302


def test_my_assets_shows_own_and_shared_organisation_assets_only(
    carol_router, erin_router, client_for, dave, erin, anna
):
    mine = client_for(dave.user).get("/entitlements/my/").content.decode()
    assert "SN-CAROL-1" in mine and "Registered to Carol" in mine and "SN-ERIN-1" not in mine
    assert "SN-CAROL-1" not in client_for(erin.user).get("/entitlements/my/").content.decode()
    assert client_for(anna).get("/entitlements/my/").status_code == 403


def test_panel_shows_the_flag_and_links_a_serial(
    make_ticket, erin, erin_router, client_for, anna, boris, lena, django_assert_max_num_queries
):
    ticket = make_ticket(erin)
    page = client_for(anna).get(f"/desk/tickets/{ticket.pk}/")
    assert "No serial number on this ticket." in page.content.decode()
    linked = client_for(anna).post(
        f"/entitlements/tickets/{ticket.pk}/serial/", {"serial": "SN-ERIN-1"}, follow=True
    )
    assert "Covered until" in linked.content.decode()
    assert TicketCoverage.objects.get(ticket=ticket).asset == erin_router
    # Boris cannot see Alpha's ticket; Lena (light agent) cannot change it.
    assert (
        client_for(boris)
        .post(f"/entitlements/tickets/{ticket.pk}/serial/", {"serial": "X"})
        .status_code
        == 404
    )
    assert (
        client_for(lena)
        .post(f"/entitlements/tickets/{ticket.pk}/serial/", {"serial": "X"})
        .status_code
        == 403
    )
    assert TicketCoverage.objects.get(ticket=ticket).serial == "SN-ERIN-1"


def test_panel_uses_one_query(make_ticket, erin, erin_router, rf, anna):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opora.entitlements.ticket_panel import panel

    ticket = make_ticket(erin, serial_number="SN-ERIN-1")
    request = rf.get("/")
    request.user = anna
    with CaptureQueriesContext(connection) as queries:
        context = panel(request, ticket)
    assert len(queries) == 1 and context["flag"].asset == erin_router
    request.user = erin.user
    assert panel(request, ticket) is None


def test_api_coverage_by_serial(carol_router, erin_router, api_as, anna, carol, dave):
    answer = api_as(anna).get("/entitlements/coverage", serial="SN-CAROL-1", channel="phone")
    assert answer.status_code == 200
    body = answer.json()
    assert body["serial"] == "SN-CAROL-1" and body["product"] == "Router X1"
    assert body["summary"].startswith(("Covered until", "Not covered"))
    assert {w["plan_code"] for w in body["windows"]} == {"phone-90", "warranty-1y"}
    assert api_as(dave.user).get("/entitlements/coverage", serial="SN-CAROL-1").status_code == 200
    # A customer asking about someone else's serial gets the same 404 as for an unknown one.
    assert api_as(carol.user).get("/entitlements/coverage", serial="SN-ERIN-1").status_code == 404
    assert api_as(carol.user).get("/entitlements/coverage", serial="NOPE").status_code == 404
    assert api_as(anna).get("/entitlements/coverage", serial="NOPE").json()["reason"] == (
        "unknown_serial"
    )
    assert api_as(None).get("/entitlements/coverage", serial="SN-CAROL-1").status_code == 401
    assert api_as(anna).get("/entitlements/coverage", serial="X", colour=1).status_code == 400


def test_api_assets_crud_and_permissions(plans, carol_router, api_as, anna, lena, carol, erin):
    staff = api_as(anna)
    created = staff.post(
        "/entitlements/assets",
        {
            "serial": "SN-NEW",
            "product": "router-x1",
            "customer_id": erin.pk,
            "purchased_on": "2026-02-01",
        },
    )
    assert created.status_code == 201, created.json()
    asset_id = created.json()["id"]
    duplicate = staff.post(
        "/entitlements/assets",
        {
            "serial": "SN-NEW",
            "product": "router-x1",
            "customer_id": erin.pk,
            "purchased_on": "2026-02-01",
        },
    )
    assert duplicate.status_code == 400 and duplicate.json()["error"]["fields"] == {
        "serial": "duplicate"
    }
    assert (
        staff.patch(f"/entitlements/assets/{asset_id}", {"purchased_on": "2026-02-02"}).json()[
            "purchased_on"
        ]
        == "2026-02-02"
    )
    assert staff.patch(f"/entitlements/assets/{asset_id}", {"product": "nope"}).status_code == 400
    # Carol sees her own asset only; Erin's is a 404 to her, and she may not create or change.
    assert api_as(carol.user).get("/entitlements/assets").json()["count"] == 1
    assert api_as(carol.user).get(f"/entitlements/assets/{asset_id}").status_code == 404
    assert api_as(erin.user).get(f"/entitlements/assets/{asset_id}").status_code == 200
    assert (
        api_as(erin.user)
        .patch(f"/entitlements/assets/{asset_id}", {"purchased_on": "2026-01-01"})
        .status_code
        == 403
    )
    assert api_as(erin.user).delete(f"/entitlements/assets/{asset_id}").status_code == 403
    assert (
        api_as(lena)
        .post(
            "/entitlements/assets",
            {
                "serial": "L",
                "product": "router-x1",
                "customer_id": erin.pk,
                "purchased_on": "2026-02-01",
            },
        )
        .status_code
        == 403
    )
    assert api_as(carol.user).get("/entitlements/plans").status_code == 403
    assert len(staff.get("/entitlements/plans").json()) == 3
    assert staff.delete(f"/entitlements/assets/{asset_id}").status_code == 204
    assert not Asset.objects.filter(pk=asset_id).exists()


def test_api_import(plans, carol, api_as, anna, lena, erin):
    csv_text = (
        "serial,product,customer_email,purchased_on\nA-1,router-x1,carol@example.com,2026-01-01\n"
    )
    assert api_as(lena).post("/entitlements/assets/import", {"csv": csv_text}).status_code == 403
    assert (
        api_as(erin.user).post("/entitlements/assets/import", {"csv": csv_text}).status_code == 403
    )
    done = api_as(anna).post("/entitlements/assets/import", {"csv": csv_text})
    assert done.json() == {"rows": 1, "created": 1, "updated": 0, "unchanged": 0, "plans_added": 0}
    bad = api_as(anna).post(
        "/entitlements/assets/import", {"csv": csv_text.replace("router-x1", "x")}
    )
    assert bad.status_code == 400
    assert bad.json()["rows"] == [
        {"row": 2, "column": "product", "message": "no product with code “x”"}
    ]
    assert bad.json()["error"]["code"] == "import_rejected"


def test_api_ticket_flag(make_ticket, erin, erin_router, api_as, anna, boris, erin_user=None):
    ticket = make_ticket(erin, serial_number="SN-ERIN-1")
    flag = api_as(anna).get(f"/entitlements/tickets/{ticket.pk}")
    assert flag.status_code == 200 and flag.json()["serial"] == "SN-ERIN-1"
    assert api_as(boris).get(f"/entitlements/tickets/{ticket.pk}").status_code == 404
    assert api_as(erin.user).get(f"/entitlements/tickets/{ticket.pk}").status_code == 403
    assert api_as(anna).get(f"/entitlements/tickets/{make_ticket(erin).pk}").status_code == 404
    assert erin_router.purchased_on == date(2026, 1, 10)
