"""The phone channel's settings, each overridable in Django settings (the name) with the default
from the environment here. Read on every use, so tests and operators can change them live."""

import os
from typing import Any

from django.conf import settings


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


DEFAULTS: dict[str, Any] = {
    # Shared with the telephony provider; the missed-call webhook refuses everything without it.
    "OPORA_PHONE_WEBHOOK_SECRET": os.environ.get("OPORA_PHONE_WEBHOOK_SECRET", ""),
    # How far a signed delivery's timestamp may be from our clock (replay protection).
    "OPORA_PHONE_WEBHOOK_TOLERANCE_SECONDS": _int_env("OPORA_PHONE_WEBHOOK_TOLERANCE_SECONDS", 300),
    # Numbers written without a country code are read as this country's.
    "OPORA_PHONE_DEFAULT_REGION": os.environ.get("OPORA_PHONE_DEFAULT_REGION", "RU"),
    # The callback SLA: a callback with no preferred time is due this many minutes after the request.
    "OPORA_CALLBACK_SLA_MINUTES": _int_env("OPORA_CALLBACK_SLA_MINUTES", 60),
    # After this many unanswered attempts a callback is closed as "could not reach".
    "OPORA_CALLBACK_MAX_ATTEMPTS": _int_env("OPORA_CALLBACK_MAX_ATTEMPTS", 3),
    # The public callback form accepts this many requests per client address per hour.
    "OPORA_CALLBACK_FORM_LIMIT_PER_HOUR": _int_env("OPORA_CALLBACK_FORM_LIMIT_PER_HOUR", 5),
    # A preferred time may be at most this many days ahead.
    "OPORA_CALLBACK_MAX_DAYS_AHEAD": 14,
}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
