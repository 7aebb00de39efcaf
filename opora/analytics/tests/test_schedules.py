"""Scheduled e-mail reports: real Django mail (locmem outbox), the XLSX read back with openpyxl."""

import io
from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from opora.analytics import schedules
from opora.analytics.models import ScheduledReport
from opora.analytics.tasks import send_due_reports
from opora.core.errors import Forbidden, InvalidInput
from opora.tickets.models import Channel

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 9)  # the report covers the 7 days before: 2–8 March


@pytest.fixture(autouse=True)
def _immediate_tasks_and_locmem_mail(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def workbook_rows(message) -> list[list]:
    ((filename, content, mimetype),) = message.attachments
    assert filename.endswith(".xlsx")
    assert mimetype.startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_weekly_summary_is_mailed_once_with_the_figures(desk, lead, frozen_now):
    lead.language = "en"
    lead.save()
    report = schedules.create_schedule(
        lead,
        name="Weekly",
        kind="summary",
        frequency="weekly",
        recipients=["Boss@Example.com", "boss@example.com", "ops@example.com"],
        filters={},
    )
    assert report.recipients == ["boss@example.com", "ops@example.com"]
    assert send_due_reports() == 1  # NOW is Monday 9 March
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["boss@example.com", "ops@example.com"]
    assert "Weekly" in message.subject
    rows = workbook_rows(message)
    assert rows[0] == ["Figure", "This period", "Previous period", "Change", "Change, %"]
    figures = {row[0]: row[1:] for row in rows[1:]}
    # The hand-computed desk: 5 new tickets (1 before), 3 solved.
    assert figures["New tickets"][:2] == [5, 1]
    assert figures["Solved tickets"][0] == 3
    # Running again the same day sends nothing more.
    assert send_due_reports() == 0
    assert schedules.send_report(report.pk, MONDAY) is False
    assert len(mail.outbox) == 1
    report.refresh_from_db()
    assert report.last_sent_on == MONDAY


def test_a_report_is_computed_with_its_owners_scope(desk, anna, frozen_now):
    """In the owner's language, too (Anna reads Russian, the default)."""
    report = schedules.create_schedule(
        anna,
        name="Mine",
        kind="volume",
        frequency="daily",
        recipients=["a@example.com"],
        filters={},
    )
    call_command("analytics_reports")
    rows = workbook_rows(mail.outbox[0])
    # Anna's tickets only: T1 e-mail, T2 chat, T5 web (not Beta's T3 and T4).
    with translation.override("ru"):
        expected = sorted(
            [str(Channel.EMAIL.label), str(Channel.CHAT.label), str(Channel.WEB.label)]
        )
    assert sorted(row[0] for row in rows[1:]) == expected
    assert [row[1] for row in rows[1:]] == [1, 1, 1]
    report.refresh_from_db()
    assert report.last_sent_on == MONDAY


def test_weekly_reports_wait_for_monday_and_inactive_ones_never_go(lead):
    weekly = ScheduledReport(owner=lead, name="w", kind="summary", frequency="weekly")
    assert schedules.is_due(weekly, date(2026, 3, 9))
    assert not schedules.is_due(weekly, date(2026, 3, 10))
    weekly.is_active = False
    assert not schedules.is_due(weekly, date(2026, 3, 9))


def test_a_report_stops_when_its_owner_is_no_longer_staff(desk, anna, frozen_now):
    report = schedules.create_schedule(
        anna, name="Mine", kind="csat", frequency="daily", recipients=["a@example.com"], filters={}
    )
    anna.role = "customer"
    anna.save()
    assert schedules.send_report(report.pk, MONDAY) is False
    assert mail.outbox == []
    report.refresh_from_db()
    assert report.is_active is False


def test_bad_schedules_are_refused_with_reasons(lead, carol):
    with pytest.raises(InvalidInput) as error:
        schedules.create_schedule(
            lead,
            name="",
            kind="pie",
            frequency="hourly",
            recipients=["not-an-address"],
            filters={"channel": "fax"},
            period_days=0,
        )
    assert set(error.value.fields) == {
        "name",
        "kind",
        "frequency",
        "recipients",
        "filters",
        "period_days",
    }
    with pytest.raises(Forbidden):
        schedules.create_schedule(
            carol.user,
            name="x",
            kind="summary",
            frequency="daily",
            recipients=["a@b.c"],
            filters={},
        )
    assert not ScheduledReport.objects.exists()


def test_the_schedules_page_creates_and_lists(client_for, lead, anna):
    response = client_for(anna).post(
        "/analytics/schedules/",
        {
            "name": "Daily volume",
            "kind": "volume",
            "frequency": "daily",
            "recipients": "a@example.com; b@example.com",
            "period_days": "1",
        },
    )
    assert response.status_code == 302
    report = ScheduledReport.objects.get()
    assert (report.owner, report.recipients) == (anna, ["a@example.com", "b@example.com"])
    # The manager sees every schedule; another agent's list is their own.
    assert list(client_for(lead).get("/analytics/schedules/").context["schedules"]) == [report]
    bad = client_for(anna).post("/analytics/schedules/", {"name": "x", "kind": "volume"})
    assert bad.status_code == 200
    assert ScheduledReport.objects.count() == 1
