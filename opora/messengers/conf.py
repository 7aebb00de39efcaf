"""The messenger channels' settings, overridable in Django settings (the name), read on every use."""

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Calls to a messenger's API: seconds before giving up on one request, tries per call, and
    # the longest pause we accept between tries (Telegram's 429 says how long to wait).
    "OPORA_MESSENGER_TIMEOUT_SECONDS": float(
        os.environ.get("OPORA_MESSENGER_TIMEOUT_SECONDS", "10")
    ),
    "OPORA_MESSENGER_ATTEMPTS_PER_CALL": int(
        os.environ.get("OPORA_MESSENGER_ATTEMPTS_PER_CALL", "3")
    ),
    "OPORA_MESSENGER_MAX_PAUSE_SECONDS": float(
        os.environ.get("OPORA_MESSENGER_MAX_PAUSE_SECONDS", "5")
    ),
    # A reply that still fails after this many background runs is marked failed on the ticket.
    "OPORA_MESSENGER_MAX_SEND_ATTEMPTS": int(
        os.environ.get("OPORA_MESSENGER_MAX_SEND_ATTEMPTS", "5")
    ),
}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
