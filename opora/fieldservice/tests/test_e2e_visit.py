"""A technician records a visit on a phone-sized screen, with a signature drawn by finger."""

import pytest

from opora.core.testing import PASSWORD
from opora.fieldservice import services
from opora.fieldservice.models import WorkOrderStatus
from opora.tickets.models import Status

from .conftest import MONDAY

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_technician_completes_a_visit_with_a_drawn_signature(
    browser, live_server, repair_ticket, lead, moscow, printers, make_technician
):
    technician = make_technician("pavel", moscow, [printers])
    order = services.create_work_order(
        repair_ticket,
        lead,
        services.NewWorkOrder("repair", "Replace the fuser", moscow, "Tverskaya 1", [printers]),
    )
    order = services.book(order, lead, technician, MONDAY.replace(hour=9), now=MONDAY)
    services.record_arrival(order, technician.user)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "pavel")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/field/{order.pk}/visit/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.fill("textarea[name=work_done]", "Fuser replaced, test page printed")
        page.locator("input[name=part_name]").first.fill("Fuser unit")
        page.fill("input[name=signed_by]", "Carol")
        pad = page.locator("#signature-pad")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        page.mouse.move(box["x"] + 20, box["y"] + 30)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 30 + (step % 3) * 25)
        page.mouse.up()
        with page.expect_navigation():
            page.click("form#completion button[type=submit]")
        shown = page.locator("ul.messages").all_inner_texts()
    finally:
        context.close()
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.COMPLETED and not order.customer_confirmed, shown
    assert order.signature.startswith("data:image/png;base64,") and len(order.signature) > 200
    assert order.parts.get().name == "Fuser unit"
    repair_ticket.refresh_from_db()
    assert repair_ticket.status == Status.SOLVED
