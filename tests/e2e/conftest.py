"""Headless Chromium (Debian's package) driven by Playwright against Django's live server."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("OPORA_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("OPORA_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (OPORA_REQUIRE_BROWSER is set)")
        pytest.skip(
            f"Chromium not found at {CHROMIUM}; install Debian's chromium package to run UI tests"
        )
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page_for(browser, live_server):
    contexts = []

    def open_as(username: str, password: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield open_as
    for context in contexts:
        context.close()
