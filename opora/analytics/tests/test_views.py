"""The pages, exports and API: each reader gets their scope, and forbidden readers are refused."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from opora.accounts.models import Role
from opora.core.testing import make_user

pytestmark = pytest.mark.django_db

PERIOD = "since=2026-03-02&until=2026-03-08"
PAGES = [
    reverse("analytics:dashboard"),
    reverse("analytics:product"),
    reverse("analytics:tickets"),
    reverse("analytics:schedules"),
    reverse("analytics:export", args=["summary", "csv"]),
    reverse("analytics:export", args=["volume", "xlsx"]),
    reverse("analytics:export", args=["csat", "csv"]),
    reverse("analytics:export", args=["reasons", "xlsx"]),
]
API = [
    "/analytics/summary",
    "/analytics/operations",
    "/analytics/volume",
    "/analytics/csat",
    "/analytics/reasons",
    "/analytics/impact?changed_on=2026-03-05",
    "/analytics/tickets",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_refuse_customers_and_anonymous(url, client, client_for, carol):
    assert client.get(url).status_code == 302  # to the login page
    assert client_for(carol.user).get(url).status_code == 403
    assert client_for(carol.user).post(url).status_code in {403, 405}


def test_deleting_a_schedule_is_refused_to_customers_and_other_agents(
    client_for, carol, anna, boris
):
    from opora.analytics import schedules

    report = schedules.create_schedule(
        anna,
        name="Mine",
        kind="summary",
        frequency="daily",
        recipients=["a@example.com"],
        filters={},
    )
    url = reverse("analytics:schedule_delete", args=[report.pk])
    assert client_for(carol.user).post(url).status_code == 403
    assert client_for(boris).post(url).status_code == 404
    assert client_for(boris).get(url).status_code == 405
    assert client_for(anna).post(url).status_code == 302
    assert not type(report).objects.exists()


@pytest.mark.parametrize("path", API)
def test_api_refuses_customers_and_anonymous(path, api_as, carol):
    assert api_as(None).get(path).status_code == 401
    response = api_as(carol.user).get(path)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_manager_dashboard_shows_hand_computed_figures(
    desk, client_for, lead, django_assert_max_num_queries
):
    client = client_for(lead)
    with django_assert_max_num_queries(60):
        response = client.get(f"/analytics/?{PERIOD}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "analytics/vendor/chart.umd.min.js" in page
    headlines = {row.key: row.change for row in response.context["headlines"]}
    assert (headlines["created"].current, headlines["solved"].current) == (5, 3)
    assert next((row.label, row.count) for row in response.context["by_channel"]) == ("E-mail", 2)
    # Every figure links to the tickets behind it, with the same filters.
    assert "/analytics/tickets/?since=2026-03-02&amp;until=2026-03-08&metric=fcr" in page


def test_agent_dashboard_is_their_own(desk, client_for, anna):
    response = client_for(anna).get(f"/analytics/?{PERIOD}")
    assert response.status_code == 200
    headlines = {row.key: row.change.current for row in response.context["headlines"]}
    assert headlines["created"] == 3  # T1, T2, T5
    assert "contacts_per_1000" not in headlines
    assert "csat" not in response.context  # per-agent CSAT tables are for leads and managers
    # Her queue: T5 pending.
    assert response.context["my_queue"] == [("Pending customer", "pending", 1)]


def test_drill_down_never_shows_tickets_outside_the_scope(desk, client_for, anna, boris):
    page = client_for(anna).get(
        f"/analytics/tickets/?{PERIOD}&metric=created&team={desk['T3'].team_id}"
    )
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 0  # Beta's tickets are not Anna's
    page = client_for(boris).get(f"/analytics/tickets/?{PERIOD}&metric=created")
    assert sorted(ticket.subject for ticket in page.context["page"]) == ["T3"]  # T4 has no assignee


def test_bad_filters_are_reported_not_crashing(desk, client_for, lead):
    response = client_for(lead).get("/analytics/?since=yesterday")
    assert response.status_code == 200
    assert "is not a date" in response.content.decode()
    assert client_for(lead).get("/analytics/export/summary/pdf/").status_code == 400
    assert client_for(lead).get("/analytics/export/nonsense/csv/").status_code == 400


def test_csv_and_xlsx_exports_hold_the_figures(desk, client_for, lead):
    client = client_for(lead)
    response = client.get(f"/analytics/export/volume/csv/?{PERIOD}&by=channel")
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="opora-volume-2026-03-02-2026-03-08.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Group", "Tickets"]
    assert ["E-mail", "2"] in rows
    response = client.get(f"/analytics/export/csat/xlsx/?{PERIOD}&by=agent")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ["Group", "Responses", "CSAT, %"]
    assert values[1][:3] == ["Anna", 2, 100.0]


def test_api_figures_match_the_pages(desk, api_as, lead, anna):
    summary = api_as(lead).get("/analytics/summary", since="2026-03-02", until="2026-03-08").json()
    figures = {row["key"]: row for row in summary["figures"]}
    assert figures["created"]["current"] == 5
    assert figures["created"]["previous"] == 1
    assert summary["period"]["previous_since"] == "2026-02-23"
    operations = (
        api_as(lead).get("/analytics/operations", since="2026-03-02", until="2026-03-08").json()
    )
    assert operations["first_response_seconds"]["median"] == pytest.approx(1200)
    assert operations["chat"]["abandonment_percent"] == 50
    volume = (
        api_as(anna)
        .get("/analytics/volume", since="2026-03-02", until="2026-03-08", by="channel")
        .json()
    )
    assert {row["key"]: row["count"] for row in volume} == {"email": 1, "chat": 1, "web": 1}
    drill = (
        api_as(anna)
        .get("/analytics/tickets", since="2026-03-02", until="2026-03-08", metric="created")
        .json()
    )
    assert drill["count"] == 3


def test_api_validates_its_parameters(desk, api_as, lead):
    client = api_as(lead)
    assert client.get("/analytics/volume", by="colour").status_code == 422
    assert client.get("/analytics/summary", sinse="2026-03-01").status_code == 400
    assert (
        client.get("/analytics/summary", since="2026-03-09", until="2026-03-01").status_code == 400
    )
    assert client.get("/analytics/impact", changed_on="2026-02-30").status_code == 400


def test_a_team_lead_sees_only_their_teams_in_the_api(desk, api_as, team_beta):
    boss = make_user("beta_lead", Role.AGENT)
    team_beta.lead = boss
    team_beta.save()
    team_beta.members.add(boss)
    volume = (
        api_as(boss)
        .get("/analytics/volume", since="2026-03-02", until="2026-03-08", by="team")
        .json()
    )
    assert [(row["label"], row["count"]) for row in volume] == [("Beta", 2)]


def test_product_page_shows_the_improvement_effect(desk, client_for, lead):
    response = client_for(lead).get(f"/analytics/product/?{PERIOD}&changed_on=2026-03-05&window=3")
    assert response.status_code == 200
    # All tickets: before 2–4 March T1, T2, T3 (1/day); after 5–7 March T4, T5 → 3 − 2 = 1.
    assert response.context["effect"].impact.avoided == 1
