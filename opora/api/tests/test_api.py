"""The JSON API: CRUD, validation, error bodies, pagination and bounded query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opora.customers.models import Customer
from opora.tickets.models import AuditEvent, ContactReason, Ticket

pytestmark = pytest.mark.django_db


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


class TestTickets:
    def test_agent_creates_reads_updates_and_lists(self, anna, carol, api_as):
        api = api_as(anna)
        reason = ContactReason.objects.create(name="Оплата", name_en="Billing")
        created = api.post(
            "/tickets",
            {
                "subject": "Не проходит оплата",
                "body": "Ошибка 502",
                "customer_id": carol.pk,
                "priority": "high",
                "reason_id": reason.pk,
                "tags": ["оплата"],
                "channel": "phone",
            },
        )
        assert created.status_code == 201, created.json()
        ticket = created.json()
        assert (
            ticket["status"] == "new"
            and ticket["priority"] == "high"
            and ticket["tags"] == ["оплата"]
        )
        assert ticket["channel"] == "phone" and ticket["organisation_id"] == carol.organisation_id

        updated = api.patch(f"/tickets/{ticket['id']}", {"status": "open", "assignee_id": anna.pk})
        assert updated.status_code == 200
        assert updated.json()["assignee_id"] == anna.pk
        assert AuditEvent.objects.filter(
            ticket_id=ticket["id"], field="assignee", actor=anna, via="api"
        ).exists()

        reply = api.post(f"/tickets/{ticket['id']}/messages", {"body": "Проверяем"})
        assert reply.status_code == 201 and reply.json()["author_user_id"] == anna.pk
        listed = api.get("/tickets", status="open")
        assert [t["id"] for t in listed.json()["items"]] == [ticket["id"]]

    def test_customer_creates_own_ticket_without_naming_themselves(self, carol, api_as):
        response = api_as(carol.user).post("/tickets", {"subject": "Hello", "body": "Help"})
        assert response.status_code == 201
        assert response.json()["customer_id"] == carol.pk

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"body": "no subject"}, "subject"),
            ({"subject": "", "body": "x"}, "subject"),
            ({"subject": "x" * 251, "body": "x"}, "subject"),
            ({"subject": "x", "body": "x", "priority": "whenever"}, "priority"),
            ({"subject": "nul\x00", "body": "x"}, "subject"),
            ({"subject": "x", "body": "x", "customer_id": -1}, "customer_id"),
            ({"subject": "x", "body": "x", "tags": "not-a-list"}, "tags"),
        ],
    )
    def test_invalid_payloads_get_422_naming_the_field(self, anna, carol, api_as, payload, field):
        payload.setdefault("customer_id", carol.pk)
        response = api_as(anna).post("/tickets", payload)
        assert response.status_code == 422
        error = error_of(response)
        assert error["code"] == "invalid"
        assert any(key.startswith(field) for key in error["fields"]), error

    def test_unknown_references_are_field_errors(self, anna, carol, api_as):
        response = api_as(anna).post(
            "/tickets", {"subject": "x", "body": "y", "customer_id": carol.pk, "team_id": 999}
        )
        assert response.status_code == 400
        assert error_of(response)["fields"] == {"team_id": "not_found"}

    def test_staff_must_name_the_customer(self, anna, api_as):
        response = api_as(anna).post("/tickets", {"subject": "x", "body": "y"})
        assert error_of(response)["fields"] == {"customer_id": "required"}

    def test_invalid_transition_is_409_with_reason(self, anna, carol, api_as, make_ticket):
        ticket = make_ticket(carol)
        response = api_as(anna).patch(f"/tickets/{ticket.pk}", {"status": "closed"})
        assert response.status_code == 409
        assert error_of(response)["code"] == "invalid_transition"

    def test_bad_base64_attachment_is_refused_and_nothing_created(self, carol, api_as):
        response = api_as(carol.user).post(
            "/tickets",
            {
                "subject": "x",
                "body": "y",
                "attachments": [{"filename": "a.png", "content_base64": "***"}],
            },
        )
        assert response.status_code == 400
        assert error_of(response)["fields"] == {"attachments.0.content_base64": "invalid_base64"}
        assert Ticket.objects.count() == 0

    def test_oversized_attachment_is_413(self, carol, api_as, settings):
        settings.OPORA_MAX_ATTACHMENT_BYTES = 4
        response = api_as(carol.user).post(
            "/tickets",
            {
                "subject": "x",
                "body": "y",
                "attachments": [{"filename": "a.png", "content_base64": "AAAAAAAA"}],
            },
        )
        assert response.status_code == 413
        assert error_of(response)["code"] == "attachment_rejected"
        assert Ticket.objects.count() == 0

    def test_missing_ticket_is_404_error_body(self, anna, api_as):
        response = api_as(anna).get("/tickets/987654")
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"

    def test_pagination_and_bounds(self, lead, carol, make_ticket, api_as):
        for index in range(5):
            make_ticket(carol, subject=f"t{index}")
        page = api_as(lead).get("/tickets", limit=2, offset=2, ordering="created").json()
        assert page["count"] == 5 and page["limit"] == 2 and page["offset"] == 2
        assert [t["subject"] for t in page["items"]] == ["t2", "t3"]
        assert api_as(lead).get("/tickets", limit=0).status_code == 422
        assert api_as(lead).get("/tickets", limit=1000).status_code == 422
        assert api_as(lead).get("/tickets", ordering="subject; drop table").status_code == 400

    def test_list_query_count_does_not_grow_with_rows(self, lead, carol, make_ticket, api_as):
        api = api_as(lead)
        make_ticket(carol, tags=["a"])
        api.get("/tickets")  # the token's first use records last_used_at; measure steady state
        with CaptureQueriesContext(connection) as few:
            assert api.get("/tickets").status_code == 200
        for index in range(15):
            make_ticket(carol, subject=f"more {index}", tags=["a", "b"])
        with CaptureQueriesContext(connection) as many:
            assert len(api.get("/tickets").json()["items"]) == 16
        assert len(many.captured_queries) == len(few.captured_queries) <= 6

    def test_message_list_query_count_is_constant(self, anna, carol, make_ticket, api_as):
        from opora.tickets import services

        ticket = make_ticket(carol)
        api = api_as(anna)
        api.get("/tickets")
        with CaptureQueriesContext(connection) as few:
            api.get(f"/tickets/{ticket.pk}/messages")
        for index in range(10):
            services.add_message(ticket, services.Actor(user=anna), f"reply {index}")
        with CaptureQueriesContext(connection) as many:
            assert api.get(f"/tickets/{ticket.pk}/messages").json()["count"] == 11
        assert len(many.captured_queries) == len(few.captured_queries)


class TestCustomers:
    def test_crud_and_duplicate_email(self, anna, admin_user, acme, api_as):
        api = api_as(anna)
        created = api.post(
            "/customers",
            {"name": "Пётр Сидоров", "email": "Petr@Example.com", "organisation_id": acme.pk},
        )
        assert created.status_code == 201
        customer = created.json()
        assert customer["email"] == "petr@example.com"
        duplicate = api.post("/customers", {"name": "Другой", "email": "petr@example.com"})
        assert duplicate.status_code == 400 and error_of(duplicate)["fields"] == {
            "email": "duplicate"
        }
        patched = api.patch(
            f"/customers/{customer['id']}", {"tier": "vip", "organisation_id": None}
        )
        assert patched.json()["tier"] == "vip" and patched.json()["organisation_id"] is None
        assert api.get("/customers", q="Пётр").json()["count"] == 1
        assert api.delete(f"/customers/{customer['id']}").status_code == 403
        assert api_as(admin_user).delete(f"/customers/{customer['id']}").status_code == 204
        assert not Customer.objects.filter(pk=customer["id"]).exists()

    def test_customer_with_tickets_cannot_be_deleted(self, admin_user, carol, make_ticket, api_as):
        make_ticket(carol)
        response = api_as(admin_user).delete(f"/customers/{carol.pk}")
        assert response.status_code == 400 and error_of(response)["code"] == "has_tickets"

    def test_invalid_email_is_422(self, anna, api_as):
        response = api_as(anna).post("/customers", {"name": "X", "email": "not-an-email"})
        assert response.status_code == 422 and "email" in error_of(response)["fields"]

    def test_organisations_are_managed_by_managers(self, anna, lead, api_as):
        assert api_as(anna).post("/organisations", {"name": "Acme"}).status_code == 403
        created = api_as(lead).post(
            "/organisations", {"name": "ООО «Ромашка»", "inn": "7707083893"}
        )
        assert created.status_code == 201
        assert (
            api_as(lead).post("/organisations", {"name": "Bad INN", "inn": "12"}).status_code == 422
        )
        assert (
            api_as(anna).get(f"/organisations/{created.json()['id']}").json()["inn"] == "7707083893"
        )


def test_openapi_schema_and_docs_are_published(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/tickets" in paths and "/api/v1/tickets/{ticket_id}/messages" in paths
    assert client.get("/api/docs").url == "/api/v1/docs"


def test_customer_and_organisation_lists_query_count_is_constant(anna, acme, api_as):
    from opora.customers.models import Customer, Organisation

    api = api_as(anna)
    api.get("/customers")
    with CaptureQueriesContext(connection) as few:
        api.get("/customers")
        api.get("/organisations")
    for index in range(15):
        organisation = Organisation.objects.create(name=f"Org {index}")
        Customer.objects.create(
            name=f"Person {index}", email=f"p{index}@example.com", organisation=organisation
        )
    with CaptureQueriesContext(connection) as many:
        assert api.get("/customers").json()["count"] == 15
        assert api.get("/organisations").json()["count"] == 16
    assert len(many.captured_queries) == len(few.captured_queries)


def test_nul_in_the_query_string_is_a_clear_400(anna, api_as, client_for):
    response = api_as(anna).get("/customers", q="a\x00b")
    assert response.status_code == 400 and error_of(response)["code"] == "invalid"
    assert client_for(anna).get("/desk/", {"q": "a\x00b"}).status_code == 400
