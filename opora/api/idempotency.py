"""``Idempotency-Key`` for creates: a retried request returns what the first one made.

Two requests with the same key at once: the second one's insert of the key waits on the unique
index until the first commits, then finds the committed row and replays it (PostgreSQL); SQLite
serialises writers anyway. A failed request rolls its key back with everything else, so its retry
runs afresh."""

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Status

from opora.core.errors import InvalidInput, InvalidTransition

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100
KEPT_FOR = timedelta(hours=24)
OPENAPI_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
    "description": "Any unique string per intended create (a UUID). Retrying with the same key "
    f"within {KEPT_FOR.total_seconds() / 3600:.0f} hours returns the resource the first request "
    "made instead of making another.",
}


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), request.body):
        digest.update(part + b"\0")
    return digest.hexdigest()


def idempotent(replay: Callable[[HttpRequest, int], Any]) -> Callable:
    """Wrap a create view returning ``Status(201, obj)``; ``replay(request, pk)`` re-reads ``obj``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            key = request.headers.get(HEADER)
            if key is None:
                return view(request, *args, **kwargs)
            if not 0 < len(key) <= MAX_KEY_LENGTH:
                raise InvalidInput(
                    _("The Idempotency-Key header must be 1 to %(n)s characters")
                    % {"n": MAX_KEY_LENGTH},
                    fields={HEADER: "invalid"},
                )
            fingerprint = _fingerprint(request)
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        record = IdempotentRequest.objects.create(
                            user=request.auth, key=key, fingerprint=fingerprint
                        )
                except IntegrityError:
                    record = IdempotentRequest.objects.get(user=request.auth, key=key)
                    if record.fingerprint != fingerprint:
                        raise InvalidTransition(
                            _("This Idempotency-Key was already used for a different request"),
                            code="idempotency_key_reused",
                        ) from None
                    return Status(201, replay(request, record.resource_id))
                result = view(request, *args, **kwargs)
                record.resource_id = result.value.pk
                record.save(update_fields=["resource_id"])
                return result

        return wrapper

    return decorator


def forget_old_keys(now: datetime | None = None) -> int:
    """Periodic job: keys are a retry window, not an archive."""
    cutoff = (now or timezone.now()) - KEPT_FOR
    deleted, _per_model = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
