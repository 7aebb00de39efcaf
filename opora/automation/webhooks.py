"""Outgoing webhooks: a JSON POST signed with HMAC-SHA256, sent and retried by a task.

The signature is ``X-Opora-Signature: sha256=<hex HMAC of the raw body>`` keyed with the value
of the environment variable the rule names (secrets stay out of the database). Receivers
should compare it in constant time.

Only http(s) URLs, and only to public addresses: the host is resolved once, every address it
resolves to must be global (no loopback, private, link-local or reserved ranges — a rule must
not reach the database or a cloud metadata service), and the connection goes to that vetted
address, so DNS cannot swap in another between check and use. Redirects are not followed.
``OPORA_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True`` lifts the address check (tests, closed
networks).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import os
import socket
import ssl
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from opora.tickets.models import Ticket

from .actions import Webhook
from .models import Delivery, WebhookDelivery

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Opora-Signature"
TIMEOUT_SECONDS = 10
DEFAULT_MAX_ATTEMPTS = 5


class WebhookRefused(Exception):
    """A delivery that retrying cannot fix (unsafe address, missing secret)."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload_for(
    ticket: Ticket, kind: str, name: str, event: str, changes: Mapping[str, tuple[Any, Any]]
) -> dict[str, Any]:
    return {
        "event": event,
        "rule": {"kind": kind, "name": name},
        "ticket": {
            "id": ticket.pk,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "type": ticket.type,
            "channel": ticket.channel,
            "team_id": ticket.team_id,
            "assignee_id": ticket.assignee_id,
            "customer_id": ticket.customer_id,
            "organisation_id": ticket.organisation_id,
            "reason_id": ticket.reason_id,
        },
        "changes": {
            name: ["" if old is None else str(old), "" if new is None else str(new)]
            for name, (old, new) in changes.items()
        },
    }


def queue(
    ticket: Ticket,
    hook: Webhook,
    kind: str,
    name: str,
    event: str,
    changes: Mapping[str, tuple[Any, Any]],
) -> WebhookDelivery:
    """Record the call with its payload as of now; the task sends it once the change commits."""
    delivery = WebhookDelivery.objects.create(
        ticket=ticket,
        rule_name=name,
        url=hook.url,
        secret_env=hook.secret_env,
        payload=payload_for(ticket, kind, name, event, changes),
    )
    transaction.on_commit(lambda: deliver_webhook.enqueue(delivery.pk))
    return delivery


def _allow_private() -> bool:
    return getattr(settings, "OPORA_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)


def vetted_address(host: str, port: int) -> str:
    """The address to connect to; :class:`WebhookRefused` if any address of the host is unsafe."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise OSError(f"cannot resolve {host}: {error}") from error
    addresses = [info[4][0] for info in infos]
    if not _allow_private():
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise WebhookRefused(f"{host} resolves to a non-public address {address}")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str):
        super().__init__(host, port, timeout=TIMEOUT_SECONDS)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str):
        super().__init__(host, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    """POST to a vetted address; returns the HTTP status."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise WebhookRefused(f"not an http(s) URL: {url}")
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    address = vetted_address(parts.hostname, port)
    connection_class = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.request("POST", path, body=body, headers=dict(headers))
        return connection.getresponse().status
    finally:
        connection.close()


def _max_attempts() -> int:
    return getattr(settings, "OPORA_WEBHOOK_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)


def deliver(delivery_id: int) -> str:
    """Send one delivery. Safe to call twice: a sent or failed delivery is left alone."""
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    if delivery.status in {Delivery.SENT, Delivery.FAILED}:
        return delivery.status
    delivery.attempts += 1
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder).encode()
    final = delivery.attempts >= _max_attempts()
    try:
        secret = os.environ.get(delivery.secret_env)
        if not secret:
            raise WebhookRefused(f"environment variable {delivery.secret_env} is not set")
        delivery.response_status = post(
            delivery.url,
            body,
            {
                "Content-Type": "application/json",
                "User-Agent": "Opora-Webhook/1",
                "X-Opora-Delivery": str(delivery.pk),
                SIGNATURE_HEADER: sign(secret, body),
            },
        )
        if not 200 <= delivery.response_status < 300:
            raise OSError(f"HTTP {delivery.response_status}")
    except WebhookRefused as error:
        delivery.status, delivery.last_error = Delivery.FAILED, str(error)
        final = True
    except (OSError, http.client.HTTPException) as error:
        delivery.status = Delivery.FAILED if final else Delivery.RETRYING
        delivery.last_error = str(error)[:2000]
    else:
        delivery.status, delivery.last_error, delivery.sent_at = Delivery.SENT, "", timezone.now()
        final = True
    delivery.save()
    if delivery.status == Delivery.FAILED:
        logger.warning(
            "Webhook %s to %s failed: %s", delivery.pk, delivery.url, delivery.last_error
        )
    if not final:
        retry = deliver_webhook
        if retry.get_backend().supports_defer:
            retry = retry.using(run_after=timezone.now() + timedelta(minutes=2**delivery.attempts))
        retry.enqueue(delivery.pk)
    return delivery.status


@task()
def deliver_webhook(delivery_id: int) -> str:
    return deliver(delivery_id)
