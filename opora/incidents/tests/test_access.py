"""Incident pages, panel and API: staff only (changes by full agents), tickets only when visible,
the banner for everyone signed in."""

import pytest
from django.template import Context, Template
from django.utils import translation

from opora.incidents.models import Incident, IncidentStatus, IncidentTicket

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha_ticket(make_ticket, carol):
    return make_ticket(carol, subject="No mail since 9:00")


def test_pages_for_staff_and_refused_to_customers(outage, client_for, anna, lena, carol, client):
    for url in ("/incidents/", f"/incidents/{outage.pk}/", "/incidents/new/"):
        assert client_for(anna).get(url).status_code == 200, url
        assert client_for(carol.user).get(url).status_code == 403, url
        assert client.get(url).status_code == 302, url
    assert "Mail server down" in client_for(lena).get("/incidents/").content.decode()
    for action in ("edit", "link", "broadcast", "resolve", "note"):
        url = f"/incidents/{outage.pk}/{action}/"
        assert client_for(carol.user).post(url, {"body": "x"}).status_code == 403
        assert client_for(anna).get(url).status_code == 405
    assert client_for(anna).get("/incidents/999/").status_code == 404


def test_create_link_broadcast_and_resolve_through_the_pages(
    client_for, anna, alpha_ticket, django_capture_on_commit_callbacks
):
    agent = client_for(anna)
    created = agent.post("/incidents/new/", {"title": "VPN down", "is_public": "on"})
    incident = Incident.objects.get(title="VPN down")
    assert created.url == f"/incidents/{incident.pk}/"
    linked = agent.post(
        f"/incidents/{incident.pk}/link/", {"numbers": f"#{alpha_ticket.pk}, 99999"}, follow=True
    )
    text = linked.content.decode()
    assert "Linked 1 ticket" in text and "Not found: #99999" in text
    with django_capture_on_commit_callbacks(execute=True):
        agent.post(f"/incidents/{incident.pk}/broadcast/", {"body": "Working on it"})
    assert alpha_ticket.messages.filter(body="Working on it").exists()
    with django_capture_on_commit_callbacks(execute=True):
        agent.post(
            f"/incidents/{incident.pk}/resolve/",
            {"message": "Fixed", "solve_tickets": "on", "resolution_code": "software_fix"},
        )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    agent.post(f"/incidents/{incident.pk}/note/", {"note": "Root cause: expired certificate"})
    page = agent.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Root cause: expired certificate" in page and "resolved the incident" in page


def test_light_agent_and_other_team_are_refused_changes(
    outage, client_for, lena, boris, alpha_ticket
):
    client_for(lena).post(f"/incidents/{outage.pk}/link/", {"numbers": str(alpha_ticket.pk)})
    client_for(boris).post(f"/incidents/{outage.pk}/link/", {"numbers": str(alpha_ticket.pk)})
    client_for(lena).post(f"/incidents/{outage.pk}/broadcast/", {"body": "hi"})
    assert not IncidentTicket.objects.exists() and not outage.broadcasts.exists()
    # From the ticket page: Boris cannot see Alpha's ticket at all.
    url = f"/incidents/tickets/{alpha_ticket.pk}/link/"
    assert client_for(boris).post(url, {"incident": outage.pk}).status_code == 404
    assert not IncidentTicket.objects.exists()


def test_ticket_panel_links_to_an_open_incident(outage, client_for, anna, alpha_ticket, rf):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opora.incidents.ticket_panel import panel

    page = client_for(anna).get(f"/desk/tickets/{alpha_ticket.pk}/").content.decode()
    assert "Link to incident" in page
    client_for(anna).post(
        f"/incidents/tickets/{alpha_ticket.pk}/link/", {"incident": outage.pk}, follow=True
    )
    assert IncidentTicket.objects.filter(incident=outage, ticket=alpha_ticket).exists()
    request = rf.get("/")
    request.user = anna
    with CaptureQueriesContext(connection) as queries:
        context = panel(request, alpha_ticket)
    assert len(queries) == 1 and context["linked"] == [outage] and context["open"] == []
    request.user = alpha_ticket.customer.user
    assert panel(request, alpha_ticket) is None


