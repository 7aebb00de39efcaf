"""The SLA panel on the ticket page and the admin forms.

Calendar "Moscow office" (Mon-Fri 09:00-18:00 Europe/Moscow, Russian holidays); "now" is
Monday 2 March 2026, 10:00 Moscow.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opora.sla.models import SlaPolicy
from opora.sla.scheduler import run_pass
from opora.sla.templatetags.sla import format_minutes
from opora.tickets import services

from .conftest import msk

pytestmark = pytest.mark.django_db


def test_panel_shows_business_time_left_and_due_time_in_the_viewers_zone(
    make_policy, office_calendar, frozen_now, make_ticket, carol, lead, client_for
):
    make_policy("Office", first_response_minutes=240, calendar=office_calendar)
    frozen_now.set(msk(2, 16))  # Monday 16:00: due Tuesday 11:00
    ticket = make_ticket(carol)
    lead.time_zone = "Asia/Vladivostok"  # UTC+10, seven hours ahead of Moscow
    lead.language = "en"
    lead.save()
    frozen_now.set(msk(2, 17, 45))
    page = (
        client_for(lead)
        .get(f"/desk/tickets/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert 'id="sla"' in page
    assert "2 h 15 min left" in page  # 15 minutes today, two hours on Tuesday
    assert "3 Mar 18:00" in page and "Asia/Vladivostok" in page


def test_panel_shows_overdue_and_met_late(
    make_policy, frozen_now, make_ticket, carol, lead, anna, client_for
):
    make_policy("One hour", first_response_minutes=60)  # calendar time
    ticket = make_ticket(carol)
    frozen_now.set(msk(2, 11, 40))
    run_pass()
    client = client_for(lead)

    def panel() -> str:
        page = client.get(f"/desk/tickets/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        return page.content.decode().split('id="sla"')[1].split("</aside>")[0]

    assert "overdue by 40 min" in panel() and "priority-urgent" in panel()
    services.add_message(ticket, services.Actor(user=anna), "Sorry")
    assert "met late" in panel()


def test_panel_costs_one_query_however_many_targets(
    make_policy, frozen_now, make_ticket, carol, lead, client_for
):
    make_policy(
        "Replies", first_response_minutes=60, next_response_minutes=60, resolution_minutes=600
    )
    ticket = make_ticket(carol)
    client = client_for(lead)
    client.get(f"/desk/tickets/{ticket.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/desk/tickets/{ticket.pk}/")
    for index in range(5):
        services.add_message(ticket, services.Actor(user=lead), f"reply {index}")
        services.add_message(ticket, services.Actor(customer=carol), f"question {index}")
    with CaptureQueriesContext(connection) as many:
        client.get(f"/desk/tickets/{ticket.pk}/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_format_minutes():
    assert [format_minutes(m) for m in (0, 40, 60, 135, 1500.4)] == [
        "0 min",
        "40 min",
        "1 h",
        "2 h 15 min",
        "25 h",
    ]


def test_admin_names_the_bad_field(admin_user, client_for):
    response = client_for(admin_user).post(
        "/admin/sla/slapolicy/add/",
        {
            "name": "Broken",
            "position": 0,
            "is_active": "on",
            "conditions": '{"priorities": ["hgh"]}',
            "warning_threshold_percent": 80,
            "notify_on_breach": "on",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "priorities.0" in errors["conditions"][0]
    assert "first_response_minutes" in errors
    assert not SlaPolicy.objects.exists()
