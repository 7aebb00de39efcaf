"""A newcomer's path through the UI, in a real browser."""

import pytest

from opora.core.testing import PASSWORD
from opora.tickets.models import Message, Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_agent_finds_ticket_replies_and_switches_language(
    page_for, live_server, anna, carol, make_ticket
):
    ticket = make_ticket(carol, subject="Касса не печатает чеки")
    page = page_for("anna", PASSWORD)
    page.goto(f"{live_server.url}/desk/?view=all")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("text=My open tickets").is_visible()
    # Keyboard: j focuses the first row, Enter opens it.
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/desk/tickets/{ticket.pk}/")
    page.keyboard.press("r")
    page.keyboard.type("Проверьте, пожалуйста, бумагу в принтере.")
    with page.expect_navigation():
        page.click("form[action$='/reply/'] button[type=submit]")
    assert page.locator(".timeline >> text=Проверьте, пожалуйста, бумагу").is_visible()
    assert Message.objects.filter(ticket=ticket, author_user=anna).exists()
    with page.expect_navigation():
        page.select_option("select[name=language]", "ru")
    assert page.locator("text=Свойства").first.is_visible()


def test_customer_submits_a_request_in_the_portal(page_for, live_server, carol):
    page = page_for("carol", PASSWORD)
    page.goto(f"{live_server.url}/portal/tickets/new/")
    page.fill("#id_subject", "Не приходит письмо для сброса пароля")
    page.fill("#id_body", "Проверил папку «Спам» — пусто.")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    ticket = Ticket.objects.get()
    assert page.url.endswith(f"/portal/tickets/{ticket.pk}/")
    assert page.locator("text=Проверил папку «Спам» — пусто.").is_visible()


def test_stored_xss_in_subject_and_body_does_not_run(
    page_for, live_server, anna, carol, make_ticket
):
    make_ticket(
        carol,
        subject='<img src=x onerror="window.__xss=1">',
        body="<script>window.__xss=2</script>",
    )
    page = page_for("anna", PASSWORD)
    page.goto(f"{live_server.url}/desk/?view=all")
    with page.expect_navigation():
        page.click("table.list a >> nth=0")
    assert page.evaluate("window.__xss") is None
    assert page.locator("text=<script>window.__xss=2</script>").is_visible()
