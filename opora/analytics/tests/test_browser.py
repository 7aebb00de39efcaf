"""The manager dashboard in a real browser: Chart.js (served locally) draws the charts."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dashboard_draws_its_chart_and_drills_down(browser, live_server, lead, erin, make_ticket):
    make_ticket(erin, subject="Счёт не пришёл")
    client = Client()
    client.force_login(lead)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(60_000)  # the shared machine is slow while other suites run
    try:
        page.goto(f"{live_server.url}/analytics/?days=7", wait_until="domcontentloaded")
        page.wait_for_selector("canvas[data-drawn='1']", state="attached")
        assert page.evaluate("typeof Chart") == "function"
        page.screenshot(path="/tmp/analytics-dashboard.png", full_page=True)
        page.click("#headlines tr[data-key=created] a", no_wait_after=True)
        page.wait_for_selector("text=Счёт не пришёл")
    finally:
        context.close()
