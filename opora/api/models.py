"""What the API itself stores: the idempotency keys of creates."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotentRequest(models.Model):
    """A create sent with an ``Idempotency-Key`` header. A client whose response was lost (a
    timeout, a restarting database, a dropped connection) cannot know whether its write committed;
    retrying with the same key returns the resource made the first time instead of a second one.
    The row is written in the same transaction as the resource, so both exist or neither does."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    # sha256 of method, path and body: the same key with a different request is a client bug.
    fingerprint = models.CharField(max_length=64)
    resource_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotent_request_unique")
        ]

    def __str__(self) -> str:
        return self.key
