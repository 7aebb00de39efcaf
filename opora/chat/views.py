"""Server-rendered pages and the widget's small JSON endpoints (thin: rules live in services).

The widget endpoints are public and answer any origin: the widget is embedded on customers'
sites and authenticates nothing but the signed visitor token it gets when a chat starts. They use
no cookies, so they are exempt from CSRF (there is no ambient authority to forge).
"""

import json
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from opora.accounts.models import Role, Team, User
from opora.core import ratelimit
from opora.core.errors import OporaError
from opora.core.web import staff_required

from . import services


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _language(request: HttpRequest, payload: dict | None = None) -> str:
    code = (payload or {}).get("lang") or request.GET.get("lang") or ""
    known = {lang for lang, _name in settings.LANGUAGES}
    return code if code in known else settings.LANGUAGE_CODE


def outage_banners() -> list[dict]:
    """Outage banners of the incidents app, when it has them (it may be absent)."""
    try:
        from opora.incidents.services import active_banners
    except ImportError:
        return []
    return [{"title": str(b["title"]), "body": str(b["body"])} for b in active_banners()]


def widget_strings() -> dict[str, str]:
    return {
        "open": _("Chat with us"),
        "close": _("Close"),
        "name": _("Your name"),
        "email": _("E-mail (optional)"),
        "email_required": _("E-mail"),
        "subject": _("Subject"),
        "message": _("Message"),
        "start": _("Start chat"),
        "send": _("Send"),
        "end": _("End chat"),
        "offline_title": _("We are offline now"),
        "offline_text": _("Leave a message and we will answer by e-mail."),
        "offline_send": _("Send message"),
        "offline_sent": _("Thank you! Your request number is %(number)s."),
        "queued": _("You are number %(position)s in the queue."),
        "wait": _("Estimated wait: about %(minutes)s min."),
        "joined": _("%(name)s joined the chat"),
        "transferring": _("Transferring you to a colleague…"),
        "ended": _("The chat has ended."),
        "typing": _("%(name)s is typing…"),
        "agent": _("Agent"),
        "csat_thanks": _("Thank you for your answer!"),
        "reconnecting": _("Connection lost, reconnecting…"),
        "new_chat": _("New chat"),
    }


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    response = render(request, "chat/widget.js", content_type="application/javascript")
    response["Cache-Control"] = "public, max-age=300"
    return _cors(response)


@require_GET
def widget_config(request: HttpRequest) -> JsonResponse:
    with translation.override(_language(request)):
        return _cors(
            JsonResponse(
                {
                    "open": services.is_open(),
                    "banners": outage_banners(),
                    "strings": widget_strings(),
                }
            )
        )


def _json_body(request: HttpRequest) -> dict:
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        payload = None
    return payload if isinstance(payload, dict) else {}


def _error(error: OporaError) -> JsonResponse:
    return _cors(JsonResponse(error.as_dict(), status=error.status))


def _count_visitor(request: HttpRequest) -> None:
    ratelimit.check(
        "chat-widget",
        ratelimit.client_address(request),
        settings.OPORA_CHAT_WIDGET_LIMIT_PER_HOUR,
        3600,
        _("Too many chats from here; please try again later"),
    )


def _text(payload: dict, name: str) -> str:
    value = payload.get(name, "")
    return value if isinstance(value, str) else ""


def _widget_post(create):
    """The widget's anonymous POST endpoints: CORS preflight, JSON in, the visitor counted
    against the rate limit, ``create(payload, language)`` in the visitor's language, and the
    one error shape out."""

    @csrf_exempt
    @require_http_methods(["POST", "OPTIONS"])
    @wraps(create)
    def view(request: HttpRequest) -> HttpResponse:
        if request.method == "OPTIONS":
            return _cors(HttpResponse())
        payload = _json_body(request)
        language = _language(request, payload)
        with translation.override(language):
            try:
                _count_visitor(request)
                created = create(payload, language)
            except OporaError as error:
                return _error(error)
        return _cors(JsonResponse(created, status=201))

    return view


@_widget_post
def widget_start(payload: dict, language: str) -> dict:
    session = services.start_chat(
        _text(payload, "name"), _text(payload, "email"), _text(payload, "body"), language=language
    )
    return {"chat": session.pk, "token": services.visitor_token(session)}


@_widget_post
def widget_leave_message(payload: dict, language: str) -> dict:
    ticket = services.leave_message(
        _text(payload, "name"),
        _text(payload, "email"),
        _text(payload, "subject"),
        _text(payload, "body"),
        language=language,
    )
    return {"ticket": ticket.pk}


def demo(request: HttpRequest) -> HttpResponse:
    """A stand-in for a customer's website with the widget's one script tag."""
    return render(request, "chat/demo.html")


@staff_required
def workspace(request: HttpRequest) -> HttpResponse:
    agents = User.objects.filter(
        is_active=True, role__in=[Role.ADMIN, Role.MANAGER, Role.AGENT]
    ).exclude(pk=request.user.pk)
    return render(
        request,
        "chat/workspace.html",
        {
            "transfer_agents": agents.order_by("first_name", "username"),
            "transfer_teams": Team.objects.all(),
            "socket_path": "/ws/chat/agent/",
            "max_chats": services.max_chats(request.user),
        },
    )


@staff_required
def queue_panel(request: HttpRequest) -> HttpResponse:
    """The htmx-refreshed list: waiting chats, transfers offered, the agent's own chats."""
    services.abandon_stale()
    mine, offered = [], []
    for session in services.chats_of(request.user):
        (mine if session.agent_id == request.user.pk else offered).append(session)
    return render(
        request,
        "chat/_queue.html",
        {
            "waiting": services.waiting_for(request.user)[:50],
            "mine": mine,
            "offered": offered,
        },
    )
