"""Pages and endpoints: what each person may do, and the forbidden tries refused."""

import pytest
from django.urls import reverse

from opora.authority import services
from opora.authority.models import Compensation, CompensationStatus, HandOff

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(policy, ticket, anna, led_alpha):
    return services.grant(ticket, anna, kind="refund", amount="7500", reason="Broken twice")


@pytest.fixture
def handed(make_ticket, carol, anna, team_beta, boris):
    """A second Alpha ticket, handed to Beta (the main ticket stays in Alpha)."""
    return services.hand_off(make_ticket(carol, "Licence"), anna, team_beta, "Which INN?")


class TestPages:
    def test_ticket_page_loads_the_panel_without_queries_of_its_own(self, ticket, anna, client_for):
        page = client_for(anna).get(reverse("desk:ticket", args=[ticket.pk]))
        assert page.status_code == 200
        assert reverse("authority:ticket_panel", args=[ticket.pk]).encode() in page.content

    def test_panel_body_shows_limits_and_forms(self, policy, ticket, anna, client_for):
        body = client_for(anna).get(reverse("authority:ticket_panel", args=[ticket.pk]))
        assert body.status_code == 200
        assert b"3,000" in body.content and b'name="request_key"' in body.content

    def test_grant_from_the_panel(self, policy, ticket, anna, client_for):
        client = client_for(anna)
        data = {
            "kind": "refund",
            "amount": "1 200,50",
            "currency": "RUB",
            "reason": "Late",
            "request_key": "k1",
        }
        response = client.post(reverse("authority:grant", args=[ticket.pk]), data)
        assert response.status_code == 302
        client.post(reverse("authority:grant", args=[ticket.pk]), data)  # a double click
        grant = Compensation.objects.get()
        assert (str(grant.amount), grant.status) == ("1200.50", CompensationStatus.GRANTED)

    def test_lead_approves_on_the_approvals_page(self, pending, lead, client_for):
        client = client_for(lead)
        page = client.get(reverse("authority:approvals"))
        assert page.status_code == 200 and b"Broken twice" in page.content
        client.post(reverse("authority:approve", args=[pending.pk]), {"note": "ok"})
        pending.refresh_from_db()
        assert pending.status == CompensationStatus.GRANTED

    def test_report_and_csv(self, pending, policy, ticket, anna, lead, client_for):
        services.grant(ticket, anna, kind="refund", amount="1000", reason="Late")
        client = client_for(lead)
        page = client.get(reverse("authority:report"), {"kind": "refund"})
        assert page.status_code == 200 and b"1,000.00" in page.content
        csv = client.get(reverse("authority:report_csv"), {"status": "pending"})
        lines = csv.content.decode().strip().splitlines()
        assert len(lines) == 2 and "7500.00" in lines[1] and "anna" in lines[1]
        assert client.get(reverse("authority:report"), {"since": "nonsense"}).status_code == 200

    def test_hand_off_answered_from_the_inbox(self, ticket, anna, boris, team_beta, client_for):
        client_for(anna).post(
            reverse("authority:hand_off", args=[ticket.pk]),
            {"to_team": team_beta.pk, "question": "Q?"},
        )
        record = HandOff.objects.get()
        inbox = client_for(boris).get(reverse("authority:hand_offs"))
        assert b"Q?" in inbox.content
        client_for(boris).post(
            reverse("authority:answer_hand_off", args=[record.pk]), {"answer": "A!"}
        )
        record.refresh_from_db()
        assert record.answer == "A!"


class TestForbiddenPages:
    def test_customers_are_refused_everywhere(self, pending, handed, ticket, carol, client_for):
        client = client_for(carol.user)
        for name, args in [
            ("approvals", []),
            ("approve", [pending.pk]),
            ("reject", [pending.pk]),
            ("report", []),
            ("report_csv", []),
            ("hand_offs", []),
            ("answer_hand_off", [handed.pk]),
            ("ticket_panel", [ticket.pk]),
            ("grant", [ticket.pk]),
            ("hand_off", [ticket.pk]),
        ]:
            url = reverse(f"authority:{name}", args=args)
            assert client.get(url).status_code in {403, 405}, url
            assert (
                client.post(url, {"kind": "refund", "amount": "1", "reason": "x"}).status_code
                == 403
            ), url
        assert Compensation.objects.count() == 1
        pending.refresh_from_db()
        assert pending.status == CompensationStatus.PENDING

    def test_anonymous_goes_to_login(self, client):
        response = client.get(reverse("authority:report"))
        assert response.status_code == 302 and response.url.startswith("/login/")

    def test_other_teams_agent_cannot_touch_the_ticket(self, policy, ticket, boris, client_for):
        client = client_for(boris)
        assert client.get(reverse("authority:ticket_panel", args=[ticket.pk])).status_code == 404
        grant = client.post(
            reverse("authority:grant", args=[ticket.pk]),
            {"kind": "refund", "amount": "1", "reason": "x"},
        )
        assert grant.status_code == 404 and not Compensation.objects.exists()
        handoff = client.post(
            reverse("authority:hand_off", args=[ticket.pk]), {"to_team": 1, "question": "q"}
        )
        assert handoff.status_code == 404 and not HandOff.objects.exists()

    def test_light_agent_cannot_open_the_panel(self, ticket, lena, client_for):
        assert (
            client_for(lena).get(reverse("authority:ticket_panel", args=[ticket.pk])).status_code
            == 403
        )

    def test_agents_cannot_approve(self, pending, anna, boris, client_for):
        assert client_for(anna).get(reverse("authority:approvals")).status_code == 403
        for person in (anna, boris):
            response = client_for(person).post(reverse("authority:approve", args=[pending.pk]))
            assert response.status_code == 404
        pending.refresh_from_db()
        assert pending.status == CompensationStatus.PENDING

    def test_asker_cannot_answer_own_hand_off(self, handed, anna, client_for):
        client_for(anna).post(
            reverse("authority:answer_hand_off", args=[handed.pk]), {"answer": "me"}
        )
        handed.refresh_from_db()
        assert handed.answer == ""


