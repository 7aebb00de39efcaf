"""Every permission rule, tried by someone who must be refused (web and API)."""

import pytest

from opora.core.testing import b64, make_user
from opora.tickets import services
from opora.tickets.access import visible_tickets
from opora.tickets.attachments import IncomingFile
from opora.tickets.models import MessageKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def erins_ticket(make_ticket, erin):
    return make_ticket(
        erin,
        subject="Erin's private matter",
        files=[IncomingFile("passport.png", b"\x89PNG private", "image/png")],
    )


class TestCustomerIsolation:
    def test_customer_list_shows_only_own(
        self, make_ticket, carol, erin, erins_ticket, api_as, client_for
    ):
        mine = make_ticket(carol)
        assert list(visible_tickets(carol.user)) == [mine]
        response = api_as(carol.user).get("/tickets")
        assert [t["id"] for t in response.json()["items"]] == [mine.pk]
        page = client_for(carol.user).get("/portal/")
        assert (
            "Erin&#x27;s private matter" not in page.content.decode()
            and "Erin's private matter" not in page.content.decode()
        )

    def test_customer_cannot_read_another_customers_ticket(
        self, carol, erins_ticket, api_as, client_for
    ):
        assert api_as(carol.user).get(f"/tickets/{erins_ticket.pk}").status_code == 404
        assert client_for(carol.user).get(f"/portal/tickets/{erins_ticket.pk}/").status_code == 404

    def test_customer_cannot_reply_to_another_customers_ticket(
        self, carol, erins_ticket, api_as, client_for
    ):
        response = api_as(carol.user).post(
            f"/tickets/{erins_ticket.pk}/messages", {"body": "hijack"}
        )
        assert response.status_code == 404
        response = client_for(carol.user).post(
            f"/portal/tickets/{erins_ticket.pk}/reply/", {"body": "hijack"}
        )
        assert response.status_code == 404
        assert not erins_ticket.messages.filter(body="hijack").exists()

    def test_customer_cannot_guess_ticket_numbers(self, carol, erins_ticket, api_as):
        api = api_as(carol.user)
        statuses = {
            api.get(f"/tickets/{number}").status_code for number in range(1, erins_ticket.pk + 5)
        }
        assert statuses == {404}

    def test_customer_cannot_download_another_customers_attachment(
        self, carol, erins_ticket, api_as, client_for
    ):
        attachment = erins_ticket.messages.get().attachments.get()
        assert api_as(carol.user).get(f"/attachments/{attachment.pk}").status_code == 404
        assert (
            client_for(carol.user).get(f"/portal/attachments/{attachment.pk}/").status_code == 404
        )
        owner = client_for(erins_ticket.customer.user).get(f"/portal/attachments/{attachment.pk}/")
        assert owner.status_code == 200 and b"".join(owner.streaming_content) == b"\x89PNG private"

    def test_customer_cannot_patch_or_delete_tickets(self, make_ticket, carol, api_as):
        ticket = make_ticket(carol)
        assert (
            api_as(carol.user).patch(f"/tickets/{ticket.pk}", {"priority": "urgent"}).status_code
            == 403
        )
        assert api_as(carol.user).delete(f"/tickets/{ticket.pk}").status_code == 403

    def test_customer_cannot_create_ticket_for_someone_else(self, carol, erin, api_as):
        response = api_as(carol.user).post(
            "/tickets", {"subject": "x", "body": "y", "customer_id": erin.pk}
        )
        assert response.status_code == 403

    def test_customer_never_sees_internal_notes_or_their_attachments(
        self, make_ticket, carol, anna, api_as, client_for
    ):
        ticket = make_ticket(carol)
        services.add_message(
            ticket,
            services.Actor(user=anna),
            "Customer seems angry",
            kind=MessageKind.NOTE,
            files=[IncomingFile("internal.txt", b"internal", "text/plain")],
        )
        bodies = [
            m["body"]
            for m in api_as(carol.user).get(f"/tickets/{ticket.pk}/messages").json()["items"]
        ]
        assert "Customer seems angry" not in bodies
        page = client_for(carol.user).get(f"/portal/tickets/{ticket.pk}/").content.decode()
        assert "Customer seems angry" not in page
        note_attachment = ticket.messages.get(kind=MessageKind.NOTE).attachments.get()
        assert (
            client_for(carol.user).get(f"/portal/attachments/{note_attachment.pk}/").status_code
            == 404
        )

    def test_customer_cannot_use_the_agent_workspace_or_staff_api(
        self, make_ticket, carol, api_as, client_for
    ):
        ticket = make_ticket(carol)
        client = client_for(carol.user)
        assert client.get("/desk/").status_code == 403
        assert client.get(f"/desk/tickets/{ticket.pk}/").status_code == 403
        assert client.get("/desk/customers/").status_code == 403
        assert api_as(carol.user).get("/customers").status_code == 403
        assert api_as(carol.user).get("/organisations").status_code == 403


class TestOrganisationSharing:
    def test_colleague_sees_shared_organisation_tickets(self, make_ticket, carol, dave, api_as):
        ticket = make_ticket(carol)
        assert api_as(dave.user).get(f"/tickets/{ticket.pk}").status_code == 200

    def test_without_sharing_colleague_is_refused(self, make_ticket, carol, dave, acme, api_as):
        acme.shared_tickets = False
        acme.save()
        ticket = make_ticket(carol)
        assert api_as(dave.user).get(f"/tickets/{ticket.pk}").status_code == 404

    def test_unverified_login_sees_nothing(self, make_ticket, carol, api_as):
        # A customer login not (yet) tied to a customer record, e.g. before e-mail confirmation.
        impostor = make_user("impostor", "customer")
        make_ticket(carol)
        assert api_as(impostor).get("/tickets").json()["count"] == 0


