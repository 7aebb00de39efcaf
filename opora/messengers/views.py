"""The messenger webhooks (thin: the adapter parses, services write)."""

import hmac
import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .adapters.base import InvalidUpdate
from .models import Bot, Platform

# Telegram echoes setWebhook's secret_token in this header on every delivery.
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _error(status: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest, bot_id: str) -> JsonResponse:
    """POST /messengers/telegram/<bot_id>/webhook — see docs/messengers.md for the codes."""
    bot = Bot.objects.filter(platform=Platform.TELEGRAM, bot_id=bot_id, is_active=True).first()
    if bot is None:
        return _error(404, "unknown_bot", "No active Telegram bot with this id")
    expected = bot.secret
    if not expected:
        return _error(503, "not_configured", "The bot has no webhook secret configured")
    given = request.headers.get(TELEGRAM_SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return _error(401, "bad_secret", "Missing or wrong secret token header")
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "malformed_json", "The body is not JSON")
    if not isinstance(payload, dict):
        return _error(400, "malformed_json", "The body must be a JSON object")
    try:
        received = services.receive_update(bot, payload)
    except InvalidUpdate as error:
        return _error(400, "invalid_update", str(error), {error.field: error.problem})
    except services.MessengerUnavailable as error:
        response = _error(error.status, error.code, error.message)
        response["Retry-After"] = "30"
        return response
    update = received.update
    return JsonResponse(
        {
            "ok": True,
            "duplicate": received.duplicate,
            "outcome": update.outcome,
            "detail": update.detail,
            "ticket_id": update.message.ticket_id if update.message_id else None,
        }
    )