def test_banner_template_tag(outage):
    template = Template("{% load outage %}{% outage_banners %}")
    with translation.override("en"):
        html = template.render(Context({}))
    assert "Mail outage" in html and "We are on it" in html
    outage.is_public = False
    outage.save()
    assert "outage-banner" not in template.render(Context({}))


def test_api_incident_lifecycle(api_as, anna, alpha_ticket, django_capture_on_commit_callbacks):
    staff = api_as(anna)
    created = staff.post("/incidents", {"title": "Payments failing", "is_public": True})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert staff.patch(f"/incidents/{pk}", {"banner_title_en": "Payments"}).status_code == 200
    assert staff.patch(f"/incidents/{pk}", {"title": None}).status_code == 400
    for bare in ('"AAA"', "[1]", "7"):
        refused = staff.client.post(
            "/api/v1/incidents", bare, content_type="application/json", headers=staff.headers
        )
        assert refused.status_code in {400, 422}, bare
    assert Incident.objects.count() == 1
    linked = staff.post(f"/incidents/{pk}/tickets", {"ticket_ids": [alpha_ticket.pk, 99999]})
    assert linked.json() == {
        "linked": [alpha_ticket.pk],
        "already_linked": [],
        "not_found": [99999],
    }
    assert staff.get(f"/incidents/{pk}/tickets").json() == [alpha_ticket.pk]
    with django_capture_on_commit_callbacks(execute=True):
        sent = staff.post(f"/incidents/{pk}/broadcast", {"body": "We are on it"})
    assert sent.status_code == 202 and sent.json()["recipients"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        resolved = staff.post(
            f"/incidents/{pk}/resolve", {"message": "Fixed", "resolution_code": "third_party"}
        )
    assert resolved.json()["status"] == "resolved" and resolved.json()["ticket_count"] == 1
    kinds = [event["kind"] for event in staff.get(f"/incidents/{pk}/events").json()]
    assert kinds == ["opened", "updated", "linked", "broadcast", "resolved", "broadcast"]
    assert staff.get("/incidents", status="resolved").json()["count"] == 1
    assert staff.delete(f"/incidents/{pk}").status_code == 403  # not a manager
    assert staff.post(f"/incidents/{pk}/resolve", {"message": "again"}).status_code == 409


def test_api_refuses_customers_light_agents_and_other_teams(
    outage, api_as, carol, lena, boris, alpha_ticket, lead
):
    customer = api_as(carol.user)
    for method, path in (
        ("get", "/incidents"),
        ("get", f"/incidents/{outage.pk}"),
        ("get", f"/incidents/{outage.pk}/events"),
        ("get", f"/incidents/{outage.pk}/tickets"),
    ):
        assert getattr(customer, method)(path).status_code == 403, path
    assert customer.post("/incidents", {"title": "x"}).status_code == 403
    assert customer.post(f"/incidents/{outage.pk}/broadcast", {"body": "x"}).status_code == 403
    assert (
        api_as(lena)
        .post(f"/incidents/{outage.pk}/tickets", {"ticket_ids": [alpha_ticket.pk]})
        .status_code
        == 403
    )
    assert api_as(lena).post("/incidents", {"title": "x"}).status_code == 403
    refused = api_as(boris).post(
        f"/incidents/{outage.pk}/tickets", {"ticket_ids": [alpha_ticket.pk]}
    )
    assert refused.json()["not_found"] == [alpha_ticket.pk]
    assert (
        api_as(boris).delete(f"/incidents/{outage.pk}/tickets/{alpha_ticket.pk}").status_code == 400
    )
    assert api_as(None).get("/incidents").status_code == 401
    assert api_as(None).get("/incidents/banners").status_code == 401
    banners = customer.get("/incidents/banners")
    assert banners.status_code == 200 and len(banners.json()) == 1
    assert api_as(lead).delete(f"/incidents/{outage.pk}").status_code == 204
