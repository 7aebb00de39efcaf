"""Backlog pages and endpoints: what staff and leads may do, and every forbidden try."""

import pytest
from django.urls import reverse
from django.utils import timezone

from opora.improvements import services
from opora.improvements.models import Idea, ImprovementItem, ItemStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(make_ticket, carol, reason):
    return make_ticket(carol, reason=reason)


@pytest.fixture
def item(lead):
    return services.create_item("manual", "", "Clearer invoices", created_by=lead)


@pytest.fixture
def idea(anna):
    return services.submit_idea(anna, "Caps Lock warning")


class TestPages:
    def test_ticket_page_panel_in_two_queries(
        self, ticket, item, anna, rf, django_assert_max_num_queries
    ):
        from opora.improvements.ticket_panel import panel

        request = rf.get("/")
        request.user = anna
        with django_assert_max_num_queries(2):
            context = panel(request, ticket)
        assert context["open_items"] == [item] and context["linked"] == []

    def test_propose_and_link_from_the_ticket_page(self, ticket, item, anna, client_for):
        client = client_for(anna)
        page = client.get(reverse("desk:ticket", args=[ticket.pk]))
        assert b"Propose an improvement" in page.content
        client.post(
            reverse("improvements:propose_from_ticket", args=[ticket.pk]), {"title": "Slow reset"}
        )
        client.post(reverse("improvements:link_ticket", args=[ticket.pk]), {"item": item.pk})
        assert ImprovementItem.objects.get(title="Slow reset").tickets.get() == ticket
        assert item.tickets.get() == ticket

    def test_backlog_item_and_edit(self, item, lead, anna, client_for):
        assert b"Clearer invoices" in client_for(anna).get(reverse("improvements:backlog")).content
        page = client_for(lead).get(reverse("improvements:item", args=[item.pk]))
        assert page.status_code == 200 and b"Edit" in page.content
        client_for(lead).post(
            reverse("improvements:item_update", args=[item.pk]),
            {
                "title": "Clearer invoices",
                "status": "accepted",
                "owner_name": "Ivanov",
                "safety": "2",
                "frequency": "",
            },
        )
        item.refresh_from_db()
        assert (item.status, item.owner_name, item.is_safety) == ("accepted", "Ivanov", True)

    def test_done_item_shows_its_effect(self, item, lead, client_for):
        item.status, item.completed_at = ItemStatus.DONE, timezone.now()
        item.save()
        page = client_for(lead).get(reverse("improvements:item", args=[item.pk]), {"days": 14})
        assert b"Effect after completion" in page.content and b"Before" in page.content

    def test_reasons_survey_comments_ideas(
        self, ticket, reason, idea, anna, boris, lead, client_for
    ):
        assert b"Password reset" in client_for(anna).get(reverse("improvements:reasons")).content
        client_for(anna).post(reverse("improvements:propose_from_reason", args=[reason.pk]))
        assert ImprovementItem.objects.filter(source_kind="reason_trend").count() == 1
        assert client_for(anna).get(reverse("improvements:survey_comments")).status_code == 200
        client_for(boris).post(reverse("improvements:idea_vote", args=[idea.pk]))
        assert idea.votes.count() == 1
        client_for(boris).post(reverse("improvements:idea_vote", args=[idea.pk]))  # toggles back
        assert idea.votes.count() == 0
        client_for(lead).post(reverse("improvements:idea_accept", args=[idea.pk]))
        idea.refresh_from_db()
        assert idea.item is not None
        client_for(anna).post(reverse("improvements:ideas"), {"title": "Another"})
        assert Idea.objects.count() == 2

    def test_new_item_by_hand(self, anna, client_for):
        response = client_for(anna).post(
            reverse("improvements:item_new"), {"title": "Typo on the portal"}
        )
        assert response.status_code == 302
        assert ImprovementItem.objects.get().source_kind == "manual"


class TestForbiddenPages:
    def test_customers_are_refused_everywhere(self, ticket, reason, item, idea, carol, client_for):
        client = client_for(carol.user)
        routes = [
            ("backlog", []),
            ("item_new", []),
            ("item", [item.pk]),
            ("item_update", [item.pk]),
            ("propose_from_ticket", [ticket.pk]),
            ("link_ticket", [ticket.pk]),
            ("reasons", []),
            ("propose_from_reason", [reason.pk]),
            ("survey_comments", []),
            ("propose_from_response", [1]),
            ("ideas", []),
            ("idea_vote", [idea.pk]),
            ("idea_accept", [idea.pk]),
            ("idea_decline", [idea.pk]),
        ]
        for name, args in routes:
            url = reverse(f"improvements:{name}", args=args)
            assert client.get(url).status_code in {403, 405}, url
            assert (
                client.post(url, {"title": "x", "item": item.pk, "status": "accepted"}).status_code
                == 403
            ), url
        assert ImprovementItem.objects.count() == 1 and Idea.objects.count() == 1
        assert idea.votes.count() == 0

    def test_anonymous_goes_to_login(self, client):
        response = client.get(reverse("improvements:backlog"))
        assert response.status_code == 302 and response.url.startswith("/login/")

    def test_agents_cannot_edit_or_decide_ideas(self, item, idea, boris, client_for):
        client = client_for(boris)
        assert (
            client.post(
                reverse("improvements:item_update", args=[item.pk]), {"status": "accepted"}
            ).status_code
            == 403
        )
        assert client.post(reverse("improvements:idea_accept", args=[idea.pk])).status_code == 403
        assert (
            client.post(
                reverse("improvements:idea_decline", args=[idea.pk]), {"note": "no"}
            ).status_code
            == 403
        )
        item.refresh_from_db()
        idea.refresh_from_db()
        assert (item.status, idea.status) == ("proposed", "open")

    def test_other_teams_agent_cannot_use_the_ticket(self, ticket, item, boris, client_for):
        client = client_for(boris)
        assert (
            client.post(
                reverse("improvements:propose_from_ticket", args=[ticket.pk]), {"title": "x"}
            ).status_code
            == 404
        )
        assert (
            client.post(
                reverse("improvements:link_ticket", args=[ticket.pk]), {"item": item.pk}
            ).status_code
            == 404
        )
        assert ImprovementItem.objects.count() == 1 and not item.tickets.exists()


