"""Pytest fixtures for a small, fully-formed help desk.

Two first-line agents (anna in team Alpha, boris in team Beta), a light agent, a lead, an admin,
and customers: carol and dave at Acme (which shares tickets), erin on her own."""

import base64
import os
import shutil
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from opora.accounts.models import ApiToken, Role, SupportLine, Team, User
from opora.customers.models import Customer, Organisation
from opora.tickets import services
from opora.tickets.models import Channel, Ticket

PASSWORD = "correct-horse-battery"


def make_user(username: str, role: str, **extra) -> User:
    user = User(
        username=username,
        email=f"{username}@example.com",
        first_name=username.title(),
        role=role,
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read English; tests about Russian switch the language themselves."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached settings must not leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def team_alpha(db) -> Team:
    return Team.objects.create(name="Alpha", line=SupportLine.FIRST, is_default=True)


@pytest.fixture
def team_beta(db) -> Team:
    return Team.objects.create(name="Beta", line=SupportLine.SECOND)


@pytest.fixture
def anna(team_alpha) -> User:
    user = make_user("anna", Role.AGENT)
    team_alpha.members.add(user)
    return user


@pytest.fixture
def boris(team_beta) -> User:
    user = make_user("boris", Role.AGENT)
    team_beta.members.add(user)
    return user


@pytest.fixture
def lena(team_alpha) -> User:
    """A light agent in Alpha: reads and adds notes, never replies to customers."""
    user = make_user("lena", Role.LIGHT_AGENT)
    team_alpha.members.add(user)
    return user


@pytest.fixture
def lead(db) -> User:
    return make_user("lead", Role.MANAGER, is_staff=True)


@pytest.fixture
def admin_user(db) -> User:
    return make_user("root", Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def acme(db) -> Organisation:
    return Organisation.objects.create(name="Acme", shared_tickets=True)


def make_customer(
    name: str, organisation: Organisation | None = None, *, with_login: bool = True
) -> Customer:
    user = make_user(name, Role.CUSTOMER) if with_login else None
    return Customer.objects.create(
        name=name.title(), email=f"{name}@example.com", organisation=organisation, user=user
    )


@pytest.fixture
def carol(acme) -> Customer:
    return make_customer("carol", acme)


@pytest.fixture
def dave(acme) -> Customer:
    return make_customer("dave", acme)


@pytest.fixture
def erin(db) -> Customer:
    return make_customer("erin")


@pytest.fixture
def make_ticket(team_alpha) -> Callable[..., Ticket]:
    def factory(customer: Customer, subject: str = "Printer is on fire", **fields) -> Ticket:
        body = fields.pop("body", "It started this morning.")
        data = services.NewTicket(
            customer=customer,
            subject=subject,
            body=body,
            channel=fields.pop("channel", Channel.EMAIL),
            **fields,
        )
        return services.create_ticket(data, services.Actor(customer=customer, via="test"))

    return factory


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


class ApiClient:
    """A test client that speaks to /api/v1/ with a bearer token."""

    def __init__(self, user: User | None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _token, raw = ApiToken.issue(user, "test")
            self.headers = {"Authorization": f"Bearer {raw}"}

    def _call(self, method: str, path: str, payload=None, **params):
        call = getattr(self.client, method)
        url = f"/api/v1{path}"
        if method in {"post", "patch", "put"}:
            return call(url, payload or {}, content_type="application/json", headers=self.headers)
        return call(url, params, headers=self.headers)

    def get(self, path: str, **params):
        return self._call("get", path, **params)

    def post(self, path: str, payload=None):
        return self._call("post", path, payload)

    def patch(self, path: str, payload=None):
        return self._call("patch", path, payload)

    def delete(self, path: str):
        return self._call("delete", path)


@pytest.fixture
def api_as(db) -> Callable[[User | None], ApiClient]:
    return ApiClient


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# ---------------------------------------------------------------- headless Chromium

CHROMIUM = os.environ.get("OPORA_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright. Module-scoped on purpose: Playwright's sync API
    keeps an event loop running in this thread while it is open, which would break every async
    test (the chat consumers) that runs after it in the same session."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("OPORA_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (OPORA_REQUIRE_BROWSER is set)")
        pytest.skip(
            f"Chromium not found at {CHROMIUM}; install Debian's chromium package to run UI tests"
        )
    from playwright.sync_api import sync_playwright

    # The loop Playwright runs in this thread makes Django refuse sync ORM calls; the test's
    # own ORM calls are still synchronous, so allow them while the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
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
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page_for(browser, live_server):
    """Log in through the real login page and return the page."""
    contexts = []

    def open_as(username: str, password: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield open_as
    for context in contexts:
        context.close()
