"""CSRF on every state-changing form: each route, posted to by a logged-in admin without a CSRF
token, is refused by Django's CSRF check. Generated from the URLconf, so new routes are covered;
the only exemptions are machine endpoints that carry their own credential (listed with why)."""

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.urls.converters import IntConverter, UUIDConverter

from tests.test_url_permissions import owner_of, walk

pytestmark = pytest.mark.django_db

# Routes that must accept a POST with no CSRF cookie, and the credential they check instead.
CSRF_EXEMPT: dict[str, str] = {
    "telephony:missed_call_webhook": "HMAC-SHA256 signature over timestamp and body (shared secret)",
    "messengers:telegram_webhook": "Telegram's secret_token header, set with setWebhook",
    # The chat widget runs on the customer's own web site (another origin, no Opora cookie at
    # all); it is anonymous by design and only ever opens the visitor's own chat or ticket.
    "chat:widget_start": "none needed: anonymous, cross-origin by design; rate-limited",
    "chat:widget_leave_message": "none needed: anonymous, cross-origin by design; rate-limited",
}


def filled(name: str, pattern: URLPattern) -> str:
    values = {}
    for key, converter in pattern.pattern.converters.items():
        if isinstance(converter, IntConverter):
            values[key] = 1
        elif isinstance(converter, UUIDConverter):
            values[key] = uuid.uuid4()
        else:
            values[key] = "x"
    return reverse(name, kwargs=values)


def form_routes():
    from django.urls import get_resolver

    return [
        (name, pattern)
        for name, pattern in walk(get_resolver())
        # The JSON API authenticates with bearer tokens (no cookies), so CSRF does not apply;
        # the admin site is Django's own and CSRF-protected by it.
        if owner_of(name) not in {"api", "admin-site"} and name not in CSRF_EXEMPT
    ]


@pytest.mark.parametrize(("name", "pattern"), form_routes(), ids=lambda value: str(value))
def test_post_without_token_is_refused(name, pattern, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(filled(name, pattern), {"anything": "1"})
    assert response.status_code == 403, f"{name} accepted a POST without a CSRF token"
    assert b"CSRF" in response.content


def test_exemptions_are_still_real_routes():
    from django.urls import get_resolver

    names = {name for name, _pattern in walk(get_resolver())}
    assert set(CSRF_EXEMPT) <= names