class TestApi:
    def test_items_in_priority_order_with_filters(self, lead, api_as):
        services.create_item("manual", "", "Brand", ratings={"brand": 5})
        services.create_item("manual", "", "Safety", ratings={"safety": 1})
        body = api_as(lead).get("/improvements/items").json()
        assert [row["title"] for row in body["items"]] == ["Safety", "Brand"]
        assert body["items"][0]["is_safety"] is True
        assert api_as(lead).get("/improvements/items", safety="false").json()["count"] == 1
        assert api_as(lead).get("/improvements/items", colour="red").status_code == 400

    def test_propose_link_edit_effect(self, ticket, reason, anna, lead, api_as):
        created = api_as(anna).post(
            "/improvements/items",
            {"source_kind": "ticket", "source_ref": str(ticket.pk), "title": "Slow reset"},
        )
        assert created.status_code == 201 and created.json()["linked_tickets"] == 1
        again = api_as(anna).post(
            "/improvements/items",
            {"source_kind": "ticket", "source_ref": str(ticket.pk), "title": "Slow reset"},
        )
        assert again.json()["id"] == created.json()["id"]
        item_id = created.json()["id"]
        patch = {"status": "accepted", "owner_name": "Dev team", "ratings": {"safety": 3}}
        assert api_as(anna).patch(f"/improvements/items/{item_id}", patch).status_code == 403
        edited = api_as(lead).patch(f"/improvements/items/{item_id}", patch)
        assert edited.status_code == 200 and edited.json()["is_safety"] is True
        assert api_as(lead).get(f"/improvements/items/{item_id}/effect").status_code == 400
        api_as(lead).patch(f"/improvements/items/{item_id}", {"status": "done"})
        effect = api_as(lead).get(f"/improvements/items/{item_id}/effect", days=7)
        assert effect.status_code == 200 and effect.json()["days"] == 7
        assert api_as(lead).get("/improvements/reason-trends").json()[0]["reason_id"] == reason.pk
        assert len(api_as(lead).get("/improvements/weights").json()) == 8

    def test_ideas_over_the_api(self, anna, boris, lead, api_as):
        idea = api_as(anna).post("/improvements/ideas", {"title": "Order status"}).json()
        voted = api_as(boris).post(f"/improvements/ideas/{idea['id']}/vote")
        assert voted.json()["votes"] == 1
        assert api_as(anna).post(f"/improvements/ideas/{idea['id']}/vote").status_code == 400
        assert api_as(boris).post(f"/improvements/ideas/{idea['id']}/accept", {}).status_code == 403
        accepted = api_as(lead).post(f"/improvements/ideas/{idea['id']}/accept", {})
        assert accepted.status_code == 201 and accepted.json()["source_kind"] == "idea"

    def test_bad_input(self, lead, api_as):
        api = api_as(lead)
        assert (
            api.post(
                "/improvements/items", {"source_kind": "ticket", "source_ref": "abc", "title": "x"}
            ).status_code
            == 400
        )
        assert (
            api.post(
                "/improvements/items",
                {"source_kind": "ticket", "source_ref": "999999", "title": "x"},
            ).status_code
            == 404
        )
        assert (
            api.post("/improvements/items", {"source_kind": "idea", "title": "x"}).status_code
            == 400
        )
        assert api.post("/improvements/items", {"title": ""}).status_code == 400
        assert not ImprovementItem.objects.exists()

    def test_forbidden_tries(self, ticket, item, idea, carol, boris, api_as):
        customer, anonymous = api_as(carol.user), api_as(None)
        for path in [
            "/improvements/items",
            f"/improvements/items/{item.pk}",
            f"/improvements/items/{item.pk}/effect",
            "/improvements/reason-trends",
            "/improvements/weights",
            "/improvements/ideas",
        ]:
            assert customer.get(path).status_code == 403, path
            assert anonymous.get(path).status_code == 401, path
        writes = [
            ("post", "/improvements/items", {"title": "x"}),
            ("patch", f"/improvements/items/{item.pk}", {"status": "accepted"}),
            ("post", f"/improvements/items/{item.pk}/tickets", {"ticket_id": ticket.pk}),
            ("post", "/improvements/ideas", {"title": "x"}),
            ("post", f"/improvements/ideas/{idea.pk}/vote", None),
            ("post", f"/improvements/ideas/{idea.pk}/accept", {}),
            ("post", f"/improvements/ideas/{idea.pk}/decline", {"note": "no"}),
        ]
        for method, path, body in writes:
            assert getattr(customer, method)(path, body).status_code == 403, path
            assert getattr(anonymous, method)(path, body).status_code == 401, path
        assert customer.delete(f"/improvements/ideas/{idea.pk}/vote").status_code == 403
        # Boris may not link or propose from Alpha's ticket.
        assert (
            api_as(boris)
            .post(f"/improvements/items/{item.pk}/tickets", {"ticket_id": ticket.pk})
            .status_code
            == 404
        )
        proposal = {"source_kind": "ticket", "source_ref": str(ticket.pk), "title": "x"}
        assert api_as(boris).post("/improvements/items", proposal).status_code == 404
        assert ImprovementItem.objects.count() == 1 and not item.tickets.exists()
        assert idea.votes.count() == 0