class TestApi:
    def test_grant_list_totals_and_limits(self, policy, ticket, anna, api_as):
        api = api_as(anna)
        created = api.post(
            "/authority/compensations",
            {
                "ticket_id": ticket.pk,
                "kind": "refund",
                "amount": "2999.99",
                "reason": "Late",
                "request_key": "a",
            },
        )
        assert created.status_code == 201 and created.json()["status"] == "granted"
        again = api.post(
            "/authority/compensations",
            {
                "ticket_id": ticket.pk,
                "kind": "refund",
                "amount": "2999.99",
                "reason": "Late",
                "request_key": "a",
            },
        )
        assert again.json()["id"] == created.json()["id"]
        assert api.get("/authority/compensations").json()["count"] == 1
        totals = api.get("/authority/compensations/totals", by="kind").json()
        assert totals == [{"key": "refund", "currency": "RUB", "count": 1, "total": "2999.99"}]
        limits = api.get("/authority/limits", ticket_id=ticket.pk).json()
        assert limits == [
            {
                "kind": "refund",
                "max_amount": "3000.00",
                "currency": "RUB",
                "max_count": 5,
                "period": "week",
            }
        ]

    def test_approve_and_reject_over_the_api(self, pending, lead, api_as):
        rejected = api_as(lead).post(f"/authority/compensations/{pending.pk}/reject", {"note": ""})
        assert rejected.status_code == 400
        approved = api_as(lead).post(
            f"/authority/compensations/{pending.pk}/approve", {"note": "ok"}
        )
        assert approved.status_code == 200 and approved.json()["authorised_by_id"] == lead.pk
        again = api_as(lead).post(f"/authority/compensations/{pending.pk}/approve", {"note": ""})
        assert again.status_code == 404  # no longer among the requests the lead may decide

    def test_hand_off_over_the_api(self, ticket, anna, boris, team_beta, api_as):
        created = api_as(anna).post(
            "/authority/hand-offs",
            {"ticket_id": ticket.pk, "to_team_id": team_beta.pk, "question": "Q"},
        )
        assert created.status_code == 201
        answer = api_as(boris).post(
            f"/authority/hand-offs/{created.json()['id']}/answer", {"answer": "A"}
        )
        assert answer.status_code == 200 and answer.json()["status"] == "answered"

    def test_bad_input(self, policy, ticket, anna, api_as):
        api = api_as(anna)
        body = {"ticket_id": ticket.pk, "kind": "refund", "reason": "x"}
        assert api.post("/authority/compensations", {**body, "amount": "-1"}).status_code == 422
        assert api.post("/authority/compensations", {**body, "amount": "1.001"}).status_code == 422
        assert (
            api.post(
                "/authority/compensations", {**body, "amount": "1", "kind": "cash"}
            ).status_code
            == 422
        )
        assert api.get("/authority/compensations", statsu="granted").status_code == 400
        assert api.get("/authority/compensations", since="2026-13-01").status_code == 400
        assert not Compensation.objects.exists()

    def test_forbidden_tries(self, pending, handed, ticket, carol, boris, anna, team_beta, api_as):
        customer, outsider, anonymous = api_as(carol.user), api_as(boris), api_as(None)
        reads = [
            "/authority/limits",
            "/authority/compensations",
            "/authority/compensations/totals",
            "/authority/hand-offs",
        ]
        for path in reads:
            assert customer.get(path).status_code == 403, path
            assert anonymous.get(path).status_code == 401, path
        writes = [
            (
                "/authority/compensations",
                {"ticket_id": ticket.pk, "kind": "refund", "amount": "1", "reason": "x"},
            ),
            (f"/authority/compensations/{pending.pk}/approve", {"note": ""}),
            (f"/authority/compensations/{pending.pk}/reject", {"note": "no"}),
            (
                "/authority/hand-offs",
                {"ticket_id": ticket.pk, "to_team_id": team_beta.pk, "question": "q"},
            ),
            (f"/authority/hand-offs/{handed.pk}/answer", {"answer": "a"}),
        ]
        for path, body in writes:
            assert customer.post(path, body).status_code == 403, path
            assert anonymous.post(path, body).status_code == 401, path
        # Boris (Beta) cannot see Anna's ticket any more than a missing one...
        assert outsider.post(*writes[0]).status_code == 404
        assert outsider.get("/authority/limits", ticket_id=ticket.pk).status_code == 404
        # ...nor decide Alpha's request; Anna cannot approve her own.
        assert outsider.post(*writes[1]).status_code == 404
        assert api_as(anna).post(*writes[1]).status_code == 404
        assert api_as(anna).post(writes[1][0], '"AAA"').status_code == 422
        assert api_as(anna).post(writes[4][0], {"answer": "mine"}).status_code == 403
        assert Compensation.objects.get().status == CompensationStatus.PENDING
        assert boris not in [c.requested_by for c in Compensation.objects.all()]
