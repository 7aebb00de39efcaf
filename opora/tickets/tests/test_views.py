"""The agent workspace over HTTP: pages render, forms act through the services, lists stay cheap."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opora.tickets import services
from opora.tickets.models import (
    CannedResponse,
    LinkKind,
    MessageKind,
    SavedView,
    Status,
    Ticket,
    TicketLink,
)

pytestmark = pytest.mark.django_db


def test_ticket_list_views_and_filters(anna, carol, make_ticket, client_for):
    mine = make_ticket(carol, subject="Mine to fix")
    services.update_ticket(mine, services.Actor(user=anna), {"assignee": anna})
    make_ticket(carol, subject="Nobody's yet")
    client = client_for(anna)
    page = client.get("/desk/?view=my_open").content.decode()
    assert "Mine to fix" in page and "Nobody&#x27;s yet" not in page
    page = client.get("/desk/?view=unassigned").content.decode()
    assert "Nobody&#x27;s yet" in page and "Mine to fix" not in page
    page = client.get("/desk/?view=all&q=mine").content.decode()
    assert "Mine to fix" in page and "Nobody&#x27;s yet" not in page
    page = client.get(f"/desk/?view=all&q=%23{mine.pk}").content.decode()
    assert "Mine to fix" in page


def test_htmx_filter_returns_only_rows(anna, carol, make_ticket, client_for):
    make_ticket(carol)
    response = client_for(anna).get(
        "/desk/?view=all", headers={"HX-Request": "true", "HX-Target": "ticket-rows"}
    )
    html = response.content.decode()
    assert "<table" in html and "<html" not in html


def test_ticket_list_query_count_is_constant(lead, carol, make_ticket, client_for):
    client = client_for(lead)
    make_ticket(carol, tags=["x"])
    with CaptureQueriesContext(connection) as few:
        assert client.get("/desk/?view=all").status_code == 200
    for index in range(20):
        make_ticket(carol, subject=f"row {index}", tags=["x", "y"])
    with CaptureQueriesContext(connection) as many:
        assert client.get("/desk/?view=all").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_ticket_detail_query_count_is_constant(lead, carol, make_ticket, client_for):
    ticket = make_ticket(carol)
    client = client_for(lead)
    client.get(f"/desk/tickets/{ticket.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/desk/tickets/{ticket.pk}/")
    for index in range(10):
        services.add_message(ticket, services.Actor(user=lead), f"reply {index}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/desk/tickets/{ticket.pk}/").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_reply_and_note_from_the_composer(anna, carol, make_ticket, client_for):
    ticket = make_ticket(carol)
    client = client_for(anna)
    client.post(
        f"/desk/tickets/{ticket.pk}/reply/",
        {"body": "Мы разбираемся", "kind": "reply", "status_after": "pending"},
    )
    client.post(f"/desk/tickets/{ticket.pk}/reply/", {"body": "Внутренняя заметка", "kind": "note"})
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert list(ticket.messages.values_list("kind", flat=True)) == [
        MessageKind.REPLY,
        MessageKind.REPLY,
        MessageKind.NOTE,
    ]
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Мы разбираемся" in page and "Внутренняя заметка" in page


def test_properties_form_goes_through_audited_service(anna, carol, make_ticket, client_for):
    ticket = make_ticket(carol)
    response = client_for(anna).post(
        f"/desk/tickets/{ticket.pk}/update/",
        {
            "status": "open",
            "priority": "high",
            "type": "question",
            "team": ticket.team_id,
            "tags": "a, b",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == "high" and sorted(t.name for t in ticket.tags.all()) == ["a", "b"]
    assert ticket.audit_events.filter(field="priority", actor=anna).exists()


def test_properties_form_sets_collaborators_and_custom_fields(
    anna, lead, carol, make_ticket, client_for
):
    from opora.tickets.models import CustomField, CustomFieldKind

    CustomField.objects.create(
        key="plan", name="Тариф", kind=CustomFieldKind.CHOICE, choices=["basic", "pro"]
    )
    ticket = make_ticket(carol)
    form = {
        "status": "open",
        "priority": "normal",
        "type": "question",
        "team": ticket.team_id,
        "collaborators": [lead.pk],
        "custom__plan": "pro",
    }
    client_for(anna).post(f"/desk/tickets/{ticket.pk}/update/", form)
    ticket.refresh_from_db()
    assert list(ticket.collaborators.all()) == [lead]
    assert ticket.custom_fields == {"plan": "pro"}
    assert ticket.audit_events.filter(field="collaborators", new_value="Lead").exists()
    assert (
        'value="pro" selected'
        in client_for(anna).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    )


def test_invalid_transition_in_form_shows_message_and_changes_nothing(
    anna, carol, make_ticket, client_for
):
    ticket = make_ticket(carol)
    response = client_for(anna).post(
        f"/desk/tickets/{ticket.pk}/update/",
        {"status": "closed", "priority": "high", "type": "question", "team": ticket.team_id},
        follow=True,
    )
    assert "cannot go from" in response.content.decode() or "не может" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.priority == "normal"


def test_bulk_update(anna, carol, make_ticket, client_for):
    first, second = make_ticket(carol), make_ticket(carol)
    client_for(anna).post(
        "/desk/bulk/",
        {"ids": f"{first.pk},{second.pk}", "priority": "urgent", "assign_to_me": "on"},
    )
    assert set(Ticket.objects.values_list("priority", "assignee")) == {("urgent", anna.pk)}


def test_saved_view(anna, client_for):
    client_for(anna).post(
        "/desk/views/save/", {"name": "Срочные", "query": "view=all&priority=urgent"}
    )
    assert SavedView.objects.get(owner=anna).query == "view=all&priority=urgent"


def test_canned_response_fills_placeholders(anna, carol, make_ticket, client_for):
    ticket = make_ticket(carol)
    canned = CannedResponse.objects.create(
        title="Hi", body="Здравствуйте, {{ customer.first_name }}! Заявка #{{ ticket.number }}."
    )
    text = client_for(anna).get(f"/desk/tickets/{ticket.pk}/canned/{canned.pk}/").content.decode()
    assert text == f"Здравствуйте, Carol! Заявка #{ticket.pk}."


def test_agent_logs_a_phone_contact(anna, carol, client_for):
    response = client_for(anna).post(
        "/desk/tickets/new/",
        {
            "customer": carol.pk,
            "subject": "Звонок: не работает касса",
            "body": "Клиент позвонил",
            "channel": "phone",
            "priority": "high",
            "type": "incident",
        },
    )
    ticket = Ticket.objects.get()
    assert response.url == f"/desk/tickets/{ticket.pk}/"
    assert ticket.channel == "phone" and ticket.assignee == anna
    assert ticket.messages.get().author_user == anna


def test_escalate_merge_link_split_over_http(anna, carol, make_ticket, client_for, team_beta):
    client = client_for(anna)
    a, b = make_ticket(carol), make_ticket(carol)
    client.post(f"/desk/tickets/{a.pk}/link/", {"target": b.pk})
    assert TicketLink.objects.filter(source=a, target=b, kind=LinkKind.RELATED).exists()
    second = services.add_message(b, services.Actor(customer=carol), "И ещё вопрос про счёт")
    client.post(f"/desk/tickets/{b.pk}/split/{second.pk}/", {"subject": "Вопрос про счёт"})
    assert Ticket.objects.filter(subject="Вопрос про счёт").exists()
    client.post(f"/desk/tickets/{a.pk}/merge/", {"target": b.pk})
    a.refresh_from_db()
    assert a.merged_into == b
    response = client.post(
        f"/desk/tickets/{b.pk}/escalate/", {"team": team_beta.pk, "note": "Нужен инженер"}
    )
    b.refresh_from_db()
    assert b.team == team_beta
    # Anna was not the owner, so after escalating out of her team she no longer sees it.
    assert response.url == "/desk/"


def test_collision_notice_shows_the_other_agent(anna, lead, carol, make_ticket, client_for):
    ticket = make_ticket(carol)
    client_for(lead).get(f"/desk/tickets/{ticket.pk}/")
    fragment = client_for(anna).get(f"/desk/tickets/{ticket.pk}/presence/").content.decode()
    assert "Lead" in fragment


def test_customer_page_shows_all_contacts(anna, carol, make_ticket, client_for):
    make_ticket(carol, subject="По почте", channel="email")
    make_ticket(carol, subject="По телефону", channel="phone")
    page = client_for(anna).get(f"/desk/customers/{carol.pk}/").content.decode()
    assert "По почте" in page and "По телефону" in page


def test_pages_render_in_russian_and_english(anna, client_for):
    client = client_for(anna)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/desk/"})
    assert "Мои открытые" in client.get("/desk/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/desk/"})
    assert "My open tickets" in client.get("/desk/").content.decode()


def test_overdue_view_lists_tickets_past_an_sla_target(anna, carol, make_ticket, client_for):
    from datetime import timedelta

    from django.utils import timezone

    late = make_ticket(carol, subject="Past its promise")
    on_time = make_ticket(carol, subject="Still within its promise")
    late.sla_targets.update(due_at=timezone.now() - timedelta(minutes=5))
    page = client_for(anna).get("/desk/?view=overdue").content.decode()
    assert "Past its promise" in page and "Still within its promise" not in page
    assert on_time.sla_targets.exists()  # both have clocks; only one is late


def test_customer_list_page_query_count_is_constant(anna, client_for):
    from opora.customers.models import Customer, Organisation

    client = client_for(anna)
    Customer.objects.create(
        name="First", email="first@example.com", organisation=Organisation.objects.create(name="O")
    )
    client.get("/desk/customers/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/desk/customers/").status_code == 200
    for index in range(20):
        Customer.objects.create(
            name=f"Person {index}",
            email=f"p{index}@example.com",
            organisation=Organisation.objects.create(name=f"Org {index}"),
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get("/desk/customers/").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
