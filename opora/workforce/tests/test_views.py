"""The workforce pages: who may open them, and what they show on a small history."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from opora.workforce import views
from opora.workforce.models import ForecastInterval, ForecastRun
from opora.workforce.planning import planning_zone
from opora.workforce.tracking import fill_actuals, recent_runs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_solves(monkeypatch):
    monkeypatch.setattr(views, "ROSTER_TIME_LIMIT_SECONDS", 2.0)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/workforce/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_customers_and_agents_are_refused_what_is_not_theirs(client_for, carol, anna):
    assert client_for(carol.user).get("/workforce/").status_code == 403
    agent = client_for(anna)
    assert agent.get("/workforce/roster/").status_code == 403
    assert agent.get("/workforce/budget.csv").status_code == 403
    assert agent.post("/workforce/save/", {"query": ""}).status_code == 403


def test_short_history_explains_itself(client_for, anna, place_tickets):
    place_tickets([timezone.now() - timedelta(days=2)])
    response = client_for(anna).get("/workforce/")
    assert response.status_code == 200
    assert "weeks of contact history" in response.content.decode()


def test_staff_see_forecast_accuracy_and_requirement(client_for, anna, six_weeks_of_contacts):
    response = client_for(anna).get("/workforce/", {"interval": 60, "channel": "email"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "seasonal-naive" in page and page.count("<svg") == 3
    rows = response.context["requirement_rows"]
    assert len(rows) == 7 * 24
    # E-mails come at 10:00-11:00 every day; the forecast puts them there.
    assert rows[10].forecast == pytest.approx(2.0, abs=0.3) and rows[3].forecast < 0.1


def test_requirement_csv(client_for, anna, six_weeks_of_contacts):
    response = client_for(anna).get("/workforce/requirement.csv", {"interval": 30})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("starts_at,forecast") and len(lines) == 1 + 7 * 48


def test_manager_builds_roster_and_budget(client_for, lead, anna, boris, six_weeks_of_contacts):
    response = client_for(lead).get("/workforce/roster/", {"interval": 60})
    assert response.status_code == 200
    plan = response.context["plan"]
    assert {row.agent for row in response.context["roster_rows"]} == {"Anna", "Boris"}
    # Two agents cannot staff a week around the clock: the gaps are named.
    assert response.context["gaps"] and 0 < plan.roster.coverage < 1
    budget = client_for(lead).get("/workforce/budget.csv", {"interval": 60}).content.decode()
    assert budget.splitlines()[0].startswith("line,paid_hours_per_week")
    assert "Total" in budget


def test_saved_forecast_is_compared_with_actuals(client_for, lead, six_weeks_of_contacts):
    response = client_for(lead).post("/workforce/save/", {"query": "interval=60"})
    assert response.status_code == 302 and response.url == "/workforce/?interval=60"
    run = ForecastRun.objects.get()
    assert run.intervals.count() == 7 * 24 and run.model_name
    assert recent_runs()[0].wape_so_far is None


def test_fill_actuals_records_what_happened(place_tickets):
    start = datetime(2025, 3, 3, 9, tzinfo=planning_zone())
    run = ForecastRun.objects.create(interval_minutes=60, model_name="test")
    ForecastInterval.objects.bulk_create(
        ForecastInterval(
            run=run, starts_at=start + timedelta(hours=h), forecast=2, lower=0, upper=4
        )
        for h in range(3)
    )
    place_tickets(
        [start + timedelta(minutes=5), start + timedelta(minutes=50), start + timedelta(hours=1)]
    )
    assert fill_actuals(run, now=start + timedelta(hours=2)) == 2
    assert list(run.intervals.values_list("actual", flat=True)) == [2.0, 1.0, None]
    (summary,) = recent_runs()
    assert summary.wape_so_far == pytest.approx((0 + 1) / 3)
