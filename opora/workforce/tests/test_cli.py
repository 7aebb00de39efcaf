"""`opora wfm forecast|staff|schedule`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from opora.workforce.models import ForecastRun

pytestmark = pytest.mark.django_db


def wfm(*args: str) -> str:
    out = StringIO()
    call_command("wfm", *args, stdout=out)
    return out.getvalue()


def test_forecast_table_and_saved_run(six_weeks_of_contacts):
    output = wfm("forecast", "--weeks", "2", "--interval", "60", "--channel", "email", "--save")
    assert "seasonal-naive" in output and "WAPE" in output
    assert ForecastRun.objects.get().intervals.count() == 2 * 7 * 24


def test_staff_csv(six_weeks_of_contacts):
    lines = wfm("staff", "--interval", "30", "--csv", "--service-level", "90").splitlines()
    assert lines[0] == "starts_at,forecast,lower,upper,traffic_erlangs,agents_on_phones,paid_agents"
    assert len(lines) == 1 + 7 * 48


def test_schedule_prints_roster_gaps_and_budget(anna, six_weeks_of_contacts):
    output = wfm("schedule", "--interval", "60", "--time-limit", "1")
    assert "Anna" in output and "cost_per_week" in output


def test_schedule_budget_csv(anna, six_weeks_of_contacts):
    lines = wfm("schedule", "--interval", "60", "--time-limit", "1", "--csv").splitlines()
    assert lines[0].startswith("line,") and lines[1].startswith("Anna,")


def test_short_history_is_a_command_error(place_tickets):
    with pytest.raises(CommandError, match="weeks of contact history"):
        wfm("staff")
