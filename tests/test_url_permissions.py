"""Every URL in the URLconf, tried by people who must be refused. New routes are covered automatically:
a route with no rule here fails the test until someone decides who may use it."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from opora.tickets import services
from opora.tickets.attachments import IncomingFile
from opora.tickets.models import CannedResponse

pytestmark = pytest.mark.django_db

# Routes anyone may open without logging in.
PUBLIC = {
    "login",
    "logout",
    "set_language",
    "portal:signup",
    "portal:verify",
    "healthz",
    "api-docs",
    # Survey answer pages: the signed, expiring token in the URL is the credential.
    "feedback:answer",
    "feedback:survey",
    # The public help centre; internal articles are refused inside the views.
    "help:home",
    "help:search",
    "help:suggest",
    "help:widget",
    "help:category",
    "help:article",
    "help:vote",
    # An article's files: the view refuses them (404) exactly when the article is refused.
    "help:attachment",
    # The live-chat widget, embedded on customers' sites: no login there; a chat is opened by
    # the signed visitor token it returns (services.visitor_token), never by a cookie.
    "chat:widget_js",
    "chat:widget_config",
    "chat:widget_start",
    "chat:widget_leave_message",
    # A stand-in customer website that embeds the widget (demo for newcomers).
    "chat:demo",
    # The public callback form (no login: the phone number identifies the caller; rate-limited),
    # the telephony provider's webhook (HMAC-signed with a shared secret), and Telegram's webhook
    # (the setWebhook secret_token header is the credential).
    "telephony:request_callback",
    "telephony:missed_call_webhook",
    "messengers:telegram_webhook",
    # A field-service appointment opened from the customer's mail: the signed token naming the
    # current appointment (it changes on every rebooking) is the credential.
    "fieldservice:appointment",
}
# Route-name prefixes and who may use them: "staff", "customer" or "admin-site"; API routes are
# checked in opora/tickets/tests/test_access.py and the schema fuzz test.
OWNERS = {
    "desk:": "staff",
    "customers:": "staff",
    "automation:": "staff",
    "workforce:": "staff",
    "help:manage_": "staff",
    # Before "feedback:": the customer's own open surveys (first matching prefix wins).
    "feedback:my_": "customer",
    "feedback:": "staff",
    # Before "fieldservice:": the customer's own appointments.
    "fieldservice:my_": "customer",
    "fieldservice:": "staff",
    "success:": "staff",
    "voices:": "staff",
    "analytics:": "staff",
    "portal:": "customer",
    # Before "quality:": mystery shoppers are customer-role logins with a Shopper profile.
    "quality:shopper_": "customer",
    "quality:": "staff",
    "people:": "staff",
    # Before "entitlements:": the customer's own assets and their coverage.
    "entitlements:my_": "customer",
    "entitlements:": "staff",
    "incidents:": "staff",
    "authority:": "staff",
    "improvements:": "staff",
    "chat:": "staff",
    # Before "telephony:": the customer's own callback requests in the portal.
    "telephony:my_": "customer",
    "telephony:": "staff",
    "admin:": "admin-site",
    "api-v1:": "api",
}


def walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from walk(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


def owner_of(name: str) -> str | None:
    if name in PUBLIC:
        return "public"
    return next((owner for prefix, owner in OWNERS.items() if name.startswith(prefix)), None)


def test_every_named_route_has_an_owner():
    unowned = sorted(
        name for name, _ in walk(get_resolver()) if owner_of(name) is None and name != "home"
    )
    assert unowned == []


REFUSED = {403, 404, 405}


def concrete_url(name: str, pattern: URLPattern, ticket) -> str:
    """Fill the route with the victim's ids: the ticket, its message, its attachment."""
    message = ticket.messages.first()
    pk = message.attachments.get().pk if name.endswith("attachment") else ticket.pk
    canned = CannedResponse.objects.get_or_create(title="t", body="b")[0]
    return (
        str(pattern.pattern)
        .replace("<int:pk>", str(pk))
        .replace("<int:message_pk>", str(message.pk))
        .replace("<int:canned_pk>", str(canned.pk))
    )


@pytest.fixture
def victim_ticket(make_ticket, erin, anna):
    ticket = make_ticket(
        erin, subject="victim", files=[IncomingFile("id.png", b"\x89PNG", "image/png")]
    )
    services.add_message(ticket, services.Actor(user=anna), "reply")
    return ticket


def staff_and_customer_routes():
    routes = []
    for prefix, resolver_entry in (
        ("desk:", "desk/"),
        ("customers:", "desk/customers/"),
        ("automation:", "desk/automation/"),
        ("portal:", "portal/"),
        ("workforce:", "workforce/"),
        ("help:manage_", "help/"),
        ("feedback:", "feedback/"),
        ("analytics:", "analytics/"),
        ("telephony:", "phone/"),
    ):
        for name, pattern in walk(get_resolver()):
            if name.startswith(prefix) and name not in PUBLIC:
                routes.append((name, resolver_entry, pattern))
    return routes


@pytest.mark.parametrize(
    ("name", "base", "pattern"),
    staff_and_customer_routes(),
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_route_refuses_anonymous_wrong_role_and_other_customer(
    name, base, pattern, victim_ticket, carol, boris, client, client_for
):
    url = "/" + base + concrete_url(name, pattern, victim_ticket)
    per_ticket = "<int:pk>" in str(pattern.pattern) and not name.startswith("customers:")
    for method in ("get", "post"):
        anonymous = getattr(client, method)(url)
        assert anonymous.status_code in REFUSED | {302, 401}, (method, url, anonymous.status_code)
        if anonymous.status_code == 302:
            assert anonymous.url.startswith("/login/")
        # Carol is a customer, not Erin; Boris is an agent, but not on Erin's ticket's team.
        if per_ticket or owner_of(name) == "staff":
            assert getattr(client_for(carol.user), method)(url).status_code in REFUSED, (
                method,
                url,
            )
        if per_ticket or owner_of(name) == "customer":
            assert getattr(client_for(boris), method)(url).status_code in REFUSED, (method, url)
