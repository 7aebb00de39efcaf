"""A mystery shopper fills the questionnaire on a phone-sized screen, in headless Chromium."""

import pytest

from opora.core.testing import PASSWORD
from opora.quality import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_shopper_fills_questionnaire_on_a_phone(
    browser, live_server, programme, scenario, store, wave, shopper, lead
):
    visit = services.assign_visit(lead, wave, store, scenario, shopper)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", shopper.user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/quality/shopper/")
        with page.expect_navigation():
            page.click(f"a[href$='/quality/shopper/visits/{visit.pk}/']")
        # Nothing wider than the phone: no sideways scrolling to reach an answer.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        first, second, third = programme.checklist.values_list("pk", flat=True)
        page.check(f"input[name=c_{first}][value='1']")
        page.check(f"input[name=c_{second}][value='4']")
        page.check(f"input[name=c_{third}][value=na]")
        page.fill("textarea[name=summary]", "Вежливо, но долго искали чек")
        with page.expect_navigation():
            page.click("form:has(textarea[name=summary]) button[type=submit]")
        assert page.locator("text=What went right").is_visible()
    finally:
        context.close()
    visit.refresh_from_db()
    # (1·1 + 2·0.8) / 3 = 86.67 %
    assert visit.status == "submitted" and visit.score == 86.67