class TestAgentScopes:
    def test_agent_sees_only_own_teams_tickets(
        self, make_ticket, carol, anna, boris, team_beta, api_as, client_for
    ):
        alpha_ticket = make_ticket(carol)
        beta_ticket = make_ticket(carol, team=team_beta)
        assert api_as(boris).get(f"/tickets/{alpha_ticket.pk}").status_code == 404
        assert client_for(boris).get(f"/desk/tickets/{alpha_ticket.pk}/").status_code == 404
        assert [t["id"] for t in api_as(boris).get("/tickets").json()["items"]] == [beta_ticket.pk]
        assert client_for(anna).get(f"/desk/tickets/{beta_ticket.pk}/").status_code == 404

    def test_agent_cannot_reply_or_change_other_teams_ticket(
        self, make_ticket, carol, boris, api_as, client_for
    ):
        ticket = make_ticket(carol)
        assert (
            api_as(boris).post(f"/tickets/{ticket.pk}/messages", {"body": "hi"}).status_code == 404
        )
        assert api_as(boris).patch(f"/tickets/{ticket.pk}", {"priority": "low"}).status_code == 404
        assert (
            client_for(boris)
            .post(f"/desk/tickets/{ticket.pk}/reply/", {"body": "hi", "kind": "reply"})
            .status_code
            == 404
        )
        assert (
            client_for(boris)
            .post(f"/desk/tickets/{ticket.pk}/update/", {"status": "open"})
            .status_code
            == 404
        )

    def test_agent_cannot_bulk_update_invisible_tickets(
        self, make_ticket, carol, boris, client_for
    ):
        ticket = make_ticket(carol)
        client_for(boris).post("/desk/bulk/", {"ids": str(ticket.pk), "priority": "low"})
        ticket.refresh_from_db()
        assert ticket.priority == "normal"

    def test_assigned_or_collaborating_agent_sees_ticket_outside_team(
        self, make_ticket, carol, boris, anna, api_as
    ):
        ticket = make_ticket(carol)
        ticket.collaborators.add(boris)
        assert api_as(boris).get(f"/tickets/{ticket.pk}").status_code == 200

    def test_sees_all_grant_and_managers(self, make_ticket, carol, boris, lead, api_as):
        ticket = make_ticket(carol)
        assert api_as(lead).get(f"/tickets/{ticket.pk}").status_code == 200
        boris.sees_all_tickets = True
        boris.save()
        assert api_as(boris).get(f"/tickets/{ticket.pk}").status_code == 200

    def test_light_agent_cannot_reply_publicly_or_edit(
        self, make_ticket, carol, lena, api_as, client_for
    ):
        ticket = make_ticket(carol)
        assert (
            api_as(lena).post(f"/tickets/{ticket.pk}/messages", {"body": "hello"}).status_code
            == 403
        )
        assert api_as(lena).patch(f"/tickets/{ticket.pk}", {"priority": "low"}).status_code == 403
        assert (
            api_as(lena)
            .post(f"/tickets/{ticket.pk}/messages", {"body": "fyi", "kind": "note"})
            .status_code
            == 201
        )
        client_for(lena).post(
            f"/desk/tickets/{ticket.pk}/reply/", {"body": "hello", "kind": "reply"}
        )
        assert not ticket.messages.filter(body="hello").exists()
        assert (
            client_for(lena)
            .post(f"/desk/tickets/{ticket.pk}/update/", {"status": "open"})
            .status_code
            == 403
        )

    def test_only_admin_deletes(self, make_ticket, carol, lead, admin_user, api_as):
        ticket = make_ticket(carol)
        assert api_as(lead).delete(f"/tickets/{ticket.pk}").status_code == 403
        assert api_as(admin_user).delete(f"/tickets/{ticket.pk}").status_code == 204


class TestAnonymous:
    def test_api_requires_token(self, make_ticket, carol, api_as):
        ticket = make_ticket(carol)
        response = api_as(None).get(f"/tickets/{ticket.pk}")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"

    def test_bad_token_is_refused(self, client):
        response = client.get("/api/v1/tickets", headers={"Authorization": "Bearer opora_wrong"})
        assert response.status_code == 401

    def test_token_of_deactivated_user_is_refused(self, anna, api_as):
        api = api_as(anna)
        anna.is_active = False
        anna.save()
        assert api.get("/tickets").status_code == 401

    def test_web_pages_redirect_to_login(self, make_ticket, carol, client):
        ticket = make_ticket(carol)
        for url in (
            "/desk/",
            f"/desk/tickets/{ticket.pk}/",
            "/portal/",
            f"/portal/tickets/{ticket.pk}/",
            "/desk/customers/",
        ):
            response = client.get(url)
            assert response.status_code == 302 and response.url.startswith("/login/"), url

    def test_attachment_needs_login(self, erins_ticket, client):
        attachment = erins_ticket.messages.get().attachments.get()
        assert client.get(f"/desk/attachments/{attachment.pk}/").status_code == 302


def test_api_attachment_round_trip_for_owner(erin, api_as):
    api = api_as(erin.user)
    created = api.post(
        "/tickets",
        {
            "subject": "Scan",
            "body": "attached",
            "attachments": [
                {
                    "filename": "scan.png",
                    "content_type": "image/png",
                    "content_base64": b64(b"\x89PNG data"),
                }
            ],
        },
    )
    assert created.status_code == 201
    messages = api.get(f"/tickets/{created.json()['id']}/messages").json()["items"]
    url = messages[0]["attachments"][0]["url"]
    response = api.client.get(url, headers=api.headers)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"\x89PNG data"
